import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionForKey } from '../../core/partitioner.ts';
import { packState, unpackState } from './packed-state.ts';
import { MAX_DELETED, WorkerState } from './worker-state.ts';

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

test('a deleted entity skips the replay of records its deletion reflects, restored from a tombstone or deleted since', () => {
  const state = new WorkerState(SHARDS);
  const shard = partitionForKey('obj', SHARDS);
  const at = (offset: string) => ({ key: 'obj', topic: 'in', partition: 3, offset });
  // Restored from the changelog: the entity's tombstone at input offset 20 (e.g. a dlp object closed by its last chunk).
  state.restore(shard, 1, packState([{ detector: 'd', key: 'obj', topic: 'in', partition: 3, offset: '20', json: null }]));
  assert.equal(state.facade('d').size, 0, 'a tombstone holds no value');
  assert.equal(state.alreadyApplied(shard, 'd', at('20')), true, 'the closing record redelivered');
  assert.equal(state.alreadyApplied(shard, 'd', at('17')), true, 'an earlier record redelivered');
  assert.equal(state.alreadyApplied(shard, 'd', at('21')), false, 'a later record');
  assert.equal(state.alreadyApplied(shard, 'd', { ...at('5'), partition: 4 }), false, 'another input partition');
  assert.equal(state.alreadyApplied(shard, 'other', at('5')), false, 'another detector');
  // A later record sets a value again: the value's position decides.
  const facade = state.facade('d');
  state.enter(shard, 'd', at('21'));
  facade.set('obj', { n: 1 });
  state.leave();
  assert.equal(state.alreadyApplied(shard, 'd', at('21')), true);
  assert.equal(state.alreadyApplied(shard, 'd', at('22')), false);
  // Deleted while processing record 22: a replay of 22 is skipped without a restore in between.
  state.enter(shard, 'd', at('22'));
  facade.delete('obj');
  state.leave();
  assert.equal(state.alreadyApplied(shard, 'd', at('22')), true);
  assert.equal(state.alreadyApplied(shard, 'd', at('23')), false);
});

test('deletion markers are bounded per shard, the oldest dropped first', () => {
  const state = new WorkerState(1);
  const marks = Array.from({ length: MAX_DELETED + 10 }, (_, i) => ({ detector: 'd', key: `k${i}`, topic: 'in', partition: 0, offset: String(i), json: null }));
  state.restore(0, 1, packState(marks));
  assert.equal(state.alreadyApplied(0, 'd', { key: 'k0', topic: 'in', partition: 0, offset: '0' }), false, 'the oldest marker was dropped');
  assert.equal(state.alreadyApplied(0, 'd', { key: `k${MAX_DELETED + 9}`, topic: 'in', partition: 0, offset: '0' }), true, 'the latest kept');
});
