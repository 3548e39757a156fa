import { z } from 'zod';
import { SECRET } from '../../core/secrets.ts';
import { secretString } from '../alerting/config.ts';
import { alertSinkConfig, defineAlertSink, setOnly } from '../alerting/spec.ts';
import { WebhookSink } from './sink.ts';

/** `sinks.webhook`: findings POSTed as OCSF JSON to any HTTP endpoint, HMAC-signed. */
export const WebhookSinkConfig = alertSinkConfig(
  'webhook',
  'POST every finding (OCSF JSON) to `url`, signed with `secret`. Example: true.',
  {
    url: secretString('Receiver URL, http(s); a secret, since such URLs often carry a key. Example: "https://soar.example.com/hooks/sluice".').optional(),
    secret: z
      .string()
      .min(16)
      .meta(SECRET)
      .optional()
      .describe('HMAC-SHA256 key (at least 16 characters): each request carries `X-Sluice-Signature: sha256=<hex>` over `<X-Sluice-Timestamp>.<body>`. Required when enabled.'),
    bearerToken: secretString('Optional token sent as `Authorization: Bearer <token>`.').optional(),
  },
  'Medium',
  { url: 'url', secret: 'set' },
);
export type WebhookSinkConfig = z.output<typeof WebhookSinkConfig>;

export const webhookSinkSpec = defineAlertSink(
  'webhook',
  'Each finding POSTed as OCSF JSON to an HTTP endpoint, HMAC-SHA256 signed (`X-Sluice-Signature`), with the finding id as `Idempotency-Key`; redirects are never followed.',
  WebhookSinkConfig,
  (config) => ({ url: config.url!, secret: config.secret!, ...setOnly({ bearerToken: config.bearerToken }) }),
  (options) => new WebhookSink(options),
);
