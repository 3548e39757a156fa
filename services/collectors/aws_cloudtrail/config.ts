import { z } from 'zod';
import { RAW_CAP_BYTES } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../input.ts';

/** Configuration of the aws_cloudtrail collector. Unknown keys are rejected. */
export const AwsCloudTrailConfigSchema = z.strictObject({
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
      'Largest `unmapped` JSON (requestParameters, responseElements, ...) in bytes; when over, ' +
        'unmapped becomes {"_truncated":true} and the fields survive only in raw_data.',
    )
    .meta({ examples: [65536, 8192] }),
  maxDecompressedBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_DECOMPRESSED_BYTES)
    .describe('A gzip input that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).')
    .meta({ examples: [268435456] }),
  missingTime: z
    .enum(['ingest_time', 'reject'])
    .default('ingest_time')
    .describe(
      'What to do with a record that has no time (no eventTime, nor the Logstash @timestamp): ingest_time uses the ' +
        'collector clock, with metadata.original_time "" and unmapped._sluice.fallbacks ["time"]; reject dead-letters it.',
    )
    .meta({ examples: ['ingest_time', 'reject'] }),
});

export type AwsCloudTrailConfig = Readonly<z.output<typeof AwsCloudTrailConfigSchema>>;
export type AwsCloudTrailConfigInput = z.input<typeof AwsCloudTrailConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseAwsCloudTrailConfig(input: unknown = {}): AwsCloudTrailConfig {
  const result = AwsCloudTrailConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new SluiceError(
      'SLUICE_ERR_CONFIG_INVALID',
      `invalid aws_cloudtrail collector configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${problems.join('\n')}`,
      { details: { issues: result.error.issues } },
    );
  }
  return Object.freeze(result.data);
}
