/**
 * What the enforcer needs from flow_baseline's policy builders (services/detectors/flow_baseline
 * policy-cilium.ts, policy-networkpolicy.ts). The enforcer lives in remediation, which may import
 * only core, so the role wiring (services/cli/enforcer.ts) hands the builders in: the peer and port
 * translation of an enforced edge is then exactly the one of the exported baseline policies.
 */
import type { DecisionEdge, DecisionWorkload } from './decision.ts';

/** A Kubernetes object as the builders write it. */
export interface PolicyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface EnforcementPolicyBuilders {
  /**
   * The policy flow_baseline would write for `workload` if its whole baseline were `edge` (or
   * nothing, when edge is null: a default deny in both directions), in `format`; null when it
   * writes none (no usable labels), with the builder's warnings.
   */
  allowPolicy(format: 'cilium' | 'networkpolicy', workload: DecisionWorkload, edge: DecisionEdge | null): { policy: PolicyObject | null; warnings: string[] };
}
