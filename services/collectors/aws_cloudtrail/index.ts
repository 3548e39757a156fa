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
export {
  normalizeCloudTrail,
  activityIdFor,
  parseTimestamp,
  canonicalJson,
  stableRecordUid,
  ACTIVITY_VERBS,
  SOURCE_TYPE,
  TRUNCATED_UNMAPPED,
} from './normalize.ts';
export type { NormalizeOptions, ActivityId } from './normalize.ts';
export * from './kinesis.ts';
export * from './eventbridge.ts';
import { sniffEventBridgeCloudTrail } from './eventbridge.ts';

/**
 * Validates the config (throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem) and
 * returns the collector.
 */
export function awsCloudTrailCollector(config: AwsCloudTrailConfigInput = {}, deps: AwsCloudTrailCollectorDeps = {}): Collector {
  return createAwsCloudTrailCollector(parseAwsCloudTrailConfig(config), deps);
}

/** A CloudTrail event has eventSource/eventName/eventVersion at its top level. */
export function sniffCloudTrail(record: unknown): boolean {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
  const r = record as Record<string, unknown>;
  return (
    (typeof r.eventSource === 'string' && typeof r.eventName === 'string' && ('eventVersion' in r || 'userIdentity' in r)) ||
    sniffEventBridgeCloudTrail(record)
  );
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
