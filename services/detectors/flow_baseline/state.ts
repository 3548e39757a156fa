/**
 * The per-workload state of flow_baseline (one JSON value per workload key in ctx.state) and the
 * pure operations on it. Everything here is plain JSON: numbers, strings, arrays, records.
 */
import type { FlowEndpointType } from '../../core/model/network-flow.ts';
import type { FlowMode } from './config.ts';

/** A baseline edge: [first seen, last seen, flows, bitmask of the version slots that used it]. */
export type EdgeRecord = [first: number, last: number, count: number, versions: number];

/**
 * An edge seen outside the baseline: [first seen, last seen, flows, version bitmask, time of the
 * last finding (or -1), rule (0 new edge, 1 version change, 2 a new application's edge outside its
 * namespace's baseline that was not learned, e.g. dropped)].
 */
export type NovelRecord = [first: number, last: number, count: number, versions: number, lastAlert: number, rule: 0 | 1 | 2];

/** One image version of the workload, in a bit slot of the edges' version masks. */
export interface VersionRecord {
  /** Bit index (0..29) in EdgeRecord/NovelRecord masks. */
  slot: number;
  /** Image version / tag / digest (or version label); null until one is seen. */
  version: string | null;
  image_repository: string | null;
  first: number;
  last: number;
  /** Slot of the version that was current when this one appeared (its predecessor), or null for the first. */
  prev: number | null;
  /** The edges its predecessor used and it never did were reported. */
  removedReported: boolean;
}

/** Why discovery ended. */
export type DiscoveryEndReason = 'duration' | 'stable' | 'control';

/**
 * What an application does at L7 (l7.ts): HTTP (method, path pattern) per edge and the DNS names it
 * resolves, each an EdgeRecord (first, last, count, version mask), bounded and LRU like the edges.
 */
export interface L7State {
  /** `<o|i>|<peer>|<proto>|<port>|<METHOD>|<pattern>` -> record; at most `l7.http.maxPathsPerEdge` per edge, `l7.http.maxPaths` in all. */
  http: Record<string, EdgeRecord>;
  /** DNS name (l7.ts dnsName) -> record; at most `l7.dns.maxNames`. */
  dns: Record<string, EdgeRecord>;
  /** L7 items outside the baseline (`h|<http key>`, `d|<name>`), for deduplication; at most `limits.maxNovelEdges`. Rule: 0 new, 1 a new version's. */
  novel: Record<string, NovelRecord>;
  /**
   * While not null, L7 items are learned until this event time even past discovery: a state
   * migrated from layout 1 (no L7 baseline yet) learns L7 for `discovery.maxMs` first.
   */
  learnUntil: number | null;
  /** The application serves DNS (an inbound edge on port 53): it is a resolver, the names it forwards are not its own. */
  resolver: boolean;
  /** [window start, L7 findings in it]: at most `burst.maxFindings` L7 findings per window, the rest are counted. */
  burst: [start: number, findings: number];
}

/** A fresh, empty L7 state. */
export function newL7State(learnUntil: number | null): L7State {
  return { http: {}, dns: {}, novel: {}, learnUntil, resolver: false, burst: [0, 0] };
}

/** The state of one workload (or other source entity) key. */
export interface FlowBaselineState {
  /** State layout version (2: with `l7`; a layout-1 value is migrated by readState). */
  v: 2;
  identity: {
    type: FlowEndpointType;
    cluster: string | null;
    namespace: string | null;
    kind: string;
    name: string;
    /** Repository of the latest version. */
    image_repository: string | null;
  };
  /** Selector labels (the labels all its pods agreed on); null when no flow carried labels. */
  labels: Record<string, string> | null;
  /**
   * Selector labels of its workload peers as seen on their ends of its flows (peer id -> labels),
   * so policy export can select a peer whose own flows never carried labels. Only peers of baseline edges.
   */
  peerLabels: Record<string, Record<string, string>>;
  /** `discover` while learning, `active` once discovery ended. */
  phase: 'discover' | 'active';
  /** Mode set by a control message; null follows the config. */
  modeOverride: FlowMode | null;
  discovery: {
    start: number;
    /** Event time of the last edge learned. */
    lastNew: number;
    end: number | null;
    reason: DiscoveryEndReason | null;
    /** The informational finding for the end was emitted. */
    reported: boolean;
  };
  first: number;
  /** Highest event time seen. */
  last: number;
  flows: number;
  versions: VersionRecord[];
  /** Slot of the most recently introduced version, -1 before any. */
  current: number;
  edges: Record<string, EdgeRecord>;
  novel: Record<string, NovelRecord>;
  /** [window start, new-edge findings in it, 1 when the burst finding was raised]. */
  burst: [start: number, findings: number, summarized: 0 | 1];
  counters: {
    edgesEvicted: number;
    novelEvicted: number;
    versionsEvicted: number;
    findingsSuppressed: number;
    resets: number;
  };
  /** The last control message applied. */
  control: { id: string | null; type: string; time: number } | null;
  /** HTTP paths and DNS names (layout 2). */
  l7: L7State;
}

/** A fresh state for a workload first seen at `time`. */
export function newState(identity: FlowBaselineState['identity'], time: number): FlowBaselineState {
  return {
    v: 2,
    identity,
    labels: null,
    peerLabels: {},
    phase: 'discover',
    modeOverride: null,
    discovery: { start: time, lastNew: time, end: null, reason: null, reported: false },
    first: time,
    last: time,
    flows: 0,
    versions: [],
    current: -1,
    edges: {},
    novel: {},
    burst: [time, 0, 0],
    counters: { edgesEvicted: 0, novelEvicted: 0, versionsEvicted: 0, findingsSuppressed: 0, resets: 0 },
    control: null,
    l7: newL7State(null),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A cheap shape check of a value read back from ctx.state (another layout or a corrupt value fails). */
export function isFlowBaselineState(v: unknown): v is FlowBaselineState {
  return isStateShape(v, 2) && isRecord((v as Record<string, unknown>).l7);
}

/** The shape shared by layouts 1 and 2. */
function isStateShape(v: unknown, layout: 1 | 2): boolean {
  return (
    isRecord(v) &&
    v.v === layout &&
    isRecord(v.identity) &&
    (v.phase === 'discover' || v.phase === 'active') &&
    isRecord(v.discovery) &&
    typeof v.last === 'number' &&
    Array.isArray(v.versions) &&
    typeof v.current === 'number' &&
    isRecord(v.edges) &&
    isRecord(v.novel) &&
    isRecord(v.peerLabels) &&
    Array.isArray(v.burst) &&
    isRecord(v.counters)
  );
}

/**
 * A value read back from ctx.state as the current layout, or null (another layout or corrupt: it
 * is rebuilt). A layout-1 value (before L7 learning) is migrated in place: it gets an empty L7
 * state that learns until `time + l7LearnMs` (its L3/L4 baseline is kept as it is).
 */
export function readState(v: unknown, time: number, l7LearnMs: number): FlowBaselineState | null {
  if (isFlowBaselineState(v)) return v;
  if (!isStateShape(v, 1)) return null;
  const s = v as unknown as Omit<FlowBaselineState, 'v' | 'l7'> & { v: number; l7?: L7State };
  s.v = 2;
  s.l7 = newL7State((Number.isFinite(time) ? Math.max(time, s.last) : s.last) + l7LearnMs);
  return s as FlowBaselineState;
}

/** Counts the keys of a record without allocating an array. */
export function countKeys(r: Record<string, unknown>): number {
  let n = 0;
  for (const _ in r) n++;
  return n;
}

/** Removes the least recently used entries until at most `max` remain; returns how many were removed. */
export function evictLru(records: Record<string, EdgeRecord | NovelRecord>, max: number, size: number): number {
  let removed = 0;
  while (size - removed > max) {
    let oldestKey: string | null = null;
    let oldest = Infinity;
    for (const k in records) {
      const last = records[k]![1];
      if (last < oldest) {
        oldest = last;
        oldestKey = k;
      }
    }
    if (oldestKey === null) break;
    delete records[oldestKey];
    removed++;
  }
  return removed;
}

/**
 * The version slot a flow belongs to, creating a version when (repository, version) is new.
 * A flow without a version belongs to the current version. When every slot is taken, the least
 * recently seen version (never the current one) is forgotten and its bit cleared from the masks.
 * Returns the slot and whether a version was created.
 */
export function observeVersion(
  s: FlowBaselineState,
  version: string | null,
  repository: string | null,
  time: number,
  maxVersions: number,
): { slot: number; created: boolean } {
  const cur = s.versions.find((v) => v.slot === s.current);
  if (version === null && (repository === null || repository === cur?.image_repository)) {
    if (cur) {
      if (time > cur.last) cur.last = time;
      return { slot: cur.slot, created: false };
    }
  }
  const repo = repository ?? cur?.image_repository ?? null;
  for (const v of s.versions) {
    if (v.version === version && v.image_repository === repo) {
      if (time > v.last) v.last = time;
      return { slot: v.slot, created: false };
    }
  }
  // The first real version replaces the placeholder made before any version was known.
  if (cur && s.versions.length === 1 && cur.version === null && cur.prev === null && (cur.image_repository === null || cur.image_repository === repo)) {
    cur.version = version;
    cur.image_repository = repo;
    if (time > cur.last) cur.last = time;
    s.identity.image_repository = repo;
    return { slot: cur.slot, created: false };
  }
  let slot = 0;
  const used = new Set(s.versions.map((v) => v.slot));
  while (used.has(slot)) slot++;
  if (slot >= maxVersions) {
    let victim: VersionRecord | undefined;
    for (const v of s.versions) if (v.slot !== s.current && (!victim || v.last < victim.last)) victim = v;
    if (!victim) return { slot: s.current, created: false };
    forgetVersion(s, victim.slot);
    slot = victim.slot;
  }
  const rec: VersionRecord = { slot, version, image_repository: repo, first: time, last: time, prev: s.current >= 0 ? s.current : null, removedReported: false };
  s.versions.push(rec);
  s.current = slot;
  s.identity.image_repository = repo;
  return { slot, created: s.versions.length > 1 };
}

/** Drops a version and clears its bit from every mask (and from successors' `prev`). */
export function forgetVersion(s: FlowBaselineState, slot: number): void {
  const bit = 1 << slot;
  s.versions = s.versions.filter((v) => v.slot !== slot);
  for (const v of s.versions) if (v.prev === slot) v.prev = null;
  for (const k in s.edges) s.edges[k]![3] &= ~bit;
  for (const k in s.novel) s.novel[k]![3] &= ~bit;
  for (const k in s.l7.http) s.l7.http[k]![3] &= ~bit;
  for (const k in s.l7.dns) s.l7.dns[k]![3] &= ~bit;
  for (const k in s.l7.novel) s.l7.novel[k]![3] &= ~bit;
  s.counters.versionsEvicted++;
}

/** A version record by slot. */
export function versionAt(s: FlowBaselineState, slot: number | null): VersionRecord | undefined {
  return slot === null ? undefined : s.versions.find((v) => v.slot === slot);
}

/** Restarts learning from scratch at `time` (reset_baseline): edges, novel edges and versions are dropped. */
export function resetBaseline(s: FlowBaselineState, time: number): void {
  s.edges = {};
  s.novel = {};
  s.peerLabels = {};
  s.versions = [];
  s.current = -1;
  s.phase = 'discover';
  s.discovery = { start: time, lastNew: time, end: null, reason: null, reported: false };
  s.burst = [time, 0, 0];
  s.l7 = newL7State(null);
  s.counters.resets++;
}

/** Drops peer labels no baseline edge refers to any more. */
export function prunePeerLabels(s: FlowBaselineState): void {
  const live = new Set<string>();
  for (const k in s.edges) live.add(k.slice(2, k.indexOf('|', 2)));
  for (const p in s.peerLabels) if (!live.has(p)) delete s.peerLabels[p];
}
