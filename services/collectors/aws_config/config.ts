import { z } from 'zod';
import { RAW_CAP_BYTES } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../input.ts';
import { DEFAULT_MAX_CONFIGURATION_BYTES } from './config-state.ts';

/** Configuration of the aws_config collector. Unknown keys are rejected. */
export const AwsConfigConfigSchema = z.strictObject({
  rawCapBytes: z
    .number()
    .int()
    .min(0)
    .max(RAW_CAP_BYTES)
    .default(RAW_CAP_BYTES)
    .describe(
      'Largest raw record (UTF-8 JSON bytes) kept in raw_data; larger records get raw_data null. ' +
        'At most 64 KiB, the cap of the wire contract; 0 never keeps raw_data.',
    )
    .meta({ examples: [65536, 16384] }),
  unmappedCapBytes: z
    .number()
    .int()
    .min(2)
    .default(RAW_CAP_BYTES)
    .describe(
      'Largest `unmapped` JSON (relatedEvents, configurationItemDiff, envelope fields, ...) in bytes; when over, ' +
        'unmapped becomes {"_truncated":true} and the fields survive only in raw_data.',
    )
    .meta({ examples: [65536, 8192] }),
  maxConfigurationBytes: z
    .number()
    .int()
    .min(2)
    .default(DEFAULT_MAX_CONFIGURATION_BYTES)
    .describe(
      'Largest canonical configuration text kept in `configuration`; a larger one is left out (null, with ' +
        'unmapped._configuration_omitted_bytes) while configuration_hash still covers all of it.',
    )
    .meta({ examples: [524288, 1048576] }),
  repairJson: z
    .boolean()
    .default(true)
    .describe(
      'Read two defects of hand-made sample files instead of rejecting them: raw control characters (newlines, tabs) inside ' +
        'JSON strings, and a top-level array missing only its final `]`. Events from a repaired input say so in unmapped._repaired.',
    )
    .meta({ examples: [true, false] }),
  maxDecompressedBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_DECOMPRESSED_BYTES)
    .describe('A gzip input that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).')
    .meta({ examples: [268435456] }),
});

export type AwsConfigConfig = Readonly<z.output<typeof AwsConfigConfigSchema>>;
export type AwsConfigConfigInput = z.input<typeof AwsConfigConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseAwsConfigConfig(input: unknown = {}): AwsConfigConfig {
  const result = AwsConfigConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new SluiceError(
      'SLUICE_ERR_CONFIG_INVALID',
      `invalid aws_config collector configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${problems.join('\n')}`,
      { details: { issues: result.error.issues } },
    );
  }
  return Object.freeze(result.data);
}
