import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY, HOUR, T0, detector, event, routine, run } from './test-support.ts';
import type { Finding } from '../../core/events.ts';
import { scoreOf } from './correlate.ts';
import type { Pending } from './state.ts';

// No population: these tests look at one principal against its own baseline.
const SOLO = { population: { enabled: false } };
const AFTER = T0 + 16 * DAY + 10 * HOUR; // a Wednesday, inside the usual hours

const features = (f: Finding): string[] => f.evidences.map((e) => String(e.feature));

test('a learned principal doing what it always does raises nothing', () => {
  const { d } = detector(SOLO);
  const findings = run(d, [...routine(), event({ time: AFTER, uid: 'same', operation: 'ListBuckets' })]);
  assert.deepEqual(findings, []);
});

test('first use of a sensitive operation is reported alone; an ordinary one is not', () => {
  const { d } = detector(SOLO);
  run(d, routine());
  assert.deepEqual(run(d, [event({ time: AFTER, uid: 'ord', service: 'ec2.amazonaws.com', operation: 'DescribeVpcs' })]), []);
  const [f] = run(d, [event({ time: AFTER + 60_000, uid: 'key', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' })]);
  assert.ok(f, 'expected a finding');
  assert.ok(features(f).includes('operation'));
  assert.match(f.message, /first use of iam:CreateAccessKey by this user/);
  assert.deepEqual(f.finding_info.attacks.map((a) => a.technique_uid).includes('T1098.001'), true);
  assert.equal(f.evidences.find((e) => e.feature === 'operation')?.baseline, 'principal');
});

test('region, network and user agent deviations add up within the correlation window', () => {
  const { d } = detector(SOLO);
  run(d, routine());
  const findings = run(d, [
    event({ time: AFTER, uid: 'a1', region: 'ap-south-1' }),
    event({ time: AFTER + 60_000, uid: 'a2', ip: '203.0.113.9', ua: 'python-requests/2.31.0' }),
  ]);
  assert.equal(findings.length, 1);
  const f = findings[0]!;
  // a2 comes a minute after a1 from the usual network: concurrent use as well.
  assert.deepEqual(new Set(features(f)), new Set(['region', 'network', 'user_agent', 'concurrent']));
  assert.match(f.message, /first call from region ap-south-1/);
  assert.match(f.message, /first call from network 203\.0\.113\.0\/24/);
  assert.match(f.message, /first use of user agent python-requests/);
  assert.deepEqual(f.finding_info.related_events, [{ uid: 'a1' }, { uid: 'a2' }]);
});

test('deviations further apart than the correlation window do not add up', () => {
  const { d } = detector(SOLO);
  run(d, routine());
  const findings = run(d, [
    event({ time: AFTER, uid: 'b1', region: 'ap-south-1' }),
    event({ time: AFTER + 3 * HOUR, uid: 'b2', ip: '203.0.113.9', ua: 'python-requests/2.31.0' }),
  ]);
  assert.deepEqual(findings, []);
});

test('the explanation reads like the issue: new operation, new region, Nx hourly volume', () => {
  const { d } = detector({ ...SOLO, threshold: 5 });
  run(d, routine({ principal: 'arn:aws:sts::111122223333:assumed-role/deployer/ci', type: 'AssumedRole', perHour: 10 }));
  const burst = [];
  const who = { principal: 'arn:aws:sts::111122223333:assumed-role/deployer/ci', type: 'AssumedRole' };
  burst.push(event({ ...who, time: AFTER, uid: 'x0', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' }));
  burst.push(event({ ...who, time: AFTER + 1000, uid: 'x1', region: 'ap-south-1' }));
  for (let i = 2; i < 240; i++) burst.push(event({ ...who, time: AFTER + i * 10_000, uid: `x${i}` }));
  const findings = run(d, burst);
  assert.equal(findings.length, 1);
  const f = findings[0]!;
  assert.match(f.message, /^Unusual activity by ci: /);
  assert.match(f.message, /first use of iam:CreateAccessKey by this role/);
  assert.match(f.message, /first call from region ap-south-1/);
  assert.match(f.message, /\b\d+x its hourly volume \(\d+ events vs about 10 /);
  const vol = f.evidences.find((e) => e.feature === 'volume')!;
  assert.match(String(vol.observed), /^\d{3} events$/);
  assert.ok(Number(vol.contribution) > 0);
  for (const e of f.evidences) assert.ok(typeof e.expected === 'string' && e.expected.length > 0);
  assert.ok(f.finding_info.related_events.length >= 3);
  assert.equal(f.severity, 'High'); // a weight-4 operation
});

test('volume spike: z-score and ratio gates on the per-window EWMA', () => {
  const { d } = detector({ ...SOLO, volume: { minEvents: 50 } });
  run(d, routine({ perHour: 10 }));
  const within = Array.from({ length: 40 }, (_, i) => event({ time: AFTER + i * 30_000, uid: `w${i}` }));
  assert.deepEqual(run(d, within), [], '40 calls in an hour is 4x: below the 10x ratio');
  const spike = Array.from({ length: 200 }, (_, i) => event({ time: AFTER + DAY + i * 10_000, uid: `s${i}` }));
  const found = run(d, spike);
  assert.equal(found.length, 1);
  assert.deepEqual(features(found[0]!), ['volume']);
});

test('error burst: failures far above the usual ratio, weighted by the operation', () => {
  const { d } = detector(SOLO);
  run(d, routine());
  const fails = Array.from({ length: 30 }, (_, i) =>
    event({ time: AFTER + i * 20_000, uid: `f${i}`, service: 'signin.amazonaws.com', operation: 'ConsoleLogin', status: 'Failure', ip: '198.51.100.7' }),
  );
  const found = run(d, fails);
  assert.ok(found.some((f) => features(f).includes('errors')));
  const f = found.find((x) => features(x).includes('errors'))!;
  assert.match(f.message, /failed of \d+ calls in the window/);
  assert.ok(f.finding_info.attacks.some((a) => a.technique_uid === 'T1110'));
});

test('error burst on one ordinary operation (a job retrying) counts half; across operations it counts in full', () => {
  const errorsOf = (ops: string[]): number | null => {
    const { d } = detector({ ...SOLO, threshold: 0.5 });
    run(d, routine());
    const fails = Array.from({ length: 30 }, (_, i) =>
      event({ time: AFTER + i * 20_000, uid: `e${i}`, service: 'ec2.amazonaws.com', operation: ops[i % ops.length]!, status: 'Failure' }),
    );
    const ev = run(d, fails).flatMap((f) => f.evidences).find((e) => e.feature === 'errors');
    return ev === undefined ? null : Number(ev.contribution);
  };
  const retried = errorsOf(['DescribeTags']);
  const probing = errorsOf(['DescribeTags', 'DescribeVolumes', 'DescribeSnapshots']);
  assert.equal(retried, 0.75);
  assert.equal(probing, 1.5);
});

test('first uses of several ordinary operations add up to at most weights.ordinaryNoveltyCap; a sensitive one is not capped', () => {
  const newOps = (ops: Array<[string, string]>, cap?: number): [number, number] => {
    const { d } = detector({ ...SOLO, threshold: 100, ...(cap === undefined ? {} : { weights: { ordinaryNoveltyCap: cap } }) });
    run(d, routine());
    const evs = ops.map(([service, operation], i) => event({ time: AFTER + i * 60_000, uid: `n${i}`, service, operation }));
    run(d, evs);
    const st = (d as unknown as { ctx: { state: { get(k: string): { rec: Pending[] } } } }).ctx.state.get(event({ time: AFTER, uid: 'k' }).actor.user.uid)!;
    return [scoreOf(st.rec, cap ?? 1), st.rec.reduce((x, p) => x + p.s, 0)];
  };
  const ordinary: Array<[string, string]> = [['ec2.amazonaws.com', 'DescribeVolumes'], ['ec2.amazonaws.com', 'DescribeSnapshots'], ['sns.amazonaws.com', 'ListTopics'], ['sqs.amazonaws.com', 'ListQueues']];
  const [capped, sum] = newOps(ordinary);
  assert.ok(sum > 1.5, `four first uses and two new services sum to ${sum}`);
  assert.equal(capped, 1);
  const [uncapped] = newOps(ordinary, 100);
  assert.ok(Math.abs(uncapped - sum) < 1e-9, 'a high cap leaves the sum as it is');
  const [withSensitive, sum2] = newOps([...ordinary, ['iam.amazonaws.com', 'CreateAccessKey']]);
  assert.ok(withSensitive > 1 + 1.5, `the sensitive first use adds in full above the cap (${withSensitive} of ${sum2})`);
});

test('dormant principal: a long gap that breaks its rhythm counts, a principal that is always rare does not', () => {
  const { d } = detector(SOLO);
  run(d, routine());
  const [f] = run(d, [
    event({ time: T0 + 60 * DAY + 10 * HOUR, uid: 'back', ip: '203.0.113.50' }),
  ]);
  assert.ok(f, 'expected a finding');
  assert.deepEqual(new Set(features(f)), new Set(['dormant', 'network']));
  assert.match(f.message, /first activity after 4\d days dormant/);

  const rare = detector(SOLO);
  const sparse = [0, 40, 80].map((day, i) => event({ time: T0 + day * DAY + 10 * HOUR, uid: `sp${i}`, principal: 'arn:aws:iam::111122223333:user/rare' }));
  const back = event({ time: T0 + 120 * DAY + 10 * HOUR, uid: 'sp-back', principal: 'arn:aws:iam::111122223333:user/rare', ip: '203.0.113.51' });
  const all = run(rare.d, [...sparse, back]);
  assert.ok(all.every((x) => !features(x).includes('dormant')));
});

test('unusual hour of the week counts for a principal with enough history', () => {
  const { d } = detector({ ...SOLO, unusualHourMinEvents: 100, threshold: 1.3 });
  run(d, routine({ perHour: 3 }));
  const night = T0 + 20 * DAY + 3 * HOUR; // a Sunday, 03:00
  const [f] = run(d, [event({ time: night, uid: 'n1', ip: '203.0.113.9' })]);
  assert.ok(f);
  assert.ok(features(f).includes('hour'));
  assert.match(f.message, /active at an unusual hour \(Sun 03:00 UTC/);
});

test('concurrent use: a new network minutes after a call from the usual one', () => {
  const { d } = detector({ ...SOLO, threshold: 1.9 });
  run(d, routine());
  const found = run(d, [event({ time: AFTER, uid: 'c1' }), event({ time: AFTER + 5 * 60_000, uid: 'c2', ip: '203.0.113.77' })]);
  assert.equal(found.length, 1);
  assert.deepEqual(new Set(features(found[0]!)), new Set(['network', 'concurrent']));
  assert.match(found[0]!.message, /used from 203\.0\.113\.0\/24 5 min after a call from 198\.51\.100\.0\/24/);
});

test('finding ids are deterministic and the finding is an OCSF 2004 Detection Finding', () => {
  const make = (): Finding[] => {
    const { d } = detector(SOLO);
    run(d, routine());
    return run(d, [event({ time: AFTER, uid: 'k', service: 'cloudtrail.amazonaws.com', operation: 'StopLogging' })]);
  };
  const [a] = make();
  const [b] = make();
  assert.ok(a && b);
  assert.equal(a.id, b.id);
  assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(a.class_uid, 2004);
  assert.equal(a.type_uid, 200401);
  assert.equal(a.metadata.uid, a.id);
  assert.equal(a.finding_info.analytic.type, 'Behavioral');
  assert.equal(a.entity.kind, 'principal');
  assert.equal(a.detector, 'principal_anomaly');
  assert.deepEqual(a.finding_info.related_events, [{ uid: 'k' }]);
  assert.ok(a.finding_info.attacks.some((t) => t.technique_uid === 'T1562.008'));
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
});

test('sensitivity overrides from config change what a first use weighs', () => {
  const quiet = detector({ ...SOLO, sensitivity: { 'iam:CreateAccessKey': 1 } });
  run(quiet.d, routine());
  assert.deepEqual(run(quiet.d, [event({ time: AFTER, uid: 'q', service: 'iam.amazonaws.com', operation: 'CreateAccessKey' })]), []);
  const loud = detector({ ...SOLO, sensitivity: { 'ec2:DescribeVpcs': 5 } });
  run(loud.d, routine());
  assert.equal(run(loud.d, [event({ time: AFTER, uid: 'l', service: 'ec2.amazonaws.com', operation: 'DescribeVpcs' })]).length, 1);
});

test('disabled: no findings and no state', () => {
  const { d, state } = detector({ enabled: false });
  assert.deepEqual(run(d, [...routine(), event({ time: AFTER, uid: 'z', service: 'cloudtrail.amazonaws.com', operation: 'StopLogging' })]), []);
  assert.equal(state.size, 0);
});

test('odd but valid input does not throw: no region, no address, no user agent, a non-finite time is skipped', () => {
  const { d } = detector(SOLO);
  const odd = [
    event({ time: T0, uid: 'o1', region: null, ip: null, ua: null }),
    event({ time: T0 + 1, uid: 'o2', ip: 'not-an-ip', ua: '' }),
    event({ time: T0 + 2, uid: 'o3', ip: '::ffff:198.51.100.1', operation: '__proto__', service: '__proto__' }),
    { ...event({ time: T0 + 3, uid: 'o4' }), time: Number.NaN },
  ];
  assert.doesNotThrow(() => run(d, odd));
  assert.equal(d.stats().skipped, 1);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
});
