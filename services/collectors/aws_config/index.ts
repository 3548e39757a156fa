/**
 * aws_config collector: AWS Config configuration items in every form they are delivered or
 * recorded in (single items, change notifications via SNS/EventBridge/Config rule events, oversized
 * notifications, snapshot and history files, API responses incl. cloud-custodian placebo
 * recordings) -> ConfigState (OCSF 5023) on the 'config' stream, keyed by resource uid.
 * See README.md for the forms, the field mapping and bad-input handling.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { createAwsConfigCollector } from './collector.ts';
import { AwsConfigConfigSchema, parseAwsConfigConfig, type AwsConfigConfigInput } from './config.ts';
import { isObj } from './config-state.ts';
import { looksLikeItem, MESSAGE_TYPES_WITHOUT_ITEMS } from './forms.ts';
import { isResourceSnapshot } from './snapshot.ts';
import { SOURCE_TYPE } from './normalize.ts';

export { AwsConfigConfigSchema, parseAwsConfigConfig } from './config.ts';
export type { AwsConfigConfig, AwsConfigConfigInput } from './config.ts';
export { createAwsConfigCollector } from './collector.ts';
export { normalizeConfigItem, changeTypeFor, SOURCE_TYPE, DELETED_STATUSES, OVERSIZED_STATUS } from './normalize.ts';
export type { NormalizeOptions } from './normalize.ts';
export { expandRecord, rootContext, looksLikeItem, MESSAGE_TYPES_WITHOUT_ITEMS, MAX_WRAPPER_DEPTH } from './forms.ts';
export type { ItemContext, Unit } from './forms.ts';
export { readRecords, escapeControlCharsInStrings, jsonErrorLocation } from './read.ts';
export type { ReadItem, ReadOptions } from './read.ts';
export { parseConfigTime, parsePythonDatetimeRepr, parsePlaceboDatetime, reviveDatetimes } from './time.ts';
export type { ParsedTime } from './time.ts';
export {
  canonicalConfiguration,
  canonicalJson,
  sha256Hex,
  tagsFrom,
  tagValue,
  cappedRaw,
  cappedUnmapped,
  CONFIG_STATE_CLASS_UID,
  DISCOVERY_CATEGORY_UID,
  ACTIVITY_LOG,
  ACTIVITY_COLLECT,
  DEFAULT_MAX_CONFIGURATION_BYTES,
  TRUNCATED_UNMAPPED,
} from './config-state.ts';
export type { CanonicalConfiguration } from './config-state.ts';

/**
 * Validates the config (throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem) and
 * returns the collector.
 */
export function awsConfigCollector(config: AwsConfigConfigInput = {}): Collector {
  return createAwsConfigCollector(parseAwsConfigConfig(config));
}

const CONFIG_MESSAGE_TYPES = new Set([
  'ConfigurationItemChangeNotification',
  'OversizedConfigurationItemChangeNotification',
  ...Object.keys(MESSAGE_TYPES_WITHOUT_ITEMS),
]);

const API_RESPONSE_KEYS = ['configurationItems', 'baseConfigurationItems', 'BaseConfigurationItems', 'resourceIdentifiers', 'EvaluationResults', 'FailedEvaluations'];

function sniffAt(record: unknown, depth: number): boolean {
  if (depth > 3 || !isObj(record)) return false;
  const r = record;
  if (looksLikeItem(r) && typeof r.resourceType === 'string') return true;
  if (isResourceSnapshot(r)) return true;
  if (typeof r.messageType === 'string' && CONFIG_MESSAGE_TYPES.has(r.messageType)) return true;
  if (isObj(r.configurationItem) && typeof r.configurationItem.resourceType === 'string') return true;
  if (Array.isArray(r.configurationItems)) return true;
  if (typeof r.invokingEvent === 'string' && (typeof r.configRuleName === 'string' || typeof r.configRuleArn === 'string')) return true;
  if (r.source === 'aws.config' && typeof r['detail-type'] === 'string') return true;
  if (typeof r.status_code === 'number' && isObj(r.data)) {
    const data = r.data;
    return API_RESPONSE_KEYS.some((k) => Object.hasOwn(data, k)) || (Object.hasOwn(data, 'Results') && Object.hasOwn(data, 'QueryInfo'));
  }
  if (r.Type === 'Notification' && typeof r.Message === 'string' && r.Message.length < 16 * 1024 * 1024 && /"(messageType|configurationItem)"/.test(r.Message)) {
    try {
      return sniffAt(JSON.parse(r.Message) as unknown, depth + 1);
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * True for AWS Config data: a configuration item (resourceType with a capture time, status, state id
 * or configuration), a Config notification (messageType), a list of items, a Config rule event,
 * an EventBridge event from aws.config, a placebo-recorded Config API response, or an SNS
 * notification carrying one of these.
 */
export function sniffAwsConfig(record: unknown): boolean {
  return sniffAt(record, 0);
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const awsConfigSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description:
    'AWS Config configuration items (single items, change notifications via SNS/EventBridge/rule events, snapshots, history, API responses) to ConfigState (OCSF 5023).',
  streams: ['config'],
  configSchema: AwsConfigConfigSchema,
  create: (config?: Record<string, unknown>) => awsConfigCollector(config as AwsConfigConfigInput),
  sniff: sniffAwsConfig,
} as const);
