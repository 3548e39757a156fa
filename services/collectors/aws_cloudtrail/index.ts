/**
 * aws_cloudtrail collector: CloudTrail files or messages (S3 `{"Records":[...]}`, gzip or not,
 * JSON arrays, NDJSON/JSONL incl. Logstash-shipped lines) -> OCSF API Activity on the 'activity'
 * stream, keyed by principal. See README.md for the field mapping and bad-input handling.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { createAwsCloudTrailCollector, type AwsCloudTrailCollectorDeps } from './collector.ts';
import { AwsCloudTrailConfigSchema, parseAwsCloudTrailConfig, type AwsCloudTrailConfigInput } from './config.ts';
import { SOURCE_TYPE } from './normalize.ts';

export { AwsCloudTrailConfigSchema, parseAwsCloudTrailConfig } from './config.ts';
export type { AwsCloudTrailConfig, AwsCloudTrailConfigInput } from './config.ts';
export { createAwsCloudTrailCollector, CLOUDTRAIL_ENVELOPE_KEYS } from './collector.ts';
export { normalizeCloudTrail, activityIdFor, parseTimestamp, canonicalJson, stableRecordUid, ACTIVITY_VERBS, SOURCE_TYPE, TRUNCATED_UNMAPPED } from './normalize.ts';
export type { NormalizeOptions, ActivityId } from './normalize.ts';
export * from './kinesis.ts';
export * from './eventbridge.ts';
import { sniffEventBridgeCloudTrail } from './eventbridge.ts';
import { isLakeResult, isLakeRow, isSubscriptionMessage, mergeLakeRow } from './forms.ts';

/**
 * Validates the config (throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem) and
 * returns the collector.
 */
export function awsCloudTrailCollector(config: AwsCloudTrailConfigInput = {}, deps: AwsCloudTrailCollectorDeps = {}): Collector {
  return createAwsCloudTrailCollector(parseAwsCloudTrailConfig(config), deps);
}

/**
 * A CloudTrail event has eventSource/eventName at its top level, and eventVersion or userIdentity.
 * Cut-down records (rule-test stubs, some exporters) may carry neither: a record is also taken when
 * its eventSource is an AWS service endpoint (`<service>.amazonaws.com`) and eventName is a string,
 * in CloudTrail's spelling or fully lower-cased (`eventsource`/`eventname`, a data-lake export; the
 * normalizer maps those back, see README "Fallbacks").
 */
export function sniffCloudTrail(record: unknown): boolean {
  if (Array.isArray(record)) return sniffCloudTrailForm(record);
  if (typeof record !== 'object' || record === null) return false;
  const r = record as Record<string, unknown>;
  if (typeof r.eventSource === 'string' && typeof r.eventName === 'string') {
    if ('eventVersion' in r || 'userIdentity' in r || isAwsServiceEndpoint(r.eventSource)) return true;
  } else if (r.eventName === undefined && typeof r.eventname === 'string' && typeof r.eventsource === 'string') {
    if (isAwsServiceEndpoint(r.eventsource)) return true;
  }
  return sniffEventBridgeCloudTrail(record) || sniffCloudTrailForm(record);
}

/**
 * The other delivery forms (forms.ts): a CloudWatch Logs subscription message from a log group that
 * is not an EKS one whose first log event is a CloudTrail record, a CloudTrail Lake result row or
 * GetQueryResults response whose first row is one.
 */
function sniffCloudTrailForm(record: unknown): boolean {
  if (isSubscriptionMessage(record)) {
    if (typeof record.logGroup === 'string' && record.logGroup.startsWith('/aws/eks/')) return false;
    const first = (record.logEvents as unknown[])[0];
    const message = typeof first === 'object' && first !== null ? (first as Record<string, unknown>).message : undefined;
    if (typeof message !== 'string') return false;
    try {
      return sniffCloudTrail(JSON.parse(message));
    } catch {
      return false;
    }
  }
  if (isLakeRow(record)) return sniffCloudTrail(mergeLakeRow(record));
  if (isLakeResult(record)) {
    const rows = record.QueryResultRows as Array<Array<Record<string, unknown>>>;
    return rows.length > 0 && sniffCloudTrail(mergeLakeRow(rows[0]!));
  }
  return false;
}

/** `ec2.amazonaws.com`, `s3-control.amazonaws.com`: a non-empty host name ending in `.amazonaws.com`. */
function isAwsServiceEndpoint(source: string): boolean {
  return /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/i.test(source);
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const awsCloudTrailSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description: 'AWS CloudTrail records (S3 objects, gzip, JSON arrays, NDJSON) to OCSF API Activity (6003).',
  streams: ['activity'],
  configSchema: AwsCloudTrailConfigSchema,
  create: (config?: Record<string, unknown>) => awsCloudTrailCollector(config as AwsCloudTrailConfigInput),
  sniff: sniffCloudTrail,
} as const);
