import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes } from '../config-common.ts';
import { DEFAULT_MAX_CONFIGURATION_BYTES } from '../aws_config/config-state.ts';
import { DEFAULT_MAX_FILE_BYTES } from './parse.ts';

/** Configuration of the config_files collector. Unknown keys are rejected. */
export const ConfigFilesConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes('Largest resource (UTF-8 JSON bytes) kept in raw_data; larger ones get raw_data null. At most 64 KiB; 0 never keeps raw_data.'),
  unmappedCapBytes: unmappedCapBytes('resource attributes, Terraform change actions, ...', { survivesInRaw: false }),
  maxConfigurationBytes: z
    .number()
    .int()
    .min(2)
    .default(DEFAULT_MAX_CONFIGURATION_BYTES)
    .describe('Largest canonical configuration text kept in `configuration`; a larger one is left out (null) while configuration_hash still covers it.')
    .meta({ examples: [524288] }),
  maxFileBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_FILE_BYTES)
    .describe('A file larger than this (after gunzip) is rejected as unreadable instead of parsed.')
    .meta({ examples: [67108864] }),
  maxDecompressedBytes: maxDecompressedBytes(),
});

export type ConfigFilesConfig = Readonly<z.output<typeof ConfigFilesConfigSchema>>;
export type ConfigFilesConfigInput = z.input<typeof ConfigFilesConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseConfigFilesConfig(input: unknown = {}): ConfigFilesConfig {
  return parseCollectorConfig(ConfigFilesConfigSchema, input, 'config_files');
}
