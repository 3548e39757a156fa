/**
 * L7 learning on the real bookinfo captures (fixtures/): HTTP (method, path pattern) per edge and
 * DNS names per application; a replay two days later raises nothing; injected L7 flows, made from
 * real ones with another URL or query, raise new_http_path / new_dns_name / version_change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { RULES } from './findings.ts';
import type { FlowBaselineState } from './state.ts';
import { alerts, harness } from './tests/helpers/harness.ts';
import { fixtureFlows, type KeyedFlow } from './tests/helpers/flows.ts';

const DAY = 86_400_000;
const bookinfo = fixtureFlows();
const end = Math.max(...bookinfo.map((f) => f.event.time));
const later = (flows: readonly KeyedFlow[], days = 2): KeyedFlow[] => flows.map((f) => ({ key: f.key, event: { ...f.event, time: f.event.time + days * DAY } }));
const cfg = { discovery: { maxMs: DAY, stableMs: 0 } } as const;

/** A real L7 flow of the fixtures (the first matching), cloned. */
function realL7(pred: (e: NetworkFlow) => boolean): KeyedFlow {
  const f = bookinfo.find((x) => x.event.l7 !== null && pred(x.event));
  assert.ok(f, 'the fixture has such a flow');
  return { key: f.key, event: structuredClone(f.event) };
}

const productpageToDetails = (): KeyedFlow => realL7((e) => e.l7!.type === 'REQUEST' && e.l7!.http?.url === 'http://details:9080/details/0');
const ratingsDns = (): KeyedFlow => realL7((e) => e.l7!.type === 'REQUEST' && e.l7!.dns !== null && e.src.workload?.app === 'ratings');

let injected = 0;
function withUrl(f: KeyedFlow, url: string, method = 'GET', time = end + 3 * DAY): KeyedFlow {
  const e = f.event;
  return { key: f.key, event: { ...e, time, metadata: { ...e.metadata, uid: `inj-http-${injected++}` }, l7: { ...e.l7!, http: { ...e.l7!.http!, url, method } } } };
}

function withQuery(f: KeyedFlow, query: string, time = end + 3 * DAY): KeyedFlow {
  const e = f.event;
  return { key: f.key, event: { ...e, time, metadata: { ...e.metadata, uid: `inj-dns-${injected++}` }, l7: { ...e.l7!, dns: { ...e.l7!.dns!, query } } } };
}

function learned(): ReturnType<typeof harness> {
  const h = harness(cfg);
  h.run(bookinfo);
  h.run(later(bookinfo, 1.5));
  return h;
}

test('the captures teach HTTP patterns per edge and DNS names per application; a replay two days later raises no alert', () => {
  const h = harness(cfg);
  assert.deepEqual(alerts(h.run(bookinfo)), []);
  const productpage = h.state.get('kind/bookinfo/app/productpage')!;
  assert.ok(productpage.l7.http['o|w:kind/bookinfo/app/details|TCP|9080|GET|/details/{id}'], 'client side: productpage -> details GET /details/{id}');
  assert.ok(productpage.l7.http['i|w:kind/bookinfo/app/ratings|TCP|9080|GET|/productpage'], 'server side, from its responses: ratings -> productpage GET /productpage');
  assert.deepEqual(Object.keys(productpage.l7.dns).sort(), ['details.bookinfo.svc.cluster.local', 'reviews.bookinfo.svc.cluster.local']);
  // CoreDNS answers DNS: a resolver, whose forwarded names are not its own (seen from its replies, even when not named in l7.dns.resolvers).
  assert.equal(h.state.get('kind/kube-system/app/coredns')!.l7.resolver, true);
  const unnamed = harness({ ...cfg, l7: { dns: { resolvers: [] } } });
  unnamed.run(bookinfo);
  assert.equal(unnamed.state.get('kind/kube-system/app/coredns')!.l7.resolver, true);
  assert.equal(unnamed.state.get('kind/bookinfo/app/ratings')!.l7.resolver, false);
  const stats = h.detector.stats({ scan: true });
  assert.ok(stats.scan!.httpPaths >= 10 && stats.scan!.dnsNames >= 3, JSON.stringify(stats.scan));
  assert.deepEqual(alerts(h.run(later(bookinfo))), [], 'replay two days later');
});

test('a new HTTP path on a known edge is new_http_path (Low); a new method is Medium; another id of a known pattern is silent', () => {
  const h = learned();
  const known = h.run([withUrl(productpageToDetails(), 'http://details:9080/details/42')]);
  assert.deepEqual(alerts(known), [], '/details/42 is /details/{id}');
  const found = alerts(h.run([withUrl(productpageToDetails(), 'http://details:9080/admin/config?token=s3cr3t', 'GET', end + 3 * DAY + 1)]));
  const reset = alerts(h.run([withUrl(productpageToDetails(), 'http://details:9080/password-reset/eyJhbGciOiJIUzI1NiJ9s3cr3tT0k3n', 'POST', end + 3 * DAY + 1)]));
  assert.equal(reset[0]?.evidences[0]?.http_path_pattern, '/password-reset/{id}');
  assert.ok(!JSON.stringify(reset).includes('s3cr3t'), 'a token in the path never reaches a finding');
  assert.equal(found.length, 1);
  const f = found[0]!;
  assert.equal(f.rule, RULES.newHttpPath);
  assert.equal(f.severity, 'Low');
  assert.equal(f.entity.key, 'kind/bookinfo/app/productpage');
  assert.equal(f.evidences[0]!.http_path_pattern, '/admin/config');
  assert.equal(f.evidences[0]!.peer, 'w:kind/bookinfo/app/details');
  assert.ok(!JSON.stringify(f).includes('s3cr3t'), 'the query string never reaches a finding');
  const del = alerts(h.run([withUrl(productpageToDetails(), 'http://details:9080/details/7', 'DELETE', end + 3 * DAY + 2)]));
  assert.equal(del.length, 1);
  assert.equal(del[0]!.severity, 'Medium');
  assert.equal(del[0]!.evidences[0]!.http_new_method, true);
  // Reported once per dedup window.
  assert.deepEqual(alerts(h.run([withUrl(productpageToDetails(), 'http://details:9080/admin/config', 'GET', end + 3 * DAY + 3)])), []);
});

test('a DNS name the application never resolved is new_dns_name (Medium); its own service names are silent', () => {
  const h = learned();
  assert.deepEqual(alerts(h.run([withQuery(ratingsDns(), 'productpage.bookinfo.svc.cluster.local.')])), []);
  const found = alerts(h.run([withQuery(ratingsDns(), '7f3a9c0e21ab.exfil-example.net.bookinfo.svc.cluster.local.', end + 3 * DAY + 1)]));
  assert.equal(found.length, 1);
  assert.equal(found[0]!.rule, RULES.newDnsName);
  assert.equal(found[0]!.severity, 'Medium');
  assert.equal(found[0]!.evidences[0]!.dns_name, '*.exfil-example.net', 'search expansion reduced, id label generalised');
  assert.equal(found[0]!.entity.key, 'kind/bookinfo/app/ratings');
  // The other search-list expansions of the same name are the same name: no second finding.
  assert.deepEqual(alerts(h.run([withQuery(ratingsDns(), '7f3a9c0e21ab.exfil-example.net.', end + 3 * DAY + 2)])), []);
});

test('a new version\'s new path is a version_change carrying the L7 fields', () => {
  const h = learned();
  const response = realL7((e) => e.l7!.type === 'RESPONSE' && e.src.workload?.app === 'details' && e.l7!.http !== null);
  const v2 = (url: string, t: number, uid: string): KeyedFlow => {
    const e = structuredClone(response.event);
    e.src.workload!.app_version = 'v2';
    e.time = t;
    e.metadata.uid = uid;
    e.l7!.http!.url = url;
    return { key: response.key, event: e };
  };
  const t = end + 3 * DAY;
  assert.deepEqual(alerts(h.run([v2('http://details:9080/details/3', t, 'v2-a')])), [], 'the new version serves a known path');
  const found = alerts(h.run([v2('http://details:9080/internal/dump', t + 1000, 'v2-b')]));
  assert.equal(found.length, 1);
  assert.equal(found[0]!.rule, RULES.versionChange);
  assert.equal(found[0]!.evidences[0]!.version_diff, 'v1 -> v2');
  assert.equal(found[0]!.evidences[0]!.http_path_pattern, '/internal/dump');
  assert.equal(found[0]!.evidences[0]!.direction, 'ingress');
});

test('HTTP patterns are bounded per edge (LRU) and DNS names per application', () => {
  const h = harness({ ...cfg, l7: { http: { maxPathsPerEdge: 3 }, dns: { maxNames: 2 } } });
  const base = productpageToDetails();
  const ratings = ratingsDns();
  const t0 = base.event.time;
  h.run(Array.from({ length: 6 }, (_, i) => withUrl(base, `http://details:9080/section${String.fromCharCode(97 + i)}/1`, 'GET', t0 + i)));
  h.run(Array.from({ length: 5 }, (_, i) => withQuery(ratings, `svc${String.fromCharCode(97 + i)}.example.org.`, t0 + i)));
  const s = h.state.get('kind/bookinfo/app/productpage')!;
  assert.deepEqual(Object.keys(s.l7.http).map((k) => k.split('|').pop()).sort(), ['/sectiond/{id}', '/sectione/{id}', '/sectionf/{id}']);
  assert.deepEqual(Object.keys(h.state.get('kind/bookinfo/app/ratings')!.l7.dns).sort(), ['svcd.example.org', 'svce.example.org']);
  assert.ok(h.detector.stats().l7Evicted >= 6);
});

test('a state of layout 1 (before L7) is migrated: its edges are kept and L7 is learned for discovery.maxMs before it is judged', () => {
  const h = learned();
  // Make every state look like the previous release wrote it.
  for (const k of [...h.state.keys()]) {
    const s = JSON.parse(JSON.stringify(h.state.get(k))) as Record<string, unknown>;
    delete s.l7;
    s.v = 1;
    h.state.set(k, s as unknown as FlowBaselineState);
  }
  const edgesBefore = Object.keys((h.state.get('kind/bookinfo/app/productpage') as unknown as { edges: object }).edges).length;
  assert.deepEqual(alerts(h.run(later(bookinfo, 3))), [], 'no alert: the edges survive, L7 is learning');
  const s = h.state.get('kind/bookinfo/app/productpage')!;
  assert.equal(s.v, 2);
  assert.equal(Object.keys(s.edges).length, edgesBefore);
  assert.ok(s.l7.learnUntil !== null && Object.keys(s.l7.http).length > 0);
  assert.equal(h.detector.stats().statesDiscarded, 0);
  // A day after the migration the L7 baseline is judged.
  const found = alerts(h.run([withUrl(productpageToDetails(), 'http://details:9080/admin', 'GET', end + 5 * DAY)]));
  assert.deepEqual(found.map((f) => f.rule), [RULES.newHttpPath]);
});

test('l7.enabled false learns and reports no L7', () => {
  const h = harness({ ...cfg, l7: { enabled: false } });
  h.run(bookinfo);
  h.run(later(bookinfo, 1.5));
  assert.equal(Object.keys(h.state.get('kind/bookinfo/app/productpage')!.l7.http).length, 0);
  assert.deepEqual(alerts(h.run([withUrl(productpageToDetails(), 'http://details:9080/admin')])), []);
});
