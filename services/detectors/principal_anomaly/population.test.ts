import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY, HOUR, T0, detector, event, routine, run } from './test-support.ts';
import type { ApiActivity } from '../../core/events.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { PrincipalAnomalyConfig } from './config.ts';
import { PrincipalAnomalyDetector } from './detector.ts';
import { populationUsers } from './population.ts';
import type { PrincipalState } from './state.ts';

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
  assert.equal(d.population?.peek(0, ACCOUNT)?.n, 1);
});

test('a value used by other principals of the account is less surprising', () => {
  const { d } = detector({ ...POP, threshold: 100 });
  const others = [0, 1, 2].map((p) => event({ principal: user(`c${p}`), account: ACCOUNT, time: LATER - HOUR, uid: `o${p}`, service: 'iam.amazonaws.com', operation: 'CreateAccessKey' }));
  run(d, colleagues());
  const rareState = (): number => {
    return populationUsers(d.population!.peek(0, ACCOUNT)!, 'ops', 'iam:CreateAccessKey');
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

test('after a restore the population is rebuilt from the durable principal states (restored())', () => {
  const intruder = event({ principal: user('intruder'), account: ACCOUNT, time: LATER, uid: 'i1', ip: '203.0.113.5', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' });
  const newbie = event({ principal: user('newbie'), account: ACCOUNT, time: LATER, uid: 'n1' });
  const { d, state } = detector(POP);
  run(d, colleagues());
  const before = d.population!.peek(0, ACCOUNT)!;

  // A new worker with the same (restored) principal states: without restored() its population is cold.
  const cold = detector(POP, copyState(state));
  assert.deepEqual(run(cold.d, [intruder]), [], 'cold population: a learning principal is not scored');

  const warm = detector(POP, copyState(state));
  warm.d.restored();
  const rebuilt = warm.d.population!.peek(0, ACCOUNT)!;
  assert.equal(rebuilt.principals, before.principals);
  assert.equal(rebuilt.n, before.n);
  assert.deepEqual(warm.d.population!.export(), d.population!.export(), 'rebuilt exactly');
  assert.deepEqual(run(warm.d, [newbie]), [], 'what the account does is still ordinary');
  const [f] = run(warm.d, [intruder]);
  assert.ok(f, 'what the account never does is scored against the rebuilt population');
  assert.deepEqual(new Set(f.evidences.map((e) => e.feature)), new Set(['operation', 'network', 'service']));

  // Counted once: the principals' next events do not count them again.
  run(warm.d, [event({ principal: user('c0'), account: ACCOUNT, time: LATER + HOUR, uid: 'c0-next' })]);
  assert.equal(warm.d.population!.peek(0, ACCOUNT)!.principals, before.principals + 2);
});

function copyState<V>(from: { keys(): IterableIterator<string>; get(k: string): V | undefined }): MemoryKeyedState<V> {
  const to = new MemoryKeyedState<V>();
  for (const k of from.keys()) to.set(k, JSON.parse(JSON.stringify(from.get(k))) as V);
  return to;
}

/** A detector whose population is scoped by a fake shard function (4 shards), as inside the processor. */
function sharded(overrides: Record<string, unknown>, state = new MemoryKeyedState<PrincipalState>()): PrincipalAnomalyDetector {
  const config = PrincipalAnomalyConfig.parse({ enabled: true, ...overrides });
  return new PrincipalAnomalyDetector(config, { clock: { now: () => 0 }, state, emit: () => {}, shardOf });
}
const shardOf = (key: string): number => key.charCodeAt(key.length - 1) % 4;

test('the population is an exact aggregate of the principal states: kept incrementally = rebuilt from them, at every point', () => {
  // Small sketches (evictions), idle principals coming back (replaced state), principals moving
  // between accounts, and evictIdle() deletions between chunks.
  const cfg = { ...POP, sketch: { operations: 4, services: 2, regions: 2, networks: 2, userAgents: 2 }, idleEvictDays: 40, dormantDays: 30 };
  let x = 7;
  const rnd = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const state = new MemoryKeyedState<PrincipalState>();
  const d = sharded(cfg, state);
  let time = T0;
  for (let chunk = 0; chunk < 12; chunk++) {
    const events: ApiActivity[] = [];
    for (let i = 0; i < 150; i++) {
      time += rnd(3) * HOUR + rnd(3_600_000);
      if (chunk === 6 && i === 0) time += 45 * DAY; // everyone idle past idleEvictDays
      const p = rnd(25);
      const account = p % 5 === 0 && rnd(4) === 0 ? '999988887777' : ACCOUNT;
      events.push(
        event({
          principal: user(`p${p}`),
          account,
          service: `svc${rnd(4)}.amazonaws.com`,
          operation: `Op${rnd(8)}`,
          region: rnd(5) === 0 ? null : `r-${rnd(4)}`,
          ip: `198.51.${rnd(5)}.9`,
          ua: rnd(3) === 0 ? 'Boto3/1.34.0 Python/3.12' : 'aws-cli/2.15.30',
          status: rnd(10) === 0 ? 'Failure' : 'Success',
          time,
          uid: `x${chunk}-${i}`,
        }),
      );
    }
    run(d, events);
    if (chunk % 3 === 2) d.evictIdle();
    const rebuilt = sharded(cfg, copyState(state));
    rebuilt.restored();
    assert.deepEqual(d.population!.export(), rebuilt.population!.export(), `after chunk ${chunk}`);
  }
  assert.ok(d.stats().evicted > 0, 'some principals were evicted');
  assert.ok(Object.keys(d.population!.export()).length >= 4, 'several scopes and accounts');
});

test('a shard restored on its own: its scope is rebuilt, the others are left alone', () => {
  const state = new MemoryKeyedState<PrincipalState>();
  const d = sharded(POP, state);
  run(d, colleagues());
  const whole = d.population!.export();
  const keys = [...state.keys()].filter((k) => shardOf(k) === 1);
  assert.ok(keys.length > 0);
  d.restored(keys, 1);
  assert.deepEqual(d.population!.export(), whole);
  d.restored([], 1); // the shard came back empty
  assert.equal(Object.keys(d.population!.export()).filter((k) => k.startsWith('1/')).length, 0);
  assert.ok(Object.keys(d.population!.export()).length > 0, 'the other shards keep their populations');
});
