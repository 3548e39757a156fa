import { z } from 'zod';
import { maxDecompressedBytes, parseCollectorConfig, rawCapBytes, unmappedCapBytes } from '../config-common.ts';

/** Configuration of the vpc_flow_logs collector. Unknown keys are rejected. */
export const VpcFlowLogsConfigSchema = z.strictObject({
  rawCapBytes: rawCapBytes(
    'Largest raw record (the text line, or the JSON record) kept in raw_data, in UTF-8 bytes; larger records get raw_data null. At most 64 KiB.',
    [65536, 4096],
  ),
  unmappedCapBytes: unmappedCapBytes('version, log-status, pkt-srcaddr, ecs-* and other unmapped fields', { survivesInRaw: false }),
  maxDecompressedBytes: maxDecompressedBytes('A gzip input (flow log S3 objects are gzip) that inflates past this many bytes is rejected as unreadable (gzip-bomb guard).'),
});

export type VpcFlowLogsConfig = Readonly<z.output<typeof VpcFlowLogsConfigSchema>>;
export type VpcFlowLogsConfigInput = z.input<typeof VpcFlowLogsConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseVpcFlowLogsConfig(input: unknown = {}): VpcFlowLogsConfig {
  return parseCollectorConfig(VpcFlowLogsConfigSchema, input, 'vpc_flow_logs');
}
