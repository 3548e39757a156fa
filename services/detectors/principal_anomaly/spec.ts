import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { PrincipalAnomalyConfig } from './config.ts';
import type { PrincipalState } from './state.ts';

/** principal_anomaly: per-principal behavioural baselines over the activity stream (OCSF 6003). */
export const principalAnomalySpec = lazyDetectorSpec<'activity', PrincipalAnomalyConfig, PrincipalState>(
  {
    name: 'principal_anomaly',
    stream: 'activity',
    description:
      'Learns each principal\'s operations, services, regions, source networks, user agents, hours, error ratio and volume ' +
      '(new principals against their account\'s population) and reports deviations that add up, weighted by operation sensitivity.',
    configSchema: PrincipalAnomalyConfig,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.PrincipalAnomalyDetector),
);
