import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { splitInput } from '../input.ts';
import type { TetragonConfig } from './config.ts';
import { collectItems } from '../records.ts';
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

  function collect(input: CollectorInput): Iterable<CollectorOutput> {
    return collectItems(SOURCE_TYPE, splitInput(input, splitOpts), (item) => {
      const r = normalizeTetragonEvent(item.value, opts);
      return r.event ? [{ kind: 'event', stream: 'flow', key: r.key, event: r.event, position: item.position }] : [];
    });
  }

  return { type: SOURCE_TYPE, collect };
}
