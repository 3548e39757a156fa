import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina } from 'piscina';
import { ShardBalancer, type BalancedWorker } from './shard-balancer.ts';

const task = (shard?: number) => (shard === undefined ? {} : { [Piscina.queueOptionsSymbol]: { shard } });
const workers = (...ids: number[]): BalancedWorker[] => ids.map((id) => ({ id, currentUsage: 0 }));

test('each shard keeps one owner, and new shards go to the thread with the fewest', () => {
  const b = new ShardBalancer();
  const ws = workers(1, 2);
  const first = [0, 1, 2, 3].map((s) => b.balance(task(s), ws)!.id);
  assert.deepEqual(first, [1, 2, 1, 2]);
  const busy = [{ id: 1, currentUsage: 9 }, { id: 2, currentUsage: 0 }];
  assert.equal(b.balance(task(0), busy)!.id, 1, 'the owner is kept even when busy (order over balance)');
  assert.deepEqual([...b.owners()], [[0, 1], [1, 2], [2, 1], [3, 2]]);
});

test('a lost owner hands its shards to the least-loaded live thread and reports them', () => {
  const b = new ShardBalancer();
  for (const s of [0, 1, 2, 3]) b.balance(task(s), workers(1, 2));
  const replaced = workers(2, 3); // thread 1 crashed, piscina started 3
  assert.equal(b.balance(task(0), replaced)!.id, 3);
  assert.equal(b.balance(task(2), replaced)!.id, 3);
  assert.equal(b.balance(task(1), replaced)!.id, 2, 'shards of the live thread stay');
  assert.deepEqual(b.takeMovedShards(), [0, 2]);
  assert.deepEqual(b.takeMovedShards(), []);
});

test('no workers yet: wait (null); a task without a shard goes to the least busy', () => {
  const b = new ShardBalancer();
  assert.equal(b.balance(task(5), []), null);
  assert.equal(b.balance(task(), [{ id: 1, currentUsage: 3 }, { id: 2, currentUsage: 1 }])!.id, 2);
});
