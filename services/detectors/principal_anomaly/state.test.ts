import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKeyedState } from '../../core/state.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import { DAY, HOUR, T0, detector, event, run } from './test-support.ts';
import type { PrincipalState } from './state.ts';
import { stateBytes } from './state.ts';

/** A deterministic mixed stream: 40 principals in 2 accounts with habits, then some odd events. */
function stream(): ApiActivity[] {
  let x = 12345;
  const rnd = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const ops = ['s3:GetObject', 's3:PutObject', 'ec2:DescribeInstances', 'dynamodb:Query', 'sqs:SendMessage', 'kms:Decrypt'];
  const out: ApiActivity[] = [];
  let uid = 0;
  for (let day = 0; day < 20; day++) {
    for (let p = 0; p < 40; p++) {
      const account = p % 2 === 0 ? '111111111111' : '222222222222';
      const calls = 3 + rnd(6);
      for (let c = 0; c < calls; c++) {
        const op = ops[(p + rnd(3)) % ops.length]!;
        const [svc, name] = op.split(':') as [string, string];
        const odd = day > 10 && rnd(200) === 0;
        out.push(
          event({
            principal: `arn:aws:iam::${account}:user/p${p}`,
            account,
            service: odd ? 'iam.amazonaws.com' : `${svc}.amazonaws.com`,
            operation: odd ? 'CreateAccessKey' : name,
            time: T0 + day * DAY + (8 + rnd(9)) * HOUR + rnd(3_600_000),
            uid: `e${uid++}`,
            ip: odd ? `203.0.${rnd(255)}.9` : `198.51.${p % 4}.${1 + rnd(200)}`,
            region: odd && rnd(2) === 0 ? 'ap-south-1' : 'us-east-1',
          }),
        );
      }
    }
  }
  return out.sort((a, b) => a.time - b.time || (a.metadata.uid < b.metadata.uid ? -1 : 1));
}

const CONFIG = { population: { minEvents: 100, minPrincipals: 5 }, learning: { minEvents: 10, minDays: 3 } };

function roundTrip(withPopulation: boolean): { whole: Finding[]; split: Finding[]; secondHalf: number } {
  const events = stream();
  const cfg = withPopulation ? CONFIG : { ...CONFIG, population: { enabled: false } };
  const whole = run(detector(cfg).d, events);

  const half = Math.floor(events.length / 2);
  const first = detector(cfg);
  const split = run(first.d, events.slice(0, half));
  // What the changelog would carry: one JSON value per principal. The population is derived from
  // those values: restored() rebuilds it exactly, as the runtime does after a restore.
  const restored = new MemoryKeyedState<PrincipalState>();
  for (const key of first.state.keys()) restored.set(key, JSON.parse(JSON.stringify(first.state.get(key))) as PrincipalState);
  const second = detector(cfg, restored);
  second.d.restored();
  if (withPopulation) assert.deepEqual(second.d.population!.export(), first.d.population!.export());
  const later = run(second.d, events.slice(half));
  split.push(...later);
  return { whole, split, secondHalf: later.length };
}

test('state JSON round trip mid-stream gives identical findings (population disabled)', () => {
  const { whole, split, secondHalf } = roundTrip(false);
  assert.ok(secondHalf >= 2, `the restored detector must produce findings (got ${secondHalf})`);
  assert.deepEqual(split, whole);
});

test('state JSON round trip mid-stream gives identical findings (population rebuilt from the states)', () => {
  const { whole, split, secondHalf } = roundTrip(true);
  assert.ok(secondHalf >= 2, `the restored detector must produce findings (got ${secondHalf})`);
  assert.deepEqual(split, whole);
});

test('state values survive JSON exactly and stay small for ordinary principals', () => {
  const { d, state } = detector(CONFIG);
  run(d, stream());
  for (const key of state.keys()) {
    const st = state.get(key)!;
    assert.deepEqual(JSON.parse(JSON.stringify(st)), st);
    assert.ok(stateBytes(st) < 3000, `${key}: ${stateBytes(st)} bytes`);
  }
  const s = d.stats();
  assert.equal(s.principals, 40);
  assert.ok(s.stateBytesAvg > 200 && s.stateBytesAvg < 3000);
  assert.ok(s.stateBytesMax >= s.stateBytesAvg);
  assert.ok(Math.abs(s.stateBytesTotal - s.stateBytesAvg * 40) <= 40);
  assert.ok(s.populationAccounts === 2 && s.populationBytes > 0);
});
