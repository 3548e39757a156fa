import type { Collector, CollectorInput, CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { SluiceError, type ErrorCode } from '../../core/errors.ts';
import { collectReject, splitInputSafely } from '../input.ts';
import { normalizeK8sAudit } from '../k8s_audit/normalize.ts';
import type { AzureActivityConfig } from './config.ts';
import { isKubeAuditRecord, normalizeAzureActivity, SOURCE_TYPE } from './normalize.ts';

/**
 * Event Hubs messages and storage blobs written before Nov 2018 wrap records in `records`; the
 * REST API (`GET …/eventtypes/management/values`) returns them in `value`.
 */
export const AZURE_ENVELOPE_KEYS: readonly string[] = ['records', 'value'];

export interface AzureActivityCollectorDeps {
  /** Ingest time for kube-audit records without any time (see the k8s_audit collector). */
  clock?: Clock;
}

const reject = (position: string, reasonCode: ErrorCode, reason: string, raw: Buffer): RejectedRecord => collectReject(SOURCE_TYPE, position, reasonCode, reason, raw);

/**
 * Builds the collector from an already validated config (see parseAzureActivityConfig).
 * collect() is lazy and never throws on bad input: every record comes out either as an event on
 * the 'activity' stream keyed by principal (actor.user.uid) or as a RejectedRecord.
 */
export function createAzureActivityCollector(config: AzureActivityConfig, deps: AzureActivityCollectorDeps = {}): Collector {
  const clock = deps.clock ?? systemClock;
  const normalizeOpts = { rawCapBytes: config.rawCapBytes, unmappedCapBytes: config.unmappedCapBytes };
  const splitOpts = { envelopeKeys: AZURE_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes };

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const ingestTime = clock.now();
    for (const item of splitInputSafely(input, splitOpts)) {
      if (item.kind === 'error') {
        yield reject(item.position, item.error.code, item.error.reason, item.raw);
        continue;
      }
      const where = item.line === undefined ? '' : `line ${item.line}: `;
      try {
        if (isKubeAuditRecord(item.value)) {
          if (config.kubeAudit === 'reject') {
            yield reject(item.position, 'SLUICE_ERR_INPUT_FILTERED', `${where}kube-audit record: collected by k8s_audit (config kubeAudit: reject)`, item.raw);
            continue;
          }
          const event = normalizeK8sAudit(item.value, { ...normalizeOpts, ingestTime });
          yield { kind: 'event', stream: 'activity', key: event.actor.user.uid, event, position: item.position };
          continue;
        }
        const event = normalizeAzureActivity(item.value, normalizeOpts);
        yield { kind: 'event', stream: 'activity', key: event.actor.user.uid, event, position: item.position };
      } catch (err) {
        // A SluiceError is a verdict on the record. Anything else is a normalizer bug: the record
        // still goes to the dead-letter stream (with the bug's message) rather than stopping the feed.
        const [code, reason]: [ErrorCode, string] =
          err instanceof SluiceError
            ? [err.code, err.message]
            : ['SLUICE_ERR_INPUT_MALFORMED', `normalizer failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`];
        yield reject(item.position, code, `${where}${reason}`, item.raw);
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
