import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { isObj } from '../fields.ts';
import { splitInput } from '../input.ts';
import type { TetragonConfig } from './config.ts';
import { collectItems } from '../records.ts';
import { normalizeTetragonEvent, SOURCE_TYPE, tetragonEventType } from './normalize.ts';
import { normalizeTetragonProcess, PROCESS_EVENT_TYPES } from './process.ts';

/**
 * Builds the collector from an already validated config (see parseTetragonConfig). collect() is
 * lazy and never throws on bad input. It routes each record by its event type: process_exec and
 * process_exit come out as events on the 'process' stream, network calls as events on the 'flow'
 * stream, both keyed by the pod's application; a record that is not a Tetragon event as a
 * RejectedRecord; other Tetragon events (other kprobes, tracepoints) as nothing.
 */
export function createTetragonCollector(config: TetragonConfig): Collector {
  const opts = {
    cluster: config.cluster,
    application: config.identity.key === 'application' ? config.identity : null,
    rawCapBytes: config.rawCapBytes,
    unmappedCapBytes: config.unmappedCapBytes,
    maxAncestors: config.maxAncestors,
  };
  const splitOpts = { envelopeKeys: [] as string[], maxDecompressedBytes: config.maxDecompressedBytes };

  function collect(input: CollectorInput): Iterable<CollectorOutput> {
    return collectItems(SOURCE_TYPE, splitInput(input, splitOpts), (item) => {
      const type = isObj(item.value) ? tetragonEventType(item.value) : null;
      if (type !== null && PROCESS_EVENT_TYPES.has(type)) {
        if (!config.processEvents) return [];
        const p = normalizeTetragonProcess(item.value as Record<string, unknown>, type, opts);
        return [{ kind: 'event', stream: 'process', key: p.key, event: p.event, position: item.position }];
      }
      const r = normalizeTetragonEvent(item.value, opts);
      return r.event ? [{ kind: 'event', stream: 'flow', key: r.key, event: r.event, position: item.position }] : [];
    });
  }

  return { type: SOURCE_TYPE, collect };
}
