import { configRescanSpec } from './spec.ts';

/** The config_rescan detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { configRescanSpec };
await configRescanSpec.load?.();

export { ConfigRescanConfig } from './config.ts';
export { ConfigRescanDetector, DETECTOR_NAME, rescanRequestFor } from './detector.ts';
export { MUTATIONS, mutationFor } from './catalogue.ts';
export type { Mutation } from './catalogue.ts';
