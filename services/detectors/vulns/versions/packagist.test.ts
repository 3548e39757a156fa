import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizePhp, comparePackagist } from './packagist.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// PHP's version_compare() documentation and Composer's stability order.
test('canonicalization inserts separators between digit and letter runs', () => {
  assert.deepEqual(canonicalizePhp('1.0rc1'), ['1', '0', 'rc', '1']);
  assert.deepEqual(canonicalizePhp('v2.3.4-beta_2'), ['2', '3', '4', 'beta', '2']);
});

test('dev < alpha < beta < RC < release < patch level', () => {
  assertAscending(comparePackagist, ['1.0-dev', '1.0-alpha1', '1.0-beta2', '1.0-RC1', '1.0', '1.0-pl1', '1.0.1']);
  assertAscending(comparePackagist, ['5.2', '5.10', '10.0']);
  assertEqualVersions(comparePackagist, [['v1.2.3', '1.2.3'], ['1.0a1', '1.0-alpha1'], ['1.0.b2', '1.0-beta2'], ['1.0', '1.0.0.0']]);
});
