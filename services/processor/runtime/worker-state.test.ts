import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionForKey } from '../../core/partitioner.ts';
import { packState, unpackState } from './packed-state.ts';
import { WorkerState } from './worker-state.ts';

const SHARDS = 4;

function holding(keys: string[]): WorkerState {
  const state = new WorkerState(SHARDS);
  for (let s = 0; s < SHARDS; s++) {
    const entries = keys
      .filter((k) => partitionForKey(k, SHARDS) === s)
      .map((k, i) => ({ detector: 'd', key: k, topic: 'in', partition: 3, offset: String(10 + i), json: JSON.stringify({ n: 1 }) }));
    state.restore(s, 1, packState(entries));
  }
  return state;
}

test('set() only for the entity being processed; the change carries its input position', () => {
  const state = holding(['a']);
  const shard = partitionForKey('a', SHARDS);
  const facade = state.facade('d');
  state.enter(shard, 'd', { key: 'a', topic: 'in', partition: 3, offset: '42' });
  facade.set('a', { n: 2 });
  assert.throws(() => facade.set('b', { n: 1 }), /SLUICE_ERR_STATE_KEY|while processing/);
  state.leave();
  const [change] = [...unpackState(state.takeChanges())];
  assert.deepEqual({ key: change!.key, partition: change!.partition, offset: change!.offset }, { key: 'a', partition: 3, offset: '42' });
  assert.equal(state.alreadyApplied(shard, 'd', { key: 'a', topic: 'in', partition: 3, offset: '42' }), true);
  assert.equal(state.alreadyApplied(shard, 'd', { key: 'a', topic: 'in', partition: 3, offset: '43' }), false);
});

test('maintenance may delete any held entity (a tombstone to its own partition) but set nothing', () => {
  const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
  const state = holding(keys);
  const facade = state.facade('d');
  assert.equal(facade.size, 5);
  assert.equal(state.enterMaintenance('d'), true);
  facade.delete('k2');
  facade.delete('k4');
  assert.throws(() => facade.set('k1', { n: 9 }));
  state.leave();
  assert.equal(facade.size, 3);
  const changes = [...unpackState(state.takeChanges())];
  assert.deepEqual(changes.map((c) => [c.key, c.bytes, c.partition]).sort(), [['k2', null, 3], ['k4', null, 3]]);
  assert.throws(() => facade.delete('k1'), /outside of process/, 'no deletes outside process() or maintenance');
});
