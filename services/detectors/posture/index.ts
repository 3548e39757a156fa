import { postureSpec } from './spec.ts';

/** The posture detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { postureSpec };
await postureSpec.load?.();

export { PostureConfig } from './config.ts';
export { PostureDetector, loadPostureRules } from './detector.ts';
export type { PostureState, PostureStats } from './detector.ts';
export { DETECTOR_NAME, postureFinding, complianceText } from './finding.ts';
export type { PostureStatus } from './finding.ts';
