import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina } from 'piscina';
import { ShardBalancer, type BalancedWorker } from './shard-balancer.ts';

const task = (shard?: number) => (shard === undefined ? {} : { [Piscina.queueOptionsSymbol]: { shard } });
const workers = (...ids: number[]): BalancedWorker[] => ids.map((id) => ({ id, currentUsage: 0 }));

test('each shard keeps one owner; shards are grouped by shard mod threads, one group per thread', () => {
  const b = new ShardBalancer(2);
  const ws = workers(1, 2);
  const first = [0, 1, 2, 3].map((s) => b.balance(task(s), ws)!.id);
  assert.deepEqual(first, [1, 2, 1, 2]);
  const busy = [{ id: 1, currentUsage: 9 }, { id: 2, currentUsage: 0 }];
  assert.equal(b.balance(task(0), busy)!.id, 1, 'the owner is kept even when busy (order over balance)');
  assert.deepEqual([...b.owners()], [[0, 1], [1, 2], [2, 1], [3, 2]]);
});

test('a lost owner hands its shards to the least-loaded live thread and reports them', () => {
  const b = new ShardBalancer(2);
  for (const s of [0, 1, 2, 3]) b.balance(task(s), workers(1, 2));
  const replaced = workers(2, 3); // thread 1 crashed, piscina started 3
  assert.equal(b.balance(task(0), replaced)!.id, 3);
  assert.equal(b.balance(task(2), replaced)!.id, 3);
  assert.equal(b.balance(task(1), replaced)!.id, 2, 'shards of the live thread stay');
  assert.deepEqual(b.takeMovedShards(), [0, 2]);
  assert.deepEqual(b.takeMovedShards(), []);
});

test('no workers yet: wait (null); a task without a shard goes to the least busy', () => {
  const b = new ShardBalancer(2);
  assert.equal(b.balance(task(5), []), null);
  assert.equal(b.balance(task(), [{ id: 1, currentUsage: 3 }, { id: 2, currentUsage: 1 }])!.id, 2);
});

test('which shards share a thread does not depend on which thread is ready first', () => {
  const b = new ShardBalancer(2);
  assert.equal(b.balance(task(1), workers(7))!.id, 7, 'the first ready thread takes the first slot asked for');
  assert.equal(b.balance(task(0), workers(7)), null, 'the other slot waits for a thread of its own');
  const ws = workers(7, 8);
  assert.deepEqual([0, 1, 2, 3, 5].map((s) => b.balance(task(s), ws)!.id), [8, 7, 8, 7, 7]);
  // Thread 8 crashes; the slot of even shards waits for the replacement and moves to it whole.
  assert.equal(b.balance(task(2), workers(7)), null);
  assert.equal(b.balance(task(2), workers(7, 9))!.id, 9);
  assert.equal(b.balance(task(0), workers(7, 9))!.id, 9);
  assert.deepEqual(b.takeMovedShards(), [2, 0]);
});
