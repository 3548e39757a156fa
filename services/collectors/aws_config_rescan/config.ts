import { z } from 'zod';
import { parseCollectorConfig } from '../config-common.ts';

/** Configuration of the aws_config_rescan collector (`collectors.aws_config_rescan`). Unknown keys are rejected. */
export const AwsConfigRescanConfigSchema = z.strictObject({
  groupId: z.string().min(1).default('sluice-config-rescan').describe('Consumer group of the re-scan reader role over topics.rescan.'),
  endpoint: z.url({ protocol: /^https?$/ }).optional().describe('Another AWS Config endpoint (a VPC endpoint, or moto in tests). Example: http://127.0.0.1:5000.'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region, e.g. eu-west-1')
    .optional()
    .describe('Region of requests that name none, and of IAM (global) resources: the region whose configuration recorder records global types. Default: AWS_REGION, else us-east-1.'),
  account: z
    .string()
    .regex(/^\d{12}$/, 'a 12-digit AWS account id')
    .optional()
    .describe('The account the reader\'s credentials read; requests about other accounts are counted (other_account) and left to their own reader. Absent: every request is read with these credentials.'),
  dedupWindowMs: z
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(10_000)
    .describe('A request for a resource published less than this long ago, whose item already covers the request\'s event time, is dropped as a duplicate (a burst of changes to one resource costs one read).'),
  staleRetryMs: z.number().int().min(100).max(600_000).default(30_000).describe('When AWS Config has not recorded the change yet (its item predates the event) and the event does not state the new state, read again after this long.'),
  maxWaitMs: z
    .number()
    .int()
    .min(0)
    .max(86_400_000)
    .default(900_000)
    .describe('Give up re-reading a resource whose item still predates the event after this long (counted as stale); AWS Config\'s own change notifications (the aws_config collector) deliver it later.'),
  maxConfigurationBytes: z.number().int().min(2).default(512 * 1024).describe('Largest canonical configuration text kept (as aws_config\'s maxConfigurationBytes).'),
});

export type AwsConfigRescanConfig = Readonly<z.output<typeof AwsConfigRescanConfigSchema>>;
export type AwsConfigRescanConfigInput = z.input<typeof AwsConfigRescanConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseAwsConfigRescanConfig(input: unknown = {}): AwsConfigRescanConfig {
  return parseCollectorConfig(AwsConfigRescanConfigSchema, input, 'aws_config_rescan');
}
