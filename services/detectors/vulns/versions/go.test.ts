import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareGo, goToSemver } from './go.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// Go module version rules (go.dev/ref/mod#versions) and the Go vulndb's stdlib/toolchain forms.
test('module versions with or without the v prefix; pseudo-versions are pre-releases', () => {
  assertEqualVersions(compareGo, [['v1.2.3', '1.2.3'], ['v2.0.0+incompatible', '2.0.0']]);
  assertAscending(compareGo, ['v0.0.0-20210101000000-abcdef123456', 'v0.0.1-0.20220101000000-abcdef123456', 'v0.0.1', 'v0.10.0', 'v1.0.0-rc.1', 'v1.0.0']);
});

test('stdlib and toolchain versions: go1.21.0, 1.21.0, v1.21.0, go1.20, go1.21rc2', () => {
  assertEqualVersions(compareGo, [['go1.21.0', '1.21.0'], ['v1.21.0', 'go1.21.0'], ['go1.20', '1.20.0']]);
  assertAscending(compareGo, ['go1.20.14', 'go1.21rc2', 'go1.21.0', 'go1.21.13', 'go1.22.0']);
});

test('invalid versions are refused', () => {
  assert.equal(goToSemver('devel'), null);
  assert.throws(() => compareGo('master', 'v1.0.0'), RangeError);
});
