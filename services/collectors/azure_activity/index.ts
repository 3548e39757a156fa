/**
 * azure_activity collector: Azure Monitor activity log records (Event Hubs messages and storage
 * blobs `{"records":[...]}`, JSON lines, REST API `{"value":[...]}`, gzip or not) -> OCSF API
 * Activity on the 'activity' stream, keyed by principal. See README.md for the field mapping,
 * the principal choice, Event Hubs' Kafka endpoint and bad-input handling.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import type { Clock } from '../../core/clock.ts';
import { isObj } from '../k8s_audit/fields.ts';
import { createAzureActivityCollector } from './collector.ts';
import { AzureActivityConfigSchema, parseAzureActivityConfig, type AzureActivityConfigInput } from './config.ts';
import { activityLogAlertEvent } from './alert-payload.ts';
import { isLogAnalyticsActivity, SOURCE_TYPE } from './normalize.ts';

export { AzureActivityConfigSchema, parseAzureActivityConfig } from './config.ts';
export type { AzureActivityConfig, AzureActivityConfigInput } from './config.ts';
export { createAzureActivityCollector, AZURE_ENVELOPE_KEYS } from './collector.ts';
export type { AzureActivityCollectorDeps } from './collector.ts';
export { activityLogAlertEvent } from './alert-payload.ts';
export { normalizeAzureActivity, azureActivityId, parseResourceId, isKubeAuditRecord, isLogAnalyticsActivity, CLAIMS, SOURCE_TYPE, PRODUCT_NAME, VENDOR_NAME, CLOUD_PROVIDER } from './normalize.ts';
export type { NormalizeOptions } from './normalize.ts';

/**
 * Validates the config (throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem) and
 * returns the collector.
 */
export function azureActivityCollector(config: AzureActivityConfigInput = {}, deps: { clock?: Clock } = {}): Collector {
  return createAzureActivityCollector(parseAzureActivityConfig(config), deps);
}

function localized(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v.value === 'string') return v.value;
  return null;
}

/**
 * An Azure activity record has an operationName (text or {value}), a time (`time`, or REST
 * `eventTimestamp`) and at least one Azure Monitor field; or it is a Log Analytics AzureActivity
 * row (OperationNameValue, TimeGenerated and an activity column), or an activity-log alert
 * notification (legacy or common alert schema) carrying one. AKS kube-audit records are left
 * to k8s_audit's sniffer, CloudTrail (eventSource) and GCP (protoPayload) records are not Azure's.
 */
export function sniffAzureActivity(record: unknown): boolean {
  if (activityLogAlertEvent(record) !== null) return true;
  if (!isObj(record) || 'eventSource' in record || 'protoPayload' in record) return false;
  if (isLogAnalyticsActivity(record)) {
    return record.Type === 'AzureActivity' || ['ActivityStatusValue', 'CategoryValue', 'ResourceProviderValue', 'CallerIpAddress'].some((k) => k in record);
  }
  const category = localized(record.category);
  if (category !== null && /^kube-audit/i.test(category)) return false;
  if (localized(record.operationName) === null) return false;
  if (typeof record.time !== 'string' && typeof record.eventTimestamp !== 'string') return false;
  return ['resourceId', 'callerIpAddress', 'correlationId', 'tenantId', 'subscriptionId', 'resultType', 'category', 'identity'].some(
    (k) => k in record,
  );
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const azureActivitySpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description: 'Azure Monitor activity log records (Event Hubs, storage JSON lines, REST API) to OCSF API Activity (6003).',
  streams: ['activity'],
  configSchema: AzureActivityConfigSchema,
  create: (config?: Record<string, unknown>) => azureActivityCollector(config as AzureActivityConfigInput),
  sniff: sniffAzureActivity,
} as const);
