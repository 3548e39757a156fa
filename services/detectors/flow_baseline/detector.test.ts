import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../core/events.ts';
import { RULES } from './findings.ts';
import { alerts, harness } from './tests/helpers/harness.ts';
import { connection, externalEnd, fixtureFlows, flow, keyOf, workloadEnd, type KeyedFlow, type WorkloadSpec } from './tests/helpers/flows.ts';
import { labelRegistry } from './tests/helpers/attempts.ts';

const DAY = 86_400_000;
const bookinfo = fixtureFlows();
const registry = labelRegistry(bookinfo.map((f) => f.event));
const lastTime = Math.max(...bookinfo.map((f) => f.event.time));

/** The fixture flows again, `by` ms later (a replay of the same traffic on another day). */
const shifted = (by: number): KeyedFlow[] => bookinfo.map((f) => ({ key: f.key, event: { ...f.event, time: f.event.time + by } }));

/** A kind-cluster bookinfo pod with its real labels. */
function pod(name: string): WorkloadSpec {
  const labels = registry.get(`kind/bookinfo/Deployment/${name}`);
  assert.ok(labels, name);
  // The application and version, as the collector derives them from the labels.
  return { cluster: 'kind', namespace: 'bookinfo', name, labels, app: labels.app ?? null, appVersion: labels.version ?? null };
}

/** A detector that learned the fixtures and whose workloads left discovery (by duration) on a replay. */
function learned(config: Parameters<typeof harness>[0] = {}) {
  const h = harness({ discovery: { maxMs: DAY, stableMs: 0 }, ...config });
  const learning = h.run(bookinfo);
  const replay = h.run(shifted(2 * DAY));
  return { h, learning, replay, t: lastTime + 2 * DAY + 60_000 };
}

function evidence(f: Finding): Record<string, string | number | boolean | null> {
  assert.ok(f.evidences[0]);
  return f.evidences[0];
}

test('learning the bookinfo flows, then replaying them raises no alert', () => {
  const { h, learning, replay } = learned();
  assert.deepEqual(learning, [], 'discovery raises nothing');
  assert.deepEqual(alerts(replay), [], 'replay of learned traffic raises no alert');
  // Each workload recorded the switch, as state and as one informational finding.
  const ended = replay.filter((f) => f.rule === RULES.discoveryEnded);
  assert.equal(ended.length, h.state.size);
  for (const key of h.state.keys()) {
    const s = h.state.get(key)!;
    assert.equal(s.phase, 'active', key);
    assert.equal(s.discovery.reason, 'duration');
    assert.ok(s.discovery.end !== null && s.discovery.end >= s.first + 2 * DAY, key);
  }
  // A second replay is still silent (no re-reporting of the switch either).
  assert.deepEqual(h.run(shifted(3 * DAY)), []);
});

test('edges are by identity: replies, ephemeral ports, pods and IPs do not make edges', () => {
  const { h } = learned();
  assert.deepEqual(Object.keys(h.state.get('kind/bookinfo/app/details')!.edges), ['i|w:kind/bookinfo/app/productpage|TCP|9080']);
  // Identity is the application: reviews-v1, -v2 and -v3 are one peer (three versions of reviews).
  assert.deepEqual(Object.keys(h.state.get('kind/bookinfo/app/productpage')!.edges).sort(), [
    'i|ent:host|TCP|9080',
    'i|w:kind/bookinfo/app/ratings|TCP|9080',
    'o|w:kind/bookinfo/app/details|TCP|9080',
    'o|w:kind/bookinfo/app/reviews|TCP|9080',
    'o|w:kind/kube-system/app/coredns|UDP|53',
  ]);
  const json = JSON.stringify([...h.state.keys()].map((k) => h.state.get(k)));
  const ips = new Set(bookinfo.flatMap((f) => [f.event.src.ip, f.event.dst.ip]).filter((x): x is string => !!x));
  for (const ip of ips) assert.ok(!json.includes(`"${ip}`) && !json.includes(`:${ip}|`), `IP ${ip} in state`);
  for (const key of h.state.keys()) {
    for (const k of Object.keys(h.state.get(key)!.edges)) assert.ok(Number(k.split('|')[3]) < 32768 || k.split('|')[3] === '-', `ephemeral port in ${k}`);
  }
});

test('injected deviations are reported with both identities, port, protocol, mode, version, first seen and count', () => {
  const { h, t } = learned();
  const details = pod('details-v1');
  const ratings = pod('ratings-v1');
  const productpage = pod('productpage-v1');
  const lateral = flow(workloadEnd(details, 41000), workloadEnd(pod('reviews-v2'), 9080), { time: t, uid: 'inj-lateral' });
  const c2 = flow(workloadEnd(ratings, 41001), externalEnd('203.0.113.50', 443), { time: t + 1, uid: 'inj-c2' });
  const fqdn = flow(workloadEnd(productpage, 41002), externalEnd('198.51.100.9', 443, 'Evil.Example.com.'), { time: t + 2, uid: 'inj-fqdn' });
  const backdoor = flow(workloadEnd(details, 4444), externalEnd('198.51.100.3', 51515), { time: t + 3, uid: 'inj-backdoor', reply: true });
  const out = h.run([
    { key: keyOf(details), event: lateral },
    { key: keyOf(ratings), event: c2 },
    { key: keyOf(productpage), event: fqdn },
    { key: keyOf(details), event: backdoor },
  ]);
  assert.equal(out.length, 4);
  const [a, b, c, d] = out as [Finding, Finding, Finding, Finding];

  assert.equal(a.rule, RULES.newEdge);
  assert.equal(a.severity, 'Medium');
  assert.deepEqual(a.entity, { kind: 'workload', key: 'kind/bookinfo/app/details' });
  assert.deepEqual(a.finding_info.related_events, [{ uid: 'inj-lateral' }]);
  assert.equal(a.finding_info.first_seen_time, t);
  assert.equal(a.count, 1);
  const ea = evidence(a);
  assert.equal(ea.workload, 'kind/bookinfo/app/details');
  assert.equal(ea.peer, 'w:kind/bookinfo/app/reviews');
  assert.equal(ea.peer_namespace, 'bookinfo');
  assert.equal(ea.peer_name, 'app/reviews');
  assert.equal(ea.application, 'details');
  assert.equal(ea.controller, 'Deployment/details-v1');
  assert.equal(ea.direction, 'egress');
  assert.equal(ea.port, 9080);
  assert.equal(ea.protocol, 'TCP');
  assert.equal(ea.mode, 'monitor');
  assert.equal(ea.version, 'v1', 'version from the pod label');
  assert.equal(ea.first_seen, t);
  assert.equal(ea.count, 1);

  assert.equal(b.severity, 'High', 'external egress');
  assert.equal(evidence(b).peer, 'cidr:203.0.113.0/24');
  assert.equal(b.entity.key, 'kind/bookinfo/app/ratings');
  assert.deepEqual(b.finding_info.attacks, [{ technique_uid: 'T1071', tactic: 'Command and Control' }]);

  assert.equal(evidence(c).peer, 'fqdn:evil.example.com');
  assert.equal(evidence(c).peer_type, 'external');

  assert.equal(d.entity.key, 'kind/bookinfo/app/details');
  assert.equal(evidence(d).direction, 'ingress', 'a reply from a new port: the workload serves it');
  assert.equal(evidence(d).port, 4444);
  assert.equal(evidence(d).peer, 'ent:world', 'external clients of a served port are the world by default');
});

test('inboundExternal: bucket keeps the external client\'s CIDR bucket on inbound edges', () => {
  const web: WorkloadSpec = { namespace: 'shop', name: 'web' };
  const reply = (ip: string, time: number): KeyedFlow => ({ key: keyOf(web), event: flow(workloadEnd(web, 443), externalEnd(ip, 51000), { time, reply: true }) });
  const cfg = { discovery: { maxMs: 1000, stableMs: 0 } } as const;
  const world = harness(cfg);
  world.run([reply('192.0.2.10', 0)]);
  assert.deepEqual(alerts(world.run([reply('198.51.100.3', 5000)])), [], 'a new client network on a learned port is fine');
  const bucket = harness({ ...cfg, inboundExternal: 'bucket' });
  bucket.run([reply('192.0.2.10', 0)]);
  const out = alerts(bucket.run([reply('198.51.100.3', 5000)]));
  assert.equal(out[0]?.evidences[0]!.peer, 'cidr:198.51.100.0/24');
});

test('a new edge is reported once per dedup window, then again with its count', () => {
  const { h, t } = learned({ dedupWindowMs: 3_600_000 });
  const details = pod('details-v1');
  const dst = workloadEnd(pod('ratings-v1'), 9080);
  const burst = Array.from({ length: 10 }, (_, i) => ({ key: keyOf(details), event: flow(workloadEnd(details, 42000 + i), dst, { time: t + i * 1000 }) }));
  const first = h.run(burst);
  assert.equal(first.length, 1);
  const later = h.run([{ key: keyOf(details), event: flow(workloadEnd(details, 43000), dst, { time: t + 3_600_000 + 5 }) }]);
  assert.equal(later.length, 1);
  assert.equal(later[0]!.count, 11);
  assert.equal(later[0]!.finding_info.first_seen_time, t);
  assert.notEqual(later[0]!.id, first[0]!.id);
});

test('a scan raises a few new-edge findings, then one burst finding, and the rest is counted', () => {
  const { h, t } = learned({ burst: { windowMs: 300_000, maxFindings: 5 } });
  const scanner = pod('reviews-v2');
  const target = workloadEnd(pod('details-v1'), null);
  const probes = Array.from({ length: 40 }, (_, i) => ({ key: keyOf(scanner), event: flow(workloadEnd(scanner, 45000 + i), { ...target, port: 1000 + i }, { time: t + i * 100, activity: 1 }) }));
  const out = h.run(probes);
  assert.deepEqual(
    out.map((f) => f.rule),
    [...Array(5).fill(RULES.newEdge), RULES.burst],
  );
  const burst = out[5]!;
  assert.equal(burst.severity, 'High');
  assert.equal(burst.count, 6);
  assert.deepEqual(burst.finding_info.attacks, [{ technique_uid: 'T1046', tactic: 'Discovery' }]);
  assert.equal(h.detector.stats().findingsSuppressed, 34);
  assert.equal(h.state.get(keyOf(scanner))!.counters.findingsSuppressed, 34);
  // A new window gives findings again.
  const next = h.run([{ key: keyOf(scanner), event: flow(workloadEnd(scanner, 46000), { ...target, port: 2222 }, { time: t + 400_000 }) }]);
  assert.equal(next[0]?.rule, RULES.newEdge);
});

test('protect mode emits a block decision with a deterministic id; monitor emits none', () => {
  const inject = (t: number): KeyedFlow[] => [{ key: keyOf(pod('ratings-v1')), event: flow(workloadEnd(pod('ratings-v1'), 41001), externalEnd('203.0.113.50', 443), { time: t, uid: 'inj-block' }) }];
  const a = learned({ mode: 'protect' });
  const fa = a.h.run(inject(a.t));
  const b = learned({ mode: 'protect' });
  const fb = b.h.run(inject(b.t));
  assert.equal(a.h.emitted.length, 1);
  const o = a.h.emitted[0]!;
  assert.equal(o.stream, 'enforcement');
  assert.equal(o.key, 'kind/bookinfo/app/ratings');
  assert.equal(o.value.decision, 'block');
  assert.equal(o.value.scope, 'edge');
  assert.equal(o.value.peer, 'cidr:203.0.113.0/24');
  assert.equal(o.value.port, 443);
  assert.equal(o.value.direction, 'egress');
  assert.equal(o.value.finding_id, fa[0]!.id);
  assert.deepEqual(o.value.selector, registry.get('kind/bookinfo/Deployment/ratings-v1'));
  assert.equal(o.value.id, b.h.emitted[0]!.value.id, 'replay gives the same decision id');
  assert.equal(fa[0]!.id, fb[0]!.id, 'and the same finding id');
  assert.equal(evidence(fa[0]!).mode, 'protect');
  const m = learned({ mode: 'monitor' });
  assert.equal(m.h.run(inject(m.t)).length, 1);
  assert.equal(m.h.emitted.length, 0);
});

test('dropped flows are not learned during discovery, and a dropped attempt after it is reported', () => {
  const app: WorkloadSpec = { namespace: 'shop', name: 'cart' };
  const db = workloadEnd({ namespace: 'shop', name: 'db' }, 5432);
  const h = harness({ discovery: { maxMs: 1000, stableMs: 0 } });
  assert.deepEqual(h.run([{ key: keyOf(app), event: flow(workloadEnd(app, 40000), db, { time: 0, verdict: 'DROPPED', activity: 5 }) }]), []);
  assert.deepEqual(h.state.get(keyOf(app))!.edges, {});
  const out = alerts(h.run([{ key: keyOf(app), event: flow(workloadEnd(app, 40001), db, { time: 5000, verdict: 'DROPPED', activity: 5 }) }]));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.rule, RULES.newEdge);
});

test('only the configured source types are baselined; inbound edges can be learned without alerts or ignored', () => {
  const ext = externalEnd('192.0.2.10', 51000);
  const web: WorkloadSpec = { namespace: 'shop', name: 'web' };
  const request = { key: 'external/192.0.2.0/24', event: flow(ext, workloadEnd(web, 443), { time: 0 }) };
  const reply = (time: number, port = 443): KeyedFlow => ({ key: keyOf(web), event: flow(workloadEnd(web, port), { ...ext, port: 51000 }, { time, reply: true }) });

  const byDefault = harness();
  byDefault.run([request]);
  assert.equal(byDefault.state.has('external/192.0.2.0/24'), false);
  assert.equal(byDefault.detector.stats().skipped, 1);
  const withExternal = harness({ sources: ['workload', 'external'] });
  withExternal.run([request]);
  assert.deepEqual(Object.keys(withExternal.state.get('external/192.0.2.0/24')!.edges), ['o|w:test/shop/Deployment/web|TCP|443']);

  const cfg = { discovery: { maxMs: 1000, stableMs: 0 } } as const;
  const alerting = harness(cfg);
  alerting.run([reply(0)]);
  assert.equal(alerts(alerting.run([reply(5000, 8443)])).length, 1, 'a new served port alerts');
  const learning = harness({ ...cfg, inbound: 'learn' });
  learning.run([reply(0)]);
  assert.equal(alerts(learning.run([reply(5000, 8443)])).length, 0);
  const ignoring = harness({ ...cfg, inbound: 'ignore' });
  ignoring.run([reply(0)]);
  assert.equal(ignoring.state.has(keyOf(web)), false);
});

test('process identity extends edges only when configured and present', () => {
  const app: WorkloadSpec = { namespace: 'shop', name: 'api' };
  const dst = externalEnd('203.0.113.9', 443, 'api.stripe.com');
  const as = (binary: string, time: number): KeyedFlow => ({ key: keyOf(app), event: flow(workloadEnd(app, 40000), dst, { time, process: { binary, parent_binary: '/bin/sh' } }) });
  const cfg = { discovery: { maxMs: 1000, stableMs: 0 } } as const;
  const on = harness({ ...cfg, processIdentity: 'binary' });
  on.run([as('/usr/bin/python3', 0)]);
  const onAlerts = alerts(on.run([as('/tmp/.x/curl', 5000)]));
  assert.equal(onAlerts.length, 1);
  assert.equal(evidence(onAlerts[0]!).binary, '/tmp/.x/curl');
  const off = harness({ ...cfg, processIdentity: 'off' });
  off.run([as('/usr/bin/python3', 0)]);
  assert.deepEqual(alerts(off.run([as('/tmp/.x/curl', 5000)])), []);
});

test('a disabled detector does nothing; odd but valid flows do not throw', () => {
  const h = harness({ enabled: false });
  assert.deepEqual(h.run(bookinfo.slice(0, 5)), []);
  assert.equal(h.state.size, 0);
  const on = harness();
  const odd = flow(workloadEnd({ namespace: 'shop', name: 'x' }, null), { ...externalEnd('203.0.113.1', null), cidr_bucket: null, ip: null }, { time: 0, proto: 'SCTP' });
  assert.doesNotThrow(() => on.run([{ key: 'test/shop/Deployment/x', event: odd }, { key: 'test/shop/Deployment/x', event: { ...odd, time: Number.NaN } }]));
  assert.deepEqual(Object.keys(on.state.get('test/shop/Deployment/x')!.edges), ['o|unknown|SCTP|-']);
  assert.equal(connection({ namespace: 'a', name: 'b' }, workloadEnd({ namespace: 'a', name: 'c' }, null), 80, { time: 0 }).length, 2);
});
