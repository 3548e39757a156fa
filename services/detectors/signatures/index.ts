import type { DetectorSpec } from '../../core/components.ts';
import type { WindowState } from '../../rules/index.ts';
import { SignaturesConfig } from './config.ts';
import { SignaturesDetector } from './detector.ts';
import { DETECTOR_NAME } from './finding.ts';

/** The signatures detector: the CEL rule packs (services/rules) run on the activity stream. */
export const signaturesSpec: DetectorSpec<'activity', SignaturesConfig, WindowState> = {
  kind: 'detector',
  name: DETECTOR_NAME,
  stream: 'activity',
  description:
    'Signature rules (YAML packs with CEL conditions, dedup and thresholds) over API activity from CloudTrail, Azure Activity and Kubernetes audit; one OCSF Detection Finding per emitted match.',
  configSchema: SignaturesConfig,
  create: (config, ctx) => new SignaturesDetector(config, ctx),
};

export { SignaturesConfig } from './config.ts';
export { SignaturesDetector } from './detector.ts';
export type { SignaturesStats } from './detector.ts';
export { DETECTOR_NAME, toFinding } from './finding.ts';
export { benchSignatures } from './bench.ts';
