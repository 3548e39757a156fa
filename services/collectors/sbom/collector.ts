import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { splitInput } from '../input.ts';
import { rejected, rejectionOf } from '../hubble_flows/fields.ts';
import { decodeInput } from '../vpc_flow_logs/parse.ts';
import type { SbomConfig } from './config.ts';
import { normalizeSbom, SOURCE_TYPE } from './normalize.ts';

/** SBOM files are one document each; no batch envelope. */
export const SBOM_ENVELOPE_KEYS: readonly string[] = [];

/**
 * reasonCode for SBOM encodings Sluice does not read (CycloneDX XML, SPDX tag-value): the input is
 * well formed but cannot be read without a parser Sluice does not ship.
 */
export const UNSUPPORTED_FORMAT_CODE: ErrorCode = 'SLUICE_ERR_INPUT_UNREADABLE';

/** Why a whole input is refused before JSON splitting, or null when it looks like JSON. */
export function unsupportedFormat(text: string): string | null {
  const head = text.trimStart().slice(0, 512);
  if (head.startsWith('<')) {
    const cyclone = /cyclonedx\.org\/schema\/bom/.test(text.slice(0, 4096));
    return (
      `${cyclone ? 'CycloneDX XML' : 'XML'} is not supported: Sluice has no XML parser among its runtime dependencies; ` +
      'produce CycloneDX JSON instead (syft -o cyclonedx-json, trivy --format cyclonedx) or convert it (cyclonedx convert --output-format json)'
    );
  }
  if (/^SPDXVersion:/m.test(head)) return 'SPDX tag-value is not supported: produce SPDX JSON instead (syft -o spdx-json) or convert it (tools-python pyspdxtools)';
  return null;
}

/**
 * Builds the collector from an already validated config (see parseSbomConfig). One input is one
 * SBOM document (or NDJSON / a JSON array of documents). collect() never throws on bad input: each
 * document becomes an event on the 'image_inventory' stream keyed by image digest, or a RejectedRecord.
 */
export function createSbomCollector(config: SbomConfig): Collector {
  const opts = { rawCapBytes: config.rawCapBytes };
  const splitOpts = { envelopeKeys: SBOM_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes };

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const decoded = decodeInput(input, config.maxDecompressedBytes);
    if ('error' in decoded) {
      yield rejected(SOURCE_TYPE, `${input.name}#0`, 'SLUICE_ERR_INPUT_UNREADABLE', decoded.error, input.bytes);
      return;
    }
    const unsupported = unsupportedFormat(decoded.text);
    if (unsupported !== null) {
      yield rejected(SOURCE_TYPE, `${input.name}#0`, UNSUPPORTED_FORMAT_CODE, unsupported, input.bytes);
      return;
    }
    for (const item of splitInput(input, splitOpts)) {
      if (item.kind === 'error') {
        yield rejected(SOURCE_TYPE, item.position, item.error.code, item.error.reason, item.raw);
        continue;
      }
      try {
        const { key, event } = normalizeSbom(item.value, opts);
        yield { kind: 'event', stream: 'image_inventory', key, event, position: item.position };
      } catch (err) {
        const { code, reason } = rejectionOf(err);
        yield rejected(SOURCE_TYPE, item.position, code, `${item.line === undefined ? '' : `line ${item.line}: `}${reason}`, item.raw);
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
