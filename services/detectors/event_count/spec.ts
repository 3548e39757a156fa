import type { z } from 'zod';
import { implementationIn, lazyDetectorSpec } from '../../core/components.ts';
import { EventCountConfig } from './config.ts';
import type { EventCountState } from './detector.ts';

export const eventCountSpec = lazyDetectorSpec<'activity', z.output<typeof EventCountConfig>, EventCountState>(
  {
    name: 'event_count',
    stream: 'activity',
    description: 'Counts events per principal and reports every N-th (a stateful template and reliability probe).',
    configSchema: EventCountConfig,
  },
  implementationIn(import.meta.url, 'detector', () => import('./detector.ts'), (m) => m.EventCountDetector),
);
