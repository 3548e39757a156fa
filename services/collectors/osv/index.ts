/**
 * osv collector: OSV advisories (one JSON file, JSONL, arrays, `{"vulns":[…]}`; gzip or not) ->
 * Advisory events on the 'advisory' stream, one per affected package, keyed by `<ecosystem>/<name>`.
 * See README.md.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { isObj } from '../fields.ts';
import { createOsvCollector } from './collector.ts';
import { OsvConfigSchema, parseOsvConfig, type OsvConfigInput } from './config.ts';
import { SOURCE_TYPE } from './normalize.ts';

export { OsvConfigSchema, parseOsvConfig } from './config.ts';
export type { OsvConfig, OsvConfigInput } from './config.ts';
export { createOsvCollector, OSV_ENVELOPE_KEYS } from './collector.ts';
export { normalizeOsv, parseRfc3339, isZeroTime, OSV_DEFAULTS, SOURCE_TYPE } from './normalize.ts';
export type { OsvNormalizeOptions, NormalizedAdvisory } from './normalize.ts';

/** Validates the config (SLUICE_ERR_CONFIG_INVALID listing every problem) and returns the collector. */
export function osvCollector(config: OsvConfigInput = {}): Collector {
  return createOsvCollector(parseOsvConfig(config));
}

/** An OSV record: string `id` and `modified`, and an `affected` array, `aliases`, `schema_version`, `summary` or `details`. */
export function sniffOsv(record: unknown): boolean {
  if (!isObj(record)) return false;
  if (typeof record.id !== 'string' || typeof record.modified !== 'string') return false;
  return (
    Array.isArray(record.affected) ||
    Array.isArray(record.aliases) ||
    typeof record.schema_version === 'string' ||
    typeof record.summary === 'string' ||
    typeof record.details === 'string'
  );
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const osvSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description: 'OSV advisories (JSON, JSONL, {"vulns":[...]}) to one advisory event per affected package.',
  streams: ['advisory'],
  configSchema: OsvConfigSchema,
  create: (config?: Record<string, unknown>) => osvCollector(config as OsvConfigInput),
  sniff: sniffOsv,
} as const);
