import type { DetectorSpec } from '../../core/components.ts';
import type { z } from 'zod';
import { EventCountConfig } from './config.ts';
import { DETECTOR_NAME, EventCountDetector, type EventCountState } from './detector.ts';

export { EventCountDetector, DETECTOR_NAME, type EventCountState } from './detector.ts';
export { EventCountConfig } from './config.ts';

export const eventCountSpec: DetectorSpec<'activity', z.output<typeof EventCountConfig>, EventCountState> = {
  kind: 'detector',
  name: DETECTOR_NAME,
  stream: 'activity',
  description: 'Counts events per principal and reports every N-th (a stateful template and reliability probe).',
  configSchema: EventCountConfig,
  create: (config, ctx) => new EventCountDetector(config, ctx),
};
