import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { isFinalRefusal, isRecordTooLarge, writeIsolatingRefused } from './isolate-refused.ts';

/** A writer like a broker with a size limit per request: a request holding any item over `max` is refused whole. */
function limitedWriter(max: number) {
  const written: number[] = [];
  let calls = 0;
  const write = async (items: readonly number[]): Promise<void> => {
    calls++;
    if (items.some((n) => n > max)) throw new SluiceError('SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE', `an item over ${max}`);
    written.push(...items);
  };
  return { write, written, calls: () => calls };
}

test('only the items refused alone are returned; every other item is written', async () => {
  const items = [1, 2, 900, 3, 4, 5, 950, 6];
  const w = limitedWriter(100);
  const refused = await writeIsolatingRefused(items, w.write, isRecordTooLarge);
  assert.deepEqual(refused.map((r) => r.item), [900, 950]);
  for (const r of refused) assert.equal(r.error.code, 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE');
  assert.deepEqual([...new Set(w.written)].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
  assert.ok(w.calls() <= 2 * items.length, `${w.calls()} writes`);
});

test('a batch that is written at once costs one write', async () => {
  const w = limitedWriter(100);
  assert.deepEqual(await writeIsolatingRefused([1, 2, 3], w.write, isRecordTooLarge), []);
  assert.equal(w.calls(), 1);
});

test('an error that is not a refusal is thrown as it is (the batch is retried, nothing dead-lettered)', async () => {
  let calls = 0;
  const down = async (): Promise<void> => {
    calls++;
    throw new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', 'broker down');
  };
  await assert.rejects(writeIsolatingRefused([1, 2, 3], down, isRecordTooLarge), /broker down/);
  await assert.rejects(writeIsolatingRefused([1, 2, 3], down, isFinalRefusal), /broker down/);
  assert.equal(calls, 2);
  // A failure in the middle of the bisection is thrown too.
  let n = 0;
  const flaky = async (items: readonly number[]): Promise<void> => {
    if (n++ === 0) throw new SluiceError('SLUICE_ERR_SINK_WRITE', 'refused', { retriable: false });
    if (items.includes(2)) throw new Error('connection reset');
  };
  await assert.rejects(writeIsolatingRefused([1, 2, 3, 4], flaky, isFinalRefusal), /connection reset/);
});
