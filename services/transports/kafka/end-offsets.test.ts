import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { fetchTopicOffsetsRetrying } from './transport.ts';

// kafkajs' own TypeError when the metadata lists no leaders cannot be produced on demand by a real
// cluster, so these tests stand in an admin whose fetchTopicOffsets fails the way kafkajs does.
type Offsets = Array<{ partition: number; offset: string; high: string; low: string }>;
const ENDS: Offsets = [{ partition: 0, offset: '5', high: '5', low: '0' }];

function admin(failures: number, error: () => Error = () => new TypeError("Cannot destructure property 'partitions' of 'high.pop(...)' as it is undefined.")) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fetchTopicOffsets: async (): Promise<Offsets> => {
      calls++;
      if (calls <= failures) throw error();
      return ENDS;
    },
  };
}

test('a transient "no leaders" TypeError is retried until the offsets come', async () => {
  const a = admin(2);
  assert.deepEqual(await fetchTopicOffsetsRetrying(a, 'in'), ENDS);
  assert.equal(a.calls, 3);
});

test('after 8 attempts it is reported as the topic being unavailable, not as the TypeError', async () => {
  const a = admin(100);
  await assert.rejects(fetchTopicOffsetsRetrying(a, 'in'), (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_TRANSPORT_UNAVAILABLE' && /no partition leaders/.test(err.message));
  assert.equal(a.calls, 8);
});

test('other errors are not retried', async () => {
  const a = admin(1, () => new Error('broker down'));
  await assert.rejects(fetchTopicOffsetsRetrying(a, 'in'), /broker down/);
  assert.equal(a.calls, 1);
});
