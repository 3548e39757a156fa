import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDpkg, parseDpkg, verrevcmp } from './dpkg.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// Debian Policy 5.6.12 (Version) and deb-version(7).
test('tilde sorts before anything, even the end of a part; letters before non-letters', () => {
  assertAscending(verrevcmp, ['~~', '~~a', '~', '', 'a']);
  assertAscending(compareDpkg, ['1.0~rc1', '1.0', '1.0a', '1.0+', '1.0.1']);
});

test('numeric runs compare as numbers, epochs first, then the revision', () => {
  assertAscending(compareDpkg, ['1.2.3', '1.2.10', '2.0', '1:0.1', '2:0.1']);
  assertAscending(compareDpkg, ['2.30-20', '2.30-20+deb10u1', '2.30-21', '2.31-1']);
  assertAscending(compareDpkg, ['1.1.1n-0+deb11u4', '1.1.1n-0+deb11u5', '1.1.1w-0+deb11u1']);
  assertEqualVersions(compareDpkg, [['1.0', '0:1.0'], ['1.01', '1.1'], ['1.0-0', '1.0-0']]);
});

test('invalid versions are refused', () => {
  assert.equal(parseDpkg('a:1.0'), null);
  assert.equal(parseDpkg('1.0 beta'), null);
  assert.throws(() => compareDpkg('x:1', '1'), RangeError);
});
