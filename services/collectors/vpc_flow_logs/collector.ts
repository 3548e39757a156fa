import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { splitInput } from '../input.ts';
import { rejected, rejectionOf } from '../fields.ts';
import type { VpcFlowLogsConfig } from './config.ts';
import { normalizeVpcFields, normalizeVpcRecord, SOURCE_TYPE, type NormalizedFlow } from './normalize.ts';
import { decodeInput, splitVpcText } from './parse.ts';

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

  function* attempt(position: string, raw: Buffer, line: number | undefined, run: () => NormalizedFlow): Generator<CollectorOutput> {
    try {
      const { key, event } = run();
      yield { kind: 'event', stream: 'flow', key, event, position };
    } catch (err) {
      const { code, reason } = rejectionOf(err);
      yield rejected(SOURCE_TYPE, position, code, `${line === undefined ? '' : `line ${line}: `}${reason}`, raw);
    }
  }

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const decoded = decodeInput(input, config.maxDecompressedBytes);
    if ('error' in decoded) {
      yield rejected(SOURCE_TYPE, `${input.name}#0`, 'SLUICE_ERR_INPUT_UNREADABLE', decoded.error, input.bytes);
      return;
    }
    const first = decoded.text.trimStart()[0];
    if (first === '{' || first === '[') {
      for (const item of splitInput(input, { envelopeKeys: VPC_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes })) {
        if (item.kind === 'error') yield rejected(SOURCE_TYPE, item.position, item.error.code, item.error.reason, item.raw);
        else yield* attempt(item.position, item.raw, item.line, () => normalizeVpcRecord(item.value, opts));
      }
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
        yield* attempt(item.position, item.raw, item.line, () => normalizeVpcRecord(value, opts));
      } else {
        const text = item.raw.toString('utf8');
        yield* attempt(item.position, item.raw, item.line, () => normalizeVpcFields(item.fields, { rawText: text }, opts));
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
