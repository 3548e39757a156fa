import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { splitInput } from '../input.ts';
import { collectItems } from '../records.ts';
import type { OsvConfig } from './config.ts';
import { normalizeOsv, SOURCE_TYPE } from './normalize.ts';

/** The osv.dev API (`/v1/query`, `/v1/querybatch` results) wraps records in `vulns`. */
export const OSV_ENVELOPE_KEYS: readonly string[] = ['vulns'];

/**
 * Builds the collector from an already validated config (see parseOsvConfig). Inputs: one OSV JSON
 * file, JSONL of OSV records, a JSON array, or `{"vulns":[…]}`. Each record becomes one event per
 * affected package on the 'advisory' stream (all with the record's position), or one RejectedRecord.
 */
export function createOsvCollector(config: OsvConfig): Collector {
  const opts = {
    detailsMaxChars: config.detailsMaxChars,
    maxVersions: config.maxVersions,
    maxReferences: config.maxReferences,
    jsonCapBytes: config.jsonCapBytes,
    rawCapBytes: config.rawCapBytes,
  };
  const splitOpts = { envelopeKeys: OSV_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes };

  function collect(input: CollectorInput): Iterable<CollectorOutput> {
    return collectItems(SOURCE_TYPE, splitInput(input, splitOpts), (item) =>
      normalizeOsv(item.value, opts).map(({ key, event }) => ({ kind: 'event', stream: 'advisory', key, event, position: item.position })),
    );
  }

  return { type: SOURCE_TYPE, collect };
}
