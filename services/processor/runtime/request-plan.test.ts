import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionForKey } from '../../core/partitioner.ts';
import { MIN_REQUEST, PIPELINE, planRequests } from './request-plan.ts';

const SHARDS = 8;
const keys = Array.from({ length: 200 }, (_, i) => ({ key: `arn:aws:iam::123456789012:user/u${(i * 7) % 23}` }));

test('each shard goes to its slot, in batch order, in requests of at most maxPerRequest events', () => {
  const requests = planRequests(keys, SHARDS, (s) => s % 2, 16);
  const seen: number[] = [];
  const bySlot = new Map<number, number[]>();
  for (const r of requests) {
    assert.ok(r.indexes.length > 0 && r.indexes.length <= 16, `request of ${r.indexes.length} events`);
    const slots = new Set(r.segments.map((s) => s.shard % 2));
    assert.equal(slots.size, 1, 'one request, one slot (one owning thread)');
    let covered = 0;
    for (const seg of r.segments) {
      assert.equal(seg.from, covered, 'segments tile the request');
      for (let p = seg.from; p < seg.to; p++) assert.equal(partitionForKey(keys[r.indexes[p]!]!.key, SHARDS), seg.shard);
      covered = seg.to;
    }
    assert.equal(covered, r.indexes.length);
    seen.push(...r.indexes);
    const slot = [...slots][0]!;
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), ...r.indexes]);
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), keys.map((_, i) => i), 'every event exactly once');
  // Within a slot's requests, taken in order, each shard's events keep the batch order.
  for (const order of bySlot.values()) {
    const last = new Map<number, number>();
    for (const i of order) {
      const shard = partitionForKey(keys[i]!.key, SHARDS);
      assert.ok((last.get(shard) ?? -1) < i, `shard ${shard} out of order at ${i}`);
      last.set(shard, i);
    }
  }
});

test('the shards of one thread are coalesced, and a thread gets several requests to pipeline', () => {
  const requests = planRequests(keys, SHARDS, (s) => s % 2, 1000);
  assert.ok(requests.length < new Set(keys.map((k) => partitionForKey(k.key, SHARDS))).size, 'fewer requests than shards');
  assert.ok(requests.some((r) => r.segments.length > 1), 'several shards in one request');
  assert.ok(requests.every((r) => r.indexes.length <= MIN_REQUEST), 'a slot of about 100 events: requests of at most MIN_REQUEST');
  const many = Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}` }));
  const one = planRequests(many, SHARDS, () => 0, 1000);
  assert.ok(one.length >= PIPELINE, `${one.length} requests for 2000 events on one thread`);
  assert.deepEqual(planRequests([], SHARDS, (s) => s, 10), []);
});

test('a shard is split across requests only when it alone exceeds maxPerRequest', () => {
  const perShard = new Map<number, number>();
  for (const { key } of keys) perShard.set(partitionForKey(key, SHARDS), (perShard.get(partitionForKey(key, SHARDS)) ?? 0) + 1);
  const cap = Math.max(...perShard.values());
  const requests = planRequests(keys, SHARDS, (s) => s % 2, cap);
  const pieces = new Map<number, number>();
  for (const r of requests) for (const seg of r.segments) pieces.set(seg.shard, (pieces.get(seg.shard) ?? 0) + 1);
  assert.deepEqual([...pieces.values()], Array(pieces.size).fill(1), 'every shard in one piece');
  const small = planRequests(keys, SHARDS, (s) => s % 2, Math.floor(cap / 2));
  assert.ok(small.some((r) => r.segments.length === 1 && r.indexes.length === Math.floor(cap / 2)), 'the largest shard is cut at the cap');
});
