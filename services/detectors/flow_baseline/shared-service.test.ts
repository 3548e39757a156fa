/**
 * New clients of shared services (sharedServices): on the real kind capture, CoreDNS serves UDP/53
 * to productpage and ratings. A new application's lookups make it a new client of CoreDNS: that is
 * learned and informational once CoreDNS serves the port to `minClients` workloads, while lateral
 * movement (a client reaching a port few or no workloads use) stays an alert on both sides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULES } from './findings.ts';
import { alerts, harness } from './tests/helpers/harness.ts';
import { connection, fixtureFlows, workloadEnd, type KeyedFlow, type WorkloadSpec } from './tests/helpers/flows.ts';

const DAY = 86_400_000;
const bookinfo = fixtureFlows();
const end = Math.max(...bookinfo.map((f) => f.event.time));
const coredns: WorkloadSpec = { cluster: 'kind', namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, app: 'coredns' };
const details: WorkloadSpec = { cluster: 'kind', namespace: 'bookinfo', name: 'details-v1', labels: { app: 'details', version: 'v1' }, app: 'details', appVersion: 'v1' };
const newApp = (name: string): WorkloadSpec => ({ cluster: 'kind', namespace: 'bookinfo', name, labels: { app: name }, app: name });

function learned(config: Parameters<typeof harness>[0]): ReturnType<typeof harness> {
  const h = harness({ discovery: { maxMs: DAY, stableMs: 0 }, ...config });
  h.run(bookinfo);
  h.run(bookinfo.map((f) => ({ key: f.key, event: { ...f.event, time: f.event.time + 1.5 * DAY } })));
  return h;
}

const lookup = (client: WorkloadSpec, t: number): KeyedFlow[] => connection(client, workloadEnd(coredns, 53), 53, { time: t, proto: 'UDP' });

test('a new client of CoreDNS, which already serves UDP/53 to minClients workloads, is learned and informational', () => {
  const h = learned({ sharedServices: { minClients: 2 } });
  const t = end + 3 * DAY;
  const found = h.run(lookup(newApp('newapp-1'), t));
  const server = found.filter((f) => f.entity.key === 'kind/kube-system/app/coredns');
  assert.deepEqual(server.map((f) => [f.rule, f.severity]), [[RULES.sharedServiceClient, 'Informational']]);
  assert.equal(server[0]!.evidences[0]!.shared_service_clients, 2);
  assert.ok(h.state.get('kind/kube-system/app/coredns')!.edges['i|w:kind/bookinfo/app/newapp-1|UDP|53'], 'learned');
  // Learned: the next lookup (even after the dedup window) is silent.
  assert.deepEqual(h.run(lookup(newApp('newapp-1'), t + 2 * 3_600_000)).filter((f) => f.entity.key === 'kind/kube-system/app/coredns'), []);
});

test('below minClients (default 3 against the capture\'s 2 CoreDNS clients) a new client is still a new edge of the server', () => {
  const h = learned({});
  const found = alerts(h.run(lookup(newApp('newapp-2'), end + 3 * DAY)));
  assert.ok(found.some((f) => f.entity.key === 'kind/kube-system/app/coredns' && f.rule === RULES.newEdge && f.severity === 'Medium'));
  // minClients 0 turns the rule off as well.
  const off = learned({ sharedServices: { minClients: 0 } });
  assert.ok(alerts(off.run(lookup(newApp('newapp-3'), end + 3 * DAY))).some((f) => f.entity.key === 'kind/kube-system/app/coredns' && f.rule === RULES.newEdge));
});

test('lateral movement stays an alert: the client side always, the server side when the port is not shared', () => {
  const h = learned({ sharedServices: { minClients: 2 } });
  const t = end + 3 * DAY;
  // ratings (a known application past discovery) reaches details:9080, which serves only productpage.
  const ratings: WorkloadSpec = { cluster: 'kind', namespace: 'bookinfo', name: 'ratings-v1', labels: { app: 'ratings', version: 'v1' }, app: 'ratings', appVersion: 'v1' };
  const found = alerts(h.run(connection(ratings, workloadEnd(details, 9080), 9080, { time: t })));
  assert.ok(found.some((f) => f.entity.key === 'kind/bookinfo/app/ratings' && f.rule === RULES.newEdge && f.evidences[0]!.peer === 'w:kind/bookinfo/app/details'));
  assert.ok(found.some((f) => f.entity.key === 'kind/bookinfo/app/details' && f.rule === RULES.newEdge && f.evidences[0]!.direction === 'ingress'));
  // A known application that never used DNS on TCP reaching CoreDNS on TCP/53 (not served to anyone yet): alert.
  const tcp = alerts(h.run(connection(ratings, workloadEnd(coredns, 53), 53, { time: t + 10 })));
  assert.ok(tcp.some((f) => f.entity.key === 'kind/kube-system/app/coredns' && f.rule === RULES.newEdge));
});
