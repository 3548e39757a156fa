/**
 * Policy export: learned baselines -> Kubernetes NetworkPolicy or CiliumNetworkPolicy YAML for one
 * namespace, and `learnBaselines`, which learns baselines offline from flows. Pure (no I/O).
 */
import { stringify } from 'yaml';
import { SluiceError } from '../../core/errors.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { flowKey, type NetworkFlow } from '../../core/model/network-flow.ts';
import { CiliumNetworkPolicySchema, type CiliumNetworkPolicyObject } from './cilium-schema.ts';
import { FlowBaselineConfig, type FlowBaselineConfigInput } from './config.ts';
import { FlowBaselineDetector } from './detector.ts';
import { policyModel } from './policy-connections.ts';
import { ciliumPolicies } from './policy-cilium.ts';
import { networkPolicies, type NetworkPolicyObject } from './policy-networkpolicy.ts';
import type { FlowBaselineState } from './state.ts';

export type { NetworkPolicyObject } from './policy-networkpolicy.ts';
export type { CiliumNetworkPolicyObject } from './cilium-schema.ts';

/** `networkpolicy`: networking.k8s.io/v1 NetworkPolicy; `cilium`: cilium.io/v2 CiliumNetworkPolicy. */
export type PolicyFormat = 'networkpolicy' | 'cilium';

/** What to export. */
export interface PolicyExportOptions {
  namespace: string;
  format: PolicyFormat;
  /** Only this cluster's baselines; absent: the namespace's workloads are merged across clusters. */
  cluster?: string | undefined;
}

/** The exported policies, with the edges that could not be expressed. */
export type PolicySet =
  | { format: 'networkpolicy'; namespace: string; policies: NetworkPolicyObject[]; warnings: string[] }
  | { format: 'cilium'; namespace: string; policies: CiliumNetworkPolicyObject[]; warnings: string[] };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Every source type: offline, flows from the world, hosts and nodes are learned too (ingress rules). */
const ALL_SOURCES = ['workload', 'external', 'host', 'remote-node', 'health', 'reserved', 'ip', 'unknown'] as const;

/**
 * Learns baselines from flows offline: every flow is learned (discovery never ends, nothing is
 * reported), keyed like the `flow` stream (flowKey of the source). `config` tunes what is learned
 * (inbound, learnDropped, processIdentity, limits, version labels; `sources` defaults to every
 * source type here, so traffic from the world or a node is learned even without its replies);
 * its modes are ignored.
 */
export function learnBaselines(flows: Iterable<NetworkFlow>, config: FlowBaselineConfigInput = {}): Map<string, FlowBaselineState> {
  const parsed = FlowBaselineConfig.safeParse({ sources: [...ALL_SOURCES], ...config, enabled: true, mode: 'discover', modes: [] });
  if (!parsed.success) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `flow_baseline config is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const settings = { ...parsed.data, limits: { ...parsed.data.limits, sweepEveryFlows: 0, maxWorkloads: Number.MAX_SAFE_INTEGER } };
  const state = new MemoryKeyedState<FlowBaselineState>();
  const detector = new FlowBaselineDetector(settings, { state, emit: () => undefined });
  let offset = 0;
  for (const flow of flows) {
    // A host or node source has no cluster of its own: it is the cluster of the workload it talks to.
    const key = flowKey(flow.src, flow.src.workload?.cluster ?? flow.dst.workload?.cluster ?? 'unknown');
    detector.process(flow, { key, topic: 'offline', partition: 0, offset: String(offset++) });
  }
  const out = new Map<string, FlowBaselineState>();
  for (const key of [...state.keys()].sort()) out.set(key, state.get(key)!);
  return out;
}

/**
 * The policies of one namespace from learned baselines (Iterable of [workload key, state]): one
 * policy per workload of the namespace, allowing exactly its learned edges (ingress and egress).
 * Cilium output is checked against the model of what we write (cilium-schema.ts); the tests
 * validate both formats against the official Kubernetes and Cilium CRD schemas.
 */
export function buildPolicies(baselines: Iterable<readonly [string, FlowBaselineState]>, options: PolicyExportOptions): PolicySet {
  if (!DNS_LABEL.test(options.namespace) || options.namespace.length > 63) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `namespace must be a DNS label (lower-case alphanumerics and -, at most 63), got ${JSON.stringify(options.namespace.slice(0, 80))}`);
  }
  const model = policyModel(baselines, options.cluster);
  const warnings = [...model.warnings];
  if (options.format === 'networkpolicy') {
    return { format: 'networkpolicy', namespace: options.namespace, policies: networkPolicies(model, options.namespace, warnings), warnings };
  }
  if (options.format === 'cilium') {
    const policies = ciliumPolicies(model, options.namespace, warnings);
    for (const p of policies) {
      const r = CiliumNetworkPolicySchema.safeParse(p);
      if (!r.success) {
        // A bug here, not bad input: the builder wrote a shape the schema does not allow.
        throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `generated CiliumNetworkPolicy ${p.metadata.name} is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
    }
    return { format: 'cilium', namespace: options.namespace, policies, warnings };
  }
  throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `format must be networkpolicy or cilium, got ${JSON.stringify(String(options.format).slice(0, 40))}`);
}

/**
 * The policies of one namespace as a multi-document YAML string: a comment header (with every
 * warning), then one document per policy. An empty namespace gives the header only.
 */
export function exportPolicyYaml(
  baselines: Iterable<readonly [string, FlowBaselineState]>,
  options: PolicyExportOptions,
  header: readonly string[] = [],
): string {
  const set = buildPolicies(baselines, options);
  const lines = [
    `# ${set.format === 'cilium' ? 'CiliumNetworkPolicy' : 'NetworkPolicy'} for namespace ${set.namespace}, learned by Sluice flow_baseline.`,
    ...header.map((h) => `# ${h}`),
    `# ${set.policies.length} polic${set.policies.length === 1 ? 'y' : 'ies'}; ${set.warnings.length} warning(s).`,
    ...set.warnings.map((w) => `# warning: ${w.replace(/[\r\n]+/g, ' ')}`),
  ];
  const docs = (set.policies as ReadonlyArray<NetworkPolicyObject | CiliumNetworkPolicyObject>).map((p) => stringify(p, { lineWidth: 0 }).trimEnd());
  return `${lines.join('\n')}\n${docs.map((d) => `---\n${d}\n`).join('')}`;
}
