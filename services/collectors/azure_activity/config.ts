import { z } from 'zod';
import { RAW_CAP_BYTES } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../input.ts';

/** Configuration of the azure_activity collector. Unknown keys are rejected. */
export const AzureActivityConfigSchema = z.strictObject({
  rawCapBytes: z
    .number()
    .int()
    .min(0)
    .max(RAW_CAP_BYTES)
    .default(RAW_CAP_BYTES)
    .describe('Largest raw record (UTF-8 JSON bytes) kept in raw_data; larger records get raw_data null. At most 64 KiB; 0 never keeps raw_data.')
    .meta({ examples: [65536, 16384] }),
  unmappedCapBytes: z
    .number()
    .int()
    .min(2)
    .default(RAW_CAP_BYTES)
    .describe('Largest `unmapped` JSON (identity claims, properties, ...) in bytes; when over, unmapped becomes {"_truncated":true} and the fields survive only in raw_data.')
    .meta({ examples: [65536, 8192] }),
  maxDecompressedBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_DECOMPRESSED_BYTES)
    .describe('A gzip input that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).')
    .meta({ examples: [268435456] }),
  kubeAudit: z
    .enum(['normalize', 'reject'])
    .default('normalize')
    .describe(
      'AKS kube-audit / kube-audit-admin diagnostics records met in the same feed (one Event Hub often carries both): ' +
        'normalize maps them with the k8s_audit normalizer (provider AKS); reject dead-letters them so a separate k8s_audit collector owns them.',
    )
    .meta({ examples: ['normalize', 'reject'] }),
});

export type AzureActivityConfig = Readonly<z.output<typeof AzureActivityConfigSchema>>;
export type AzureActivityConfigInput = z.input<typeof AzureActivityConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseAzureActivityConfig(input: unknown = {}): AzureActivityConfig {
  const result = AzureActivityConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new SluiceError(
      'SLUICE_ERR_CONFIG_INVALID',
      `invalid azure_activity collector configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${problems.join('\n')}`,
      { details: { issues: result.error.issues } },
    );
  }
  return Object.freeze(result.data);
}
