import { z } from 'zod';
import { defineSink } from '../../core/components.ts';
import { deliveryFields, filterFields, requireWhenEnabled, secretString } from '../alerting/config.ts';
import { PagerDutySink, PAGERDUTY_EVENTS_URL } from './sink.ts';

/** `sinks.pagerduty`: findings as PagerDuty Events API v2 trigger events. */
export const PagerDutySinkConfig = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Trigger a PagerDuty alert per finding (Events API v2). Example: true.'),
    routingKey: secretString('Integration key of the PagerDuty service (Events API v2 integration).').optional(),
    url: z.url({ protocol: /^https?$/ }).default(PAGERDUTY_EVENTS_URL).describe('Events API v2 enqueue endpoint. Example: "https://events.eu.pagerduty.com/v2/enqueue".'),
    ...filterFields('High'),
    ...deliveryFields(),
  })
  .superRefine(requireWhenEnabled('pagerduty', { routingKey: 'set' }));
export type PagerDutySinkConfig = z.output<typeof PagerDutySinkConfig>;

export const pagerdutySinkSpec = defineSink<PagerDutySinkConfig>(
  'pagerduty',
  'A PagerDuty Events API v2 `trigger` per finding, `dedup_key` = finding id (a redelivery updates the same alert); severities mapped to critical/error/warning/info.',
  PagerDutySinkConfig,
  (config, ctx) => new PagerDutySink({ routingKey: config.routingKey!, url: config.url, filter: config, delivery: config, logger: ctx.logger }),
);
