import { test } from 'node:test';
import { compareMaven } from './maven.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// The POM reference, "Version Order Specification", and maven-artifact ComparableVersionTest.
test('qualifier order: alpha < beta < milestone < rc = cr < snapshot < release < sp', () => {
  assertAscending(compareMaven, ['1.0-alpha1', '1.0-beta1', '1.0-milestone1', '1.0-rc1', '1.0-SNAPSHOT', '1.0', '1.0-sp1']);
  assertEqualVersions(compareMaven, [['1.0-RC1', '1.0-cr1'], ['1-a1', '1-alpha-1'], ['1-b2', '1-beta-2'], ['1-m3', '1-milestone-3']]);
});

test('null items are trimmed; numbers compare numerically', () => {
  assertEqualVersions(compareMaven, [['1', '1.0'], ['1', '1.0.0'], ['1.ga', '1-ga'], ['1-ga', '1-0'], ['1.0', '1-final'], ['1', '1-release']]);
  assertAscending(compareMaven, ['1', '1.1', '1.2', '1.10']);
  assertAscending(compareMaven, ['1-foo2', '1-foo10']);
  assertAscending(compareMaven, ['1-sp-1', '1-ga-1']);
  assertAscending(compareMaven, ['1-1', '1.1']);
  assertAscending(compareMaven, ['2.13.4', '2.13.4.1', '2.13.4.2', '2.14.0-rc1', '2.14.0']);
});
