import { z } from 'zod';
import { sqsSection } from '../s3_notifications/config.ts';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes } from '../config-common.ts';
import { DEFAULT_MAX_CONFIGURATION_BYTES } from './config-state.ts';

/** Configuration of the aws_config collector. Unknown keys are rejected. */
export const AwsConfigConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes(
    'Largest raw record (UTF-8 JSON bytes) kept in raw_data; larger records get raw_data null. ' +
      'At most 64 KiB, the cap of the wire contract; 0 never keeps raw_data.',
  ),
  unmappedCapBytes: unmappedCapBytes('relatedEvents, configurationItemDiff, envelope fields, ...'),
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
  maxDecompressedBytes: maxDecompressedBytes(),
  sqs: sqsSection(),
});

export type AwsConfigConfig = Readonly<z.output<typeof AwsConfigConfigSchema>>;
export type AwsConfigConfigInput = z.input<typeof AwsConfigConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseAwsConfigConfig(input: unknown = {}): AwsConfigConfig {
  return parseCollectorConfig(AwsConfigConfigSchema, input, 'aws_config');
}
