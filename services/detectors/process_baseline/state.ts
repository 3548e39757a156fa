/**
 * The durable state of process_baseline: one JSON value per application key, and its pure
 * operations (versions, LRU bounds). Plain objects and arrays only (it goes to the changelog).
 */

export type DiscoveryEndReason = 'duration' | 'stable';

/** A baseline binary: [first seen, last seen, executions, version bits, parent binaries (most recent last)]. */
export type BinaryRecord = [number, number, number, number, string[]];

/** An out-of-baseline binary or a reported spawn pair: [first seen, last seen, count, last reported (-1 never)]. */
export type NovelRecord = [number, number, number, number];

/** A version of the application: [version, first seen, last seen]; its index is its bit in BinaryRecord[3]. */
export type VersionRecord = [string, number, number];

export interface ProcessBaselineState {
  v: 1;
  identity: { cluster: string; namespace: string | null; kind: string; name: string; image_repository: string | null };
  phase: 'discover' | 'active';
  discovery: { start: number; lastNew: number; end: number | null; reason: DiscoveryEndReason | null; reported: boolean };
  first: number;
  last: number;
  events: number;
  /** At most versions.max; the least recently seen is replaced (its bit cleared everywhere). */
  versions: Array<VersionRecord | null>;
  /** binary path -> record; at most limits.maxBinaries (LRU by last seen). */
  binaries: Record<string, BinaryRecord>;
  /** Binaries seen as the application's entrypoint (container pid 1, or started by a runtime); at most limits.maxEntrypoints. */
  entrypoints: string[];
  /** `b:<binary>` (new binaries after discovery) and `s:<parent>><child>` (spawn pairs) -> record; at most limits.maxNovel. */
  novel: Record<string, NovelRecord>;
  counters: { binariesEvicted: number; novelEvicted: number; versionsEvicted: number };
}

export function newState(identity: ProcessBaselineState['identity'], t: number): ProcessBaselineState {
  return {
    v: 1,
    identity,
    phase: 'discover',
    discovery: { start: t, lastNew: t, end: null, reason: null, reported: false },
    first: t,
    last: t,
    events: 0,
    versions: [],
    binaries: {},
    entrypoints: [],
    novel: {},
    counters: { binariesEvicted: 0, novelEvicted: 0, versionsEvicted: 0 },
  };
}

/** True for a value of this layout (anything else is discarded and rebuilt). */
export function isProcessBaselineState(v: unknown): v is ProcessBaselineState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<ProcessBaselineState>;
  return s.v === 1 && typeof s.identity === 'object' && typeof s.binaries === 'object' && typeof s.novel === 'object' && Array.isArray(s.versions) && Array.isArray(s.entrypoints);
}

/**
 * The slot (bit index) of a version, adding it (and replacing the least recently seen one beyond
 * `max`, clearing its bit in every binary). -1 when the event names no version.
 */
export function versionSlot(s: ProcessBaselineState, version: string | null, t: number, max: number): number {
  if (version === null) return -1;
  let free = -1;
  let oldest = -1;
  for (let i = 0; i < s.versions.length; i++) {
    const v = s.versions[i];
    if (!v) {
      if (free < 0) free = i;
      continue;
    }
    if (v[0] === version) {
      if (t > v[2]) v[2] = t;
      return i;
    }
    if (oldest < 0 || v[2] < s.versions[oldest]![2]) oldest = i;
  }
  let slot = free >= 0 ? free : s.versions.length < max ? s.versions.length : oldest;
  if (slot < 0) slot = 0;
  if (s.versions[slot]) {
    const mask = ~(1 << slot);
    for (const b of Object.values(s.binaries)) b[3] &= mask;
    s.counters.versionsEvicted++;
  }
  s.versions[slot] = [version, t, t];
  return slot;
}

/** The versions named by a bit mask, oldest first. */
export function versionsOf(s: ProcessBaselineState, mask: number): string[] {
  const out: VersionRecord[] = [];
  s.versions.forEach((v, i) => {
    if (v && (mask & (1 << i)) !== 0) out.push(v);
  });
  return out.sort((a, b) => a[1] - b[1]).map((v) => v[0]);
}

/** Deletes the least recently seen entries (index 1 is the last-seen time) down to `max`; returns how many. */
export function evictLru<T extends readonly unknown[]>(rec: Record<string, T>, max: number, keep?: string): number {
  const keys = Object.keys(rec);
  if (keys.length <= max) return 0;
  const byAge = keys.filter((k) => k !== keep).sort((a, b) => (rec[a]![1] as number) - (rec[b]![1] as number));
  const n = keys.length - max;
  for (let i = 0; i < n && i < byAge.length; i++) delete rec[byAge[i]!];
  return Math.min(n, byAge.length);
}

/** Adds `parent` to a binary's parents (most recent last, at most `max`). */
export function addParent(b: BinaryRecord, parent: string | null, max: number): void {
  if (parent === null) return;
  const ps = b[4];
  const i = ps.indexOf(parent);
  if (i === ps.length - 1 && i >= 0) return;
  if (i >= 0) ps.splice(i, 1);
  ps.push(parent);
  if (ps.length > max) ps.splice(0, ps.length - max);
}
