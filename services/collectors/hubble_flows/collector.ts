import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { splitInput } from '../input.ts';
import type { HubbleFlowsConfig } from './config.ts';
import { collectItems } from '../records.ts';
import { normalizeHubbleFlow, SOURCE_TYPE } from './normalize.ts';

/** `hubble observe -o json` writes one object per line; no batch envelope is used. */
export const HUBBLE_ENVELOPE_KEYS: readonly string[] = [];

/**
 * Builds the collector from an already validated config (see parseHubbleFlowsConfig).
 * collect() is lazy and never throws on bad input: every record comes out either as an event on
 * the 'flow' stream keyed by its source identity, or as a RejectedRecord.
 */
export function createHubbleFlowsCollector(config: HubbleFlowsConfig): Collector {
  const normalizeOpts = {
    cluster: config.cluster,
    imageLabels: config.imageLabels,
    application: config.identity.key === 'application' ? config.identity : null,
    rawCapBytes: config.rawCapBytes,
    unmappedCapBytes: config.unmappedCapBytes,
  };
  const splitOpts = { envelopeKeys: HUBBLE_ENVELOPE_KEYS, maxDecompressedBytes: config.maxDecompressedBytes };

  function collect(input: CollectorInput): Iterable<CollectorOutput> {
    return collectItems(SOURCE_TYPE, splitInput(input, splitOpts), (item) => {
      const { key, event } = normalizeHubbleFlow(item.value, normalizeOpts);
      return [{ kind: 'event', stream: 'flow', key, event, position: item.position }];
    });
  }

  return { type: SOURCE_TYPE, collect };
}
