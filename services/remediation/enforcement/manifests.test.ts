// Block decisions from the real flow_baseline detector (protect mode, the bookinfo fixture flows
// with their real pod labels) -> enforcement manifests built with flow_baseline's own builders (as
// the enforcer role wires them), each validated against the official schemas the repo keeps:
// Cilium's CiliumNetworkPolicy CRD (v2) and the Kubernetes OpenAPI NetworkPolicy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SideOutput } from '../../core/components.ts';
import { flowBaselineBuilders } from '../../cli/enforcer.ts';
import { ciliumNetworkPolicyErrors } from '../../../test/support/official-schemas/cilium.ts';
import { networkPolicyErrors } from '../../../test/support/official-schemas/kubernetes.ts';
import { parseBlockDecision, type BlockDecision } from './decision.ts';
import { enforcementManifest, enforcementName, ENFORCEMENT_LABEL } from './manifests.ts';
import { externalEdge, protectDecisions, scan } from './testing.ts';

function decision(o: SideOutput): BlockDecision {
  const p = parseBlockDecision(o.value);
  assert.ok(p.ok, p.ok ? '' : p.reason);
  return p.decision;
}

test('an edge decision (egress to a CIDR) becomes a CiliumNetworkPolicy egressDeny that the official CRD accepts, leaving default deny off', () => {
  const [o] = protectDecisions(externalEdge);
  assert.ok(o, 'flow_baseline emitted a block decision');
  const d = decision(o);
  const r = enforcementManifest(d, 'cilium', 'default_deny', flowBaselineBuilders);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const m = r.manifest;
  assert.deepEqual(ciliumNetworkPolicyErrors(m), []);
  assert.equal(m.metadata.name, enforcementName(d));
  assert.match(m.metadata.name, /^sluice-block-app-ratings-[0-9a-f]{10}$/);
  assert.equal(m.metadata.namespace, 'bookinfo');
  assert.equal(m.metadata.labels?.[ENFORCEMENT_LABEL], 'edge');
  assert.equal(m.metadata.annotations?.['sluice.dev/decision-id'], d.id);
  assert.deepEqual(m.spec.endpointSelector, { matchLabels: { app: 'ratings' } }, 'the application selector, as the baseline policies use');
  assert.deepEqual(m.spec.enableDefaultDeny, { ingress: false, egress: false });
  assert.deepEqual(m.spec.egressDeny, [{ toCIDR: ['203.0.113.0/24'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }]);
  assert.equal(m.spec.egress, undefined, 'no allow rule: nothing else changes');
  assert.equal(m.spec.ingress, undefined);
});

test('a scan gives edge decisions to a workload peer (refused: its labels are not in the decision) and a non_baseline decision (default deny, both formats valid)', () => {
  const out = protectDecisions(scan, { burst: { windowMs: 300_000, maxFindings: 5 } });
  const decisions = out.map(decision);
  assert.deepEqual([...new Set(decisions.map((d) => d.scope))], ['edge', 'non_baseline']);
  const edge = enforcementManifest(decisions[0]!, 'cilium', 'default_deny', flowBaselineBuilders);
  assert.equal(edge.ok, false);
  assert.match(edge.ok ? '' : edge.reason, /cannot be expressed as a Cilium rule: .*peer workload bookinfo\/app\/details has no known labels/);
  const burst = decisions.find((d) => d.scope === 'non_baseline')!;
  const cnp = enforcementManifest(burst, 'cilium', 'default_deny', flowBaselineBuilders);
  assert.ok(cnp.ok, cnp.ok ? '' : cnp.reason);
  assert.deepEqual(ciliumNetworkPolicyErrors(cnp.manifest), []);
  assert.deepEqual([cnp.manifest.spec.ingress, cnp.manifest.spec.egress], [[{}], [{}]], 'default deny in both directions');
  assert.equal(cnp.manifest.metadata.labels?.[ENFORCEMENT_LABEL], 'non-baseline');
  const np = enforcementManifest(burst, 'networkpolicy', 'default_deny', flowBaselineBuilders);
  assert.ok(np.ok, np.ok ? '' : np.reason);
  assert.deepEqual(networkPolicyErrors(np.manifest), []);
  assert.deepEqual(np.manifest.spec, { podSelector: { matchLabels: { app: 'reviews' } }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
  const refused = enforcementManifest(burst, 'cilium', 'refuse', flowBaselineBuilders);
  assert.deepEqual(refused, { ok: false, reason: 'non_baseline decisions are not enforced (enforcement.nonBaseline: refuse)' });
});

test('what cannot be enforced is refused with the reason: an FQDN peer, an edge as NetworkPolicy, a workload without labels, a decision without namespace', () => {
  const base = { id: 'dec-1', decision: 'block', scope: 'edge', workload: 'kind/shop/Deployment/api', selector: { app: 'api' }, direction: 'egress', peer: 'fqdn:evil.example.net', protocol: 'TCP', port: 443 };
  const fqdn = enforcementManifest(decision({ stream: 'enforcement', key: 'k', value: base }), 'cilium', 'default_deny', flowBaselineBuilders);
  assert.match(fqdn.ok ? '' : fqdn.reason, /Cilium deny rules cannot name FQDNs \(fqdn:evil\.example\.net\)/);
  const cidr = decision({ stream: 'enforcement', key: 'k', value: { ...base, peer: 'cidr:198.51.100.0/24' } });
  const np = enforcementManifest(cidr, 'networkpolicy', 'default_deny', flowBaselineBuilders);
  assert.match(np.ok ? '' : np.reason, /NetworkPolicy cannot deny one edge/);
  const ingress = enforcementManifest(decision({ stream: 'enforcement', key: 'k', value: { ...base, direction: 'ingress', peer: 'ent:world', port: 22 } }), 'cilium', 'default_deny', flowBaselineBuilders);
  assert.ok(ingress.ok, ingress.ok ? '' : ingress.reason);
  assert.deepEqual(ingress.manifest.spec.ingressDeny, [{ fromEntities: ['world'], toPorts: [{ ports: [{ port: '22', protocol: 'TCP' }] }] }]);
  assert.deepEqual(ciliumNetworkPolicyErrors(ingress.manifest), []);
  const noLabels = enforcementManifest(decision({ stream: 'enforcement', key: 'k', value: { ...base, peer: 'cidr:198.51.100.0/24', selector: {} } }), 'cilium', 'default_deny', flowBaselineBuilders);
  assert.match(noLabels.ok ? '' : noLabels.reason, /^no policy can select kind\/shop\/Deployment\/api: .*no labels known/);
  const noNs = parseBlockDecision({ ...base, workload: 'kind/-/Node/worker-1' });
  assert.deepEqual(noNs, { ok: false, id: 'dec-1', reason: 'workload kind/-/Node/worker-1 names no namespace: a network policy is namespaced' });
  // The schema check can fail: a deny rule naming FQDNs is not in the CRD.
  assert.notDeepEqual(ciliumNetworkPolicyErrors({ ...ingress.manifest, spec: { ...ingress.manifest.spec, egressDeny: [{ toFQDNs: [{ matchName: 'x.example' }] }] } }), []);
});
