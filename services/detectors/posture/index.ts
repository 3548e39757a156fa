import type { DetectorSpec } from '../../core/components.ts';
import { PostureConfig } from './config.ts';
import { PostureDetector, type PostureState } from './detector.ts';
import { DETECTOR_NAME } from './finding.ts';

/** The posture detector: CEL posture rules on resource configurations, findings on status transitions only. */
export const postureSpec: DetectorSpec<'config', PostureConfig, PostureState> = {
  kind: 'detector',
  name: DETECTOR_NAME,
  stream: 'config',
  description:
    'Posture rules (CIS AWS Foundations, CIS Kubernetes, Pod Security Standards) on resource configurations from AWS Config, Kubernetes and IaC; an OCSF Compliance Finding when a rule starts failing or is resolved, and a remediation action per new failure.',
  configSchema: PostureConfig,
  create: (config, ctx) => new PostureDetector(config, ctx),
};

export { PostureConfig } from './config.ts';
export { PostureDetector, loadPostureRules } from './detector.ts';
export type { PostureState, PostureStats } from './detector.ts';
export { DETECTOR_NAME, postureFinding, complianceText } from './finding.ts';
export type { PostureStatus } from './finding.ts';
