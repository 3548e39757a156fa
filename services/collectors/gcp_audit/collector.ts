import type { Collector, CollectorInput, CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { rejectionOf } from '../fields.ts';
import { collectReject, splitInputSafely } from '../input.ts';
import { clip, isObj, malformed, typeName, type Obj } from '../k8s_audit/fields.ts';
import { normalizeK8sAudit } from '../k8s_audit/normalize.ts';
import type { GcpAuditConfig } from './config.ts';
import { canonicalLogEntry, isKubernetesEntry, normalizeGcpAudit, SOURCE_TYPE } from './normalize.ts';

/**
 * The Logging API (`entries.list`) returns LogEntries in `entries`; a Pub/Sub pull response holds
 * messages in `receivedMessages`. Cloud Storage exports are JSON lines; `gcloud logging read
 * --format=json` writes a JSON array. All are split by ../input.ts.
 */
export const GCP_ENVELOPE_KEYS: readonly string[] = ['entries', 'receivedMessages'];

export interface GcpAuditCollectorDeps {
  /** Ingest time for entries without any time (config missingTime: ingest_time). */
  clock?: Clock;
}

/**
 * The Pub/Sub message of a record, if it is one: a push request `{"message":{…},"subscription":…}`,
 * a pull `receivedMessages[]` element `{"ackId":…,"message":{…}}`, or a bare PubsubMessage
 * `{"data":…,"messageId":…}`. null when the record is not a Pub/Sub wrapper.
 */
export function pubsubMessageOf(record: unknown): Obj | null {
  if (!isObj(record) || 'protoPayload' in record) return null;
  if (isObj(record.message) && ('data' in record.message || 'messageId' in record.message || 'message_id' in record.message)) return record.message;
  if (typeof record.data === 'string' && ('messageId' in record || 'message_id' in record || 'publishTime' in record || 'publish_time' in record)) return record;
  return null;
}

/** The LogEntry carried by a Pub/Sub message: `data` is the base64 of the entry's JSON. */
export function decodePubsubEntry(message: Obj): unknown {
  const data = message.data;
  if (data === undefined || data === null || data === '') malformed('Pub/Sub message has no data');
  if (typeof data !== 'string') malformed(`Pub/Sub message.data must be a base64 string, got ${typeName(data)}`);
  if (!/^[A-Za-z0-9+/_-]*={0,2}\s*$/.test(data)) malformed('Pub/Sub message.data is not base64');
  const text = Buffer.from(data, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return malformed(`Pub/Sub message.data is not a JSON LogEntry: ${err instanceof Error ? err.message : String(err)} (${clip(text)})`);
  }
}

const reject = (position: string, reasonCode: ErrorCode, reason: string, raw: Buffer): RejectedRecord => collectReject(SOURCE_TYPE, position, reasonCode, reason, raw);

/**
 * Builds the collector from an already validated config (see parseGcpAuditConfig).
 * collect() is lazy and never throws on bad input: every record comes out either as an event on
 * the 'activity' stream keyed by principal (actor.user.uid) or as a RejectedRecord.
 */
export function createGcpAuditCollector(config: GcpAuditConfig, deps: GcpAuditCollectorDeps = {}): Collector {
  const clock = deps.clock ?? systemClock;
  const splitOpts = { envelopeKeys: GCP_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes };

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const ingestTime = clock.now();
    const opts = {
      rawCapBytes: config.rawCapBytes,
      unmappedCapBytes: config.unmappedCapBytes,
      objectCapBytes: config.objectCapBytes,
      ingestTime: config.missingTime === 'ingest_time' ? ingestTime : null,
    };
    for (const item of splitInputSafely(input, splitOpts)) {
      if (item.kind === 'error') {
        yield reject(item.position, item.error.code, item.error.reason, item.raw);
        continue;
      }
      const where = item.line === undefined ? '' : `line ${item.line}: `;
      try {
        const message = pubsubMessageOf(item.value);
        const entry = canonicalLogEntry(message === null ? item.value : decodePubsubEntry(message));
        if (isKubernetesEntry(entry)) {
          if (config.kubernetes === 'reject') {
            yield reject(item.position, 'SLUICE_ERR_INPUT_FILTERED', `${where}GKE Kubernetes audit entry: collected by k8s_audit (config kubernetes: reject)`, item.raw);
            continue;
          }
          const event = normalizeK8sAudit(entry, opts);
          yield { kind: 'event', stream: 'activity', key: event.actor.user.uid, event, position: item.position };
          continue;
        }
        const event = normalizeGcpAudit(entry, opts);
        yield { kind: 'event', stream: 'activity', key: event.actor.user.uid, event, position: item.position };
      } catch (err) {
        // A SluiceError is a verdict on the record; anything else is a normalizer bug, still a dead letter.
        const { code, reason } = rejectionOf(err);
        yield reject(item.position, code, `${where}${reason}`, item.raw);
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
