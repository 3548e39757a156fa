import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY, HOUR, T0, detector, event, routine, run } from './test-support.ts';
import type { ApiActivity } from '../../core/events.ts';
import { MemoryKeyedState } from '../../core/state.ts';

const POP = { population: { minEvents: 100, minPrincipals: 5 } };
const ACCOUNT = '444455556666';
const user = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;

/** Ten colleagues working from the office network with S3/EC2 reads: a warm account population. */
function colleagues(): ApiActivity[] {
  const out: ApiActivity[] = [];
  for (let p = 0; p < 10; p++) out.push(...routine({ principal: user(`c${p}`), account: ACCOUNT, days: 3, prefix: `c${p}` }));
  return out.sort((a, b) => a.time - b.time);
}
const LATER = T0 + 4 * DAY + 10 * HOUR;

test('cold start: a new principal doing what its account does raises nothing', () => {
  const { d } = detector(POP);
  run(d, colleagues());
  assert.deepEqual(run(d, [event({ principal: user('newbie'), account: ACCOUNT, time: LATER, uid: 'n1' })]), []);
});

test('cold start: a new principal is scored against the population: new network and operation for the account', () => {
  const { d } = detector(POP);
  run(d, colleagues());
  const [f] = run(d, [
    event({ principal: user('intruder'), account: ACCOUNT, time: LATER, uid: 'i1', ip: '203.0.113.5', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' }),
  ]);
  assert.ok(f, 'expected a finding');
  assert.deepEqual(new Set(f.evidences.map((e) => e.feature)), new Set(['operation', 'network', 'service']));
  for (const e of f.evidences) assert.equal(e.baseline, 'population');
  assert.match(String(f.evidences[0]!.expected), /new to account 444455556666/);
  assert.match(f.message, /first use of iam:CreateAccessKey by this user \(still learning; new to account 444455556666\)/);
  assert.match(f.message, /first call from network 203\.0\.113\.0\/24 \(still learning; new to account/);
});

test('cold start: before the population is warm, a new principal is not scored on novelty', () => {
  const { d } = detector(POP);
  const lone = event({ principal: user('intruder'), account: ACCOUNT, time: LATER, uid: 'i1', ip: '203.0.113.5', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' });
  assert.deepEqual(run(d, [lone]), []);
  assert.equal(d.population?.peek(ACCOUNT)?.n, 1);
});

test('a value used by other principals of the account is less surprising', () => {
  const { d } = detector({ ...POP, threshold: 100 });
  const others = [0, 1, 2].map((p) => event({ principal: user(`c${p}`), account: ACCOUNT, time: LATER - HOUR, uid: `o${p}`, service: 'iam.amazonaws.com', operation: 'CreateAccessKey' }));
  run(d, colleagues());
  const rareState = (): number => {
    const st = d.population!.peek(ACCOUNT)!;
    return st.ops.e['iam:CreateAccessKey']?.[2] ?? 0;
  };
  run(d, others);
  assert.equal(rareState(), 3, 'three principals started using it');
  run(d, [event({ principal: user('newbie'), account: ACCOUNT, time: LATER, uid: 'n1', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' })]);
  // With three users (COMMON_USERS) the account rarity is 0: nothing pending for the newcomer.
  const pending = (d as unknown as { ctx: { state: { get(k: string): { rec: unknown[] } } } }).ctx.state.get(user('newbie'))!.rec;
  assert.deepEqual(pending, []);
});

test('learned principals are scored against their own baseline (evidence says "principal")', () => {
  const { d } = detector(POP);
  run(d, colleagues());
  run(d, routine({ principal: user('veteran'), account: ACCOUNT, prefix: 'v' }).filter((e) => e.time < LATER + 9 * DAY));
  const [f] = run(d, [event({ principal: user('veteran'), account: ACCOUNT, time: T0 + 16 * DAY + 10 * HOUR, uid: 'v-x', service: 'cloudtrail.amazonaws.com', operation: 'StopLogging' })]);
  assert.ok(f);
  assert.equal(f.evidences[0]!.baseline, 'principal');
});

test('the population is bounded: least recently used accounts are dropped', () => {
  const { d } = detector({ population: { maxAccounts: 3 } });
  const events = Array.from({ length: 6 }, (_, i) => event({ account: `00000000000${i}`, principal: `arn:aws:iam::00000000000${i}:user/u`, time: T0 + i, uid: `a${i}` }));
  run(d, events);
  assert.equal(d.population!.size, 3);
  assert.equal(d.population!.dropped, 3);
  assert.equal(d.population!.peek('000000000000'), undefined);
  assert.ok(d.population!.peek('000000000005'));
});

test('after a restore the population is rebuilt from the durable principal states (restored())', () => {
  const intruder = event({ principal: user('intruder'), account: ACCOUNT, time: LATER, uid: 'i1', ip: '203.0.113.5', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' });
  const newbie = event({ principal: user('newbie'), account: ACCOUNT, time: LATER, uid: 'n1' });
  const { d, state } = detector(POP);
  run(d, colleagues());
  const before = d.population!.peek(ACCOUNT)!;

  // A new worker with the same (restored) principal states: without restored() its population is cold.
  const cold = detector(POP, copyState(state));
  assert.deepEqual(run(cold.d, [intruder]), [], 'cold population: a learning principal is not scored');

  const warm = detector(POP, copyState(state));
  warm.d.restored();
  const rebuilt = warm.d.population!.peek(ACCOUNT)!;
  assert.equal(rebuilt.principals, before.principals);
  assert.equal(rebuilt.n, before.n);
  assert.deepEqual(Object.keys(rebuilt.ops.e).sort(), Object.keys(before.ops.e).sort());
  assert.deepEqual(run(warm.d, [newbie]), [], 'what the account does is still ordinary');
  const [f] = run(warm.d, [intruder]);
  assert.ok(f, 'what the account never does is scored against the rebuilt population');
  assert.deepEqual(new Set(f.evidences.map((e) => e.feature)), new Set(['operation', 'network', 'service']));

  // Folded in once: the principals' next events do not count them again.
  run(warm.d, [event({ principal: user('c0'), account: ACCOUNT, time: LATER + HOUR, uid: 'c0-next' })]);
  assert.equal(warm.d.population!.peek(ACCOUNT)!.principals, before.principals + 2);
});

function copyState<V>(from: { keys(): IterableIterator<string>; get(k: string): V | undefined }): MemoryKeyedState<V> {
  const to = new MemoryKeyedState<V>();
  for (const k of from.keys()) to.set(k, JSON.parse(JSON.stringify(from.get(k))) as V);
  return to;
}
