/**
 * Policy export with L7: learned HTTP requests become Cilium `toPorts[].rules.http` and resolved
 * external names `toFQDNs` egress rules; every export validates against Cilium's own CRD schema
 * (closed, RE2 patterns); the evaluator applies the HTTP rules with RE2. NetworkPolicy stays L3/L4
 * and names what it could not express.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkFlow } from '../../core/model/network-flow.ts';
import { ciliumNetworkPolicyErrors } from '../../../test/support/official-schemas/cilium.ts';
import { networkPolicyErrors } from '../../../test/support/official-schemas/kubernetes.ts';
import type { CiliumNetworkPolicyObject } from './cilium-schema.ts';
import { buildPolicies, learnBaselines } from './policy-export.ts';
import { attemptOf, labelRegistry } from './tests/helpers/attempts.ts';
import { ciliumAllows, type CnpLike } from './tests/helpers/cilium-evaluator.ts';
import { externalEnd, fixtureFlows, flow, workloadEnd, type WorkloadSpec } from './tests/helpers/flows.ts';

const flows = fixtureFlows().map((f) => f.event);
const registry = labelRegistry(flows);

function withHttp(e: NetworkFlow, method: string, url: string): NetworkFlow {
  return { ...e, l7: { ...e.l7!, http: { ...e.l7!.http!, method, url } } };
}

test('Cilium export of the captures carries the learned HTTP rules, validates against the CRD, allows every flow and denies other requests', () => {
  const set = buildPolicies(learnBaselines(flows), { namespace: 'bookinfo', format: 'cilium' });
  const policies = set.policies as CiliumNetworkPolicyObject[];
  for (const p of policies) assert.deepEqual(ciliumNetworkPolicyErrors(p), [], p.metadata.name);
  const details = policies.find((p) => p.metadata.name === 'sluice-baseline-app-details')!;
  assert.deepEqual(details.spec.ingress![0]!.toPorts, [{ ports: [{ port: '9080', protocol: 'TCP' }], rules: { http: [{ method: '^GET$', path: '^/details/[^/?]+([?].*)?$' }] } }]);
  const cnp = policies as unknown as CnpLike[];
  let l7Checked = 0;
  for (const e of flows) {
    const a = attemptOf(e, registry);
    if (a.http) l7Checked++;
    if (a.client.kind === 'pod' && a.client.namespace === 'bookinfo' && a.server.kind === 'pod' && a.server.namespace === 'bookinfo') assert.ok(ciliumAllows(cnp, a), a.label);
  }
  assert.ok(l7Checked >= 20, `HTTP requests evaluated: ${l7Checked}`);
  const request = flows.find((e) => e.l7?.type === 'REQUEST' && e.l7.http?.url === 'http://details:9080/details/0')!;
  assert.ok(ciliumAllows(cnp, attemptOf(withHttp(request, 'GET', 'http://details:9080/details/99?x=1'), registry)), 'another id of the learned pattern');
  for (const [method, url] of [['GET', 'http://details:9080/admin'], ['DELETE', 'http://details:9080/details/1'], ['GET', 'http://details:9080/details/1/../../etc']]) {
    assert.ok(!ciliumAllows(cnp, attemptOf(withHttp(request, method!, url!), registry)), `${method} ${url} is denied`);
  }
});

const api: WorkloadSpec = { cluster: 'prod', namespace: 'shop', name: 'api', labels: { app: 'api' }, app: 'api' };
const coredns: WorkloadSpec = { cluster: 'prod', namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, app: 'coredns' };

function lookup(query: string, time: number): NetworkFlow {
  const e = flow(workloadEnd(api, 41000), workloadEnd(coredns, 53), { time, proto: 'UDP' });
  return { ...e, l7: { type: 'REQUEST', latency_ns: null, http: null, dns: { query, qtypes: ['A'], rcode: null, rcode_name: null, ips: [], rrtypes: [], ttl: null }, kafka: null } };
}

test('resolved external names become toFQDNs egress rules (matchPattern only where generalised), on the ports used towards external peers', () => {
  const learned = learnBaselines([
    lookup('api.stripe.com.shop.svc.cluster.local.', 1),
    lookup('api.stripe.com.', 2),
    lookup('0a1b2c3d4e5f.cdn.example.net.', 3),
    lookup('orders.shop.svc.cluster.local.', 4),
    flow(workloadEnd(api, 41001), externalEnd('203.0.113.9', 443), { time: 5 }),
  ]);
  assert.deepEqual(Object.keys(learned.get('prod/shop/app/api')!.l7.dns).sort(), ['*.cdn.example.net', 'api.stripe.com', 'orders.shop.svc.cluster.local']);
  const set = buildPolicies(learned, { namespace: 'shop', format: 'cilium' });
  const p = set.policies[0] as CiliumNetworkPolicyObject;
  assert.deepEqual(ciliumNetworkPolicyErrors(p), []);
  const fqdnRule = p.spec.egress!.find((r) => r.toFQDNs)!;
  assert.deepEqual(fqdnRule.toFQDNs, [{ matchPattern: '*.cdn.example.net' }, { matchName: 'api.stripe.com' }]);
  assert.deepEqual(fqdnRule.toPorts, [{ ports: [{ port: '443', protocol: 'TCP' }] }]);
  // The DNS edge gets the DNS proxy rule the toFQDNs rules need.
  assert.ok(p.spec.egress!.some((r) => r.toPorts?.some((tp) => tp.rules && 'dns' in tp.rules)));
  const cnp = set.policies as unknown as CnpLike[];
  const reg = labelRegistry([lookup('x.', 0)]);
  const to = (ip: string, fqdn: string | null, port = 443) => attemptOf(flow(workloadEnd(api, 41002), externalEnd(ip, port, fqdn), { time: 6 }), reg);
  assert.ok(ciliumAllows(cnp, to('198.51.100.20', 'api.stripe.com')), 'the resolved name at a new address');
  assert.ok(ciliumAllows(cnp, to('198.51.100.21', 'edge7.cdn.example.net')), 'the generalised name');
  assert.ok(!ciliumAllows(cnp, to('198.51.100.22', 'evil.example.com')), 'a name never resolved');
  assert.ok(!ciliumAllows(cnp, to('198.51.100.20', 'api.stripe.com', 8443)), 'a port never used externally');

  const np = buildPolicies(learned, { namespace: 'shop', format: 'networkpolicy' });
  for (const x of np.policies) assert.deepEqual(networkPolicyErrors(x), []);
  assert.ok(np.warnings.some((w) => w.includes('2 resolved external name(s)') && w.includes('api.stripe.com') && w.includes('cannot be expressed in a NetworkPolicy')));
});

test('resolved names without any external connection get a warning instead of a rule', () => {
  const set = buildPolicies(learnBaselines([lookup('api.stripe.com.', 1)]), { namespace: 'shop', format: 'cilium' });
  const p = set.policies[0] as CiliumNetworkPolicyObject;
  assert.ok(!p.spec.egress!.some((r) => r.toFQDNs));
  assert.ok(set.warnings.some((w) => w.includes('no learned external connection')));
});
