/**
 * `collectors.gcp_audit.pubsub`: where `sluice collector gcp_audit --follow pubsub` reads the audit
 * log entries a Cloud Logging sink routes to a Pub/Sub topic. See pubsub.ts.
 */
import { z } from 'zod';

export const PubSubFollowConfigSchema = z.strictObject({
  subscription: z
    .string()
    .regex(/^(projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/subscriptions\/)?[a-zA-Z][\w.~+%-]{2,254}$/, 'a subscription name, or projects/<project>/subscriptions/<name>')
    .optional()
    .describe('Pull subscription on the topic of the Cloud Logging sink (its full name, or the short name with projectId). `--pubsub-subscription` overrides it.')
    .meta({ examples: ['projects/example-project/subscriptions/sluice-audit'] }),
  projectId: z.string().min(1).optional().describe('Project of a short subscription name. Default: from the credentials (GOOGLE_CLOUD_PROJECT, the service account).'),
  apiEndpoint: z.string().min(1).optional().describe('Another Pub/Sub endpoint (host[:port]), e.g. a Private Service Connect one. PUBSUB_EMULATOR_HOST is honoured by the client as well.'),
  maxMessages: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1000)
    .describe('Flow control: messages held unacknowledged at once. They are acknowledged after Kafka acknowledged their events, so a slow Kafka stops the pulling here.'),
  maxBytes: z.number().int().min(1024).default(64 * 1024 * 1024).describe('Flow control: bytes of message data held unacknowledged at once.'),
  batchMessages: z.number().int().min(1).max(10_000).default(200).describe('Messages published per round (then acknowledged together).'),
  flushIntervalMs: z.number().int().min(1).default(200).describe('Longest wait before a round with fewer than batchMessages messages is published.'),
  shutdownGraceMs: z.number().int().min(0).default(30_000).describe('On SIGTERM: time to publish and acknowledge the messages in hand before exiting anyway (unacknowledged ones are redelivered).'),
});

export type PubSubFollowConfig = Readonly<z.output<typeof PubSubFollowConfigSchema>>;
export type PubSubFollowConfigInput = z.input<typeof PubSubFollowConfigSchema>;

export function pubSubSection() {
  return PubSubFollowConfigSchema.optional().describe(
    'Follow mode on Pub/Sub (`sluice collector gcp_audit --follow pubsub`): a Cloud Logging sink to a topic; messages acknowledged only after Kafka acknowledged their events. ' +
      'See services/collectors/gcp_audit/README.md.',
  );
}
