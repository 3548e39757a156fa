import { eventCountSpec } from './spec.ts';

export { EventCountDetector, DETECTOR_NAME, type EventCountState } from './detector.ts';
export { EventCountConfig } from './config.ts';

/** The event_count detector's spec (spec.ts); importing this whole folder loads its implementation too. */
export { eventCountSpec };
await eventCountSpec.load?.();
