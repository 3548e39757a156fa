/**
 * Detector state, owned by the runtime. A detector keeps one JSON-serializable value per entity
 * (the record key of the event it is processing: a principal, resource, workload or object) in a
 * KeyedState handed to it at construction. Inside the processor each set/delete is recorded and,
 * after the batch's sinks acknowledge, written to the detector's compacted changelog topic
 * (`<app>-<detector>-changelog`) with the input offset it reflects; on start, rebalance or a
 * worker crash the state is restored from there before any record is processed.
 *
 * Rules for detectors:
 * - only touch the state of the entity being processed (`meta.key`); the runtime refuses other keys;
 * - values must survive JSON.stringify/parse (no Map, Set, BigInt, Date, undefined fields: use
 *   plain objects, arrays, numbers, strings, booleans, null);
 * - never mutate a value after set() without calling set() again: only set() marks it for the changelog;
 * - keep values bounded (top-k, sketches, caps) and delete() idle entities: a delete is a tombstone.
 */
export interface KeyedState<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  has(key: string): boolean;
  /** Entities held now. */
  readonly size: number;
  keys(): IterableIterator<string>;
}

/** A plain in-memory KeyedState: for unit tests, benchmarks and the one-shot CLI paths. */
export class MemoryKeyedState<V> implements KeyedState<V> {
  private readonly values = new Map<string, V>();

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  set(key: string, value: V): void {
    this.values.set(key, value);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  get size(): number {
    return this.values.size;
  }

  keys(): IterableIterator<string> {
    return this.values.keys();
  }
}

/**
 * The bound of a detector's held entities: once `state` holds more than `max` keys, deletes the
 * least recently seen (by `lastOf`; values it cannot read count as oldest), never `current`, down
 * to 90% of `max`. Stops at the first delete `tryDelete` refuses. Returns the number deleted.
 */
export function evictLeastRecent<V>(state: KeyedState<V>, current: string, max: number, lastOf: (value: V | undefined) => number, tryDelete: (key: string) => boolean): number {
  if (state.size <= max) return 0;
  const target = Math.max(1, Math.floor(max * 0.9));
  const byAge: Array<[string, number]> = [];
  for (const key of state.keys()) if (key !== current) byAge.push([key, lastOf(state.get(key))]);
  byAge.sort((a, b) => a[1] - b[1]);
  let excess = state.size - target;
  let deleted = 0;
  for (const [key] of byAge) {
    if (excess <= 0 || !tryDelete(key)) break;
    deleted++;
    excess--;
  }
  return deleted;
}
