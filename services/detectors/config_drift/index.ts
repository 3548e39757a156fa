import type { DetectorSpec } from '../../core/components.ts';
import { ConfigDriftConfig } from './config.ts';
import { ConfigDriftDetector, DETECTOR_NAME } from './detector.ts';
import type { DriftState } from './state.ts';

/** The config_drift detector: per-resource configuration history, structured diffs, risky-change findings. */
export const configDriftSpec: DetectorSpec<'config', ConfigDriftConfig, DriftState> = {
  kind: 'detector',
  name: DETECTOR_NAME,
  stream: 'config',
  description:
    'Configuration drift per resource: current configuration and baseline (first seen or approved), a structured masked diff on each change, and a finding for each risky change (world-open ports, public access block removed, encryption or logging off, public policies, privileged pods, cluster-admin bindings), deletions and re-creations.',
  configSchema: ConfigDriftConfig,
  takesControl: true,
  create: (config, ctx) => new ConfigDriftDetector(config, ctx),
};

export { ConfigDriftConfig } from './config.ts';
export { ConfigDriftDetector, DETECTOR_NAME } from './detector.ts';
export { applyApproval } from './state.ts';
export type { DriftState, BaselineApproval, ApprovalResult } from './state.ts';
export { diffConfigurations, maskValue } from './diff.ts';
export type { ConfigDiff, DiffEntry } from './diff.ts';
export { riskSignals, riskSignalsOf } from './risks.ts';
export type { RiskSignal } from './risks.ts';
