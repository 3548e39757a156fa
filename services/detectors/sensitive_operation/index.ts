import type { DetectorSpec } from '../../core/components.ts';
import type { z } from 'zod';
import { SensitiveOperationConfig } from './config.ts';
import { DETECTOR_NAME, SensitiveOperationDetector } from './detector.ts';

export { SensitiveOperationDetector, DETECTOR_NAME } from './detector.ts';
export { SENSITIVE_RULES } from './rules.ts';
export { SensitiveOperationConfig } from './config.ts';

export const sensitiveOperationSpec: DetectorSpec<'activity', z.output<typeof SensitiveOperationConfig>> = {
  kind: 'detector',
  name: DETECTOR_NAME,
  stream: 'activity',
  description: 'Flags single events that are sensitive on their own: log tampering, root use, MFA-less console logins.',
  configSchema: SensitiveOperationConfig,
  stateful: false,
  create: (config) => new SensitiveOperationDetector(config),
};
