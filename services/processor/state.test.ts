import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig, type SluiceConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { SCHEMA_NAMES, type Finding } from '../core/events.ts';
import { findingId } from '../core/finding-id.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { isCaughtUp, type Producer } from '../core/transport.ts';
import type { FindingSink } from '../core/components.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { assembleProcessor, type AssembledProcessor } from './assemble.ts';
import { CHANGELOG_HEADERS, changelogTopic } from './runtime/state-manager.ts';
import { apiActivity } from '../../test/fixtures/events/api-activity.ts';
import { MemorySink } from '../../test/fixtures/memory-sink.ts';

/** Findings by id: a sink that is idempotent by id, as the ClickHouse table is under FINAL. */

const EVERY = 5;
const key = (k: number) => `arn:aws:iam::123456789012:user/u${k}`;

function makeConfig(group = 'g1'): SluiceConfig {
  return resolveConfig({
    processor: { workers: 2, maxBatchSize: 7, stateShards: 8, groupId: group, retryTimeoutMs: 30_000 },
    topics: { partitions: 4 },
    detectors: { sensitive_operation: { enabled: false }, event_count: { enabled: true, every: EVERY } },
  });
}

async function produce(producer: Producer, codec: AvroCodec, config: SluiceConfig, keys: number, from: number, to: number): Promise<void> {
  const messages = [];
  for (let n = from; n < to; n++) {
    for (let k = 0; k < keys; k++) {
      messages.push({ key: key(k), value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, apiActivity({ principal: key(k), uid: `e-${k}-${n}` })) });
    }
  }
  await producer.send(config.topics.activity, messages);
}

async function drain(log: EmbeddedLog, config: SluiceConfig, failed: () => unknown): Promise<void> {
  while (!(await isCaughtUp(log, config.processor.groupId, config.topics.activity))) {
    const f = failed();
    if (f) throw f;
    await log.waitForChange(20);
  }
}

/** Latest changelog value per key: what a restore would load. */
function changelogCounts(log: EmbeddedLog, config: SluiceConfig): Map<string, number> {
  const out = new Map<string, { at: bigint; count: number }>();
  for (const m of log.readAll(changelogTopic(config.app, 'event_count'))) {
    const at = BigInt(m.headers[CHANGELOG_HEADERS.offset]!);
    const prev = out.get(m.key!);
    if (!prev || prev.at <= at) out.set(m.key!, { at, count: (JSON.parse(m.value.toString()) as { count: number }).count });
  }
  return new Map([...out].map(([k, v]) => [k, v.count]));
}

function expectedIds(keys: number, perKey: number): Set<string> {
  const ids = new Set<string>();
  for (let k = 0; k < keys; k++) for (let c = EVERY; c <= perKey; c += EVERY) ids.add(findingId('event_count', 'count_reached', key(k), [String(c)]));
  return ids;
}

async function start(log: EmbeddedLog, codec: AvroCodec, config: SluiceConfig, sink: FindingSink): Promise<AssembledProcessor & { failed: () => unknown }> {
  const parts = assembleProcessor({
    config,
    transport: log,
    codec,
    producer: await log.producer(),
    sinks: [sink],
    logger: silentLogger(),
    telemetry: createTelemetry(),
    clock: new ManualClock(1_700_000_000_000),
  });
  let failure: unknown;
  const consumer = await parts.service.start();
  consumer.done.catch((e: unknown) => (failure = e));
  return { ...parts, failed: () => failure };
}

test('state survives a restart: a new processor restores the changelog and counts on exactly', async () => {
  const config = makeConfig();
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0), maxBatchSize: 11 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink('ids');
  await produce(producer, codec, config, 12, 0, 12);
  const a = await start(log, codec, config, sink);
  await drain(log, config, a.failed);
  await a.service.stop();
  await a.pool.close();

  await produce(producer, codec, config, 12, 12, 30);
  const b = await start(log, codec, config, sink);
  try {
    await drain(log, config, b.failed);
    assert.deepEqual(new Set(sink.ids.keys()), expectedIds(12, 30));
    assert.deepEqual(changelogCounts(log, config), new Map(Array.from({ length: 12 }, (_, k) => [key(k), 30])));
    const size = await b.service.reportStateSize();
    assert.equal(size.get('event_count')?.entities, 12, 'the state-size gauge counts the restored and updated entities');
    assert.ok((size.get('event_count')?.bytes ?? 0) > 12 * 8, 'and their JSON bytes');
  } finally {
    await b.service.stop();
    await b.pool.close();
  }
});

test('a replay of events the state already reflects changes nothing (crash after the changelog write, before the commit)', async () => {
  const config = makeConfig('first');
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0), maxBatchSize: 9 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink('ids');
  await produce(producer, codec, config, 10, 0, 20);
  const a = await start(log, codec, config, sink);
  await drain(log, config, a.failed);
  await a.service.stop();
  await a.pool.close();
  const before = changelogCounts(log, config);

  // Same app (same changelog), a group with no commits: every event is delivered again.
  const replay = makeConfig('second');
  const b = await start(log, codec, replay, sink);
  try {
    await drain(log, replay, b.failed);
    assert.equal(b.service.stats.skipped, 200, 'every replayed event was recognised as applied');
    assert.deepEqual(changelogCounts(log, replay), before);
    assert.deepEqual(new Set(sink.ids.keys()), expectedIds(10, 20));
    await produce(producer, codec, config, 10, 20, 25);
    await drain(log, replay, b.failed);
    assert.deepEqual(new Set(sink.ids.keys()), expectedIds(10, 25), 'counting goes on from the restored state');
  } finally {
    await b.service.stop();
    await b.pool.close();
  }
});

test('a crashed worker thread is replaced and its shards restored: counts stay exact', async () => {
  const config = makeConfig();
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0), maxBatchSize: 5 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink('ids');
  const p = await start(log, codec, config, sink);
  try {
    for (let round = 0; round < 6; round++) {
      await produce(producer, codec, config, 8, round * 5, round * 5 + 5);
      if (round === 2 || round === 4) {
        const victims = (p.pool as unknown as { pool: { threads: Array<{ terminate(): Promise<number> }> } }).pool.threads;
        await victims[0]!.terminate();
      }
      await drain(log, config, p.failed);
    }
    assert.ok(p.state.restores >= 2, `state restored after the crashes (restores: ${p.state.restores})`);
    assert.deepEqual(new Set(sink.ids.keys()), expectedIds(8, 30));
    assert.deepEqual(changelogCounts(log, config), new Map(Array.from({ length: 8 }, (_, k) => [key(k), 30])));
  } finally {
    await p.service.stop();
    await p.pool.close();
  }
});

test('a group growing from 1 to 2 members and shrinking back keeps counts exact', async () => {
  const config = makeConfig();
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0), maxBatchSize: 6 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink('ids');
  const a = await start(log, codec, config, sink);
  let b: Awaited<ReturnType<typeof start>> | undefined;
  try {
    await produce(producer, codec, config, 16, 0, 10);
    await drain(log, config, a.failed);
    b = await start(log, codec, config, sink);
    await produce(producer, codec, config, 16, 10, 20);
    await drain(log, config, () => a.failed() ?? b?.failed());
    await b.service.stop();
    await b.pool.close();
    b = undefined;
    await produce(producer, codec, config, 16, 20, 30);
    await drain(log, config, a.failed);
    assert.deepEqual(new Set(sink.ids.keys()), expectedIds(16, 30));
    assert.deepEqual(changelogCounts(log, config), new Map(Array.from({ length: 16 }, (_, k) => [key(k), 30])));
    assert.ok(a.state.restores >= 3, 'restored on each assignment change');
  } finally {
    await b?.service.stop();
    await b?.pool.close();
    await a.service.stop();
    await a.pool.close();
  }
});

test('maintenance evicts beyond principal_anomaly.maxPrincipals and writes tombstones to the changelog', async () => {
  const config = resolveConfig({
    processor: { workers: 2, maxBatchSize: 7, stateShards: 8, groupId: 'maint', retryTimeoutMs: 30_000, maintenanceIntervalMs: 0 },
    topics: { partitions: 4 },
    detectors: { sensitive_operation: { enabled: false }, signatures: { enabled: false }, principal_anomaly: { enabled: true, maxPrincipals: 5 } },
  });
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0), maxBatchSize: 11 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const p = await start(log, codec, config, new MemorySink('ids'));
  try {
    await produce(producer, codec, config, 30, 0, 2);
    await drain(log, config, p.failed);
    const before = (await p.service.reportStateSize()).get('principal_anomaly')?.entities ?? 0;
    assert.equal(before, 30, 'one state per principal before maintenance');
    const written = await p.service.runMaintenance();
    const after = (await p.service.reportStateSize()).get('principal_anomaly')?.entities ?? 0;
    assert.ok(after <= 10, `each of the 2 threads keeps at most maxPrincipals (left: ${after})`);
    assert.equal(written, before - after, 'one tombstone per evicted principal');
    const tombstones = log.readAll(changelogTopic(config.app, 'principal_anomaly')).filter((m) => m.tombstone);
    assert.equal(tombstones.length, before - after);
  } finally {
    await p.service.stop();
    await p.pool.close();
  }
});

test("after a restart, principal_anomaly's account populations are rebuilt from the restored principal states", async () => {
  const config = resolveConfig({
    // Populations are per state shard: 2 shards of 15 principals each get warm.
    processor: { workers: 2, maxBatchSize: 7, stateShards: 2, groupId: 'pop', retryTimeoutMs: 30_000 },
    topics: { partitions: 4 },
    detectors: {
      sensitive_operation: { enabled: false },
      signatures: { enabled: false },
      principal_anomaly: { enabled: true, population: { minEvents: 10, minPrincipals: 3 } },
    },
  });
  const log = new EmbeddedLog({ partitions: 4, clock: new ManualClock(0), maxBatchSize: 11 });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const findings: Finding[] = [];
  const sink = new MemorySink('ids');
  sink.write = async (fs) => void findings.push(...fs);
  await produce(producer, codec, config, 30, 0, 2);
  const a = await start(log, codec, config, sink);
  await drain(log, config, a.failed);
  await a.service.stop();
  await a.pool.close();
  assert.equal(findings.length, 0, 'ordinary activity of 30 principals');

  // A new processor has seen no traffic: only the restore can warm its populations.
  const b = await start(log, codec, config, sink);
  try {
    const intruder = 'arn:aws:iam::123456789012:user/intruder';
    await producer.send(config.topics.activity, [
      { key: intruder, value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, apiActivity({ principal: intruder, uid: 'x-1', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' })) },
    ]);
    await drain(log, config, b.failed);
    const f = findings.find((x) => x.entity.key === intruder);
    assert.ok(f, 'the learning principal was scored against the rebuilt population');
    assert.ok(f.evidences.every((e) => e.baseline === 'population'));
    assert.match(f.message, /first use of iam:CreateAccessKey by this user \(still learning; new to account 123456789012\)/);
  } finally {
    await b.service.stop();
    await b.pool.close();
  }
});
