import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import type { WindowState } from '../../rules/windows.ts';
import { SignaturesConfig } from './config.ts';

/** The signatures detector: the CEL rule packs (services/rules) run on the activity stream. */
export const signaturesSpec = lazyDetectorSpec<'activity', SignaturesConfig, WindowState>(
  {
    name: 'signatures',
    stream: 'activity',
    description:
      'Signature rules (YAML packs with CEL conditions, dedup and thresholds) over API activity from CloudTrail, Azure Activity and Kubernetes audit; one OCSF Detection Finding per emitted match.',
    configSchema: SignaturesConfig,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.SignaturesDetector),
);
