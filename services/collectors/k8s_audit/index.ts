/**
 * k8s_audit collector: Kubernetes audit events (audit.k8s.io/v1 Event and EventList, NDJSON file
 * replay, EKS via CloudWatch Logs subscriptions, GKE Cloud Audit Logs, AKS kube-audit diagnostics,
 * and a webhook backend for the API server) -> OCSF API Activity on the 'activity' stream, keyed by
 * principal. See README.md for the field mapping, the stage policy and bad-input handling.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import type { Clock } from '../../core/clock.ts';
import type { K8sAuditWebhook, K8sAuditWebhookOptions } from './webhook.ts';
import { createK8sAuditCollector, isCloudWatchLogsEnvelope } from './collector.ts';
import { K8sAuditConfigSchema, parseK8sAuditConfig, type K8sAuditConfigInput } from './config.ts';
import { isObj } from './fields.ts';
import { canonicalLogEntry } from '../gcp_audit/log-entry.ts';
import { k8sFormOf, SOURCE_TYPE } from './normalize.ts';

export { K8sAuditConfigSchema, K8sAuditWebhookConfigSchema, parseK8sAuditConfig, parseK8sAuditWebhookConfig } from './config.ts';
export type { K8sAuditConfig, K8sAuditConfigInput, K8sAuditWebhookConfig, K8sAuditWebhookConfigInput } from './config.ts';
export { createK8sAuditCollector, isCloudWatchLogsEnvelope, eksClusterOfLogGroup, K8S_AUDIT_ENVELOPE_KEYS } from './collector.ts';
export type { K8sAuditCollector, K8sAuditCollectorDeps } from './collector.ts';
export {
  normalizeK8sAudit,
  normalizeK8sAuditEvent,
  k8sFormOf,
  k8sServiceName,
  k8sResourceUid,
  parseGkeResourceName,
  subscriptionOf,
  SOURCE_TYPE,
  PRODUCT_NAME,
  VENDOR_NAME,
  UNKNOWN_PRINCIPAL,
  UNKNOWN_OPERATION,
  AUDIT_STAGES,
  DEFAULT_STAGES,
  K8S_PROVIDERS,
  VERB_ACTIVITY,
} from './normalize.ts';
export type { K8sContext, K8sNormalizeOptions, K8sForm, K8sProvider, AuditStage } from './normalize.ts';
export type { K8sAuditWebhookOptions, K8sAuditWebhook } from './webhook.ts';

/**
 * Starts the webhook backend (webhook.ts). The module is imported on first call, so that reading
 * this collector's spec does not load the HTTP server (fastify) a file replay never uses.
 */
export async function startK8sAuditWebhook(options: K8sAuditWebhookOptions): Promise<K8sAuditWebhook> {
  return (await import('./webhook.ts')).startK8sAuditWebhook(options);
}

/**
 * Validates the config (throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem) and
 * returns the collector. `clock` gives the ingest time of events without a time (tests pass a ManualClock).
 */
export function k8sAuditCollector(config: K8sAuditConfigInput = {}, deps: { clock?: Clock } = {}): Collector {
  return createK8sAuditCollector(parseK8sAuditConfig(config), deps);
}

/**
 * True for a Kubernetes audit record of any form this collector reads: a native audit.k8s.io Event
 * (or EventList), a GKE LogEntry with an io.k8s.* method, an AKS kube-audit diagnostics record, or a
 * CloudWatch Logs subscription payload from an EKS log group (/aws/eks/...).
 */
export function sniffK8sAudit(record: unknown): boolean {
  if (!isObj(record)) return false;
  if (isCloudWatchLogsEnvelope(record)) {
    const logGroup = record.logGroup;
    return typeof logGroup === 'string' && logGroup.startsWith('/aws/eks/');
  }
  if (record.kind === 'EventList') {
    return Array.isArray(record.items) && (record.apiVersion === undefined || (typeof record.apiVersion === 'string' && record.apiVersion.startsWith('audit.k8s.io/')));
  }
  if ('eventSource' in record || ('operationName' in record && !('category' in record))) return false;
  const form = k8sFormOf(record);
  if (form === 'gke') {
    const pp = (canonicalLogEntry(record) as Record<string, unknown>).protoPayload as Record<string, unknown>;
    return (typeof pp.methodName === 'string' && pp.methodName.startsWith('io.k8s.')) || pp.serviceName === 'k8s.io';
  }
  return form !== null;
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const k8sAuditSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description:
    'Kubernetes audit events (audit.k8s.io/v1 Event/EventList, NDJSON, EKS CloudWatch Logs, GKE Cloud Audit Logs, AKS kube-audit) to OCSF API Activity (6003).',
  streams: ['activity'],
  configSchema: K8sAuditConfigSchema,
  create: (config?: Record<string, unknown>) => k8sAuditCollector(config as K8sAuditConfigInput),
  sniff: sniffK8sAudit,
} as const);
