import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { SCHEMA_NAMES, type Finding } from '../core/events.ts';
import { isCaughtUp, type Producer } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { objectStorageCollector } from '../collectors/object_storage/index.ts';
import { assembleProcessor } from './assemble.ts';
import { BATCH_STAGES } from './service.ts';
import { MemorySink } from '../../test/fixtures/memory-sink.ts';

const CARD = '4556737586899855';

/**
 * A DLP quarantine policy makes a finding (to the sink) and an action (a side output, to the
 * actions topic) from one object. The sink's write waits until the action has been produced: with
 * the two written one after the other, the sink would give up waiting after 3 s and the test fails.
 */
test('a batch writes its sinks and side outputs at once, then commits; each step is timed', { timeout: 60_000 }, async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({
    processor: { workers: 1, retryTimeoutMs: 1000 },
    topics: { partitions: 1 },
    detectors: { dlp: { enabled: true, policies: [{ name: 'cards', action: 'quarantine', dataTypes: ['payment_card'], minCount: 1 }] } },
  });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const real = await log.producer();
  let actionProduced!: () => void;
  const produced = new Promise<void>((resolve) => (actionProduced = resolve));
  const producer: Producer = {
    send: async (topic, messages) => {
      await real.send(topic, messages);
      if (topic === config.topics.actions) actionProduced();
    },
    close: async () => {},
  };
  const sink = new MemorySink();
  const original = sink.write.bind(sink);
  let waitedForAction: boolean | undefined;
  sink.write = async (findings: readonly Finding[]) => {
    if (findings.length === 0) return;
    const bound = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000).unref());
    waitedForAction ??= await Promise.race([produced.then(() => true), bound]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await original(findings);
  };
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [sink], logger: silentLogger(), telemetry: createTelemetry(), clock });
  try {
    const topic = config.topics.objectChunk;
    for (const out of objectStorageCollector({}, { clock }).collect({ name: 'cards.txt', bytes: Buffer.from(`card ${CARD} on file\n`) })) {
      if (out.kind !== 'event') continue;
      await producer.send(topic, [{ key: out.key, value: await codec.encode(topic, SCHEMA_NAMES.objectChunk, out.event) }]);
    }
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, topic))) await log.waitForChange(20);
    await service.stop();

    assert.ok(sink.findings.length >= 1, 'the findings were stored');
    assert.equal(log.readAll(config.topics.actions).length, 1, 'the action was written');
    assert.equal(waitedForAction, true, 'the side output was written while the sink write was pending');
    assert.equal(service.stats.retries, 0, 'no step failed');
    const { stageSeconds } = service.stats;
    assert.deepEqual(Object.keys(stageSeconds).sort(), [...BATCH_STAGES].sort());
    assert.ok(stageSeconds.sinks >= 0.025, `the sink's 30 ms wait is in the sinks step (${stageSeconds.sinks} s)`);
    assert.ok(stageSeconds.detect > 0 && stageSeconds.decode > 0 && stageSeconds.side_outputs > 0);
  } finally {
    await pool.close();
  }
});
