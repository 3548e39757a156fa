import type { PackedState, StateEntryMeta } from './protocol.ts';

/** A state entry with its JSON text, or null for a deletion. */
export interface StateEntryJson extends StateEntryMeta {
  json: string | null;
}

/** Packs entries into one ArrayBuffer (to transfer between threads) plus their index. */
export function packState(entries: readonly StateEntryJson[]): PackedState {
  // Sizes first, then one buffer of its own (transferable, not a slice of Buffer's pool) written in place.
  let size = 0;
  for (const e of entries) if (e.json !== null) size += Buffer.byteLength(e.json);
  const data = Buffer.allocUnsafeSlow(size);
  const index: PackedState['entries'] = new Array(entries.length);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const { detector, key, topic, partition, offset, json } = entries[i]!;
    if (json === null) {
      index[i] = { detector, key, topic, partition, offset, start: -1, end: -1 };
      continue;
    }
    const end = at + data.write(json, at, 'utf8');
    index[i] = { detector, key, topic, partition, offset, start: at, end };
    at = end;
  }
  return { entries: index, data: data.buffer };
}

/** The entries of a packed state, each with its value bytes (a view, not a copy) or null. */
export function* unpackState(packed: PackedState): Generator<StateEntryMeta & { bytes: Uint8Array | null }> {
  const data = new Uint8Array(packed.data);
  for (const { start, end, ...meta } of packed.entries) {
    // Object.assign, not `{ ...meta, bytes }` (a spread followed by a new property is slow on Node 20).
    yield Object.assign(meta, { bytes: start < 0 ? null : data.subarray(start, end) });
  }
}

export const EMPTY_STATE: PackedState = { entries: [], data: new ArrayBuffer(0) };
