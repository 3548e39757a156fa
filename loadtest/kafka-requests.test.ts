import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuSeconds, perThousand, REQUEST_BENCH_CONFIGS } from './kafka-requests.bench.ts';
import { KafkaConfig } from '../services/core/config.ts';

test('perThousand scales counts to 1,000 events, largest first, one decimal', () => {
  const out = perThousand(new Map([['Produce', 430], ['Fetch', 763], ['Heartbeat', 1]]), 3000);
  assert.deepEqual(Object.entries(out), [['Fetch', 254.3], ['Produce', 143.3], ['Heartbeat', 0.3]]);
});

test('cpuSeconds reads this process\'s CPU time from /proc and grows with work; a gone pid counts 0', () => {
  const before = cpuSeconds([process.pid]);
  const until = Date.now() + 300;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  const after = cpuSeconds([process.pid]);
  assert.ok(x > 0 && after - before >= 0.1, `${before} -> ${after}`);
  assert.equal(cpuSeconds([2 ** 22 + 12345]), 0);
});

test('every bench configuration is a valid kafka section, and "before" turns coalescing off', () => {
  for (const [name, settings] of Object.entries(REQUEST_BENCH_CONFIGS)) {
    assert.doesNotThrow(() => KafkaConfig.parse({ brokers: ['127.0.0.1:9092'], ...settings }), name);
  }
  const before = KafkaConfig.parse({ brokers: ['127.0.0.1:9092'], ...REQUEST_BENCH_CONFIGS.before });
  assert.equal(before.producerLingerMs, 0);
  assert.equal(before.commitLingerMs, 0);
  const after = KafkaConfig.parse({ brokers: ['127.0.0.1:9092'], ...REQUEST_BENCH_CONFIGS.after });
  assert.ok(after.producerLingerMs > 0 && after.commitLingerMs > 0);
});
