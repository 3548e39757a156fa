import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes } from '../config-common.ts';
import { OSV_DEFAULTS } from './normalize.ts';

/** Configuration of the osv collector. Unknown keys are rejected. */
export const OsvConfigSchema = z.strictObject({
  detailsMaxChars: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(OSV_DEFAULTS.detailsMaxChars)
    .describe('Longest `details` text kept, in characters; longer details are cut and "details" is listed in truncated_fields.')
    .meta({ examples: [8192, 2048] }),
  maxVersions: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(OSV_DEFAULTS.maxVersions)
    .describe('Most enumerated versions kept per affected entry; more are cut and "affected[<i>].versions" is listed in truncated_fields. Ranges are never cut.')
    .meta({ examples: [1000, 200] }),
  maxReferences: z
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(OSV_DEFAULTS.maxReferences)
    .describe('Most references kept; more are cut and "references" is listed in truncated_fields.')
    .meta({ examples: [100] }),
  jsonCapBytes: z
    .number()
    .int()
    .min(2)
    .default(OSV_DEFAULTS.jsonCapBytes)
    .describe('Largest database_specific / ecosystem_specific / unmapped JSON text in bytes; larger becomes {"_truncated":true}.')
    .meta({ examples: [16384] }),
  rawCapBytes: rawCapBytes('Largest OSV record (UTF-8 JSON bytes) kept in raw_data; larger records get raw_data null. At most 64 KiB.', [65536, 0]),
  maxDecompressedBytes: maxDecompressedBytes(),
});

export type OsvConfig = Readonly<z.output<typeof OsvConfigSchema>>;
export type OsvConfigInput = z.input<typeof OsvConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseOsvConfig(input: unknown = {}): OsvConfig {
  return parseCollectorConfig(OsvConfigSchema, input, 'osv');
}
