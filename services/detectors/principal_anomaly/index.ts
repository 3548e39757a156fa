import { principalAnomalySpec } from './spec.ts';

export { PrincipalAnomalyConfig } from './config.ts';
export { PrincipalAnomalyDetector, type PrincipalAnomalyStats } from './detector.ts';
export { DETECTOR_NAME, RULE_ID } from './finding.ts';
export { DEFAULT_SENSITIVITY, SensitivityTable } from './sensitivity.ts';
export type { PrincipalState } from './state.ts';

/** principal_anomaly's spec (spec.ts); importing this whole folder loads its implementation too. */
export { principalAnomalySpec };
await principalAnomalySpec.load?.();
