/**
 * sbom collector: container image SBOMs (CycloneDX JSON or XML, SPDX 2.x JSON; gzip or not) ->
 * ImageInventory on the 'image_inventory' stream, keyed by image digest. SPDX tag-value is refused
 * with a reason. See README.md.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { isObj } from '../fields.ts';
import { createSbomCollector } from './collector.ts';
import { parseSbomConfig, SbomConfigSchema, type SbomConfigInput } from './config.ts';
import { SOURCE_TYPE } from './normalize.ts';
import { looksLikeCycloneDxXml } from './xml.ts';

export { SbomConfigSchema, parseSbomConfig } from './config.ts';
export type { SbomConfig, SbomConfigInput } from './config.ts';
export { createSbomCollector, unsupportedFormat, isXmlText, SBOM_ENVELOPE_KEYS, UNSUPPORTED_FORMAT_CODE } from './collector.ts';
export { normalizeSbom, normalizeCycloneDx, normalizeCycloneDxXml, normalizeSpdx, SOURCE_TYPE } from './normalize.ts';
export { cycloneDxXmlToJson, looksLikeCycloneDxXml } from './xml.ts';
export type { CycloneDxXmlOptions } from './xml.ts';
export type { SbomNormalizeOptions, NormalizedInventory } from './normalize.ts';
export { parsePurl, osvEcosystem, sourcePackage, purlDistro, isOsPackage } from './purl.ts';
export { packageKey, canonicalPackageName, imagePackageKey, imagePackageName, osvPackageName } from './package-key.ts';
export { packageRecords } from './package-records.ts';
export type { Purl } from './purl.ts';

/** Validates the config (SLUICE_ERR_CONFIG_INVALID listing every problem) and returns the collector. */
export function sbomCollector(config: SbomConfigInput = {}): Collector {
  return createSbomCollector(parseSbomConfig(config));
}

/**
 * A CycloneDX JSON BOM (`bomFormat: "CycloneDX"`), an SPDX 2.x JSON document (`spdxVersion:
 * "SPDX-2.x"`), or CycloneDX XML handed over as a string or bytes (root `bom` in a CycloneDX namespace).
 */
export function sniffSbom(record: unknown): boolean {
  if (typeof record === 'string') return looksLikeCycloneDxXml(record);
  if (record instanceof Uint8Array) return looksLikeCycloneDxXml(Buffer.from(record.buffer, record.byteOffset, Math.min(record.byteLength, 4096)).toString('utf8').replace(/^\uFEFF/, ''));
  if (!isObj(record)) return false;
  if (record.bomFormat === 'CycloneDX') return true;
  return typeof record.spdxVersion === 'string' && record.spdxVersion.startsWith('SPDX-');
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const sbomSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description: 'Container image SBOMs (CycloneDX JSON or XML, SPDX 2.x JSON) to an image inventory keyed by image digest, plus one record per package keyed by package (the vulns join).',
  streams: ['image_inventory'],
  configSchema: SbomConfigSchema,
  create: (config?: Record<string, unknown>) => sbomCollector(config as SbomConfigInput),
  sniff: sniffSbom,
} as const);
