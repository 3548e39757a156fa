import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes } from '../config-common.ts';

/** Configuration of the sbom collector. Unknown keys are rejected. */
export const SbomConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes(
    'Largest SBOM document (UTF-8 JSON bytes) kept in raw_data; larger documents (most real image SBOMs) get raw_data null. At most 64 KiB.',
    [65536, 0],
  ),
  maxDecompressedBytes: maxDecompressedBytes(),
});

export type SbomConfig = Readonly<z.output<typeof SbomConfigSchema>>;
export type SbomConfigInput = z.input<typeof SbomConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseSbomConfig(input: unknown = {}): SbomConfig {
  return parseCollectorConfig(SbomConfigSchema, input, 'sbom');
}
