/**
 * process_baseline detector: which binaries each application runs, by binary and never by pid or
 * IP; new binaries after discovery, and shells or network tools spawned by server processes. See README.md.
 */
import { processBaselineSpec } from './spec.ts';

export { ProcessBaselineConfig, ProcessMode, ProcessModeRule } from './config.ts';
export type { ProcessBaselineSettings, ProcessBaselineConfigInput } from './config.ts';
export { ProcessBaselineDetector } from './detector.ts';
export type { ProcessBaselineCounters, ProcessBaselineStats } from './detector.ts';
export { Classifier } from './classify.ts';
export type { ServerReason, SpawnKind } from './classify.ts';
export { DETECTOR_NAME, RULES } from './findings.ts';
export type { ProcessBaselineRule } from './findings.ts';
export type { ProcessBaselineState, BinaryRecord, NovelRecord } from './state.ts';

/** The detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { processBaselineSpec };
await processBaselineSpec.load?.();
