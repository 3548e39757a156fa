import { z } from 'zod';
import { RAW_CAP_BYTES } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../input.ts';
import { DEFAULT_MAX_CONFIGURATION_BYTES } from '../aws_config/config-state.ts';
import { DEFAULT_MAX_FILE_BYTES } from './parse.ts';

/** Configuration of the config_files collector. Unknown keys are rejected. */
export const ConfigFilesConfigSchema = z.strictObject({
  rawCapBytes: z
    .number()
    .int()
    .min(0)
    .max(RAW_CAP_BYTES)
    .default(RAW_CAP_BYTES)
    .describe('Largest resource (UTF-8 JSON bytes) kept in raw_data; larger ones get raw_data null. At most 64 KiB; 0 never keeps raw_data.')
    .meta({ examples: [65536, 16384] }),
  unmappedCapBytes: z
    .number()
    .int()
    .min(2)
    .default(RAW_CAP_BYTES)
    .describe('Largest `unmapped` JSON (resource attributes, Terraform change actions, ...) in bytes; when over, unmapped becomes {"_truncated":true}.')
    .meta({ examples: [65536, 8192] }),
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
  maxDecompressedBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_DECOMPRESSED_BYTES)
    .describe('A gzip input that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).')
    .meta({ examples: [268435456] }),
});

export type ConfigFilesConfig = Readonly<z.output<typeof ConfigFilesConfigSchema>>;
export type ConfigFilesConfigInput = z.input<typeof ConfigFilesConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseConfigFilesConfig(input: unknown = {}): ConfigFilesConfig {
  const result = ConfigFilesConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new SluiceError(
      'SLUICE_ERR_CONFIG_INVALID',
      `invalid config_files collector configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${problems.join('\n')}`,
      { details: { issues: result.error.issues } },
    );
  }
  return Object.freeze(result.data);
}
