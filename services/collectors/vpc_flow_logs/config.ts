import { z } from 'zod';
import { RAW_CAP_BYTES } from '../../core/events.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../input.ts';
import { parseCollectorConfig } from '../hubble_flows/fields.ts';

/** Configuration of the vpc_flow_logs collector. Unknown keys are rejected. */
export const VpcFlowLogsConfigSchema = z.strictObject({
  rawCapBytes: z
    .number()
    .int()
    .min(0)
    .max(RAW_CAP_BYTES)
    .default(RAW_CAP_BYTES)
    .describe('Largest raw record (the text line, or the JSON record) kept in raw_data, in UTF-8 bytes; larger records get raw_data null. At most 64 KiB.')
    .meta({ examples: [65536, 4096] }),
  unmappedCapBytes: z
    .number()
    .int()
    .min(2)
    .default(RAW_CAP_BYTES)
    .describe('Largest `unmapped` JSON (version, log-status, pkt-srcaddr, ecs-* and other unmapped fields) in bytes; when over, unmapped becomes {"_truncated":true}.')
    .meta({ examples: [65536, 8192] }),
  maxDecompressedBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_DECOMPRESSED_BYTES)
    .describe('A gzip input (flow log S3 objects are gzip) that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).')
    .meta({ examples: [268435456] }),
});

export type VpcFlowLogsConfig = Readonly<z.output<typeof VpcFlowLogsConfigSchema>>;
export type VpcFlowLogsConfigInput = z.input<typeof VpcFlowLogsConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseVpcFlowLogsConfig(input: unknown = {}): VpcFlowLogsConfig {
  return parseCollectorConfig('vpc_flow_logs', VpcFlowLogsConfigSchema, input);
}
