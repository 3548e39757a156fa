/**
 * flow_baseline over the whole shared Hubble set (1,916 flows of Istio bookinfo on GKE and kind):
 *   1. learns every flow, replays them all a day later: targets 0 alerts;
 *   2. exports NetworkPolicy and CiliumNetworkPolicy for every namespace: every policy validates
 *      (strictly against the official Kubernetes OpenAPI schema and Cilium's CRD, test/fixtures/schemas,
 *      and kubernetes-models for the protocol enum), every flow of the set is allowed (NetworkPolicy:
 *      except edges it cannot express, each named in a warning) and injected flows are denied;
 *   3. injects lateral movement, C2 egress, a new-version egress, a scan, a new HTTP path and a new
 *      DNS name (the last two made from real L7 flows of the set): each must alert with the right
 *      identities;
 *   4. prints the edges learned against the naive (destination, port) pairs, and state bytes per edge;
 *      and, for information, alerts when learning the first half of each file and checking the rest.
 *   node --import tsx test/shared-data/check-flow-baseline.ts [shared-data-dir]
 * Exit 0 with a note when the data is absent; exit 1 when a target is missed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { hubbleFlowsCollector } from '../../services/collectors/hubble_flows/index.ts';
import type { NetworkFlow } from '../../services/core/model/network-flow.ts';
import { ciliumNetworkPolicyErrors } from '../support/official-schemas/cilium.ts';
import { networkPolicyErrors } from '../support/official-schemas/kubernetes.ts';
import { buildPolicies, learnBaselines } from '../../services/detectors/flow_baseline/policy-export.ts';
import { RULES } from '../../services/detectors/flow_baseline/findings.ts';
import { attemptOf, labelRegistry, type EvalEnd } from '../../services/detectors/flow_baseline/tests/helpers/attempts.ts';
import { ciliumAllows, type CnpLike } from '../../services/detectors/flow_baseline/tests/helpers/cilium-evaluator.ts';
import { netpolAllows, type NetpolLike } from '../../services/detectors/flow_baseline/tests/helpers/netpol-evaluator.ts';
import { alerts, harness } from '../../services/detectors/flow_baseline/tests/helpers/harness.ts';
import { externalEnd, flow, workloadEnd, type KeyedFlow, type WorkloadSpec } from '../../services/detectors/flow_baseline/tests/helpers/flows.ts';

const dataDir = process.argv[2] ?? process.env.SLUICE_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const dir = join(dataDir, 'hubble_flows');
if (!existsSync(dir)) {
  console.log(`check-flow-baseline: ${dir} is absent; nothing to check.`);
  process.exit(0);
}

const DAY = 86_400_000;
const failures: string[] = [];
const collector = hubbleFlowsCollector();
const byFile = new Map<string, KeyedFlow[]>();
let rejected = 0;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
  const list: KeyedFlow[] = [];
  for (const o of collector.collect({ name: f, bytes: readFileSync(join(dir, f)) })) {
    if (o.kind === 'event' && o.stream === 'flow') list.push({ key: o.key, event: o.event });
    else rejected++;
  }
  byFile.set(f, list);
}
const all = [...byFile.values()].flat();
const events = all.map((f) => f.event);
console.log(`flows ${all.length} in ${byFile.size} files, rejected ${rejected}`);

// 1. Learn, replay.
const h = harness({ discovery: { maxMs: DAY, stableMs: 0 } });
const learning = h.run(all);
const replay = h.run(all.map((f) => ({ key: f.key, event: { ...f.event, time: f.event.time + 2 * DAY } })));
const replayAlerts = alerts(replay);
const stats = h.detector.stats({ scan: true });
const naive = new Set(all.map((f) => `${f.key}>${f.event.dst.workload ? `${f.event.dst.workload.namespace}/${f.event.dst.workload.name}` : f.event.dst.ip}:${f.event.dst.port}/${f.event.connection_info.protocol_name}`));
console.log(`learned: workloads ${stats.workloads}, edges ${stats.scan!.edges} (naive destination:port pairs ${naive.size}), HTTP (method, path pattern) ${stats.scan!.httpPaths}, DNS names ${stats.scan!.dnsNames}, skipped flows ${stats.skipped}`);
console.log(`state: ${stats.scan!.stateBytes} JSON bytes, ${Math.round(stats.scan!.stateBytes / Math.max(1, stats.scan!.edges))} bytes per edge (with per-workload overhead)`);
console.log(`learning findings ${learning.length}; replay findings ${replay.length} (discovery ended ${replay.filter((f) => f.rule === RULES.discoveryEnded).length}), replay alerts ${replayAlerts.length} (target 0)`);
for (const f of replayAlerts.slice(0, 10)) console.log(`  ALERT ${f.message}`);
if (replayAlerts.length > 0) failures.push(`replay raised ${replayAlerts.length} alert(s)`);

// 2. Policies for every namespace.
const registry = labelRegistry(events);
const baselines = learnBaselines(events);
const namespaces = [...new Set(events.flatMap((e) => [e.src.workload?.namespace, e.dst.workload?.namespace]).filter((n): n is string => !!n))].sort();
const inNs = (ns: string, e: EvalEnd): boolean => e.kind === 'pod' && e.namespace === ns;
const probe = (w: WorkloadSpec, dst: ReturnType<typeof workloadEnd>, port: number, proto: 'TCP' | 'UDP' = 'TCP'): NetworkFlow =>
  flow(workloadEnd(w, 41000), { ...dst, port }, { time: 0, proto });
const labelsOf = (id: string): Record<string, string> => registry.get(id) ?? {};
const bi = (name: string): WorkloadSpec => {
  const labels = labelsOf(`kind/bookinfo/Deployment/${name}`);
  // The application and version, as the hubble_flows collector derives them from the labels.
  return { cluster: 'kind', namespace: 'bookinfo', name, labels, app: labels.app ?? null, appVersion: labels.version ?? null };
};
const injectedAttempts: Array<[string, NetworkFlow]> = [
  ['details -> reviews-v2:9080', probe(bi('details-v1'), workloadEnd(bi('reviews-v2'), 0), 9080)],
  ['productpage -> details:22', probe(bi('productpage-v1'), workloadEnd(bi('details-v1'), 0), 22)],
  ['ratings -> 203.0.113.50:443', probe(bi('ratings-v1'), externalEnd('203.0.113.50', 0), 443)],
  ['reviews-v1 -> coredns:53', probe(bi('reviews-v1'), workloadEnd({ cluster: 'kind', namespace: 'kube-system', name: 'coredns', labels: labelsOf('kind/kube-system/Deployment/coredns') }, 0), 53, 'UDP')],
  ['world -> productpage:9080', flow(externalEnd('192.0.2.7', 50000), workloadEnd(bi('productpage-v1'), 9080), { time: 0 })],
];
for (const ns of namespaces) {
  for (const format of ['networkpolicy', 'cilium'] as const) {
    const set = buildPolicies(baselines, { namespace: ns, format });
    let invalid = 0;
    for (const p of set.policies) {
      try {
        const errors = format === 'networkpolicy' ? networkPolicyErrors(p) : ciliumNetworkPolicyErrors(p);
        if (format === 'networkpolicy') new NetworkPolicy(p as never).validate();
        if (errors.length > 0) {
          invalid++;
          console.log(`  ${format} ${p.metadata.name} is invalid: ${errors.slice(0, 3).join('; ')}`);
        }
      } catch {
        invalid++;
      }
    }
    let checked = 0;
    let denied = 0;
    let deniedUnwarned = 0;
    for (const e of events) {
      const a = attemptOf(e, registry);
      if (!inNs(ns, a.client) && !inNs(ns, a.server)) continue;
      checked++;
      const ok = format === 'cilium' ? ciliumAllows(set.policies as unknown as CnpLike[], a) : netpolAllows(set.policies as unknown as NetpolLike[], a);
      if (ok) continue;
      denied++;
      // A denial is explained when a warning names the end the policy could not express.
      const names = [a.client, a.server].map((x) => (x.kind === 'pod' ? x.name.split('/').slice(1).join('/') : `entity ${x.kind}`));
      if (!set.warnings.some((w) => names.some((n) => w.includes(n) && (w.includes('left out') || w.includes('no policy'))))) {
        deniedUnwarned++;
        if (deniedUnwarned <= 3) console.log(`  DENIED ${format} ${a.label}`);
      }
    }
    let injectedAllowed = 0;
    if (ns === 'bookinfo') {
      for (const [name, f] of injectedAttempts) {
        const a = attemptOf(f, registry);
        const ok = format === 'cilium' ? ciliumAllows(set.policies as unknown as CnpLike[], a) : netpolAllows(set.policies as unknown as NetpolLike[], a);
        if (ok) {
          injectedAllowed++;
          console.log(`  ALLOWED injected ${format} ${name}`);
        }
      }
    }
    console.log(
      `policy ${ns} ${format}: ${set.policies.length} policies, ${invalid} invalid, ${set.warnings.length} warnings; flows checked ${checked}, denied ${denied} (${deniedUnwarned} not explained by a warning naming the peer)` +
        (ns === 'bookinfo' ? `; injected allowed ${injectedAllowed}/${injectedAttempts.length}` : ''),
    );
    for (const w of set.warnings.slice(0, 5)) console.log(`  warning: ${w}`);
    if (invalid) failures.push(`${ns} ${format}: ${invalid} invalid policies`);
    if (deniedUnwarned) failures.push(`${ns} ${format}: ${deniedUnwarned} learned flows denied`);
    if (injectedAllowed) failures.push(`${ns} ${format}: ${injectedAllowed} injected flows allowed`);
  }
}

// 3. Injected deviations are detected with the right identities.
const t = Math.max(...events.map((e) => e.time)) + 3 * DAY;
const withVersion = (w: WorkloadSpec, version: string): WorkloadSpec => ({ ...w, image: 'docker.io/istio/examples-bookinfo-details-v1', version, appVersion: version });
const injections: Array<[string, KeyedFlow[], (fs: ReturnType<typeof alerts>) => boolean]> = [
  ['lateral details -> reviews-v2:9080', [{ key: 'kind/bookinfo/app/details', event: probe(bi('details-v1'), workloadEnd(bi('reviews-v2'), 0), 9080) }], (fs) => fs.some((f) => f.rule === RULES.newEdge && f.entity.key === 'kind/bookinfo/app/details' && f.evidences[0]?.peer === 'w:kind/bookinfo/app/reviews' && f.evidences[0]?.port === 9080)],
  ['c2 ratings -> 203.0.113.50:443', [{ key: 'kind/bookinfo/app/ratings', event: probe(bi('ratings-v1'), externalEnd('203.0.113.50', 0), 443) }], (fs) => fs.some((f) => f.severity === 'High' && f.evidences[0]?.peer === 'cidr:203.0.113.0/24')],
  [
    'new version of details with a new egress',
    [
      // The new image first serves productpage as before (a reply: a learned edge), then calls out.
      { key: 'kind/bookinfo/app/details', event: flow(workloadEnd(withVersion(bi('details-v1'), '1.16.2'), 9080), workloadEnd(bi('productpage-v1'), 41000), { time: 0, reply: true }) },
      { key: 'kind/bookinfo/app/details', event: probe(withVersion(bi('details-v1'), '1.17.0'), externalEnd('198.51.100.66', 0), 8443) },
    ],
    (fs) => fs.length === 1 && fs[0]!.rule === RULES.versionChange && fs[0]!.evidences[0]?.version_diff === '1.16.2 -> 1.17.0',
  ],
  ['scan from reviews-v2', Array.from({ length: 50 }, (_, i) => ({ key: 'kind/bookinfo/app/reviews', event: probe(bi('reviews-v2'), workloadEnd(bi('details-v1'), 0), 1000 + i) })), (fs) => fs.some((f) => f.rule === RULES.burst)],
];
// L7: a real request of the set with another path, a real lookup with another name.
const realL7 = (pred: (e: NetworkFlow) => boolean): KeyedFlow | undefined => {
  const f = all.find((x) => x.event.l7 !== null && pred(x.event));
  return f ? { key: f.key, event: structuredClone(f.event) } : undefined;
};
const httpReq = realL7((e) => e.l7!.type === 'REQUEST' && e.src.workload?.app === 'productpage' && e.l7!.http?.url === 'http://details:9080/details/0');
const dnsReq = realL7((e) => e.l7!.type === 'REQUEST' && e.src.workload?.app === 'ratings' && e.l7!.dns !== null);
if (!httpReq || !dnsReq) failures.push('the set has no productpage -> details HTTP request or ratings DNS lookup to inject L7 cases from');
else {
  httpReq.event.l7!.http!.url = 'http://details:9080/admin/users/export';
  httpReq.event.metadata.uid = 'inj-http';
  dnsReq.event.l7!.dns!.query = 'update.c2-example.net.bookinfo.svc.cluster.local.';
  dnsReq.event.metadata.uid = 'inj-dns';
  injections.push(
    ['new HTTP path productpage -> details GET /admin/users/export', [httpReq], (fs) => fs.some((f) => f.rule === RULES.newHttpPath && f.entity.key === httpReq.key && f.evidences[0]?.http_path_pattern === '/admin/users/export')],
    ['new DNS name from ratings: update.c2-example.net', [dnsReq], (fs) => fs.some((f) => f.rule === RULES.newDnsName && f.entity.key === dnsReq.key && f.evidences[0]?.dns_name === 'update.c2-example.net')],
  );
}
let detected = 0;
for (const [name, flows, ok] of injections) {
  const found = alerts(h.run(flows.map((f, i) => ({ key: f.key, event: { ...f.event, time: t + i * 10 } }))));
  const hit = ok(found);
  if (hit) detected++;
  else failures.push(`injection not detected as expected: ${name}`);
  console.log(`injection ${name}: ${found.length} alert(s), ${hit ? 'detected' : 'MISSED'}`);
}
console.log(`injections detected ${detected}/${injections.length} (target all)`);

// 4. For information: learn the first half of each file (by time), check the rest.
const first: KeyedFlow[] = [];
const rest: KeyedFlow[] = [];
for (const list of byFile.values()) {
  const sorted = [...list].sort((a, b) => a.event.time - b.event.time);
  const cut = Math.floor(sorted.length / 2);
  first.push(...sorted.slice(0, cut));
  rest.push(...sorted.slice(cut));
}
const split = harness({ discovery: { maxMs: DAY, stableMs: 0 } });
split.run(first);
const heldOut = alerts(split.run(rest.map((f) => ({ key: f.key, event: { ...f.event, time: f.event.time + 2 * DAY } }))));
console.log(`hold-out (information): learned ${first.length} flows, checked ${rest.length}: ${heldOut.length} alert(s) on edges the first half never showed`);
for (const f of heldOut.slice(0, 8)) console.log(`  ${f.message}`);

if (failures.length) {
  console.log(`\nFAILURES (${failures.length}):`);
  for (const f of failures) console.log(`  ${f}`);
  process.exit(1);
}
console.log('\ncheck-flow-baseline: all targets met');
