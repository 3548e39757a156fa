import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../cli/config.ts';
import { AvroCodec } from '../../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../core/avro/registry.ts';
import type { EventMeta } from '../../core/components.ts';
import { SCHEMA_NAMES, type ApiActivity } from '../../core/events.ts';
import { DETECTOR_SPECS } from '../../detectors/registry.ts';
import { apiActivity } from '../../../test/fixtures/events/api-activity.ts';
import { schemaIdOf, schemaText, type EncodedRecord } from './encoded-events.ts';
import { unpackState, EMPTY_STATE } from './packed-state.ts';
import { DetectorPool, type BatchOutcome } from './pool.ts';

const SHARDS = 8;
const KEYS = 12;
const PER_KEY = 20;
const EVERY = 5;
const detectors = resolveConfig({
  detectors: { ...Object.fromEntries(DETECTOR_SPECS.map((s) => [s.name, { enabled: false }])), event_count: { enabled: true, every: EVERY } },
}).detectors;
const registry = new LocalSchemaRegistry();
const codec = new AvroCodec(registry);

/** Keys interleaved so every request mixes shards; offsets follow the batch order. */
function batch(): Array<{ event: ApiActivity; meta: EventMeta }> {
  const out = [];
  for (let n = 0; n < PER_KEY; n++) {
    for (let k = 0; k < KEYS; k++) {
      const key = `arn:aws:iam::123456789012:user/u${k}`;
      out.push({ event: apiActivity({ principal: key, uid: `e-${k}-${n}` }), meta: { key, topic: 'activity', partition: 0, offset: String(out.length) } });
    }
  }
  return out;
}

/** The highest count the changes report per key: every event counted once, in order, in one thread. */
function counts(outcome: BatchOutcome): Map<string, number> {
  const out = new Map<string, number>();
  for (const packed of outcome.changes) {
    for (const e of unpackState(packed)) {
      const { count } = JSON.parse(Buffer.from(e.bytes!).toString()) as { count: number };
      out.set(e.key, Math.max(out.get(e.key) ?? 0, count));
    }
  }
  return out;
}

async function withPool(fn: (pool: DetectorPool) => Promise<void>): Promise<void> {
  const pool = new DetectorPool({ threads: 2, init: { detectors, stateShards: SHARDS }, maxInFlight: 3 });
  try {
    await Promise.all(Array.from({ length: SHARDS }, (_, s) => pool.restore(s, 1, EMPTY_STATE)));
    await fn(pool);
  } finally {
    await pool.close();
  }
}

test('a coalesced batch as objects: exact counts per key, a finding at every multiple, shards kept on their slot thread', async () => {
  await withPool(async (pool) => {
    const events = batch();
    const outcome = await pool.processBatch(1, 'activity', { kind: 'objects', events }, 7);
    assert.equal(outcome.findings.length, KEYS * (PER_KEY / EVERY));
    assert.deepEqual([...counts(outcome).values()], Array(KEYS).fill(PER_KEY));
    assert.deepEqual(outcome.failures, []);
    const owners = pool.balancer.owners();
    const threadOf = new Map<number, number>();
    for (const [shard, thread] of owners) {
      const slot = shard % 2;
      assert.equal(threadOf.get(slot) ?? thread, thread, `shard ${shard} left its slot's thread`);
      threadOf.set(slot, thread);
    }
    assert.equal(new Set(threadOf.values()).size, 2, 'two threads, one per slot');
    // A second batch continues from the state the first left, on the same threads.
    const again = await pool.processBatch(1, 'activity', { kind: 'objects', events: events.map((e, i) => ({ ...e, meta: { ...e.meta, offset: String(events.length + i) } })) }, 50);
    assert.deepEqual([...counts(again).values()], Array(KEYS).fill(2 * PER_KEY));
  });
});

test('the same batch as Avro payloads decoded in the threads: the same findings; a bad payload is a decode failure at its batch index', async () => {
  const events = batch();
  const records: EncodedRecord[] = await Promise.all(events.map(async (e) => ({ payload: await codec.encode('activity', SCHEMA_NAMES.apiActivity, e.event), meta: e.meta })));
  const id = schemaIdOf(records[0]!.payload)!;
  const schemas = { writers: new Map([[id, schemaText(await registry.typeForId(id))]]), reader: schemaText(registry.typeForName(SCHEMA_NAMES.apiActivity)) };
  let objectsIds: string[] = [];
  await withPool(async (pool) => {
    objectsIds = (await pool.processBatch(1, 'activity', { kind: 'objects', events }, 7)).findings.map((f) => f.id).sort();
  });
  await withPool(async (pool) => {
    const outcome = await pool.processBatch(1, 'activity', { kind: 'avro', records, schemas }, 7);
    assert.deepEqual(outcome.findings.map((f) => f.id).sort(), objectsIds);
    assert.deepEqual([...counts(outcome).values()], Array(KEYS).fill(PER_KEY));
  });
  await withPool(async (pool) => {
    const broken = records.map((r, i) => (i === 13 ? { ...r, payload: r.payload.subarray(0, 9) } : r));
    const outcome = await pool.processBatch(1, 'activity', { kind: 'avro', records: broken, schemas }, 7);
    assert.deepEqual(outcome.decodeFailures.map((f) => [f.index, f.error.code]), [[13, 'SLUICE_ERR_SCHEMA_DECODE']]);
    const c = counts(outcome);
    assert.equal(c.get(events[13]!.meta.key), PER_KEY - 1, 'the undecodable record was not counted');
  });
});

test('a thread that does not hold a shard at the epoch answers stale, and nothing of that request runs', async () => {
  await withPool(async (pool) => {
    await assert.rejects(pool.processBatch(2, 'activity', { kind: 'objects', events: batch() }, 7), { code: 'SLUICE_ERR_STATE_STALE' });
    // Still at epoch 1 with empty state: a fresh batch counts from zero.
    const outcome = await pool.processBatch(1, 'activity', { kind: 'objects', events: batch() }, 1000);
    assert.deepEqual([...counts(outcome).values()], Array(KEYS).fill(PER_KEY));
  });
});
