import { once } from 'node:events';
import type { Collector, CollectorOutput } from '../core/components.ts';
import { readInputOrReject } from '../collectors/files.ts';
import { selectInputFiles, type InputFilter, type SkippedInput } from '../collectors/inputs.ts';
import { eventToOcsf } from '../core/ocsf/index.ts';

/** `ocsf`: events of the OCSF streams in OCSF 1.8.0 form; `wire`: the records as they go onto the topics. */
export type NormalizeFormat = 'ocsf' | 'wire';
export const NORMALIZE_FORMATS: readonly NormalizeFormat[] = ['ocsf', 'wire'];

export interface NormalizeStats {
  read: number;
  normalized: number;
  deadLettered: number;
  /** Files of the input directories not read (not feeds by name, or --include/--exclude). */
  skippedFiles: SkippedInput[];
}

/** JSON for NDJSON output: Buffers (chunk content, raw records) as base64 text. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = key === '' ? value : this[key];
    return Buffer.isBuffer(original) ? original.toString('base64') : v;
  });
}

async function write(out: NodeJS.WritableStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

/**
 * `sluice normalize`: one normalized event per input record, as NDJSON in input order: in OCSF
 * form for the OCSF streams (activity, flow, config), as the wire record otherwise or with `wire`. Rejected
 * records are counted, and written as NDJSON to `deadLetters` when given.
 */
export async function normalizeFiles(
  collector: Collector,
  paths: readonly string[],
  out: NodeJS.WritableStream,
  deadLetters?: NodeJS.WritableStream,
  inputFilter?: InputFilter,
  format: NormalizeFormat = 'ocsf',
): Promise<NormalizeStats> {
  const { files, skipped } = await selectInputFiles(paths, collector.type, inputFilter);
  const stats: NormalizeStats = { read: 0, normalized: 0, deadLettered: 0, skippedFiles: skipped };
  for (const file of files) {
    const input = await readInputOrReject(file, collector.type);
    const outputs: Iterable<CollectorOutput> = 'reject' in input ? [input.reject] : collector.collect({ name: file, bytes: input.bytes });
    for (const o of outputs) {
      stats.read++;
      if (o.kind === 'event') {
        stats.normalized++;
        await write(out, toJsonLine(format === 'ocsf' ? (eventToOcsf(o.event) ?? o.event) : o.event));
      } else {
        stats.deadLettered++;
        if (deadLetters) {
          await write(deadLetters, toJsonLine({ position: o.position, source: o.source, reason_code: o.reasonCode, reason: o.reason, raw: o.raw.subarray(0, 4096) }));
        }
      }
    }
  }
  return stats;
}
