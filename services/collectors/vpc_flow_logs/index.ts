/**
 * vpc_flow_logs collector: AWS VPC flow log records (S3 text objects with a header line, gzip or
 * not; CloudWatch Logs lines and subscription payloads; JSON records in VPC, Panther camelCase or
 * snake_case keys) and Route 53 Resolver query log records -> OCSF Network Activity (4001) on the
 * 'flow' stream, keyed by the source address (`external/<cidr_bucket>` or `ip/<srcaddr>`).
 * See README.md for the mapping, NODATA/SKIPDATA and the JSON forms.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { isObj } from '../fields.ts';
import { createVpcFlowLogsCollector } from './collector.ts';
import { parseVpcFlowLogsConfig, VpcFlowLogsConfigSchema, type VpcFlowLogsConfigInput } from './config.ts';
import { isRoute53Query, SOURCE_TYPE, vpcFieldName } from './normalize.ts';
import { looksLikeDefaultRecord, parseHeader } from './parse.ts';

export { VpcFlowLogsConfigSchema, parseVpcFlowLogsConfig } from './config.ts';
export type { VpcFlowLogsConfig, VpcFlowLogsConfigInput } from './config.ts';
export { createVpcFlowLogsCollector, VPC_ENVELOPE_KEYS } from './collector.ts';
export { normalizeVpcFields, normalizeVpcRecord, normalizeRoute53Query, isRoute53Query, vpcFieldName, NO_FLOW_REASON_CODE, SOURCE_TYPE } from './normalize.ts';
export type { VpcNormalizeOptions, NormalizedFlow, FlowFieldsContext } from './normalize.ts';
export { VPC_DEFAULT_FIELDS, VPC_KNOWN_FIELDS, parseHeader, splitRecord, splitVpcText, looksLikeDefaultRecord, decodeInput } from './parse.ts';
export type { VpcFields, TextItem } from './parse.ts';

/** Validates the config (SLUICE_ERR_CONFIG_INVALID listing every problem) and returns the collector. */
export function vpcFlowLogsCollector(config: VpcFlowLogsConfigInput = {}): Collector {
  return createVpcFlowLogsCollector(parseVpcFlowLogsConfig(config));
}

/**
 * A VPC flow log record: a default-format text line or a header line (as a string); a CloudWatch
 * Logs event whose message is such a line; a JSON record with srcaddr and dstaddr (any spelling)
 * and one more flow field; or a Route 53 Resolver query log record.
 */
export function sniffVpcFlowLog(record: unknown): boolean {
  if (typeof record === 'string') return looksLikeDefaultRecord(record) || parseHeader(record) !== null;
  if (!isObj(record)) return false;
  if (typeof record.message === 'string') return looksLikeDefaultRecord(record.message);
  if (isRoute53Query(record)) return true;
  const names = new Set(Object.keys(record).map(vpcFieldName));
  if (!names.has('srcaddr') || !names.has('dstaddr')) return false;
  return ['action', 'log-status', 'interface-id', 'srcport', 'dstport', 'protocol', 'start', 'packets'].some((n) => names.has(n));
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const vpcFlowLogsSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description: 'AWS VPC flow logs (text with or without header, gzip, CloudWatch Logs, JSON) and Route 53 Resolver query logs to OCSF Network Activity (4001).',
  streams: ['flow'],
  configSchema: VpcFlowLogsConfigSchema,
  create: (config?: Record<string, unknown>) => vpcFlowLogsCollector(config as VpcFlowLogsConfigInput),
  sniff: sniffVpcFlowLog,
} as const);
