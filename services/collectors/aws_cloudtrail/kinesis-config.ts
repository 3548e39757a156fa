/**
 * `collectors.aws_cloudtrail.kinesis`: where `sluice collector aws_cloudtrail --follow kinesis`
 * reads CloudTrail delivered through CloudWatch Logs -> a subscription filter -> a Kinesis data
 * stream, and where it keeps its per-shard checkpoints. See kinesis-follow.ts and the README.
 */
import { z } from 'zod';

/** GetRecords returns at most 10,000 records per call. */
export const KINESIS_MAX_LIMIT = 10_000;

export const KinesisFollowConfigSchema = z.strictObject({
  streamName: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'a Kinesis stream name: 1..128 of a-z A-Z 0-9 _ . -')
    .optional()
    .describe('Kinesis data stream the CloudWatch Logs subscription filter writes to. `--kinesis-stream` overrides it.')
    .meta({ examples: ['cloudtrail-cwl'] }),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
    .optional()
    .describe('AWS region of the stream. Default: AWS_REGION. `--region` overrides it.'),
  endpoint: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Another Kinesis endpoint (a VPC endpoint, or kinesalite in tests). `--kinesis-endpoint` overrides it.'),
  checkpointFile: z
    .string()
    .min(1)
    .default('.sluice/checkpoints/kinesis.json')
    .describe(
      'JSON file of the per-shard checkpoints (the last sequence number whose events Kafka acknowledged), rewritten atomically. ' +
        'Keep it on a persistent volume; one role per file (the Deployment runs one replica). `--checkpoint-file` overrides it.',
    )
    .meta({ examples: ['/var/lib/sluice/kinesis-checkpoints.json'] }),
  limit: z.number().int().min(1).max(KINESIS_MAX_LIMIT).default(1000).describe('Records per GetRecords call (1..10000): bounds what is held in memory between two checkpoints.'),
  pollIntervalMs: z.number().int().min(0).default(1000).describe('Wait after a round of GetRecords that brought nothing (every shard at its tip).'),
  minRoundIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(200)
    .describe('Least time between two rounds of GetRecords on the shards (Kinesis allows 5 GetRecords per second per shard).'),
  retryBackoffMs: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('First pause after a failed Kinesis call (throttling, network); doubled per failure up to 30 s. The reader then resumes from the checkpoints.'),
  shutdownGraceMs: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('On SIGTERM: time to publish the records in hand and write their checkpoints before exiting anyway (what is not checkpointed is read again).'),
});

export type KinesisFollowConfig = Readonly<z.output<typeof KinesisFollowConfigSchema>>;
export type KinesisFollowConfigInput = z.input<typeof KinesisFollowConfigSchema>;

/** The `kinesis` key of the aws_cloudtrail config: absent unless the collector follows a Kinesis stream. */
export function kinesisSection() {
  return KinesisFollowConfigSchema.optional().describe(
    'Follow mode on Kinesis (`sluice collector aws_cloudtrail --follow kinesis`): CloudTrail through a CloudWatch Logs subscription; ' +
      'per-shard checkpoints written only after Kafka acknowledged the events. See services/collectors/aws_cloudtrail/README.md.',
  );
}
