import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { splitInput } from '../input.ts';
import { collectItems } from '../records.ts';
import type { AwsCloudTrailConfig } from './config.ts';
import { recordsOf } from './forms.ts';
import { normalizeCloudTrail, SOURCE_TYPE, type NormalizeOptions } from './normalize.ts';

/** CloudTrail S3 objects wrap events in `Records`; a CloudTrail Lake GetQueryResults response its rows in `QueryResultRows`. */
export const CLOUDTRAIL_ENVELOPE_KEYS: readonly string[] = ['Records', 'QueryResultRows'];

export interface AwsCloudTrailCollectorDeps {
  /** Source of the ingest time used for records without a time (config missingTime: ingest_time). Default systemClock. */
  clock?: Clock;
}

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
    yield* collectItems(SOURCE_TYPE, splitInput(input, splitOpts), (item) => {
      // A CloudWatch Logs subscription message holds several records, a Lake row one (forms.ts).
      const records = recordsOf(item.value);
      return records.map((record, i) => {
        const event = normalizeCloudTrail(record, normalizeOpts);
        const position = records.length === 1 ? item.position : `${item.position}#${i}`;
        return { kind: 'event', stream: 'activity', key: event.actor.user.uid, event, position } as const;
      });
    });
  }

  return { type: SOURCE_TYPE, collect };
}
