import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nestingTooDeep } from './nesting.ts';

test('deep flow collections, dash chains and indentation are caught; normal documents pass', () => {
  assert.equal(nestingTooDeep('- ' + '['.repeat(3000) + ']'.repeat(3000)), true);
  assert.equal(nestingTooDeep('{"a":'.repeat(300) + '1' + '}'.repeat(300)), true);
  assert.equal(nestingTooDeep('- '.repeat(300) + 'x'), true);
  assert.equal(nestingTooDeep(' '.repeat(500) + 'x: 1'), true);
  assert.equal(nestingTooDeep('name: "[[[[[[' + '['.repeat(500) + '"'), false, 'brackets inside quotes do not count');
  assert.equal(nestingTooDeep('a:\n  b:\n    - [1, 2, {c: 3}]\n'), false);
});
