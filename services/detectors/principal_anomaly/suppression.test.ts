import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY, HOUR, T0, detector, event, routine, run } from './test-support.ts';

const SOLO = { population: { enabled: false } };
const AFTER = T0 + 16 * DAY + 10 * HOUR;
const spike = (start: number, n: number, tag: string) => Array.from({ length: n }, (_, i) => event({ time: start + i * 5_000, uid: `${tag}${i}` }));

test('suppression: the same principal and reason is not reported again within suppressMinutes', () => {
  const { d } = detector({ ...SOLO, suppressMinutes: 240, volume: { peakFactor: 0, minEvents: 50, minZ: 2 } });
  run(d, routine({ perHour: 5 }));
  assert.equal(run(d, spike(AFTER, 300, 'a')).length, 1);
  assert.equal(run(d, spike(AFTER + HOUR, 300, 'b')).length, 0, 'an hour later: suppressed');
  assert.ok(d.stats().suppressed > 0);
  assert.equal(run(d, spike(AFTER + 6 * HOUR, 700, 'c')).length, 1, 'six hours later: reported again');
});

test('suppression off (0 minutes): every event that keeps the score over the threshold is reported', () => {
  const { d } = detector({ ...SOLO, suppressMinutes: 0, volume: { peakFactor: 0, minEvents: 50 } });
  run(d, routine({ perHour: 5 }));
  assert.ok(run(d, spike(AFTER, 300, 'a')).length > 100);
});

const STOP = { service: 'cloudtrail.amazonaws.com', operation: 'StopLogging' } as const;

test('allow-list: principals are learned but never reported', () => {
  const { d, state } = detector({ ...SOLO, allow: { principals: ['arn:aws:iam::*:user/ali*'] } });
  run(d, routine());
  assert.deepEqual(run(d, [event({ ...STOP, time: AFTER, uid: 'p' })]), []);
  assert.ok(state.get('arn:aws:iam::111122223333:user/alice')!.ops.e['cloudtrail:StopLogging'], 'still learned');
});

test('allow-list: source CIDRs, operations and user agents make an event unscored', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['cidr v4', { sourceCidrs: ['203.0.113.0/24'] }, { ip: '203.0.113.9' }],
    ['cidr v6', { sourceCidrs: ['2001:db8::/32'] }, { ip: '2001:db8:1:2::5' }],
    ['operation', { operations: ['cloudtrail:Stop*'] }, {}],
    ['user agent', { userAgents: ['*Terraform*'] }, { ua: 'APN/1.0 HashiCorp/1.0 Terraform/1.7.4' }],
  ];
  for (const [name, allow, extra] of cases) {
    const { d } = detector({ ...SOLO, allow });
    run(d, routine());
    assert.deepEqual(run(d, [event({ ...STOP, ...extra, time: AFTER, uid: name })]), [], name);
    // The same event outside the allow-list is reported (the case is not vacuous).
    const { d: other } = detector(SOLO);
    run(other, routine());
    assert.equal(run(other, [event({ ...STOP, ...extra, time: AFTER, uid: name })]).length, 1, `${name} (control)`);
  }
});
