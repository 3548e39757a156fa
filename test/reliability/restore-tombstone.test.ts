/**
 * A record redelivered after its entity's state was deleted (issue #23), on the embedded log: a dlp
 * object's last chunk closes its scan (findings, and a tombstone in the changelog), the batch's
 * writes land but its commit does not (a member left the group, or the process died, in between),
 * and the next owner gets the last chunk again. Its restore must know the object is closed: before
 * the fix (worker-state.ts deletion markers), a tombstone restored as "no state", the replayed last
 * chunk opened a new scan waiting for chunks 0..n-1, and that open scan stayed in the changelog for
 * good (group-growth-more.int.test.ts: one extra dlp state after a member left).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type SluiceConfig } from '../../services/cli/config.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { ManualClock } from '../../services/core/clock.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { STREAMS } from '../../services/core/streams.ts';
import { createTelemetry } from '../../services/core/telemetry.ts';
import { isCaughtUp } from '../../services/core/transport.ts';
import { DETECTOR_SPECS } from '../../services/detectors/registry.ts';
import { assembleProcessor } from '../../services/processor/assemble.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { EmbeddedLog } from '../../services/transports/embedded/log.ts';
import { MemorySink } from '../fixtures/memory-sink.ts';
import { dlpObjects } from './detector-inputs.ts';

test('a replayed record its entity\'s deletion already reflects is skipped: a closed dlp object stays closed', async () => {
  const off = Object.fromEntries(DETECTOR_SPECS.map((s) => [s.name, { enabled: false }]));
  const config: SluiceConfig = resolveConfig({
    processor: { workers: 2, maxBatchSize: 1, stateShards: 8, groupId: 'restore-tomb', retryTimeoutMs: 30_000 },
    topics: { partitions: 4 },
    detectors: { ...off, dlp: { enabled: true } },
  });
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0), maxBatchSize: 1 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const topic = config.topics[STREAMS.object_chunk.topic];
  // Object 1 of the kill test's generator: three chunks, the last closes it.
  const chunks = dlpObjects(2, 3)[1]!;
  assert.equal(chunks.length, 3);
  const key = chunks[0]!.key;
  const producer = await log.producer();
  await producer.send(topic, await Promise.all(chunks.map(async (c) => ({ key, value: await codec.encode(topic, STREAMS.object_chunk.schema, c.event) }))));
  const sink = new MemorySink('ids');
  const run = async () => {
    const parts = assembleProcessor({ config, transport: log, codec, producer: await log.producer(), sinks: [sink], logger: silentLogger(), telemetry: createTelemetry(), clock: new ManualClock(1_700_000_000_000) });
    let failure: unknown;
    const consumer = await parts.service.start();
    consumer.done.catch((e: unknown) => (failure = e));
    try {
      while (!(await isCaughtUp(log, config.processor.groupId, topic))) {
        if (failure) throw failure;
        await log.waitForChange(20);
      }
    } finally {
      await parts.service.stop();
      await parts.pool.close();
    }
  };
  const changelog = changelogTopic(config.app, 'dlp');
  const open = () => {
    const last = log.readAll(changelog).filter((m) => m.key === key).at(-1);
    return last !== undefined && !last.tombstone && last.value.length > 0;
  };

  await run();
  const found = new Set(sink.ids.keys());
  assert.ok(found.size > 0, 'the object has findings');
  assert.equal(open(), false, 'the last chunk closed the scan (a tombstone)');

  // The last chunk's writes landed, its commit did not: the group's position goes back one record.
  const partition = log.readAll(topic)[0]!.partition;
  const committed = log.group(config.processor.groupId).committed.get(topic)!;
  committed.set(partition, committed.get(partition)! - 1n);
  await run();
  assert.equal(open(), false, 'the redelivered last chunk did not reopen the object');
  assert.deepEqual(new Set(sink.ids.keys()), found, 'no other finding');
});
