import type { Collector, CollectorInput, CollectorOutput, CollectorSpec } from '../core/components.ts';
import { gunzipSync } from 'node:zlib';
import { parseDocument } from 'yaml';
import { isGzip, splitInput } from './input.ts';
import { nestingTooDeep } from './nesting.ts';

/** Envelope keys of every native batch form: CloudTrail/S3, Azure, K8s EventList, Config snapshots, OSV. */
export const AUTO_ENVELOPE_KEYS: readonly string[] = ['Records', 'records', 'items', 'configurationItems', 'vulns', 'value'];

/**
 * `--source auto`: splits the input, asks each collector's sniffer which source a record is, and
 * normalizes it with that collector (built from `configs[type]`, the `collectors.<type>` section).
 * A record no collector recognises is dead-lettered.
 */
export function autoCollector(specs: readonly CollectorSpec[], configs: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {}): Collector {
  const collectors = new Map<string, Collector>();
  const collectorOf = (spec: CollectorSpec): Collector => {
    let c = collectors.get(spec.type);
    if (!c) collectors.set(spec.type, (c = spec.create({ ...(configs[spec.type] ?? {}) })));
    return c;
  };
  return {
    type: 'auto',
    *collect(input: CollectorInput): Generator<CollectorOutput> {
      // Text formats that are not JSON (CycloneDX XML, VPC flow log lines, YAML templates) are
      // recognised as a whole document and given whole to their collector.
      const documentSpec = sniffDocument(specs, input.bytes);
      if (documentSpec) {
        yield* collectorOf(documentSpec).collect(input);
        return;
      }
      for (const item of splitInput(input, { envelopeKeys: AUTO_ENVELOPE_KEYS })) {
        if (item.kind === 'error') {
          yield { kind: 'dead_letter', stage: 'collect', source: 'auto', position: item.position, reasonCode: item.error.code, reason: item.error.reason, raw: item.raw };
          continue;
        }
        const spec = specs.find((s) => safeSniff(s, item.value));
        if (!spec) {
          yield {
            kind: 'dead_letter',
            stage: 'collect',
            source: 'auto',
            position: item.position,
            reasonCode: 'SLUICE_ERR_INPUT_MALFORMED',
            reason: `no collector recognises this record (tried ${specs.map((s) => s.type).join(', ')})`,
            raw: item.raw,
          };
          continue;
        }
        // The collector sees the record as its whole input, so its positions are `<position>#<n>`:
        // one output keeps the record's own position; several (an envelope inside) keep their suffix.
        const outs = [...collectorOf(spec).collect({ name: item.position, bytes: item.raw })];
        for (const out of outs) yield outs.length === 1 ? { ...out, position: item.position } : out;
      }
    },
  };
}

function safeSniff(spec: CollectorSpec, record: unknown): boolean {
  try {
    return spec.sniff(record);
  } catch {
    return false;
  }
}

const SNIFF_BYTES = 256 * 1024;

/**
 * For an input that does not start like JSON: offer the sniffers the text, its first line, and the
 * first YAML document parsed; the first collector that recognises one of them takes the input.
 */
function sniffDocument(specs: readonly CollectorSpec[], bytes: Buffer): CollectorSpec | undefined {
  let head = bytes.subarray(0, SNIFF_BYTES);
  if (isGzip(bytes)) {
    try {
      head = gunzipSync(bytes, { maxOutputLength: SNIFF_BYTES });
    } catch (err) {
      // A gzip larger than the sniff window throws RangeError; then sniff the window it decoded.
      if (!(err instanceof RangeError)) return undefined;
      try {
        head = gunzipSync(bytes.subarray(0, SNIFF_BYTES), { finishFlush: 2 /* Z_SYNC_FLUSH */, maxOutputLength: SNIFF_BYTES });
      } catch {
        return undefined;
      }
    }
  }
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text === '' || text.startsWith('{') || text.startsWith('[')) return undefined;
  const candidates: unknown[] = [text, text.split('\n', 1)[0]!];
  if (!nestingTooDeep(text)) try {
    const doc: unknown = parseDocument(text.split(/^---\s*$/m).find((d) => d.trim() !== '') ?? '').toJS();
    if (typeof doc === 'object' && doc !== null) candidates.push(doc);
  } catch {
    // not YAML either: no document-level candidate
  }
  return specs.find((spec) => candidates.some((c) => safeSniff(spec, c)));
}
