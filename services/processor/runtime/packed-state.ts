import type { PackedState, StateEntryMeta } from './protocol.ts';

/** A state entry with its JSON text, or null for a deletion. */
export interface StateEntryJson extends StateEntryMeta {
  json: string | null;
}

/** Packs entries into one ArrayBuffer (to transfer between threads) plus their index. */
export function packState(entries: readonly StateEntryJson[]): PackedState {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const index: PackedState['entries'] = [];
  for (const { json, ...meta } of entries) {
    if (json === null) {
      index.push({ ...meta, start: -1, end: -1 });
      continue;
    }
    const bytes = encoder.encode(json);
    index.push({ ...meta, start: size, end: size + bytes.length });
    chunks.push(bytes);
    size += bytes.length;
  }
  const data = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { entries: index, data: data.buffer };
}

/** The entries of a packed state, each with its value bytes (a view, not a copy) or null. */
export function* unpackState(packed: PackedState): Generator<StateEntryMeta & { bytes: Uint8Array | null }> {
  const data = new Uint8Array(packed.data);
  for (const { start, end, ...meta } of packed.entries) {
    yield { ...meta, bytes: start < 0 ? null : data.subarray(start, end) };
  }
}

export const EMPTY_STATE: PackedState = { entries: [], data: new ArrayBuffer(0) };
