import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePep440, isPep440 } from './pep440.ts';
import { assertAscending, assertEqualVersions } from './testing.ts';

// PEP 440, "Summary of permitted suffixes and relative ordering" example, plus epochs.
test('the PEP 440 ordering example', () => {
  assertAscending(comparePep440, [
    '1.dev0', '1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456',
    '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456', '1.0.15', '1.1.dev1',
  ]);
});

test('epochs, normalization and invalid versions', () => {
  assertAscending(comparePep440, ['2.0', '1!1.0']);
  assertEqualVersions(comparePep440, [['1.0', '1.0.0'], ['1.0RC1', '1.0rc1'], ['1.0-post1', '1.0.post1'], ['v1.0', '1.0']]);
  assert.equal(isPep440('not a version'), false);
});
