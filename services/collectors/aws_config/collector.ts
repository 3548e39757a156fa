import { rejected, rejectionOf } from '../fields.ts';
import type { Collector, CollectorInput, CollectorOutput, RejectedRecord } from '../../core/components.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { AwsConfigConfig } from './config.ts';
import { expandRecord, rootContext, type Unit } from './forms.ts';
import { normalizeConfigItem, SOURCE_TYPE } from './normalize.ts';
import { readRecords, type ReadItem } from './read.ts';

const reject = (position: string, reasonCode: ErrorCode, reason: string, raw: Buffer): RejectedRecord => rejected(SOURCE_TYPE, position, reasonCode, reason, raw);

function rawBytes(value: unknown, fallback: Buffer): Buffer {
  try {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return text === undefined ? fallback : Buffer.from(text, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * Builds the collector from an already validated config (see parseAwsConfigConfig).
 * collect() is lazy and never throws on bad input: every configuration item comes out as an event
 * on the 'config' stream keyed by resource uid, every other record as a RejectedRecord.
 * Positions are `<input name>#<index>`, counting every output (event or rejection) in order.
 */
export function createAwsConfigCollector(config: AwsConfigConfig): Collector {
  const normalizeOpts = {
    rawCapBytes: config.rawCapBytes,
    unmappedCapBytes: config.unmappedCapBytes,
    maxConfigurationBytes: config.maxConfigurationBytes,
  };

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    let index = 0;
    const pos = (): string => `${input.name}#${index++}`;
    const records = readRecords(input, { maxDecompressedBytes: config.maxDecompressedBytes, repairJson: config.repairJson });
    for (;;) {
      let next: IteratorResult<ReadItem, void>;
      try {
        next = records.next();
      } catch (err) {
        // The reader never throws on bad bytes; this is a bug or an engine limit. One rejection, then stop.
        const { code, reason } = rejectionOf(err);
        yield reject(pos(), code, `input could not be read: ${reason}`, input.bytes);
        return;
      }
      if (next.done) return;
      const record = next.value;
      if (record.kind === 'error') {
        yield reject(pos(), record.code, record.reason, record.raw);
        continue;
      }
      const where = record.line === undefined ? '' : `line ${record.line}: `;
      let units: Unit[];
      try {
        units = expandRecord(record.value, rootContext(record.repaired));
      } catch (err) {
        const { code, reason } = rejectionOf(err);
        yield reject(pos(), code, `${where}${reason}`, record.raw);
        continue;
      }
      // The record's own bytes when the unit is the whole record, else the JSON of the element.
      const unitRaw = (value: unknown): Buffer => (value === record.value ? record.raw : rawBytes(value, record.raw));
      for (const unit of units) {
        const position = pos();
        if (unit.kind === 'reject') {
          yield reject(position, 'SLUICE_ERR_INPUT_MALFORMED', `${where}${unit.reason}`, unitRaw(unit.raw));
          continue;
        }
        try {
          const event = normalizeConfigItem(unit.item, unit.ctx, unit.raw, normalizeOpts);
          yield { kind: 'event', stream: 'config', key: event.resource.uid, event, position };
        } catch (err) {
          const { code, reason } = rejectionOf(err);
          yield reject(position, code, `${where}${reason}`, unitRaw(unit.raw));
        }
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
