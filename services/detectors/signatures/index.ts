import { signaturesSpec } from './spec.ts';

/** The signatures detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { signaturesSpec };
await signaturesSpec.load?.();

export { SignaturesConfig } from './config.ts';
export { SignaturesDetector } from './detector.ts';
export type { SignaturesStats } from './detector.ts';
export { DETECTOR_NAME, toFinding } from './finding.ts';
export { benchSignatures } from './bench.ts';
