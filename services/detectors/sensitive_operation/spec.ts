import type { z } from 'zod';
import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { SensitiveOperationConfig } from './config.ts';

export const sensitiveOperationSpec = lazyDetectorSpec<'activity', z.output<typeof SensitiveOperationConfig>>(
  {
    name: 'sensitive_operation',
    stream: 'activity',
    description: 'Flags single events that are sensitive on their own: log tampering, root use, MFA-less console logins.',
    configSchema: SensitiveOperationConfig,
    stateful: false,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.SensitiveOperationDetector),
);
