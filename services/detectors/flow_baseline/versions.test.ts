import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULES } from './findings.ts';
import { alerts, harness } from './tests/helpers/harness.ts';
import { externalEnd, flow, keyOf, workloadEnd, type KeyedFlow, type WorkloadSpec } from './tests/helpers/flows.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const checkout = (version: string | null, pod = `checkout-${version ?? 'x'}-abc12`): WorkloadSpec => ({
  cluster: 'prod',
  namespace: 'shop',
  name: 'checkout',
  labels: { app: 'checkout' },
  image: 'registry.example.com/shop/checkout',
  version,
  pod,
});
const db = workloadEnd({ cluster: 'prod', namespace: 'shop', name: 'db', kind: 'StatefulSet', labels: { app: 'db' } }, 5432);
const payments = workloadEnd({ cluster: 'prod', namespace: 'shop', name: 'payments', labels: { app: 'payments' } }, 8443);
const KEY = 'prod/shop/Deployment/checkout';

const call = (w: WorkloadSpec, dst: ReturnType<typeof workloadEnd>, time: number, uid?: string): KeyedFlow => ({ key: keyOf(w), event: flow(workloadEnd(w, 40000 + (time % 20000)), dst, { time, uid }) });

/** checkout 1.0 learned db and payments during a one-hour discovery. */
function learnedV1(config: Parameters<typeof harness>[0] = {}) {
  const h = harness({ discovery: { maxMs: HOUR, stableMs: 0 }, ...config });
  const v1 = checkout('1.0');
  const found = h.run([call(v1, db, 0), call(v1, payments, 60_000), call(v1, db, 2 * HOUR)]);
  assert.deepEqual(alerts(found), []);
  assert.equal(h.state.get(KEY)!.phase, 'active');
  return h;
}

test('a rollout with a new egress is flagged as a version behaviour change, with the version diff', () => {
  const h = learnedV1();
  const v2 = checkout('1.1');
  const t = 3 * HOUR;
  // The new version inherits the baseline: its db calls are silent.
  assert.deepEqual(h.run([call(v2, db, t)]), []);
  const out = h.run([call(v2, externalEnd('203.0.113.66', 443), t + 1000, 'v2-egress')]);
  assert.equal(out.length, 1);
  const f = out[0]!;
  assert.equal(f.rule, RULES.versionChange);
  assert.equal(f.severity, 'High');
  assert.deepEqual(f.finding_info.related_events, [{ uid: 'v2-egress' }]);
  const e = f.evidences[0]!;
  assert.equal(e.workload, KEY);
  assert.equal(e.version, '1.1');
  assert.equal(e.previous_version, '1.0');
  assert.equal(e.version_diff, '1.0 -> 1.1');
  assert.equal(e.image_repository, 'registry.example.com/shop/checkout');
  assert.equal(e.image_repository_changed, false);
  assert.equal(e.peer, 'cidr:203.0.113.0/24');
  assert.equal(e.port, 443);
  assert.equal(e.version_first_seen, t);
  assert.match(f.message, /version 1\.1 .* 1\.0 -> 1\.1/);
});

test('the same new edge from the old version is a plain new edge; a benign rollout raises nothing', () => {
  const h = learnedV1();
  const out = h.run([call(checkout('1.0'), externalEnd('203.0.113.66', 443), 3 * HOUR)]);
  assert.equal(out[0]?.rule, RULES.newEdge);
  const benign = learnedV1();
  const v2 = checkout('1.1');
  assert.deepEqual(benign.run([call(v2, db, 3 * HOUR), call(v2, payments, 3 * HOUR + 1)]), []);
  assert.equal(benign.state.get(KEY)!.versions.length, 2);
});

test('edges the old version used and the new one never did are reported once, after removedAfterMs', () => {
  const h = learnedV1({ versions: { removedAfterMs: DAY } });
  const v2 = checkout('1.1');
  const t = 3 * HOUR;
  assert.deepEqual(h.run([call(v2, db, t), call(v2, db, t + DAY - 1)]), []);
  const out = h.run([call(v2, db, t + DAY)]);
  assert.equal(out.length, 1);
  const f = out[0]!;
  assert.equal(f.rule, RULES.edgesRemoved);
  assert.equal(f.severity, 'Informational');
  assert.equal(f.count, 1);
  assert.equal(f.evidences[0]!.version_diff, '1.0 -> 1.1');
  assert.equal(f.evidences[1]!.peer, 'w:prod/shop/Deployment/payments');
  assert.equal(f.evidences[1]!.port, 8443);
  assert.deepEqual(h.run([call(v2, db, t + 2 * DAY)]), [], 'reported once');
});

test('a flow without a version belongs to the current version; versions can come from a pod label', () => {
  const h = learnedV1();
  assert.deepEqual(h.run([call(checkout(null), externalEnd('203.0.113.66', 443), 3 * HOUR)]).map((f) => f.rule), [RULES.newEdge]);
  assert.equal(h.state.get(KEY)!.versions.length, 1);

  const byLabel = harness({ discovery: { maxMs: HOUR, stableMs: 0 } });
  const web = (v: string): WorkloadSpec => ({ namespace: 'shop', name: 'web', labels: { app: 'web', 'app.kubernetes.io/version': v } });
  byLabel.run([call(web('7'), db, 0), call(web('7'), db, 2 * HOUR)]);
  const out = byLabel.run([call(web('8'), payments, 3 * HOUR)]);
  assert.equal(out[0]?.rule, RULES.versionChange);
  assert.equal(out[0]?.evidences[0]!.version_diff, '7 -> 8');
});

test('a version older than changeWindowMs no longer counts as a change; a repository change is flagged', () => {
  const h = learnedV1({ versions: { changeWindowMs: DAY } });
  const v2 = checkout('1.1');
  h.run([call(v2, db, 3 * HOUR)]);
  assert.equal(h.run([call(v2, externalEnd('203.0.113.66', 443), 3 * HOUR + 2 * DAY)])[0]?.rule, RULES.newEdge);

  const r = learnedV1();
  const evil: WorkloadSpec = { ...checkout('1.0'), image: 'docker.io/attacker/checkout' };
  const f = r.run([call(evil, externalEnd('203.0.113.66', 443), 3 * HOUR)])[0]!;
  assert.equal(f.rule, RULES.versionChange);
  assert.equal(f.evidences[0]!.image_repository_changed, true);
  assert.equal(f.evidences[0]!.image_repository, 'docker.io/attacker/checkout');
});

test('versions are bounded: the least recently seen is forgotten and its bit cleared', () => {
  const h = harness({ versions: { max: 3 }, discovery: { maxMs: HOUR, stableMs: 0 } });
  for (let i = 0; i < 6; i++) h.run([call(checkout(`1.${i}`), db, i * 1000)]);
  const s = h.state.get(KEY)!;
  assert.equal(s.versions.length, 3);
  assert.equal(s.counters.versionsEvicted, 3);
  assert.deepEqual(s.versions.map((v) => v.version).sort(), ['1.3', '1.4', '1.5']);
  const mask = s.versions.reduce((m, v) => m | (1 << v.slot), 0);
  for (const e of Object.values(s.edges)) assert.equal(e[3] & ~mask, 0, 'no bit of a forgotten version');
  assert.equal(h.detector.stats().versionsEvicted, 3);
});
