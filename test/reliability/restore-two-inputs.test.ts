/**
 * The restore of a key fed by two co-partitioned input topics (vulns: images and advisories), on
 * the embedded log, which never compacts: the changelog keeps every record of a package, and the
 * restore must load the last one written, not the one with the highest input offset of either
 * topic (issue #23; before the fix in state-manager.ts collect(), an image record at offset 9 won
 * over the later advisory record at offset 0, and the images after a restart raised nothing).
 * Unit-sized; the same on Apache Kafka with a kill -9 is vulns-kill.int.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type SluiceConfig } from '../../services/cli/config.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { ManualClock } from '../../services/core/clock.ts';
import { silentLogger } from '../../services/core/logger.ts';
import type { ImageInventory } from '../../services/core/model/image-inventory.ts';
import { STREAMS } from '../../services/core/streams.ts';
import { createTelemetry } from '../../services/core/telemetry.ts';
import { isCaughtUp } from '../../services/core/transport.ts';
import { DETECTOR_SPECS } from '../../services/detectors/registry.ts';
import { advisories, FIXTURES, Harness, inventories, type Keyed } from '../../services/detectors/vulns/testing.ts';
import { assembleProcessor } from '../../services/processor/assemble.ts';
import { EmbeddedLog } from '../../services/transports/embedded/log.ts';
import { MemorySink } from '../fixtures/memory-sink.ts';

function images(from: number, to: number): Array<Keyed<ImageInventory>> {
  const base = inventories(new URL('sbom/python-go-app.cdx.json', FIXTURES));
  return Array.from({ length: to - from }, (_, j) => from + j).flatMap((i) => {
    const digest = `sha256:${i.toString(16).padStart(64, '0')}`;
    return base.map(({ key, event }) => ({ key, event: { ...event, metadata: { ...event.metadata, uid: `${event.metadata.uid}-img${i}` }, image: { ...event.image, uid: digest, digest, tags: [] } } }));
  });
}

test('a key fed by two input topics is restored from its last changelog record: images after a restart meet the advisories before it', async () => {
  const off = Object.fromEntries(DETECTOR_SPECS.map((s) => [s.name, { enabled: false }]));
  const config: SluiceConfig = resolveConfig({
    processor: { workers: 2, maxBatchSize: 7, stateShards: 8, groupId: 'restore-two', retryTimeoutMs: 30_000 },
    topics: { partitions: 4 },
    detectors: { ...off, vulns: { enabled: true } },
  });
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0), maxBatchSize: 11 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink('ids');
  const topicOf = (s: 'image_inventory' | 'advisory') => config.topics[STREAMS[s].topic];
  const send = async (stream: 'image_inventory' | 'advisory', records: ReadonlyArray<Keyed<unknown>>) =>
    producer.send(topicOf(stream), await Promise.all(records.map(async (r) => ({ key: r.key, value: await codec.encode(topicOf(stream), STREAMS[stream].schema, r.event) }))));
  const start = async () => {
    const parts = assembleProcessor({ config, transport: log, codec, producer: await log.producer(), sinks: [sink], logger: silentLogger(), telemetry: createTelemetry(), clock: new ManualClock(1_700_000_000_000) });
    let failure: unknown;
    const consumer = await parts.service.start();
    consumer.done.catch((e: unknown) => (failure = e));
    return { ...parts, failed: () => failure };
  };
  const drain = async (p: Awaited<ReturnType<typeof start>>) => {
    for (const topic of [topicOf('image_inventory'), topicOf('advisory')]) {
      while (!(await isCaughtUp(log, config.processor.groupId, topic))) {
        if (p.failed()) throw p.failed();
        await log.waitForChange(20);
      }
    }
  };
  const before = images(0, 10);
  const osv = advisories(new URL('osv/pypi-sample.jsonl', FIXTURES));
  const after = images(10, 20);
  const want = new Harness();
  const wantIds = new Set([...want.feed(before), ...want.feed(osv), ...want.feed(after)].map((f) => f.id));
  assert.ok(wantIds.size >= 20 * 4, `findings for every image (${wantIds.size})`);

  await send('image_inventory', before);
  const a = await start();
  await drain(a);
  await send('advisory', osv);
  await drain(a);
  await a.service.stop();
  await a.pool.close();

  await send('image_inventory', after);
  const b = await start();
  try {
    await drain(b);
    const got = new Set(sink.ids.keys());
    const lost = [...wantIds].filter((id) => !got.has(id));
    assert.equal(lost.length, 0, `findings lost after the restart: ${lost.length} of ${wantIds.size}`);
    assert.deepEqual(got, wantIds);
  } finally {
    await b.service.stop();
    await b.pool.close();
  }
});
