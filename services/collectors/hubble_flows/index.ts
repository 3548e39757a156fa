/**
 * hubble_flows collector: Cilium Hubble flows (`hubble observe -o json` GetFlowsResponse lines or
 * bare flow objects; NDJSON, JSON arrays, gzip) -> OCSF Network Activity (4001) on the 'flow'
 * stream, keyed by the source workload identity. See README.md for the mapping and the rules.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { createHubbleFlowsCollector } from './collector.ts';
import { HubbleFlowsConfigSchema, parseHubbleFlowsConfig, type HubbleFlowsConfigInput } from './config.ts';
import { isObj, type Obj } from '../fields.ts';
import { SOURCE_TYPE } from './normalize.ts';

export { HubbleFlowsConfigSchema, parseHubbleFlowsConfig } from './config.ts';
export type { HubbleFlowsConfig, HubbleFlowsConfigInput } from './config.ts';
export { createHubbleFlowsCollector, HUBBLE_ENVELOPE_KEYS } from './collector.ts';
export { normalizeHubbleFlow, hubbleActivity, isNoiseLabel, DEFAULT_IMAGE_LABELS, SOURCE_TYPE } from './normalize.ts';
export type { HubbleNormalizeOptions, NormalizedFlow } from './normalize.ts';
export { workloadFromPodName, clusterFromNodeName } from './workload.ts';
export type { DerivedWorkload } from './workload.ts';

/** Validates the config (SLUICE_ERR_CONFIG_INVALID listing every problem) and returns the collector. */
export function hubbleFlowsCollector(config: HubbleFlowsConfigInput = {}): Collector {
  return createHubbleFlowsCollector(parseHubbleFlowsConfig(config));
}

function looksLikeFlow(f: Obj): boolean {
  if (typeof f.time !== 'string') return false;
  const body = isObj(f.IP) || isObj(f.l4) || isObj(f.source) || isObj(f.destination);
  return body && (typeof f.verdict === 'string' || typeof f.Type === 'string' || isObj(f.event_type));
}

/**
 * A Hubble record: a GetFlowsResponse `{"flow":{…}}` (or one carrying node_status/lost_events,
 * which the collector rejects with a reason), or a bare flow with a time, an IP/l4/source/destination
 * object and a verdict, Type or event_type.
 */
export function sniffHubbleFlow(record: unknown): boolean {
  if (!isObj(record)) return false;
  if (isObj(record.flow)) return looksLikeFlow(record.flow);
  if (typeof record.time === 'string' && typeof record.node_name === 'string' && (isObj(record.node_status) || isObj(record.lost_events))) return true;
  return looksLikeFlow(record);
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const hubbleFlowsSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description: 'Cilium Hubble flows (hubble observe -o json, NDJSON, gzip) to OCSF Network Activity (4001) with workload identities.',
  streams: ['flow'],
  configSchema: HubbleFlowsConfigSchema,
  create: (config?: Record<string, unknown>) => hubbleFlowsCollector(config as HubbleFlowsConfigInput),
  sniff: sniffHubbleFlow,
} as const);
