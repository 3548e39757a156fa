import { configDriftSpec } from './spec.ts';

/** The config_drift detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { configDriftSpec };
await configDriftSpec.load?.();

export { ConfigDriftConfig } from './config.ts';
export { ConfigDriftDetector, DETECTOR_NAME } from './detector.ts';
export { applyApproval } from './state.ts';
export type { DriftState, BaselineApproval, ApprovalResult } from './state.ts';
export { diffConfigurations, maskValue } from './diff.ts';
export type { ConfigDiff, DiffEntry } from './diff.ts';
export { riskSignals, riskSignalsOf } from './risks.ts';
export type { RiskSignal } from './risks.ts';
