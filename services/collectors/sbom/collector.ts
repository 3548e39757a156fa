import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { decodeInput, splitInput } from '../input.ts';
import { rejected } from '../fields.ts';
import { collectItems, recordOutputs } from '../records.ts';
import type { SbomConfig } from './config.ts';
import { normalizeCycloneDxXml, normalizeSbom, SOURCE_TYPE, type NormalizedInventory } from './normalize.ts';
import { packageRecords } from './package-records.ts';

/** SBOM files are one document each; no batch envelope. */
export const SBOM_ENVELOPE_KEYS: readonly string[] = [];

/**
 * reasonCode for SBOM encodings Sluice does not read (SPDX tag-value; XML that is not CycloneDX):
 * the input may be well formed but cannot be read without a parser Sluice does not ship.
 */
export const UNSUPPORTED_FORMAT_CODE: ErrorCode = 'SLUICE_ERR_INPUT_UNREADABLE';

/** True when the input is XML (first non-blank character `<`): it goes to the CycloneDX XML reader. */
export function isXmlText(text: string): boolean {
  return text.trimStart().startsWith('<');
}

/** Why a whole input is refused before JSON splitting, or null when it looks like JSON (or XML, read separately). */
export function unsupportedFormat(text: string): string | null {
  const head = text.trimStart().slice(0, 512);
  if (/^SPDXVersion:/m.test(head)) return 'SPDX tag-value is not supported: produce SPDX JSON instead (syft -o spdx-json) or convert it (tools-python pyspdxtools)';
  return null;
}

/**
 * Builds the collector from an already validated config (see parseSbomConfig). One input is one
 * SBOM document (or NDJSON / a JSON array of JSON documents; an XML input is one CycloneDX XML BOM). collect() never throws on bad input: each
 * document becomes an event on the 'image_inventory' stream keyed by image digest (followed, with
 * packageRecords on, by one record per package keyed by package: see package-records.ts), or a RejectedRecord.
 */
export function createSbomCollector(config: SbomConfig): Collector {
  const opts = { rawCapBytes: config.rawCapBytes, maxXmlBytes: config.maxDecompressedBytes };
  const splitOpts = { envelopeKeys: SBOM_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes };

  /** The events of one document at `position`: its inventory, then (packageRecords on) one record per package. */
  function inventoryEvents({ key, event }: NormalizedInventory, position: string): CollectorOutput[] {
    const records = config.packageRecords ? packageRecords(event) : [];
    return [{ key, event }, ...records].map((r) => ({ kind: 'event', stream: 'image_inventory', key: r.key, event: r.event, position }));
  }

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const decoded = decodeInput(input, config.maxDecompressedBytes);
    if ('error' in decoded) {
      yield rejected(SOURCE_TYPE, `${input.name}#0`, 'SLUICE_ERR_INPUT_UNREADABLE', decoded.error, input.bytes);
      return;
    }
    if (isXmlText(decoded.text)) {
      const position = `${input.name}#0`;
      yield* recordOutputs(SOURCE_TYPE, { position, raw: input.bytes }, () => inventoryEvents(normalizeCycloneDxXml(decoded.text, opts), position));
      return;
    }
    const unsupported = unsupportedFormat(decoded.text);
    if (unsupported !== null) {
      yield rejected(SOURCE_TYPE, `${input.name}#0`, UNSUPPORTED_FORMAT_CODE, unsupported, input.bytes);
      return;
    }
    yield* collectItems(SOURCE_TYPE, splitInput(input, splitOpts), (item) => inventoryEvents(normalizeSbom(item.value, opts), item.position));
  }

  return { type: SOURCE_TYPE, collect };
}
