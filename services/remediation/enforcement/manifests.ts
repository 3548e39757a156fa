/**
 * A block decision -> the network policy that enforces it, or why none can.
 *
 * - `edge` (one workload edge, flow_baseline protect mode): a CiliumNetworkPolicy selecting the
 *   workload with the edge in `egressDeny` / `ingressDeny` (peer and ports translated by
 *   flow_baseline's own builder) and `enableDefaultDeny: {ingress: false, egress: false}`, so
 *   nothing else changes for the workload. Cilium deny rules cannot name FQDNs or carry L7 rules;
 *   Kubernetes NetworkPolicy has no deny at all: those decisions are refused with the reason.
 * - `non_baseline` (a burst: block everything outside the baseline): a default-deny policy for the
 *   workload in both directions (flow_baseline's policy for an empty baseline). Policies add up, so
 *   with the baseline allow policies applied (`sluice policy export`) exactly the traffic outside
 *   the baseline is dropped; without them the workload is isolated.
 */
import { createHash } from 'node:crypto';
import type { EnforcementPolicyBuilders, PolicyObject } from './builders.ts';
import type { BlockDecision } from './decision.ts';

export type EnforcementFormat = 'cilium' | 'networkpolicy';

/** The label every enforcement policy carries, to list or remove them (`kubectl delete cnp -l ...`). */
export const ENFORCEMENT_LABEL = 'sluice.dev/enforcement';

/** `sluice-block-<kind>-<name>-<hash of the decision id>`: one object per decision, a valid object name. */
export function enforcementName(d: BlockDecision): string {
  const hash = createHash('sha256').update(d.id).digest('hex').slice(0, 10);
  const base = `sluice-block-${d.workload.kind}-${d.workload.name}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `${base.slice(0, 253 - 11)}-${hash}`;
}

function metadata(d: BlockDecision): PolicyObject['metadata'] {
  return {
    name: enforcementName(d),
    namespace: d.workload.namespace,
    labels: { 'app.kubernetes.io/managed-by': 'sluice', [ENFORCEMENT_LABEL]: d.scope === 'edge' ? 'edge' : 'non-baseline' },
    annotations: {
      'sluice.dev/decision-id': d.id,
      'sluice.dev/workload': d.workload.key,
      ...(d.findingId ? { 'sluice.dev/finding-id': d.findingId } : {}),
      ...(d.rule ? { 'sluice.dev/rule': d.rule } : {}),
      ...(d.reason ? { 'sluice.dev/reason': d.reason.slice(0, 1024) } : {}),
    },
  };
}

type Rule = Record<string, unknown>;

/** An allow rule as a deny rule: the same peers and ports, without L7 rules (deny rules have none). */
function denyRule(r: Rule): Rule {
  const out: Rule = { ...r };
  if (Array.isArray(r.toPorts)) out.toPorts = (r.toPorts as Rule[]).map(({ rules: _l7, ...p }) => p);
  return out;
}

export type ManifestResult = { ok: true; manifest: PolicyObject; warnings: string[] } | { ok: false; reason: string };

export function enforcementManifest(d: BlockDecision, format: EnforcementFormat, nonBaseline: 'default_deny' | 'refuse', builders: EnforcementPolicyBuilders): ManifestResult {
  if (d.scope === 'non_baseline') {
    if (nonBaseline === 'refuse') return { ok: false, reason: 'non_baseline decisions are not enforced (enforcement.nonBaseline: refuse)' };
    const { policy, warnings } = builders.allowPolicy(format, d.workload, null);
    if (!policy) return { ok: false, reason: `no policy can select ${d.workload.key}: ${warnings.join('; ') || 'its pod labels are unknown'}` };
    const spec = { ...policy.spec };
    if (format === 'cilium') spec.description = `Sluice enforcement: default deny for ${d.workload.kind}/${d.workload.name} (decision ${d.id}); the baseline allow policies still apply`;
    return { ok: true, manifest: { apiVersion: policy.apiVersion, kind: policy.kind, metadata: metadata(d), spec }, warnings };
  }
  const edge = d.edge!;
  if (format === 'networkpolicy') {
    return { ok: false, reason: 'a Kubernetes NetworkPolicy cannot deny one edge (it has allow rules only): set enforcement.format cilium, or enforce the baseline with `sluice policy export`' };
  }
  const { policy, warnings } = builders.allowPolicy('cilium', d.workload, edge);
  if (!policy) return { ok: false, reason: `no policy can select ${d.workload.key}: ${warnings.join('; ') || 'its pod labels are unknown'}` };
  const allow = (policy.spec[edge.direction] as Rule[] | undefined) ?? [];
  const rules = allow.filter((r) => Object.keys(r).length > 0);
  if (rules.some((r) => 'toFQDNs' in r)) {
    return { ok: false, reason: `Cilium deny rules cannot name FQDNs (${edge.peer}): not enforced; block its addresses by CIDR, or apply the baseline policies (their toFQDNs allow-list leaves it out)` };
  }
  if (rules.length === 0) return { ok: false, reason: `the edge to ${edge.peer} (${edge.protocol}/${edge.port ?? '-'}) cannot be expressed as a Cilium rule: ${warnings.join('; ') || 'no rule was built'}` };
  const spec: Record<string, unknown> = {
    description: `Sluice enforcement: deny ${edge.direction} ${edge.peer} ${edge.protocol}/${edge.port ?? '-'} for ${d.workload.kind}/${d.workload.name} (decision ${d.id})`,
    endpointSelector: policy.spec.endpointSelector,
    // Only the denied edge changes: this policy must not put the workload in default deny.
    enableDefaultDeny: { ingress: false, egress: false },
    [edge.direction === 'egress' ? 'egressDeny' : 'ingressDeny']: rules.map(denyRule),
  };
  return { ok: true, manifest: { apiVersion: policy.apiVersion, kind: policy.kind, metadata: metadata(d), spec }, warnings };
}
