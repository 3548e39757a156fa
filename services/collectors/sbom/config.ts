import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes } from '../config-common.ts';

/** Configuration of the sbom collector. Unknown keys are rejected. */
export const SbomConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes(
    'Largest SBOM document (UTF-8 JSON bytes) kept in raw_data; larger documents (most real image SBOMs) get raw_data null. At most 64 KiB.',
    [65536, 0],
  ),
  maxDecompressedBytes: maxDecompressedBytes(),
  packageRecords: z
    .boolean()
    .default(true)
    .describe('After each image inventory (keyed by digest), also publish one record per package it holds, keyed by `<ecosystem>/<name>` like the advisory stream, with only that package: the repartition the vulns detector joins on. Off: only whole inventories are published.'),
});

export type SbomConfig = Readonly<z.output<typeof SbomConfigSchema>>;
export type SbomConfigInput = z.input<typeof SbomConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseSbomConfig(input: unknown = {}): SbomConfig {
  return parseCollectorConfig(SbomConfigSchema, input, 'sbom');
}
