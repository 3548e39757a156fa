import { z } from 'zod';

/** Config of the event_count detector. */
export const EventCountConfig = z.strictObject({
  enabled: z.boolean().default(false).describe('Run the event_count detector (a stateful counter, for reliability tests).'),
  every: z.number().int().min(1).default(100).describe('Report each time a key reaches a multiple of this count.'),
});
