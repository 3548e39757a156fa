import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { ConfigRescanConfig } from './config.ts';

/** The config_rescan detector: a successful mutation of a judged resource becomes a re-scan request (topics.rescan). */
export const configRescanSpec = lazyDetectorSpec<'activity', ConfigRescanConfig>(
  {
    name: 'config_rescan',
    stream: 'activity',
    description:
      'Stateless: each successful CloudTrail mutation of a resource the posture rules judge (security group, bucket, IAM role/user/group/policy, KMS key, trail, NACL, RDS instance...) becomes a re-scan request on topics.rescan, with the new state when the event states it; the aws_config_rescan role answers with the current AWS Config item on the config stream, so posture re-evaluates the resource within seconds.',
    configSchema: ConfigRescanConfig,
    stateful: false,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.ConfigRescanDetector),
);
