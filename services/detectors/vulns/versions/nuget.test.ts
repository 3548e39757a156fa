import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNuget, parseNuget } from './nuget.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// NuGet "Package versioning" docs (version normalization, SemVer 2.0 pre-release precedence).
test('four numeric parts, missing ones are zero; build metadata ignored', () => {
  assertEqualVersions(compareNuget, [['1.0', '1.0.0.0'], ['1.0.0+build.5', '1.0.0'], ['1.0.0-Beta', '1.0.0-beta']]);
  assertAscending(compareNuget, ['1.0.0', '1.0.0.1', '1.0.1', '1.1', '13.0.1']);
});

test('pre-release labels: numeric < alphanumeric, case-insensitive, release last', () => {
  assertAscending(compareNuget, ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.2', '1.0.0-alpha.10', '1.0.0-alpha.beta', '1.0.0-Beta', '1.0.0-rc.1', '1.0.0']);
});

test('invalid versions are refused', () => {
  assert.equal(parseNuget('1.0.0.0.0'), null);
  assert.equal(parseNuget('latest'), null);
});
