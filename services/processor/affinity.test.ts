import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { SCHEMA_NAMES } from '../core/events.ts';
import { findingId } from '../core/finding-id.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { isCaughtUp } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { assembleProcessor } from './assemble.ts';
import { apiActivity } from '../../test/fixtures/events/api-activity.ts';
import { MemorySink } from '../../test/fixtures/memory-sink.ts';

test('a stateful counter sees every event of a key in one thread: exact counts with 2 worker threads', async () => {
  const KEYS = 40;
  const PER_KEY = 50;
  const EVERY = 10;
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({
    processor: { workers: 2, maxBatchSize: 7, stateShards: 16 },
    topics: { partitions: 3 },
    detectors: { sensitive_operation: { enabled: false }, event_count: { enabled: true, every: EVERY } },
  });
  const log = new EmbeddedLog({ partitions: 3, clock, maxBatchSize: 25 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink();
  const { service, pool } = assembleProcessor({
    config,
    transport: log,
    codec,
    producer,
    sinks: [sink],
    logger: silentLogger(),
    telemetry: createTelemetry({ serviceName: 'test' }),
    clock,
  });
  try {
    // Interleave keys so every batch mixes many keys and shards.
    const messages = [];
    for (let n = 0; n < PER_KEY; n++) {
      for (let k = 0; k < KEYS; k++) {
        const key = `arn:aws:iam::123456789012:user/u${k}`;
        const event = apiActivity({ principal: key, uid: `e-${k}-${n}` });
        messages.push({ key, value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, event) });
      }
    }
    await producer.send(config.topics.activity, messages);
    const consumer = await service.start();
    let failure: unknown;
    consumer.done.catch((e: unknown) => (failure = e));
    while (!(await isCaughtUp(log, config.processor.groupId, config.topics.activity))) {
      if (failure) throw failure; // fail fast instead of waiting forever
      await log.waitForChange(20);
    }
    await service.stop();

    const expected = new Set<string>();
    for (let k = 0; k < KEYS; k++) {
      for (let c = EVERY; c <= PER_KEY; c += EVERY) expected.add(findingId('event_count', 'count_reached', `arn:aws:iam::123456789012:user/u${k}`, [String(c)]));
    }
    assert.equal(sink.findings.length, expected.size, 'one milestone per key per multiple, none lost, none doubled');
    assert.deepEqual(new Set(sink.findings.map((f) => f.id)), expected);
    const threads = new Set(pool.balancer.owners().values());
    assert.equal(threads.size, 2, 'shards are spread over both threads');
  } finally {
    await pool.close();
  }
});
