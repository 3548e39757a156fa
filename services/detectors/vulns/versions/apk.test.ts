import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareApk, parseApk } from './apk.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// apk-tools version rules (src/version.c, test/version.data) and the Alpine package policy.
test('pre-release suffixes before the release, post-release suffixes after, then -r', () => {
  assertAscending(compareApk, ['1.0_alpha', '1.0_alpha2', '1.0_beta', '1.0_pre1', '1.0_rc1', '1.0', '1.0-r1', '1.0_cvs', '1.0_svn', '1.0_git', '1.0_hg', '1.0_p1', '1.0_p2', '1.0_p2-r1']);
});

test('numbers, letters, leading zeros as fractions and revisions', () => {
  assertAscending(compareApk, ['1.2', '1.2a', '1.2b', '1.2.1', '1.10']);
  assertAscending(compareApk, ['1.01', '1.1', '1.2']);
  assertAscending(compareApk, ['1.2.13-r0', '1.2.13-r1', '1.2.13-r10', '1.3-r0']);
  assertAscending(compareApk, ['3.0.8-r0', '3.0.10-r0', '3.1.0-r0']);
  assertEqualVersions(compareApk, [['1.2-r0', '1.2'], ['1.010', '1.01']]);
});

test('invalid versions are refused', () => {
  assert.equal(parseApk('1.0-beta'), null);
  assert.equal(parseApk('abc'), null);
  assert.throws(() => compareApk('x', '1'), RangeError);
});
