import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { decodeInput, splitInput } from '../input.ts';
import { rejected } from '../fields.ts';
import { collectItems, recordOutputs, type RecordPlace } from '../records.ts';
import type { VpcFlowLogsConfig } from './config.ts';
import { normalizeVpcFields, normalizeVpcRecord, SOURCE_TYPE, type NormalizedFlow } from './normalize.ts';
import { splitVpcText } from './parse.ts';

/** CloudWatch Logs subscription payloads carry the records in `logEvents`. */
export const VPC_ENVELOPE_KEYS: readonly string[] = ['logEvents'];

/**
 * Builds the collector from an already validated config (see parseVpcFlowLogsConfig).
 * An input whose first non-blank character is `{` or `[` is JSON (records, arrays, NDJSON, CloudWatch
 * Logs `{"logEvents":[…]}`); anything else is flow log text (with or without a header line).
 * collect() is lazy and never throws on bad input.
 */
export function createVpcFlowLogsCollector(config: VpcFlowLogsConfig): Collector {
  const opts = { rawCapBytes: config.rawCapBytes, unmappedCapBytes: config.unmappedCapBytes };

  const flowEvent = ({ key, event }: NormalizedFlow, position: string): CollectorOutput[] => [{ kind: 'event', stream: 'flow', key, event, position }];
  /** The flow event of one record, or its reject when `run` throws. */
  const attempt = (place: RecordPlace, run: () => NormalizedFlow): Iterable<CollectorOutput> =>
    recordOutputs(SOURCE_TYPE, place, () => flowEvent(run(), place.position));

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const decoded = decodeInput(input, config.maxDecompressedBytes);
    if ('error' in decoded) {
      yield rejected(SOURCE_TYPE, `${input.name}#0`, 'SLUICE_ERR_INPUT_UNREADABLE', decoded.error, input.bytes);
      return;
    }
    const first = decoded.text.trimStart()[0];
    if (first === '{' || first === '[') {
      const items = splitInput(input, { envelopeKeys: VPC_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes });
      yield* collectItems(SOURCE_TYPE, items, (item) => flowEvent(normalizeVpcRecord(item.value, opts), item.position));
      return;
    }
    for (const item of splitVpcText(input, decoded.text)) {
      if (item.kind === 'error') {
        yield rejected(SOURCE_TYPE, item.position, item.error.code, item.error.reason, item.raw);
      } else if (item.kind === 'json') {
        let value: unknown;
        try {
          value = JSON.parse(item.text);
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          yield rejected(SOURCE_TYPE, item.position, 'SLUICE_ERR_INPUT_MALFORMED', `line ${item.line}: not valid JSON: ${why}`, item.raw);
          continue;
        }
        yield* attempt(item, () => normalizeVpcRecord(value, opts));
      } else {
        const text = item.raw.toString('utf8');
        yield* attempt(item, () => normalizeVpcFields(item.fields, { rawText: text }, opts));
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
