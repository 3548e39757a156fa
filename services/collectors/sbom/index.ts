/**
 * sbom collector: container image SBOMs (CycloneDX JSON, SPDX 2.x JSON; gzip or not) ->
 * ImageInventory on the 'image_inventory' stream, keyed by image digest. CycloneDX XML and SPDX
 * tag-value are refused with a reason. See README.md.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { isObj } from '../hubble_flows/fields.ts';
import { createSbomCollector } from './collector.ts';
import { parseSbomConfig, SbomConfigSchema, type SbomConfigInput } from './config.ts';
import { SOURCE_TYPE } from './normalize.ts';

export { SbomConfigSchema, parseSbomConfig } from './config.ts';
export type { SbomConfig, SbomConfigInput } from './config.ts';
export { createSbomCollector, unsupportedFormat, SBOM_ENVELOPE_KEYS, UNSUPPORTED_FORMAT_CODE } from './collector.ts';
export { normalizeSbom, normalizeCycloneDx, normalizeSpdx, SOURCE_TYPE } from './normalize.ts';
export type { SbomNormalizeOptions, NormalizedInventory } from './normalize.ts';
export { parsePurl, osvEcosystem, sourcePackage, purlDistro, isOsPackage } from './purl.ts';
export type { Purl } from './purl.ts';

/** Validates the config (SLUICE_ERR_CONFIG_INVALID listing every problem) and returns the collector. */
export function sbomCollector(config: SbomConfigInput = {}): Collector {
  return createSbomCollector(parseSbomConfig(config));
}

/** A CycloneDX JSON BOM (`bomFormat: "CycloneDX"`) or an SPDX 2.x JSON document (`spdxVersion: "SPDX-2.x"`). */
export function sniffSbom(record: unknown): boolean {
  if (!isObj(record)) return false;
  if (record.bomFormat === 'CycloneDX') return true;
  return typeof record.spdxVersion === 'string' && record.spdxVersion.startsWith('SPDX-');
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const sbomSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description: 'Container image SBOMs (CycloneDX JSON, SPDX 2.x JSON) to an image inventory keyed by image digest.',
  streams: ['image_inventory'],
  configSchema: SbomConfigSchema,
  create: (config?: Record<string, unknown>) => sbomCollector(config as SbomConfigInput),
  sniff: sniffSbom,
} as const);
