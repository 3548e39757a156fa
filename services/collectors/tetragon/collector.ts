import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { splitInput } from '../input.ts';
import type { TetragonConfig } from './config.ts';
import { rejected, rejectionOf } from '../fields.ts';
import { normalizeTetragonEvent, SOURCE_TYPE } from './normalize.ts';

/**
 * Builds the collector from an already validated config (see parseTetragonConfig). collect() is
 * lazy and never throws on bad input: a network call comes out as an event on the 'flow' stream
 * keyed by its source identity, a record that is not a Tetragon event as a RejectedRecord, and a
 * Tetragon event that is not a network call (process_exec, process_exit, other kprobes) as nothing.
 */
export function createTetragonCollector(config: TetragonConfig): Collector {
  const opts = {
    cluster: config.cluster,
    application: config.identity.key === 'application' ? config.identity : null,
    rawCapBytes: config.rawCapBytes,
    unmappedCapBytes: config.unmappedCapBytes,
  };
  const splitOpts = { envelopeKeys: [] as string[], maxDecompressedBytes: config.maxDecompressedBytes };

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    for (const item of splitInput(input, splitOpts)) {
      if (item.kind === 'error') {
        yield rejected(SOURCE_TYPE, item.position, item.error.code, item.error.reason, item.raw);
        continue;
      }
      try {
        const r = normalizeTetragonEvent(item.value, opts);
        if (r.event) yield { kind: 'event', stream: 'flow', key: r.key, event: r.event, position: item.position };
      } catch (err) {
        const { code, reason } = rejectionOf(err);
        yield rejected(SOURCE_TYPE, item.position, code, `${item.line === undefined ? '' : `line ${item.line}: `}${reason}`, item.raw);
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
