import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deserializeError, ERROR_CODES, isRetriable, serializeError, SluiceError } from './errors.ts';

test('docs/errors.md lists exactly the codes in errors.ts, with the same retriable flag', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `(SLUICE_ERR_[A-Z0-9_]+)` \| (yes|no) \|/gm)].map((m) => [m[1]!, m[2] === 'yes'] as const);
  assert.deepEqual(new Map(rows), new Map(Object.entries(ERROR_CODES).map(([k, v]) => [k, v.retriable])));
});

test('codes follow SLUICE_ERR_<AREA>_<CONDITION>', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^SLUICE_ERR_[A-Z]+_[A-Z0-9_]+$/);
});

test('errors cross a worker boundary and come back with code and retriable flag', () => {
  const original = new SluiceError('SLUICE_ERR_SINK_WRITE', 'ClickHouse said no', { cause: new Error('ECONNRESET') });
  const back = deserializeError(structuredClone(serializeError(original)));
  assert.ok(back instanceof SluiceError);
  assert.equal(back.code, 'SLUICE_ERR_SINK_WRITE');
  assert.equal(back.message, 'ClickHouse said no');
  assert.equal(isRetriable(back), true);
  const plain = deserializeError(serializeError(new TypeError('x is undefined')));
  assert.equal(plain.name, 'TypeError');
  assert.equal(isRetriable(plain), false);
});
