import { z } from 'zod';
import { RAW_CAP_BYTES } from '../../core/events.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../input.ts';
import { parseCollectorConfig } from '../hubble_flows/fields.ts';

/** Configuration of the sbom collector. Unknown keys are rejected. */
export const SbomConfigSchema = z.strictObject({
  rawCapBytes: z
    .number()
    .int()
    .min(0)
    .max(RAW_CAP_BYTES)
    .default(RAW_CAP_BYTES)
    .describe('Largest SBOM document (UTF-8 JSON bytes) kept in raw_data; larger documents (most real image SBOMs) get raw_data null. At most 64 KiB.')
    .meta({ examples: [65536, 0] }),
  maxDecompressedBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_DECOMPRESSED_BYTES)
    .describe('A gzip input that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).')
    .meta({ examples: [268435456] }),
});

export type SbomConfig = Readonly<z.output<typeof SbomConfigSchema>>;
export type SbomConfigInput = z.input<typeof SbomConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseSbomConfig(input: unknown = {}): SbomConfig {
  return parseCollectorConfig('sbom', SbomConfigSchema, input);
}
