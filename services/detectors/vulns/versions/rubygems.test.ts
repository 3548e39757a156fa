import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareGem, parseGem } from './rubygems.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// Gem::Version documentation and rubygems test/rubygems/test_gem_version.rb.
test('pre-releases (any letter segment) sort before the release', () => {
  assertAscending(compareGem, ['1.0.a', '1.0.a.2', '1.0.b1', '1.0.rc1', '1.0', '1.0.1']);
  assertAscending(compareGem, ['5.a', '5.0.0.rc2', '5.0.0']);
  assertAscending(compareGem, ['1.0-1', '1.0']);
});

test('numeric segments and trailing zeros', () => {
  assertAscending(compareGem, ['1.9.3', '1.10', '2']);
  assertEqualVersions(compareGem, [['1.0', '1'], ['1.0.0', '1'], ['1.8.2.a', '1.8.2.a.0'], ['', '0']]);
});

test('invalid versions are refused', () => {
  assert.equal(parseGem('junk'), null);
  assert.equal(parseGem('1.0\n1.1'), null);
});
