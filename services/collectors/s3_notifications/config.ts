/**
 * `collectors.<type>.sqs`: where a collector role started with `--follow` reads S3 object-created
 * notifications (aws_cloudtrail, aws_config, object_storage). See README.md beside this file.
 */
import { z } from 'zod';

/** SQS allows 1..10 messages per ReceiveMessage and a wait of at most 20 s. */
export const SQS_MAX_MESSAGES = 10;
export const SQS_MAX_WAIT_SECONDS = 20;
/** SQS's ceiling on a message's visibility timeout (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

export const S3NotificationsConfigSchema = z.strictObject({
  queueUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('URL of the SQS queue receiving the notifications (S3 event notifications, directly or through SNS; CloudTrail and AWS Config SNS notifications). `--sqs-queue-url` overrides it.')
    .meta({ examples: ['https://sqs.eu-west-1.amazonaws.com/123456789012/cloudtrail-notifications'] }),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
    .optional()
    .describe('AWS region of the queue and the buckets. Default: taken from an AWS queue URL (sqs.<region>.amazonaws.com), else AWS_REGION.'),
  sqsEndpoint: z.url({ protocol: /^https?$/ }).optional().describe('Another SQS endpoint (a VPC endpoint, or a local emulator in tests). Default: the regional endpoint.'),
  s3Endpoint: z.url({ protocol: /^https?$/ }).optional().describe('Another S3 endpoint (a VPC endpoint or an S3-compatible store). Default: the regional endpoint.'),
  s3ForcePathStyle: z.boolean().default(false).describe('Path-style S3 requests (http://host/bucket/key), for S3-compatible stores that need them.'),
  sqsProtocol: z
    .enum(['json', 'query'])
    .default('json')
    .describe("Wire protocol of the SQS API: json (AWS's current one) or query (the older XML one, spoken by some emulators such as sqslite)."),
  maxMessages: z
    .number()
    .int()
    .min(1)
    .max(SQS_MAX_MESSAGES)
    .default(SQS_MAX_MESSAGES)
    .describe('Messages per ReceiveMessage (1..10). They are processed one after the other; the next receive waits until all are done (backpressure when Kafka is slow).'),
  waitTimeSeconds: z
    .number()
    .int()
    .min(0)
    .max(SQS_MAX_WAIT_SECONDS)
    .default(SQS_MAX_WAIT_SECONDS)
    .describe('Long polling: how long one ReceiveMessage waits for a message (0..20 s).'),
  visibilityTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(SQS_MAX_VISIBILITY_SECONDS)
    .default(120)
    .describe(
      'Visibility timeout asked for each received message. While a message is being worked on it is extended by this much every third of it, ' +
        'so a large object can take longer; after a crash the message is visible again within this time.',
    ),
  maxObjectBytes: z
    .number()
    .int()
    .min(1)
    .default(512 * 1024 * 1024)
    .describe('aws_cloudtrail and aws_config: larger objects are dead-lettered without being read (object_storage has its own maxObjectBytes and streams).'),
  missingObjectRetries: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(3)
    .describe('How often an object that does not exist (NoSuchKey) is asked for again, with a growing pause, before the notification is dead-lettered.'),
  retryBackoffMs: z.number().int().min(0).default(1000).describe('First pause between two attempts at a missing object; doubled each time.'),
  emptyReceiveDelayMs: z
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe('Pause after a receive that returned no message before its wait time was up (a queue or emulator without long polling), so an idle role does not spin.'),
  excludeKeys: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Globs of object keys not read (their notification is deleted and counted as skipped). Always skipped besides: CloudTrail digest files (`**/CloudTrail-Digest/**`) ' +
        'for aws_cloudtrail and `ConfigWritabilityCheckFile` for aws_config.',
    )
    .meta({ examples: [['**/*.tmp']] }),
  shutdownGraceMs: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('On SIGTERM: time to finish the message in flight (publish, then delete) before exiting anyway; what is not finished is not deleted and comes back after its visibility timeout.'),
});

export type S3NotificationsConfig = Readonly<z.output<typeof S3NotificationsConfigSchema>>;
export type S3NotificationsConfigInput = z.input<typeof S3NotificationsConfigSchema>;

/** The `sqs` key of a collector's config schema: absent unless the collector is followed from SQS. */
export function sqsSection() {
  return S3NotificationsConfigSchema.optional().describe(
    'Follow mode (`sluice collector <type> --follow`): read S3 object-created notifications from SQS, fetch each object and publish its events; ' +
      'the message is deleted only after Kafka acknowledged them. See services/collectors/s3_notifications/README.md.',
  );
}
