import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKeyedState } from '../../core/state.ts';
import { DAY, T0, detector, event, run } from './test-support.ts';
import type { PrincipalState } from './state.ts';
import { stateBytes } from './state.ts';
import { topKSeen } from './top-k.ts';

const SOLO = { population: { enabled: false } };
const who = (i: number): string => `arn:aws:iam::111122223333:user/u${i}`;

test('evictIdle: principals beyond maxPrincipals go, least recently active first', () => {
  const { d, state } = detector({ ...SOLO, maxPrincipals: 3 });
  run(d, [0, 1, 2, 3, 4].map((i) => event({ principal: who(i), time: T0 + i * 1000, uid: `e${i}` })));
  run(d, [event({ principal: who(0), time: T0 + 10_000, uid: 'again' })]); // u0 is recent again
  const deleted = d.evictIdle();
  assert.deepEqual(deleted, [who(1), who(2)]);
  assert.equal(state.size, 3);
  assert.deepEqual([...state.keys()].sort(), [who(0), who(3), who(4)].sort());
  assert.equal(d.stats().evicted, 2);
});

test('evictIdle: principals idle past idleEvictDays go (event time, not wall clock)', () => {
  const { d, state } = detector({ ...SOLO, idleEvictDays: 60, dormantDays: 30 });
  run(d, [event({ principal: who(1), time: T0, uid: 'old' }), event({ principal: who(2), time: T0 + 50 * DAY, uid: 'mid' })]);
  run(d, [event({ principal: who(3), time: T0 + 100 * DAY, uid: 'new' })]);
  assert.deepEqual(d.evictIdle(), [who(1)]);
  assert.deepEqual(d.evictIdle(T0 + 200 * DAY), [who(2), who(3)]);
  assert.equal(state.size, 0);
});

test('evictIdle rebuilds its index from restored state', () => {
  const state = new MemoryKeyedState<PrincipalState>();
  const first = detector({ ...SOLO, maxPrincipals: 2 }, state);
  run(first.d, [0, 1, 2].map((i) => event({ principal: who(i), time: T0 + i * DAY, uid: `r${i}` })));
  const second = detector({ ...SOLO, maxPrincipals: 2 }, state);
  assert.deepEqual(second.d.evictIdle(T0 + 3 * DAY), [who(0)]);
});

test('a principal idle past idleEvictDays starts afresh on its next event', () => {
  const { d, state } = detector({ ...SOLO, idleEvictDays: 60, dormantDays: 30 });
  run(d, Array.from({ length: 5 }, (_, i) => event({ time: T0 + i, uid: `a${i}` })));
  assert.equal(state.get('arn:aws:iam::111122223333:user/alice')!.n, 5);
  run(d, [event({ time: T0 + 90 * DAY, uid: 'b' })]);
  assert.equal(state.get('arn:aws:iam::111122223333:user/alice')!.n, 1);
  assert.equal(d.stats().evicted, 1);
});

test('state stays bounded: 600 distinct operations keep a 48-entry top-k plus a count-min sketch', () => {
  const { d, state } = detector(SOLO);
  const events = Array.from({ length: 600 }, (_, i) => event({ time: T0 + i * 60_000, uid: `o${i}`, service: 'ec2.amazonaws.com', operation: `Describe${i}`, ip: `198.51.${i % 250}.1` }));
  run(d, events);
  const st = state.get('arn:aws:iam::111122223333:user/alice')!;
  assert.equal(st.ops.n, 48);
  assert.equal(Object.keys(st.ops.e).length, 48);
  assert.ok(st.ops.cms !== null && st.ops.cms.c.length === 512);
  assert.ok(st.net.n <= 16);
  // No false negatives: every operation ever seen is still known.
  for (let i = 0; i < 600; i++) assert.ok(topKSeen(st.ops, `ec2:Describe${i}`, Math.floor((T0 + 600 * 60_000) / 3_600_000), 90 * 24), `ec2:Describe${i}`);
  assert.ok(stateBytes(st) < 8000, `${stateBytes(st)} bytes`);
});
