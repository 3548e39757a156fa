import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { splitInput } from '../input.ts';
import { rejected, rejectionOf } from '../fields.ts';
import type { OsvConfig } from './config.ts';
import { normalizeOsv, SOURCE_TYPE, type NormalizedAdvisory } from './normalize.ts';

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

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    for (const item of splitInput(input, splitOpts)) {
      if (item.kind === 'error') {
        yield rejected(SOURCE_TYPE, item.position, item.error.code, item.error.reason, item.raw);
        continue;
      }
      let advisories: NormalizedAdvisory[];
      try {
        advisories = normalizeOsv(item.value, opts);
      } catch (err) {
        const { code, reason } = rejectionOf(err);
        yield rejected(SOURCE_TYPE, item.position, code, `${item.line === undefined ? '' : `line ${item.line}: `}${reason}`, item.raw);
        continue;
      }
      for (const { key, event } of advisories) yield { kind: 'event', stream: 'advisory', key, event, position: item.position };
    }
  }

  return { type: SOURCE_TYPE, collect };
}
