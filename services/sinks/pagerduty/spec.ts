import { z } from 'zod';
import { secretString } from '../alerting/config.ts';
import { alertSinkConfig, defineAlertSink } from '../alerting/spec.ts';
import { PagerDutySink, PAGERDUTY_EVENTS_URL } from './sink.ts';

/** `sinks.pagerduty`: findings as PagerDuty Events API v2 trigger events. */
export const PagerDutySinkConfig = alertSinkConfig(
  'pagerduty',
  'Trigger a PagerDuty alert per finding (Events API v2). Example: true.',
  {
    routingKey: secretString('Integration key of the PagerDuty service (Events API v2 integration).').optional(),
    url: z.url({ protocol: /^https?$/ }).default(PAGERDUTY_EVENTS_URL).describe('Events API v2 enqueue endpoint. Example: "https://events.eu.pagerduty.com/v2/enqueue".'),
  },
  'High',
  { routingKey: 'set' },
);
export type PagerDutySinkConfig = z.output<typeof PagerDutySinkConfig>;

export const pagerdutySinkSpec = defineAlertSink(
  'pagerduty',
  'A PagerDuty Events API v2 `trigger` per finding, `dedup_key` = finding id (a redelivery updates the same alert); severities mapped to critical/error/warning/info.',
  PagerDutySinkConfig,
  (config) => ({ routingKey: config.routingKey!, url: config.url }),
  (options) => new PagerDutySink(options),
);
