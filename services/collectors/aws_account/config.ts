import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig } from '../config-common.ts';

/** Configuration of the aws_account collector (`collectors.aws_account`). Unknown keys are rejected. */
export const AwsAccountConfigSchema = z.strictObject({
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'a 12-digit AWS account id')
    .optional()
    .describe('The account: of the `aws iam get-account-password-policy` / `get-account-summary` responses read from files, which name none, and the one the live reader\'s credentials read (required there). Example: 111122223333.'),
  endpoint: z.url({ protocol: /^https?$/ }).optional().describe('Live reader: another IAM endpoint (a VPC endpoint, or moto in tests). Example: http://127.0.0.1:5000.'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region, e.g. us-east-1')
    .default('us-east-1')
    .describe('Live reader: region of the IAM client (IAM is global; us-east-1 signs for the aws partition).'),
  reportWaitMs: z
    .number()
    .int()
    .min(0)
    .max(300_000)
    .default(60_000)
    .describe('Live reader: how long to wait for GenerateCredentialReport to complete (IAM builds the report asynchronously; at most one every 4 hours is new).'),
  intervalMs: z
    .number()
    .int()
    .min(60_000)
    .max(86_400_000)
    .default(14_400_000)
    .describe('Live reader: time between two reads of the account (IAM regenerates the credential report at most every 4 hours).'),
  maxConfigurationBytes: z.number().int().min(2).default(512 * 1024).describe('Largest canonical configuration text kept (as aws_config\'s).'),
  maxDecompressedBytes: maxDecompressedBytes(),
});

export type AwsAccountConfig = Readonly<z.output<typeof AwsAccountConfigSchema>>;
export type AwsAccountConfigInput = z.input<typeof AwsAccountConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseAwsAccountConfig(input: unknown = {}): AwsAccountConfig {
  return parseCollectorConfig(AwsAccountConfigSchema, input, 'aws_account');
}
