import type { DetectorSpec } from '../../core/components.ts';
import { PrincipalAnomalyConfig } from './config.ts';
import { PrincipalAnomalyDetector } from './detector.ts';
import { DETECTOR_NAME } from './finding.ts';
import type { PrincipalState } from './state.ts';

export { PrincipalAnomalyConfig } from './config.ts';
export { PrincipalAnomalyDetector, type PrincipalAnomalyStats } from './detector.ts';
export { DETECTOR_NAME, RULE_ID } from './finding.ts';
export { DEFAULT_SENSITIVITY, SensitivityTable } from './sensitivity.ts';
export type { PrincipalState } from './state.ts';

/** principal_anomaly: per-principal behavioural baselines over the activity stream (OCSF 6003). */
export const principalAnomalySpec: DetectorSpec<'activity', PrincipalAnomalyConfig, PrincipalState> = {
  kind: 'detector',
  name: DETECTOR_NAME,
  stream: 'activity',
  description:
    'Learns each principal\'s operations, services, regions, source networks, user agents, hours, error ratio and volume ' +
    '(new principals against their account\'s population) and reports deviations that add up, weighted by operation sensitivity.',
  configSchema: PrincipalAnomalyConfig,
  create: (config, ctx) => new PrincipalAnomalyDetector(config, ctx),
};
