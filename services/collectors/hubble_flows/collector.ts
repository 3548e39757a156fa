import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { splitInput } from '../input.ts';
import type { HubbleFlowsConfig } from './config.ts';
import { rejected, rejectionOf } from '../fields.ts';
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

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    for (const item of splitInput(input, splitOpts)) {
      if (item.kind === 'error') {
        yield rejected(SOURCE_TYPE, item.position, item.error.code, item.error.reason, item.raw);
        continue;
      }
      try {
        const { key, event } = normalizeHubbleFlow(item.value, normalizeOpts);
        yield { kind: 'event', stream: 'flow', key, event, position: item.position };
      } catch (err) {
        const { code, reason } = rejectionOf(err);
        yield rejected(SOURCE_TYPE, item.position, code, `${item.line === undefined ? '' : `line ${item.line}: `}${reason}`, item.raw);
      }
    }
  }

  return { type: SOURCE_TYPE, collect };
}
