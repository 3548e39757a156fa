/**
 * gcp_audit collector: Google Cloud Audit Logs (Admin Activity, Data Access, System Event, Policy
 * Denied) LogEntries as exported by Cloud Logging sinks (Pub/Sub messages, push or pull; Cloud
 * Storage JSON lines; `gcloud logging read` JSON arrays; the entries.list API) -> OCSF API Activity
 * on the 'activity' stream, keyed by principal. GKE Kubernetes entries in the same export go to the
 * k8s_audit normalizer. See README.md for the field mapping and bad-input handling.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import type { Clock } from '../../core/clock.ts';
import { isObj } from '../k8s_audit/fields.ts';
import { createGcpAuditCollector, decodePubsubEntry, pubsubMessageOf } from './collector.ts';
import { GcpAuditConfigSchema, parseGcpAuditConfig, type GcpAuditConfigInput } from './config.ts';
import { canonicalLogEntry, isAuditLogEntry, isKubernetesEntry, SOURCE_TYPE } from './normalize.ts';

export { GcpAuditConfigSchema, parseGcpAuditConfig } from './config.ts';
export type { GcpAuditConfig, GcpAuditConfigInput } from './config.ts';
export { createGcpAuditCollector, decodePubsubEntry, pubsubMessageOf, GCP_ENVELOPE_KEYS } from './collector.ts';
export type { GcpAuditCollectorDeps } from './collector.ts';
export {
  normalizeGcpAudit,
  canonicalLogEntry,
  gcpActivityId,
  isAuditLogEntry,
  isKubernetesEntry,
  parseLogName,
  parseResourceName,
  payloadType,
  principalAccount,
  principalType,
  serviceOfMethod,
  AUDIT_LOG_KINDS,
  AUDIT_LOG_TYPE,
  CLOUD_PROVIDER,
  DEFAULT_OBJECT_CAP_BYTES,
  PRODUCT_NAME,
  SOURCE_TYPE,
  VENDOR_NAME,
} from './normalize.ts';
export type { AuditLogKind, NormalizeOptions } from './normalize.ts';

/**
 * Validates the config (throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem) and
 * returns the collector. `clock` gives the ingest time of entries without a time (tests pass a ManualClock).
 */
export function gcpAuditCollector(config: GcpAuditConfigInput = {}, deps: { clock?: Clock } = {}): Collector {
  return createGcpAuditCollector(parseGcpAuditConfig(config), deps);
}

/** A LogEntry carried by a Pub/Sub message (push or pull) that this collector can read, or null. */
function pubsubEntry(record: unknown): unknown {
  const message = pubsubMessageOf(record);
  if (message === null) return null;
  try {
    return decodePubsubEntry(message);
  } catch {
    return null;
  }
}

/**
 * True for a Cloud Audit Logs LogEntry (protoPayload AuditLog) that is not a GKE Kubernetes entry
 * (those are k8s_audit's: `serviceName: k8s.io` or an `io.k8s.*` method); for a Pub/Sub message
 * carrying any audit LogEntry (k8s_audit does not read Pub/Sub; this collector hands GKE entries to
 * the Kubernetes normalizer); and for an entries.list / Pub/Sub pull response whose first element is one of these.
 */
export function sniffGcpAudit(record: unknown): boolean {
  if (!isObj(record)) return false;
  if ('protoPayload' in record || 'protopayload' in record) return isAuditLogEntry(record) && !isKubernetesEntry(canonicalLogEntry(record));
  for (const key of ['entries', 'receivedMessages']) {
    const list = record[key];
    if (Array.isArray(list)) return list.length > 0 && (isAuditLogEntry(list[0]) || isAuditLogEntry(pubsubEntry(list[0])));
  }
  return isAuditLogEntry(pubsubEntry(record));
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const gcpAuditSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description:
    'Google Cloud Audit Logs LogEntries (Admin Activity, Data Access, System Event, Policy Denied; Pub/Sub, Cloud Storage JSON lines, JSON arrays) to OCSF API Activity (6003).',
  streams: ['activity'],
  configSchema: GcpAuditConfigSchema,
  create: (config?: Record<string, unknown>) => gcpAuditCollector(config as GcpAuditConfigInput),
  sniff: sniffGcpAudit,
} as const);
