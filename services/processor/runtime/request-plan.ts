import type { EventMeta } from '../../core/components.ts';
import { partitionForKey } from '../../core/partitioner.ts';
import type { ShardSegment } from './protocol.ts';

/** One worker request of a batch: the batch positions it carries, and which of them belong to which shard. */
export interface PlannedRequest {
  /** Positions in the batch, in the order the request carries them. */
  indexes: number[];
  /** Segments over `indexes` (from/to are positions in it), one per shard run. */
  segments: ShardSegment[];
}

/** Requests per thread a batch is cut into at least (when it has PIPELINE * MIN_REQUEST events or more). */
export const PIPELINE = 4;
/** Fewer events than this per request only when the thread's share of the batch is smaller. */
export const MIN_REQUEST = 64;

/**
 * Splits a batch into worker requests: events are grouped by state shard (murmur2 of the key mod
 * `stateShards`, keeping their order), and the shards of one slot (one owning thread) are packed
 * into requests of about a PIPELINE-th of the slot's events (not below MIN_REQUEST, not above
 * `maxPerRequest`), a shard starting a new request when it does not fit in the current one. Only a
 * shard larger than `maxPerRequest` spans consecutive requests of its slot; the pool submits a
 * slot's requests in this order.
 */
export function planRequests(metas: ReadonlyArray<Pick<EventMeta, 'key'>>, stateShards: number, slotOf: (shard: number) => number, maxPerRequest: number): PlannedRequest[] {
  const byShard = new Map<number, number[]>();
  for (let i = 0; i < metas.length; i++) {
    const shard = partitionForKey(metas[i]!.key, stateShards);
    let list = byShard.get(shard);
    if (!list) byShard.set(shard, (list = []));
    list.push(i);
  }
  const bySlot = new Map<number, Array<[number, number[]]>>();
  for (const entry of byShard) {
    const slot = slotOf(entry[0]);
    let list = bySlot.get(slot);
    if (!list) bySlot.set(slot, (list = []));
    list.push(entry);
  }
  const requests: PlannedRequest[] = [];
  for (const shards of bySlot.values()) {
    // At least PIPELINE requests per thread when the slot has enough events: the main thread then
    // builds (and clones) the next request while the thread runs the previous one.
    let total = 0;
    for (const [, indexes] of shards) total += indexes.length;
    const cap = Math.min(maxPerRequest, Math.max(MIN_REQUEST, Math.ceil(total / PIPELINE)));
    let current: PlannedRequest = { indexes: [], segments: [] };
    for (const [shard, indexes] of shards) {
      // A shard that does not fit in what is left of the request starts the next one; a shard is
      // split only when it alone exceeds maxPerRequest (each split adds a changelog write per key).
      if (current.indexes.length > 0 && current.indexes.length + indexes.length > cap) {
        requests.push(current);
        current = { indexes: [], segments: [] };
      }
      let at = 0;
      while (at < indexes.length) {
        if (current.indexes.length >= maxPerRequest) {
          requests.push(current);
          current = { indexes: [], segments: [] };
        }
        const take = Math.min(indexes.length - at, maxPerRequest - current.indexes.length);
        const from = current.indexes.length;
        for (let k = at; k < at + take; k++) current.indexes.push(indexes[k]!);
        current.segments.push({ shard, from, to: from + take });
        at += take;
      }
    }
    if (current.indexes.length > 0) requests.push(current);
  }
  return requests;
}
