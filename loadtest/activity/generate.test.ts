import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTACK_KINDS } from './attacks.ts';
import { generateActivity } from './generate.ts';

const SMALL = { seed: 11, principals: 500, accounts: 3, days: 40, events: 40_000, perKind: 1, learnDays: 5 };

test('deterministic from the seed: same events, same ground truth; another seed differs', () => {
  const take = (seed: number): string[] => {
    const out: string[] = [];
    for (const { event, attack } of generateActivity({ ...SMALL, seed }).events()) {
      out.push(`${event.metadata.uid}|${event.time}|${event.actor.user.uid}|${event.api.operation}|${attack ?? ''}`);
      if (out.length === 2000) break;
    }
    return out;
  };
  assert.deepEqual(take(11), take(11));
  assert.notDeepEqual(take(11), take(12));
  assert.deepEqual(generateActivity(SMALL).attacks, generateActivity(SMALL).attacks);
});

test('at least 8 attack kinds, each with ground truth whose events are in the stream, labelled, after learning', () => {
  const s = generateActivity(SMALL);
  const kinds = new Set(s.attacks.map((a) => a.kind));
  assert.ok(kinds.size >= 8, [...kinds].join());
  assert.deepEqual([...kinds].sort(), [...ATTACK_KINDS].sort());
  const labels = new Map<string, string>();
  let last = -Infinity;
  let n = 0;
  const perPrincipal = new Map<string, number>();
  for (const { event, attack } of s.events()) {
    assert.ok(event.time >= last, 'time order');
    last = event.time;
    n++;
    if (attack !== null) labels.set(event.metadata.uid, attack);
    perPrincipal.set(event.actor.user.uid, (perPrincipal.get(event.actor.user.uid) ?? 0) + 1);
    assert.equal(event.class_uid, 6003);
  }
  const learnEnd = s.options.start + s.options.learnDays * 86_400_000;
  for (const a of s.attacks) {
    assert.ok(a.start >= learnEnd, `${a.id} starts after learning`);
    assert.ok(a.uids.length > 0);
    for (const uid of a.uids) assert.equal(labels.get(uid), a.id, `${a.id}: ${uid}`);
    assert.ok(a.principals.length >= 1);
  }
  assert.equal(labels.size, s.attacks.reduce((x, a) => x + a.uids.length, 0));
  // Zipf-like: the busiest tenth of principals make most of the calls.
  const counts = [...perPrincipal.values()].sort((a, b) => b - a);
  const top = counts.slice(0, Math.ceil(counts.length / 10)).reduce((x, c) => x + c, 0);
  assert.ok(top / n > 0.5, `top 10% make ${(top / n).toFixed(2)} of calls`);
  assert.ok(n > 20_000);
});

test('events look like aws_cloudtrail output: unique uids, ARN principals, eventSource services', () => {
  const uids = new Set<string>();
  for (const { event } of generateActivity({ ...SMALL, days: 10, perKind: 0 }).events()) {
    assert.ok(!uids.has(event.metadata.uid));
    uids.add(event.metadata.uid);
    assert.match(event.actor.user.uid, /^arn:aws:(iam|sts)::\d{12}:/);
    assert.match(event.api.service_name, /\.amazonaws\.com$/);
    assert.equal(event.metadata.source, 'aws_cloudtrail');
    assert.equal(event.status_id === 2, event.status === 'Failure');
  }
  assert.ok(uids.size > 1000);
});
