/**
 * tetragon collector: Cilium Tetragon JSON export events (`tetra getevents -o json`, the export
 * file; NDJSON, JSON arrays, gzip) -> OCSF Network Activity (4001) on the 'flow' stream for the
 * network calls, with the process (binary, parent, container) and its pod as the source identity,
 * and OCSF Process Activity (1007) on the 'process' stream for process_exec and process_exit.
 * See README.md for the mapping.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { isObj } from '../fields.ts';
import { createTetragonCollector } from './collector.ts';
import { parseTetragonConfig, TetragonConfigSchema, type TetragonConfigInput } from './config.ts';
import { SOURCE_TYPE, tetragonEventType } from './normalize.ts';

export { TetragonConfigSchema, parseTetragonConfig } from './config.ts';
export type { TetragonConfig, TetragonConfigInput } from './config.ts';
export { createTetragonCollector } from './collector.ts';
export { normalizeTetragonEvent, tetragonEventType, TETRAGON_EVENT_TYPES, SOURCE_TYPE } from './normalize.ts';
export type { TetragonNormalizeOptions, TetragonResult } from './normalize.ts';
export { normalizeTetragonProcess, PROCESS_EVENT_TYPES } from './process.ts';
export type { TetragonProcessOptions } from './process.ts';
export { maskArguments } from './arguments.ts';

/** Validates the config (SLUICE_ERR_CONFIG_INVALID listing every problem) and returns the collector. */
export function tetragonCollector(config: TetragonConfigInput = {}): Collector {
  return createTetragonCollector(parseTetragonConfig(config));
}

/** A Tetragon export record: one of the event-type keys (`process_exec`, `process_connect`, ...) holding an object with a `process`, and a `time` or `node_name`. */
export function sniffTetragonEvent(record: unknown): boolean {
  if (!isObj(record)) return false;
  const type = tetragonEventType(record);
  if (type === null) return false;
  const body = record[type];
  return isObj(body) && isObj(body.process) && (typeof record.time === 'string' || typeof record.node_name === 'string');
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const tetragonSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description:
    'Cilium Tetragon JSON export events: network calls (process_connect/close/listen, tcp_connect kprobes) to OCSF Network Activity (4001) with the process and pod as the source identity; process_exec/process_exit to OCSF Process Activity (1007) with the parent chain, keyed by application.',
  streams: ['flow', 'process'],
  configSchema: TetragonConfigSchema,
  create: (config?: Record<string, unknown>) => tetragonCollector(config as TetragonConfigInput),
  sniff: sniffTetragonEvent,
} as const);
