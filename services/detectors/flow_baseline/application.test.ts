/**
 * Application and version identity, and new applications watched from their first connection
 * (issue 22), on the real bookinfo captures (fixtures/, through the hubble_flows collector).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../core/events.ts';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { RULES } from './findings.ts';
import { alerts, harness } from './tests/helpers/harness.ts';
import { externalEnd, fixtureFlows, workloadEnd, type KeyedFlow } from './tests/helpers/flows.ts';

const DAY = 86_400_000;
const all = fixtureFlows();
const isV3 = (f: KeyedFlow): boolean => [f.event.src, f.event.dst].some((e) => e.workload?.name === 'reviews-v3');
/** Every flow of the captures except those of the reviews-v3 Deployment (held back: it is the canary). */
const withoutV3 = all.filter((f) => !isV3(f));
const v3 = all.filter((f) => f.event.src.workload?.name === 'reviews-v3');
const lastTime = Math.max(...all.map((f) => f.event.time));
const shift = (flows: readonly KeyedFlow[], by: number): KeyedFlow[] => flows.map((f) => ({ key: f.key, event: { ...f.event, time: f.event.time + by } }));

/** A real flow of `from` with another destination (the injected deviation), at `time`. */
function redirect(from: KeyedFlow, dst: NetworkFlow['dst'], time: number, uid: string): KeyedFlow {
  return { key: from.key, event: { ...from.event, dst, time, unmapped: '{"is_reply":false}', connection_info: { ...from.event.connection_info, tcp_flags: 2 }, metadata: { ...from.event.metadata, uid } } };
}

/** Learned the captures without reviews-v3; every application left discovery on a replay two days later. */
function learnedWithoutV3(config: Parameters<typeof harness>[0] = {}) {
  const h = harness({ discovery: { maxMs: DAY, stableMs: 0 }, ...config });
  assert.deepEqual(h.run(withoutV3), []);
  assert.deepEqual(alerts(h.run(shift(withoutV3, 2 * DAY))), []);
  assert.equal(h.state.get('kind/bookinfo/app/reviews')!.phase, 'active');
  return { h, t: lastTime + 2 * DAY + 60_000 };
}

test('canary: a new Deployment of a known application (reviews-v3) is judged against the application baseline from its first connection', () => {
  assert.ok(v3.length > 0 && v3.every((f) => f.key === 'kind/bookinfo/app/reviews'), 'reviews-v3 flows are keyed by the application');
  const { h, t } = learnedWithoutV3();
  // reviews-v3 does what v1/v2 did (serves productpage, calls ratings): silent, although its Deployment is new.
  assert.deepEqual(alerts(h.run(shift(v3, 2 * DAY + 30_000))), []);
  const s = h.state.get('kind/bookinfo/app/reviews')!;
  assert.deepEqual(s.versions.map((v) => v.version).sort(), ['v1', 'v2', 'v3']);
  assert.equal(s.phase, 'active', 'no discovery for a new version of a known application');
  // Its first call to a never-seen external endpoint is a version change at once.
  const out = alerts(h.run([redirect(v3[0]!, externalEnd('203.0.113.50', 443), t, 'v3-c2')]));
  assert.equal(out.length, 1);
  const f = out[0]!;
  assert.equal(f.rule, RULES.versionChange);
  assert.equal(f.severity, 'High');
  assert.equal(f.entity.key, 'kind/bookinfo/app/reviews');
  const e = f.evidences[0]!;
  assert.equal(e.version, 'v3');
  assert.ok(e.previous_version === 'v1' || e.previous_version === 'v2', String(e.previous_version));
  assert.equal(e.application, 'reviews');
  assert.equal(e.controller, 'Deployment/reviews-v3');
  assert.equal(e.peer, 'cidr:203.0.113.0/24');
  // The same call from an older version is a plain new edge, not a version change.
  const v2 = withoutV3.find((x) => x.event.src.workload?.name === 'reviews-v2')!;
  const old = alerts(h.run([redirect(v2, externalEnd('198.51.100.7', 8443), t + 1000, 'v2-new')]));
  assert.deepEqual(old.map((x) => x.rule), [RULES.newEdge]);
});

test('productpage-v2 (a renamed copy of the real productpage-v1 flows, version label v2) calling out on 443 is a version_change', () => {
  const { h, t } = learnedWithoutV3();
  const pp = all.filter((f) => f.event.src.workload?.name === 'productpage-v1' && f.event.src.workload.pod);
  assert.ok(pp.length > 10);
  const asV2 = (f: KeyedFlow, time: number): KeyedFlow => {
    const w = f.event.src.workload!;
    const labels = w.labels.map((l) => (l.key === 'version' ? { key: 'version', value: 'v2' } : l));
    return { key: f.key, event: { ...f.event, time, src: { ...f.event.src, workload: { ...w, name: 'productpage-v2', pod: 'productpage-v2-5f8c7d9b6c-x7k2q', labels, app_version: 'v2' } } } };
  };
  assert.deepEqual(alerts(h.run(pp.map((f, i) => asV2(f, t + i)))), [], 'the known behaviour of productpage from v2 is silent');
  const out = alerts(h.run([asV2(redirect(pp[0]!, externalEnd('198.51.100.9', 443, 'telemetry.example.net'), t + 5000, 'pp2-out'), t + 5000)]));
  assert.deepEqual(out.map((f) => [f.rule, f.evidences[0]!.version, f.evidences[0]!.peer]), [[RULES.versionChange, 'v2', 'fqdn:telemetry.example.net']]);
});

/** A brand-new application: the real ratings-v1 flows as if a new app `recommender` sent them. */
function asNewApp(f: KeyedFlow, time: number, uid?: string): KeyedFlow {
  const w = f.event.src.workload!;
  const labels = w.labels.map((l) => (l.key === 'app' ? { key: 'app', value: 'recommender' } : l));
  return {
    key: 'kind/bookinfo/app/recommender',
    event: {
      ...f.event,
      time,
      metadata: uid ? { ...f.event.metadata, uid } : f.event.metadata,
      src: { ...f.event.src, workload: { ...w, name: 'recommender-v1', pod: 'recommender-v1-7d9c8b6f5d-p4k2n', labels, app: 'recommender', app_version: 'v1' } },
    },
  };
}
const ratingsOut = all.filter((f) => f.event.src.workload?.name === 'ratings-v1' && f.event.dst.workload?.name === 'coredns' && f.event.dst.port === 53);

test('a brand-new application is judged against its namespace from its first connection, while it learns', () => {
  const { h, t } = learnedWithoutV3();
  assert.ok(ratingsOut.length > 0, 'ratings resolves names through coredns in the capture');
  // Its first connection: an external endpoint no bookinfo application uses. Reported at once, not after a day.
  const c2 = alerts(h.run([asNewApp(redirect(ratingsOut[0]!, externalEnd('203.0.113.50', 443), t, 'new-c2'), t, 'new-c2')]));
  assert.deepEqual(c2.map((f) => f.rule), [RULES.newApplicationEdge]);
  assert.equal(c2[0]!.severity, 'Medium', 'the default severity');
  assert.equal(c2[0]!.evidences[0]!.novelty, 'external_endpoint');
  assert.equal(c2[0]!.evidences[0]!.application, 'recommender');
  assert.deepEqual(c2[0]!.finding_info.related_events, [{ uid: 'new-c2' }]);
  const s = h.state.get('kind/bookinfo/app/recommender')!;
  assert.equal(s.phase, 'discover', 'it still learns its own baseline');
  // What the namespace's applications already do (DNS through coredns) is fine.
  assert.deepEqual(alerts(h.run(ratingsOut.map((f, i) => asNewApp(f, t + 1000 + i)))), []);
  // A new port of a service the namespace uses, and a workload the namespace never talks to.
  const details = all.find((f) => f.event.dst.workload?.name === 'details-v1' && f.event.dst.port === 9080)!.event.dst;
  const vault = workloadEnd({ cluster: 'kind', namespace: 'secrets', name: 'vault', labels: { app: 'vault' }, app: 'vault' }, 8200);
  const more = alerts(
    h.run([
      asNewApp(redirect(ratingsOut[0]!, { ...details, port: 22 }, t + 2000, 'new-ssh'), t + 2000, 'new-ssh'),
      asNewApp(redirect(ratingsOut[0]!, vault, t + 3000, 'new-lateral'), t + 3000, 'new-lateral'),
    ]),
  );
  assert.deepEqual(more.map((f) => [f.rule, f.evidences[0]!.novelty, f.evidences[0]!.peer, f.evidences[0]!.port]), [
    [RULES.newApplicationEdge, 'new_port', 'w:kind/bookinfo/app/details', 22],
    [RULES.newApplicationEdge, 'new_peer', 'w:kind/secrets/app/vault', 8200],
  ]);
  // Learned while reported: the same connection again is not reported twice.
  assert.deepEqual(alerts(h.run([asNewApp(redirect(ratingsOut[0]!, externalEnd('203.0.113.50', 443), t + 4000, 'again'), t + 4000)])), []);
});

test('new applications: protect emits block decisions naming the application and version; discover mode and judge off stay silent', () => {
  const inject = (h: { h: ReturnType<typeof harness>; t: number }) => h.h.run([asNewApp(redirect(ratingsOut[0]!, externalEnd('203.0.113.50', 443), h.t, 'p-c2'), h.t, 'p-c2')]);
  const p = learnedWithoutV3({ modes: [{ namespace: 'bookinfo', mode: 'protect' }], newApplications: { severity: 'High' } });
  const found = alerts(inject(p));
  assert.deepEqual(found.map((f) => [f.rule, f.severity]), [[RULES.newApplicationEdge, 'High']]);
  assert.equal(p.h.emitted.length, 1);
  const d = p.h.emitted[0]!.value;
  assert.deepEqual([d.decision, d.scope, d.application, d.version, d.peer, d.port, d.finding_id], ['block', 'edge', 'recommender', 'v1', 'cidr:203.0.113.0/24', 443, found[0]!.id]);
  assert.deepEqual(alerts(inject(learnedWithoutV3({ newApplications: { judge: 'off' } }))), [], 'judge off: a free discovery');
  // The same learned namespace, now configured to discover: its new applications learn unreported.
  const learned = learnedWithoutV3();
  const disc = harness({ discovery: { maxMs: DAY, stableMs: 0 }, modes: [{ namespace: 'bookinfo', mode: 'discover' }] }, learned.h.state);
  disc.detector.restored([...learned.h.state.keys()]);
  assert.deepEqual(alerts(inject({ h: disc, t: learned.t })), [], 'a namespace in discover');
  const again = learnedWithoutV3();
  const mon = harness({ discovery: { maxMs: DAY, stableMs: 0 } }, again.h.state);
  mon.detector.restored([...again.h.state.keys()]);
  assert.equal(alerts(inject({ h: mon, t: again.t })).length, 1, 'the same state in monitor reports it');
});

test('namespace baselines are rebuilt from restored state (restored hook): a fresh instance judges new applications at once', () => {
  const { h, t } = learnedWithoutV3();
  const fresh = harness({ discovery: { maxMs: DAY, stableMs: 0 } }, h.state);
  assert.equal(fresh.detector.stats().namespaces.held, 0);
  fresh.detector.restored([...h.state.keys()]);
  assert.ok(fresh.detector.stats().namespaces.held >= 2);
  const out: Finding[] = alerts(fresh.run([asNewApp(redirect(ratingsOut[0]!, externalEnd('203.0.113.50', 443), t, 'r-c2'), t, 'r-c2')]));
  assert.deepEqual(out.map((f) => f.rule), [RULES.newApplicationEdge]);
});
