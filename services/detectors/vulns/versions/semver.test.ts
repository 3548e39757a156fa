import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSemver, parseSemver } from './semver.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// semver.org 2.0.0, item 11 (precedence).
test('SemVer 2.0 precedence', () => {
  assertAscending(compareSemver, ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0', '2.1.0', '2.1.1']);
  assertEqualVersions(compareSemver, [['1.0.0+build.1', '1.0.0'], ['v1.2.3', '1.2.3']]);
  assert.equal(parseSemver('1.2'), null);
});
