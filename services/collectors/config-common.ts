/**
 * Pieces shared by the collectors' config.ts files: the zod fields every collector has (the raw_data
 * and unmapped caps, the gzip-bomb guard) and the one way a collector config is validated.
 */
import { z } from 'zod';
import { invalidConfigError } from '../core/config.ts';
import { RAW_CAP_BYTES } from '../core/events.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './input.ts';

export const RAW_CAP_DESCRIPTION =
  'Largest raw record (UTF-8 JSON bytes) kept in raw_data; larger records get raw_data null. At most 64 KiB; 0 never keeps raw_data.';

/** `rawCapBytes`: 0..64 KiB (the wire contract's cap), default 64 KiB. The description says what a raw record is. */
export function rawCapBytes(description: string = RAW_CAP_DESCRIPTION, examples: readonly number[] = [65536, 16384]) {
  return z
    .number()
    .int()
    .min(0)
    .max(RAW_CAP_BYTES)
    .default(RAW_CAP_BYTES)
    .describe(description)
    .meta({ examples: [...examples] });
}

export interface UnmappedCapOptions {
  /** Say that the fields cut from unmapped survive only in raw_data (default true). */
  survivesInRaw?: boolean;
}

/**
 * `unmappedCapBytes`: at least 2, default 64 KiB. `what` lists what goes into unmapped
 * (e.g. "requestParameters, responseElements, ..."), or null to name nothing.
 */
export function unmappedCapBytes(what: string | null, { survivesInRaw = true }: UnmappedCapOptions = {}) {
  return z
    .number()
    .int()
    .min(2)
    .default(RAW_CAP_BYTES)
    .describe(
      `Largest \`unmapped\` JSON${what === null ? '' : ` (${what})`} in bytes; when over, unmapped becomes {"_truncated":true}` +
        `${survivesInRaw ? ' and the fields survive only in raw_data' : ''}.`,
    )
    .meta({ examples: [65536, 8192] });
}

export const MAX_DECOMPRESSED_DESCRIPTION =
  'A gzip input that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).';

/** `maxDecompressedBytes`: at least 1, default DEFAULT_MAX_DECOMPRESSED_BYTES. */
export function maxDecompressedBytes(description: string = MAX_DECOMPRESSED_DESCRIPTION) {
  return z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_DECOMPRESSED_BYTES)
    .describe(description)
    .meta({ examples: [268435456] });
}

/**
 * Validates a collector config (absent or null means {}), reporting every problem at once as
 * SLUICE_ERR_CONFIG_INVALID `invalid <type> collector configuration (N problems): ...`; returns it frozen.
 */
export function parseCollectorConfig<S extends z.ZodType>(schema: S, input: unknown, type: string): Readonly<z.output<S>> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw invalidConfigError(`${type} collector configuration`, result.error.issues);
  return Object.freeze(result.data);
}

/**
 * `missingTime`: what to do with a record that has no time. `which` says what counts as its time
 * (e.g. "no eventTime, nor the Logstash @timestamp").
 */
export function missingTime(which: string) {
  return z
    .enum(['ingest_time', 'reject'])
    .default('ingest_time')
    .describe(
      `What to do with a record that has no time (${which}): ingest_time uses the collector clock, with metadata.original_time "" ` +
        'and unmapped._sluice.fallbacks ["time"]; reject dead-letters it.',
    )
    .meta({ examples: ['ingest_time', 'reject'] });
}
