/**
 * flow_baseline detector: container nano-segmentation. Learns each workload's network edges by
 * identity (never by IP), then alerts on (monitor) or blocks (protect) edges outside the baseline,
 * and reports a new image version's new behaviour. See README.md.
 */
import type { DetectorSpec } from '../../core/components.ts';
import { FlowBaselineConfig, type FlowBaselineSettings } from './config.ts';
import { FlowBaselineDetector } from './detector.ts';
import { DETECTOR_NAME } from './findings.ts';
import type { FlowBaselineState } from './state.ts';

export { FlowBaselineConfig, FlowMode, FlowModeRule } from './config.ts';
export type { FlowBaselineSettings, FlowBaselineConfigInput } from './config.ts';
export { FlowBaselineDetector } from './detector.ts';
export type { FlowBaselineCounters, FlowBaselineStats } from './detector.ts';
export { DETECTOR_NAME, RULES } from './findings.ts';
export type { FlowBaselineRule } from './findings.ts';
export type { FlowBaselineState, EdgeRecord, NovelRecord, VersionRecord } from './state.ts';
export { applyFlowControl, controlApplies, parseFlowControl, FlowControlSchema } from './control.ts';
export type { FlowControl, FlowControlScope } from './control.ts';
export { learnBaselines, buildPolicies, exportPolicyYaml } from './policy-export.ts';
export type { PolicyExportOptions, PolicySet, PolicyFormat } from './policy-export.ts';

/** The detector's spec: consumes the `flow` stream, keyed by source workload identity. */
export const flowBaselineSpec: DetectorSpec<'flow', FlowBaselineSettings, FlowBaselineState> = {
  kind: 'detector',
  name: DETECTOR_NAME,
  stream: 'flow',
  description:
    'Learns how each workload talks (peer workload or external endpoint, port, protocol) by identity, then alerts on or blocks edges outside that baseline; new image versions inherit it and their new edges are reported as behaviour changes.',
  configSchema: FlowBaselineConfig,
  stateful: true,
  takesControl: true,
  create: (config, ctx) => new FlowBaselineDetector(config, ctx),
};
