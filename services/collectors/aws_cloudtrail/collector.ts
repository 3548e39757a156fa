import type { Collector, CollectorInput, CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { SluiceError, type ErrorCode } from '../../core/errors.ts';
import { collectReject, splitInput } from '../input.ts';
import type { AwsCloudTrailConfig } from './config.ts';
import { normalizeCloudTrail, SOURCE_TYPE, type NormalizeOptions } from './normalize.ts';

/** CloudTrail S3 objects wrap events in `Records`. */
export const CLOUDTRAIL_ENVELOPE_KEYS: readonly string[] = ['Records'];

export interface AwsCloudTrailCollectorDeps {
  /** Source of the ingest time used for records without a time (config missingTime: ingest_time). Default systemClock. */
  clock?: Clock;
}

const reject = (position: string, reasonCode: ErrorCode, reason: string, raw: Buffer): RejectedRecord => collectReject(SOURCE_TYPE, position, reasonCode, reason, raw);

/**
 * Builds the collector from an already validated config (see parseAwsCloudTrailConfig).
 * collect() is lazy and never throws on bad input: every record comes out either as an event on
 * the 'activity' stream keyed by principal (actor.user.uid) or as a RejectedRecord. `deps.clock`
 * gives the ingest time of records without a time (tests pass a ManualClock).
 */
export function createAwsCloudTrailCollector(config: AwsCloudTrailConfig, deps: AwsCloudTrailCollectorDeps = {}): Collector {
  const clock = deps.clock ?? systemClock;
  const splitOpts = { envelopeKeys: CLOUDTRAIL_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes };

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    // One ingest time per input: the records of one file that lack a time all get the same one.
    const normalizeOpts: NormalizeOptions = {
      rawCapBytes: config.rawCapBytes,
      unmappedCapBytes: config.unmappedCapBytes,
      ingestTime: config.missingTime === 'ingest_time' ? clock.now() : null,
    };
    for (const item of splitInput(input, splitOpts)) {
      if (item.kind === 'error') {
        yield reject(item.position, item.error.code, item.error.reason, item.raw);
        continue;
      }
      try {
        const event = normalizeCloudTrail(item.value, normalizeOpts);
        yield { kind: 'event', stream: 'activity', key: event.actor.user.uid, event, position: item.position };
      } catch (err) {
        // A SluiceError is a verdict on the record. Anything else is a normalizer bug: the record
        // still goes to the dead-letter stream (with the bug's message) rather than stopping the feed.
        const [code, reason]: [ErrorCode, string] =
          err instanceof SluiceError
            ? [err.code, err.message]
            : ['SLUICE_ERR_INPUT_MALFORMED', `normalizer failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`];
        const where = item.line === undefined ? '' : `line ${item.line}: `;
        yield reject(item.position, code, `${where}${reason}`, item.raw);
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
