import type { EventMeta } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import { partitionForKey } from '../../core/partitioner.ts';
import type { KeyedState } from '../../core/state.ts';
import { packState, unpackState, type StateEntryJson } from './packed-state.ts';
import type { PackedState } from './protocol.ts';

/** One value with the input position that last set it. */
interface Entry {
  value: unknown;
  topic: string;
  partition: number;
  offset: bigint;
  /** JSON size when last written to or read from the changelog. */
  bytes: number;
}

interface ShardState {
  epoch: number;
  detectors: Map<string, Map<string, Entry>>;
  /**
   * Deleted entities (`detector\0key`) with the input position their deletion reflects, so that a
   * redelivered record the deletion already reflects is skipped like one a held value reflects (a
   * dlp object closed by its last chunk, whose batch was not committed, must not reopen on replay).
   * From the changelog's tombstones at restore and from deletes since; the latest MAX_DELETED kept.
   */
  deleted: Map<string, Position>;
}

interface Position {
  topic: string;
  partition: number;
  offset: bigint;
}

/**
 * Deletion markers kept per shard. A replay covers only the batches not yet committed (one fetch
 * per partition being consumed), far fewer deletions per shard than this; older markers are
 * dropped first. They cost memory only for keys deleted since the last restore and the
 * changelog's tombstones not yet purged by compaction.
 */
export const MAX_DELETED = 4096;

function markDeleted(state: ShardState, id: string, at: Position): void {
  state.deleted.delete(id);
  state.deleted.set(id, at);
  if (state.deleted.size > MAX_DELETED) state.deleted.delete(state.deleted.keys().next().value!);
}

const reflects = (at: Position | undefined, meta: EventMeta): boolean => !!at && at.topic === meta.topic && at.partition === meta.partition && at.offset >= BigInt(meta.offset);

/**
 * The detector state a worker thread holds: per state shard, per detector, per entity key, with the
 * input offset each value reflects. Detectors see it through KeyedState facades bound to the event
 * being processed; changes are collected and handed back packed, for the changelog.
 */
export class WorkerState {
  private readonly shards = new Map<number, ShardState>();
  private current: { shard: ShardState; meta: EventMeta; detector: string } | undefined;
  private dirty = new Map<string, { detector: string; key: string; entry: Entry | null; topic: string; partition: number; offset: bigint }>();

  constructor(private readonly stateShards: number) {}

  epochOf(shard: number): number | null {
    return this.shards.get(shard)?.epoch ?? null;
  }

  /** Replaces a shard's state with the packed entries; tombstones (no bytes) become deletion markers. Returns the values loaded. */
  restore(shard: number, epoch: number, packed: PackedState): number {
    const state: ShardState = { epoch, detectors: new Map(), deleted: new Map() };
    const decoder = new TextDecoder();
    let n = 0;
    for (const e of unpackState(packed)) {
      if (!e.bytes) {
        markDeleted(state, `${e.detector}\u0000${e.key}`, { topic: e.topic, partition: e.partition, offset: BigInt(e.offset) });
        continue;
      }
      const text = decoder.decode(e.bytes);
      this.detectorMap(state, e.detector).set(e.key, {
        value: JSON.parse(text) as unknown,
        topic: e.topic,
        partition: e.partition,
        offset: BigInt(e.offset),
        bytes: e.bytes.length,
      });
      n++;
    }
    this.shards.set(shard, state);
    return n;
  }

  private detectorMap(state: ShardState, detector: string): Map<string, Entry> {
    let m = state.detectors.get(detector);
    if (!m) state.detectors.set(detector, (m = new Map()));
    return m;
  }

  /** Binds the facades to one event of a shard, for one detector. */
  enter(shard: number, detector: string, meta: EventMeta): void {
    const state = this.shards.get(shard);
    if (!state) throw new SluiceError('SLUICE_ERR_STATE_STALE', `shard ${shard} is not held by this thread`);
    this.current = { shard: state, meta, detector };
  }

  /** Binds the facades for a maintenance call: deletes of held keys only, no event. */
  enterMaintenance(detector: string): boolean {
    const first = this.shards.values().next();
    if (first.done) return false;
    this.current = { shard: first.value, meta: { key: '', topic: '', partition: -1, offset: '-1' }, detector };
    return true;
  }

  leave(): void {
    this.current = undefined;
  }

  /** True when the detector's state for the event's key, held or deleted, already reflects this input offset (a replay). */
  alreadyApplied(shard: number, detector: string, meta: EventMeta): boolean {
    const state = this.shards.get(shard);
    const entry = state?.detectors.get(detector)?.get(meta.key);
    if (entry) return reflects(entry, meta);
    return reflects(state?.deleted.get(`${detector}\u0000${meta.key}`), meta);
  }

  /** The KeyedState a detector is built with; valid inside enter()/leave(). */
  facade(detector: string): KeyedState<unknown> {
    const owner = this;
    const lookup = (key: string): Map<string, Entry> | undefined => {
      // The event's own key (the usual case) is in the shard bound by enter() (not by maintenance): no hash needed.
      const cur = owner.current;
      const shard = cur !== undefined && key === cur.meta.key && cur.meta.partition >= 0 ? cur.shard : owner.shards.get(partitionForKey(key, owner.stateShards));
      return shard?.detectors.get(detector);
    };
    return {
      get(key) {
        return lookup(key)?.get(key)?.value;
      },
      has(key) {
        return lookup(key)?.has(key) ?? false;
      },
      set(key, value) {
        const cur = owner.bound(detector);
        if (key !== cur.meta.key) {
          throw new SluiceError('SLUICE_ERR_STATE_KEY', `${detector} set state for "${key}" while processing "${cur.meta.key}"`);
        }
        const entry: Entry = { value, topic: cur.meta.topic, partition: cur.meta.partition, offset: BigInt(cur.meta.offset), bytes: 0 };
        owner.detectorMap(cur.shard, detector).set(key, entry);
        // One id string for both maps (its hash is computed once); no deletion markers, no lookup.
        const id = `${detector}\u0000${key}`;
        if (cur.shard.deleted.size > 0) cur.shard.deleted.delete(id);
        owner.dirty.set(id, { detector, key, entry, topic: entry.topic, partition: entry.partition, offset: entry.offset });
      },
      delete(key) {
        const cur = owner.bound(detector);
        const map = lookup(key);
        const entry = map?.get(key);
        if (!map || !entry) return;
        map.delete(key);
        // The tombstone goes to the partition the entity's state lives in; it reflects the current
        // event when that event is the entity's own, else the entity's last applied offset.
        const own = entry.topic === cur.meta.topic && entry.partition === cur.meta.partition && key === cur.meta.key;
        const offset = own ? BigInt(cur.meta.offset) : entry.offset;
        const shard = owner.shards.get(partitionForKey(key, owner.stateShards));
        if (shard) markDeleted(shard, `${detector}\u0000${key}`, { topic: entry.topic, partition: entry.partition, offset });
        owner.dirty.set(`${detector}\u0000${key}`, { detector, key, entry: null, topic: entry.topic, partition: entry.partition, offset });
      },
      get size() {
        let n = 0;
        for (const s of owner.shards.values()) n += s.detectors.get(detector)?.size ?? 0;
        return n;
      },
      *keys() {
        for (const s of owner.shards.values()) yield* s.detectors.get(detector)?.keys() ?? [];
      },
    };
  }

  private bound(detector: string): { shard: ShardState; meta: EventMeta } {
    const cur = this.current;
    if (!cur || cur.detector !== detector) {
      throw new SluiceError('SLUICE_ERR_STATE_KEY', `${detector} changed state outside of process()`);
    }
    return cur;
  }

  /** The changes since the last call, last value per (detector, key), packed for transfer. */
  takeChanges(): PackedState {
    if (this.dirty.size === 0) return packState([]);
    const out: StateEntryJson[] = [];
    for (const d of this.dirty.values()) {
      const json = d.entry ? (JSON.stringify(d.entry.value) ?? 'null') : null;
      if (d.entry && json !== null) d.entry.bytes = Buffer.byteLength(json);
      out.push({ detector: d.detector, key: d.key, topic: d.topic, partition: d.partition, offset: d.offset.toString(), json });
    }
    this.dirty = new Map();
    return packState(out);
  }

  /** Drops uncommitted changes (after a failed request) without touching held values. */
  discardChanges(): void {
    this.dirty = new Map();
  }

  /** Entities and JSON bytes per detector in one shard (all shards when omitted). */
  /** The keys one detector holds in one shard (empty when the shard is not held). */
  shardKeys(shard: number, detector: string): string[] {
    return [...(this.shards.get(shard)?.detectors.get(detector)?.keys() ?? [])];
  }

  stats(shard?: number): Array<{ detector: string; entities: number; bytes: number }> {
    const totals = new Map<string, { entities: number; bytes: number }>();
    const shards = shard === undefined ? [...this.shards.values()] : [this.shards.get(shard)].filter((s) => s !== undefined);
    for (const s of shards) {
      for (const [detector, map] of s.detectors) {
        const t = totals.get(detector) ?? { entities: 0, bytes: 0 };
        t.entities += map.size;
        for (const e of map.values()) t.bytes += e.bytes;
        totals.set(detector, t);
      }
    }
    return [...totals].map(([detector, t]) => ({ detector, ...t }));
  }
}
