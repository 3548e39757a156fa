import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { PostureConfig } from './config.ts';
import type { PostureState } from './detector.ts';

/** The posture detector: CEL posture rules on resource configurations, findings on status transitions only. */
export const postureSpec = lazyDetectorSpec<'config', PostureConfig, PostureState>(
  {
    name: 'posture',
    stream: 'config',
    description:
      'Posture rules (CIS AWS Foundations, CIS Kubernetes, Pod Security Standards) on resource configurations from AWS Config, Kubernetes and IaC; an OCSF Compliance Finding when a rule starts failing or is resolved, and a remediation action per new failure.',
    configSchema: PostureConfig,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.PostureDetector),
);
