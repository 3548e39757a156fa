/**
 * flow_baseline detector: container nano-segmentation. Learns each workload's network edges by
 * identity (never by IP), then alerts on (monitor) or blocks (protect) edges outside the baseline,
 * and reports a new image version's new behaviour; learns HTTP paths and DNS names from L7 flows.
 * See README.md.
 */
import { flowBaselineSpec } from './spec.ts';

export { FlowBaselineConfig, FlowMode, FlowModeRule } from './config.ts';
export type { FlowBaselineSettings, FlowBaselineConfigInput } from './config.ts';
export { FlowBaselineDetector } from './detector.ts';
export type { FlowBaselineCounters, FlowBaselineStats } from './detector.ts';
export { DETECTOR_NAME, RULES } from './findings.ts';
export type { FlowBaselineRule } from './findings.ts';
export type { FlowBaselineState, EdgeRecord, NovelRecord, VersionRecord, L7State } from './state.ts';
export { dnsName, pathPattern, pathRegex } from './l7.ts';
export { applyFlowControl, controlApplies, parseFlowControl, FlowControlSchema } from './control.ts';
export type { FlowControl, FlowControlScope } from './control.ts';
export { learnBaselines, buildPolicies, exportPolicyYaml } from './policy-export.ts';
export type { PolicyExportOptions, PolicySet, PolicyFormat } from './policy-export.ts';

/** The detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { flowBaselineSpec };
await flowBaselineSpec.load?.();
