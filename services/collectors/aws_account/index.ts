/**
 * aws_account collector: the account-level IAM facts the CIS AWS Foundations 1.x checks need and
 * AWS Config does not record: the credential report (every user's password, MFA and access keys
 * with their ages and last use, the root user's row), the account password policy (none at all is
 * itself a violation) and the account summary (root MFA, root access keys). Each becomes a config
 * item (ConfigState, source aws_config shape) on the config stream, judged by the posture rules.
 * Files: the live reader's AwsAccountSnapshot records, or the AWS CLI's JSON responses. Live:
 * readAccountSnapshot (reader.ts, @aws-sdk/client-iam). See README.md.
 */
import type { Collector, CollectorInput, CollectorOutput, CollectorSpec } from '../../core/components.ts';
import { splitInput } from '../input.ts';
import { collectItems } from '../records.ts';
import { AwsAccountConfigSchema, parseAwsAccountConfig, type AwsAccountConfigInput } from './config.ts';
import { normalizeAccountRecord, sniffAwsAccount, SOURCE_TYPE } from './normalize.ts';

export { AwsAccountConfigSchema, parseAwsAccountConfig } from './config.ts';
export type { AwsAccountConfig, AwsAccountConfigInput } from './config.ts';
export { normalizeAccountRecord, sniffAwsAccount, credentialRows, ACCOUNT_TYPES, SOURCE_TYPE } from './normalize.ts';
export type { AccountSnapshot } from './normalize.ts';
export { parseCsv, csvRecords } from './csv.ts';

/** Validates the config and returns the collector. `now` dates the CLI responses that carry no time. */
export function awsAccountCollector(config: AwsAccountConfigInput = {}, deps: { now?: () => number } = {}): Collector {
  const c = parseAwsAccountConfig(config);
  const opts = { accountId: c.accountId, maxConfigurationBytes: c.maxConfigurationBytes, ...(deps.now ? { now: deps.now } : {}) };
  return {
    type: SOURCE_TYPE,
    collect(input: CollectorInput): Iterable<CollectorOutput> {
      return collectItems(SOURCE_TYPE, splitInput(input, { envelopeKeys: [], maxDecompressedBytes: c.maxDecompressedBytes }), (rec) =>
        normalizeAccountRecord(rec.value, opts).map((event) => ({ kind: 'event' as const, stream: 'config' as const, key: event.resource.uid, event, position: rec.position })),
      );
    },
  };
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const awsAccountSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description:
    'IAM account facts AWS Config does not record (credential report, account password policy, account summary) to config items on the config stream, for the CIS AWS 1.x account checks (root MFA and keys, password policy, key age, unused credentials, console users without MFA).',
  streams: ['config'],
  configSchema: AwsAccountConfigSchema,
  create: (config?: Record<string, unknown>) => awsAccountCollector(config as AwsAccountConfigInput),
  sniff: sniffAwsAccount,
} as const);
