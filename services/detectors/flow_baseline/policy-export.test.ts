import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { SluiceError } from '../../core/errors.ts';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { buildPolicies, exportPolicyYaml, learnBaselines } from './policy-export.ts';
import { policyExportCommand } from '../../cli/policy-export.ts';
import { attemptOf, labelRegistry, type Attempt, type EvalEnd } from './tests/helpers/attempts.ts';
import { ciliumAllows, type CnpLike } from './tests/helpers/cilium-evaluator.ts';
import { netpolAllows, type NetpolLike } from './tests/helpers/netpol-evaluator.ts';
import { ciliumNetworkPolicyErrors } from '../../../test/support/official-schemas/cilium.ts';
import { networkPolicyErrors } from '../../../test/support/official-schemas/kubernetes.ts';
import { entityEnd, externalEnd, FIXTURE_FILES, fixtureFlows, fixturePath, flow, workloadEnd, type WorkloadSpec } from './tests/helpers/flows.ts';

const flows = fixtureFlows().map((f) => f.event);
const baselines = learnBaselines(flows);
const registry = labelRegistry(flows);
const NS = 'bookinfo';

/** A bookinfo pod of the kind cluster, with the labels its real pods carry in the fixtures. */
const pod = (name: string): WorkloadSpec => {
  const labels = registry.get(`kind/${NS}/Deployment/${name}`);
  assert.ok(labels, `labels of ${name} in the fixtures`);
  return { cluster: 'kind', namespace: NS, name, labels };
};
const productpage = pod('productpage-v1');
const details = pod('details-v1');
const reviews2 = pod('reviews-v2');
const ratings = pod('ratings-v1');
const T = Date.parse('2021-11-10T12:00:00Z');

/** Flows the learned policies must not allow. */
const injected: Array<[string, NetworkFlow]> = [
  ['lateral: details -> reviews-v2:9080', flow(workloadEnd(details, 41000), workloadEnd(reviews2, 9080), { time: T })],
  ['new port: productpage -> details:22', flow(workloadEnd(productpage, 41001), workloadEnd(details, 22), { time: T })],
  ['c2: ratings -> 203.0.113.50:443', flow(workloadEnd(ratings, 41002), externalEnd('203.0.113.50', 443), { time: T })],
  ['fqdn: productpage -> evil.example.com:443', flow(workloadEnd(productpage, 41003), externalEnd('198.51.100.9', 443, 'evil.example.com'), { time: T })],
  ['dns from a pod that never resolved: reviews-v2 -> coredns:53', flow(workloadEnd(reviews2, 41004), workloadEnd({ cluster: 'kind', namespace: 'kube-system', name: 'coredns', labels: registry.get('kind/kube-system/Deployment/coredns')! }, 53), { time: T, proto: 'UDP' })],
  ['world -> productpage:9080', flow(externalEnd('192.0.2.7', 50000), workloadEnd(productpage, 9080), { time: T })],
  ['remote node -> details:9080', flow(entityEnd('remote-node', '172.18.0.3', 50001), workloadEnd(details, 9080), { time: T })],
];

/** True when the attempt touches a pod of the namespace (only those are governed by its policies). */
function inNamespace(a: Attempt): boolean {
  const isNs = (e: EvalEnd): boolean => e.kind === 'pod' && e.namespace === NS;
  return isNs(a.client) || isNs(a.server);
}

/** A policy as plain JSON, to break on purpose. */
interface LooseObject {
  apiVersion: string;
  kind: string;
  metadata?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}

/** A function that returns a copy of `policy` broken by an edit. */
function brokenCopy(policy: object): (edit: (p: LooseObject) => void) => unknown {
  return (edit) => {
    const p = structuredClone(policy) as LooseObject;
    edit(p);
    return p;
  };
}

function yamlObjects(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((x) => x !== null);
}

test('NetworkPolicy export validates strictly against the Kubernetes OpenAPI schema', () => {
  const set = buildPolicies(baselines, { namespace: NS, format: 'networkpolicy' });
  assert.equal(set.format, 'networkpolicy');
  // One policy per application (reviews-v1..v3 are one), selecting on the app label only, never the version or sidecar labels.
  assert.deepEqual(
    set.policies.map((p) => [p.metadata.name, p.spec.podSelector]).sort(),
    ['details', 'productpage', 'ratings', 'reviews'].map((a) => [`sluice-baseline-app-${a}`, { matchLabels: { app: a } }]),
  );
  for (const p of set.policies) {
    assert.deepEqual(networkPolicyErrors(p), [], p.metadata.name);
    // kubernetes-models also checks the protocol enum, which the OpenAPI document leaves to the API server's Go validation.
    assert.doesNotThrow(() => new NetworkPolicy(p as never).validate(), p.metadata.name);
    assert.equal(p.metadata.namespace, NS);
  }
  // The YAML carries the same objects.
  const docs = yamlObjects(exportPolicyYaml(baselines, { namespace: NS, format: 'networkpolicy' }));
  assert.deepEqual(docs, JSON.parse(JSON.stringify(set.policies)));
});

test('the Kubernetes validation used here rejects a broken policy, unknown fields included (the check can fail)', () => {
  const set = buildPolicies(baselines, { namespace: NS, format: 'networkpolicy' });
  const broken = brokenCopy(set.policies[0]!);
  const rejected: Array<[string, unknown]> = [
    ['unknown spec field', broken((p) => (p.spec!.ingres = []))],
    ['unknown port field', broken((p) => (p.spec!.ingress = [{ ports: [{ protocol: 'TCP', port: 80, portt: 81 }] }]))],
    ['unknown metadata field', broken((p) => (p.metadata!.label = { app: 'x' }))],
    ['ipBlock without cidr', broken((p) => (p.spec!.egress = [{ to: [{ ipBlock: { except: ['10.0.0.0/8'] } }] }]))],
    ['port of the wrong type', broken((p) => (p.spec!.ingress = [{ ports: [{ port: true }] }]))],
    ['label value not a string', broken((p) => (p.spec!.podSelector = { matchLabels: { app: 1 } }))],
    ['another kind', broken((p) => (p.kind = 'NetworkPolicies'))],
    ['another apiVersion', broken((p) => (p.apiVersion = 'extensions/v1beta1'))],
  ];
  for (const [name, doc] of rejected) assert.notDeepEqual(networkPolicyErrors(doc), [], name);
  const icmp = broken((p) => (p.spec!.ingress = [{ ports: [{ protocol: 'ICMP' }] }]));
  assert.throws(() => new NetworkPolicy(icmp as never).validate(), 'kubernetes-models rejects the protocol');
});

test('CiliumNetworkPolicy export validates against the Cilium CRD schema, which rejects unknown fields and bad values', () => {
  const set = buildPolicies(baselines, { namespace: NS, format: 'cilium' });
  assert.equal(set.policies.length, 4, 'one per application');
  for (const p of set.policies) assert.deepEqual(ciliumNetworkPolicyErrors(p), [], p.metadata.name);
  const broken = brokenCopy(set.policies[0]!);
  const rejected: Array<[string, unknown]> = [
    ['unknown spec field', broken((p) => (p.spec!.ingres = []))],
    ['unknown rule field', broken((p) => (p.spec!.egress = [{ toEndpoint: [{ matchLabels: { app: 'x' } }] }]))],
    ['unknown metadata field', broken((p) => (p.metadata!.label = { app: 'x' }))],
    ['ports are strings in Cilium', broken((p) => (p.spec!.ingress = [{ toPorts: [{ ports: [{ port: 9080, protocol: 'TCP' }] }] }]))],
    ['protocol enum', broken((p) => (p.spec!.ingress = [{ toPorts: [{ ports: [{ port: '9080', protocol: 'HTTP' }] }] }]))],
    ['toFQDNs selector with both matchName and matchPattern (oneOf)', broken((p) => (p.spec!.egress = [{ toFQDNs: [{ matchName: 'a.example', matchPattern: '*.example' }] }]))],
    ['an entity Cilium does not know', broken((p) => (p.spec!.egress = [{ toEntities: ['internet'] }]))],
    ['a CIDR that is not one', broken((p) => (p.spec!.egress = [{ toCIDR: ['10.0.0.0/33'] }]))],
    ['neither spec nor specs (the CRD\'s CEL rule)', broken((p) => delete p.spec)],
    ['endpointSelector and nodeSelector both (oneOf)', broken((p) => (p.spec!.nodeSelector = { matchLabels: { a: 'b' } }))],
    ['another kind', broken((p) => (p.kind = 'CiliumClusterwideNetworkPolicy'))],
  ];
  for (const [name, doc] of rejected) assert.notDeepEqual(ciliumNetworkPolicyErrors(doc), [], name);
});

test('NetworkPolicy: every learned flow is allowed, every injected one is denied', () => {
  const set = buildPolicies(baselines, { namespace: NS, format: 'networkpolicy' });
  const policies = set.policies as unknown as NetpolLike[];
  let checked = 0;
  const denied: string[] = [];
  for (const f of flows) {
    const a = attemptOf(f, registry);
    if (!inNamespace(a)) continue;
    checked++;
    if (netpolAllows(policies, a)) continue;
    // Only edges NetworkPolicy cannot express may be denied, and each must be named in a warning.
    const entity = [a.client, a.server].find((e) => e.kind === 'remote-node' || e.kind === 'health' || e.kind === 'reserved');
    assert.ok(entity, `learned flow denied: ${a.label}`);
    assert.ok(set.warnings.some((w) => w.includes(`entity ${entity.kind}`)), `denied ${a.label} without a warning`);
    denied.push(a.label);
  }
  assert.ok(checked > 200, `checked ${checked} flows`);
  for (const [name, f] of injected) assert.equal(netpolAllows(policies, attemptOf(f, registry)), false, name);
});

test('Cilium: every learned flow is allowed (entities and FQDNs included), every injected one is denied', () => {
  const set = buildPolicies(baselines, { namespace: NS, format: 'cilium' });
  const policies = set.policies as unknown as CnpLike[];
  let checked = 0;
  for (const f of flows) {
    const a = attemptOf(f, registry);
    if (!inNamespace(a)) continue;
    checked++;
    assert.equal(ciliumAllows(policies, a), true, `learned flow denied: ${a.label}`);
  }
  assert.ok(checked > 200);
  for (const [name, f] of injected) assert.equal(ciliumAllows(policies, attemptOf(f, registry)), false, name);
});

test('FQDN egress becomes toFQDNs with a DNS rule on the DNS edge; NetworkPolicy warns instead', () => {
  const app: WorkloadSpec = { cluster: 'c1', namespace: 'shop', name: 'checkout', labels: { app: 'checkout' } };
  const dns: WorkloadSpec = { cluster: 'c1', namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' } };
  const learned: NetworkFlow[] = [
    flow(workloadEnd(app, 40000), workloadEnd(dns, 53), { time: T, proto: 'UDP' }),
    flow(workloadEnd(app, 40001), externalEnd('198.51.100.20', 443, 'api.stripe.com.'), { time: T }),
    flow(workloadEnd(app, 40002), externalEnd('203.0.113.9', 8443), { time: T }),
    flow(workloadEnd(app, 40003), externalEnd('203.0.113.9', 0), { time: T, proto: 'ICMPv4', icmpType: 8 }),
  ];
  const gateway: WorkloadSpec = { cluster: 'c1', namespace: 'shop', name: 'gateway', labels: { app: 'gateway' } };
  learned.push(flow(workloadEnd(gateway, 8443), externalEnd('192.0.2.44', 50000), { time: T, reply: true }));
  const b = learnBaselines(learned);
  const world = buildPolicies(b, { namespace: 'shop', format: 'cilium' }).policies.find((p) => p.metadata.name.endsWith('gateway'));
  assert.deepEqual(world?.spec.ingress, [{ fromEntities: ['world'], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] }]);
  const worldNp = buildPolicies(b, { namespace: 'shop', format: 'networkpolicy' }).policies.find((p) => p.metadata.name.endsWith('gateway'));
  assert.deepEqual(worldNp?.spec.ingress, [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 8443 }] }]);
  const cilium = buildPolicies(b, { namespace: 'shop', format: 'cilium' });
  assert.equal(cilium.format, 'cilium');
  const checkoutPolicy = cilium.policies.find((p) => p.metadata.name.endsWith('checkout'))!;
  const egress = checkoutPolicy.spec.egress ?? [];
  const fqdnRule = egress.find((r) => r.toFQDNs);
  assert.deepEqual(fqdnRule?.toFQDNs, [{ matchName: 'api.stripe.com' }]);
  assert.deepEqual(fqdnRule?.toPorts, [{ ports: [{ port: '443', protocol: 'TCP' }] }]);
  const dnsRule = egress.find((r) => r.toEndpoints?.[0]?.matchLabels['k8s-app'] === 'kube-dns');
  assert.deepEqual(dnsRule?.toPorts, [{ ports: [{ port: '53', protocol: 'UDP' }], rules: { dns: [{ matchPattern: '*' }] } }]);
  const cidrRule = egress.find((r) => r.toCIDR);
  assert.deepEqual(cidrRule?.toCIDR, ['203.0.113.0/24']);
  assert.deepEqual(cidrRule?.icmps, [{ fields: [{ family: 'IPv4', type: 8 }] }]);
  assert.deepEqual(checkoutPolicy.spec.ingress, [{}], 'no learned ingress: default deny');
  for (const p of cilium.policies) assert.deepEqual(ciliumNetworkPolicyErrors(p), [], p.metadata.name);

  const np = buildPolicies(b, { namespace: 'shop', format: 'networkpolicy' });
  assert.ok(np.warnings.some((w) => w.includes('FQDN api.stripe.com')));
  assert.ok(np.warnings.some((w) => w.includes('ICMPv4')));
  for (const p of np.policies) assert.deepEqual(networkPolicyErrors(p), [], p.metadata.name);
});

test('a workload whose pods never reported labels gets no policy (an empty selector would select every pod)', () => {
  const w: WorkloadSpec = { cluster: 'c1', namespace: 'shop', name: 'nolabels', labels: {} };
  const b = learnBaselines([flow(workloadEnd(w, 40000), externalEnd('203.0.113.9', 443), { time: T })]);
  const set = buildPolicies(b, { namespace: 'shop', format: 'networkpolicy' });
  assert.equal(set.policies.length, 0);
  assert.ok(set.warnings.some((x) => x.includes('no labels known')));
});

test('bad export options are rejected with a config error', () => {
  assert.throws(() => buildPolicies(baselines, { namespace: 'Not A Namespace', format: 'cilium' }), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID');
  assert.throws(() => buildPolicies(baselines, { namespace: NS, format: 'calico' as never }), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID');
});

test('policyExportCommand reads Hubble files through the collector and returns validating YAML', async () => {
  const text = await policyExportCommand({ namespace: NS, format: 'cilium', input: FIXTURE_FILES.map(fixturePath) });
  assert.match(text, /^# CiliumNetworkPolicy for namespace bookinfo/);
  assert.match(text, /Learned from 310 flow\(s\) in 5 file\(s\); 0 record\(s\) rejected/);
  const docs = yamlObjects(text);
  assert.equal(docs.length, 4);
  for (const d of docs) assert.deepEqual(ciliumNetworkPolicyErrors(d), []);
  const np = yamlObjects(await policyExportCommand({ namespace: NS, format: 'networkpolicy', input: [fixturePath('kind-bookinfo-tcp.jsonl')] }));
  assert.ok(np.length > 0);
  for (const d of np) assert.deepEqual(networkPolicyErrors(d), []);
  await assert.rejects(policyExportCommand({ namespace: NS, format: 'cilium', input: ['/nonexistent/flows.jsonl'] }), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_NOT_FOUND');
});
