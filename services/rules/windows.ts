import type { CompiledRule, RuleBindings } from './compile.ts';

/**
 * Dedup and threshold windows, event-time based, over a plain JSON state (one per partition key,
 * i.e. per principal, in the detector). Slots are keyed `<t|d>\0<rule id>\0<key value>` so
 * thresholds and dedup keys that are not the principal still live inside the principal's state.
 */

/** One window: a dedup period or a threshold's sliding window. */
export interface WindowSlot {
  /** Event time after which the slot is useless and may be dropped. */
  exp: number;
  /** Dedup: start of the period (time of the finding that opened it). */
  start?: number;
  /** Dedup: matches in the period, the first included. */
  n?: number;
  /** Threshold (counting events): times of the matches in the window. */
  times?: number[];
  /** Threshold (counting distinct values): value -> last time seen. */
  vals?: Record<string, number>;
  /** Threshold: the most recent matches [time, event uid], for related_events. */
  recent?: Array<[number, string]>;
  /**
   * Event uids already counted in this window or dedup period (uid -> event time), at most
   * WindowLimits.maxSeen: a replayed or duplicated event (same uid) is not counted twice and does
   * not open a new dedup period.
   */
  seen?: Record<string, number>;
}

/** The state of one partition key. JSON-serializable; bounded by WindowLimits. */
export interface WindowState {
  v: 1;
  slots: Record<string, WindowSlot>;
}

export interface WindowLimits {
  /** Most slots kept per state; the ones expiring first are dropped beyond it. */
  maxSlots: number;
  /** Event uids kept per threshold slot for related_events. */
  maxRelated: number;
  /** Event uids remembered per slot to recognise duplicates (the most recent are kept). */
  maxSeen?: number;
}

export const DEFAULT_WINDOW_LIMITS: WindowLimits = { maxSlots: 256, maxRelated: 20, maxSeen: 256 };

function byTime(a: readonly [number, string], b: readonly [number, string]): number {
  return a[0] - b[0];
}

function ascending(a: number, b: number): number {
  return a - b;
}

/** True when the slot already counted this event uid. */
function seenBefore(slot: WindowSlot | undefined, uid: string): boolean {
  return slot?.seen !== undefined && Object.hasOwn(slot.seen, uid);
}

/** Number of own keys of a record, without listing them. */
function sizeOf(rec: Record<string, unknown>): number {
  let n = 0;
  for (const k in rec) if (Object.hasOwn(rec, k)) n++;
  return n;
}

/**
 * Drops the entries of a `uid|value -> time` record whose time is not after `floor`, in place (the
 * others keep their order), and counts the rest. A new empty record when there is none.
 */
function keepAfter(rec: Record<string, number> | undefined, floor: number): { rec: Record<string, number>; size: number } {
  if (rec === undefined) return { rec: {}, size: 0 };
  const keys = Object.keys(rec);
  let size = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (rec[k]! > floor) size++;
    else delete rec[k];
  }
  return { rec, size };
}

/**
 * Records the uid in the slot's seen set, dropping the oldest beyond maxSeen (the earliest times;
 * among equal times the first inserted). `size` is the set's size before, when the caller knows it.
 */
function markSeen(slot: WindowSlot, uid: string, time: number, limits: WindowLimits, size?: number): void {
  const seen = (slot.seen ??= {});
  const had = Object.hasOwn(seen, uid);
  seen[uid] = time;
  const max = limits.maxSeen ?? 256;
  const n = size === undefined ? sizeOf(seen) : size + (had ? 0 : 1);
  if (n <= max) return;
  if (n === max + 1) {
    // One over (a set at its cap gained a uid): drop the single oldest, without sorting.
    let oldest: string | null = null;
    let oldestTime = Infinity;
    for (const k in seen) {
      if (!Object.hasOwn(seen, k)) continue;
      const t = seen[k]!;
      if (oldest === null || t < oldestTime) {
        oldest = k;
        oldestTime = t;
      }
    }
    if (oldest !== null) delete seen[oldest];
    return;
  }
  const keys = Object.keys(seen);
  keys.sort((a, b) => seen[a]! - seen[b]!);
  for (const k of keys.slice(0, keys.length - max)) delete seen[k];
}

/** What to do with one match of a rule. */
export type WindowDecision =
  | { emit: false; reason: 'threshold_pending' | 'deduplicated' | 'duplicate_event' }
  | {
      emit: true;
      /** Parts after the rule id that make the finding id deterministic. */
      idParts: string[];
      count: number;
      firstSeen: number;
      lastSeen: number;
      related: string[];
      /** Threshold group key and dedup key, for the evidence ('' = the principal). */
      thresholdKey: string | null;
      dedupKey: string | null;
    };

export function emptyWindowState(): WindowState {
  return { v: 1, slots: {} };
}

/** Whether a rule needs state at all. */
export function isStateful(rule: CompiledRule): boolean {
  return rule.threshold !== null || rule.dedup !== null;
}

/**
 * Applies a rule's threshold then dedup to one of its matches. Mutates `state` (the caller stores
 * it back). A stateless rule emits every match, with the event uid as id part.
 */
export function applyWindows(
  rule: CompiledRule,
  bindings: RuleBindings,
  event: { time: number; uid: string },
  state: WindowState,
  limits: WindowLimits = DEFAULT_WINDOW_LIMITS,
): WindowDecision {
  const now = event.time;
  let decision: Extract<WindowDecision, { emit: true }> = {
    emit: true,
    idParts: [event.uid],
    count: 1,
    firstSeen: now,
    lastSeen: now,
    related: [event.uid],
    thresholdKey: null,
    dedupKey: null,
  };

  const thr = rule.threshold;
  if (thr) {
    const key = rule.thresholdKey(bindings);
    const slotKey = `t\u0000${rule.id}\u0000${key}`;
    const existing = state.slots[slotKey];
    // A replayed or duplicated event (same uid) was already counted: it counts once.
    if (seenBefore(existing, event.uid)) return { emit: false, reason: 'duplicate_event' };
    const slot: WindowSlot = existing ?? { exp: now + thr.windowMs, recent: [] };
    const ref = Math.max(now, slot.exp - thr.windowMs);
    const floor = ref - thr.windowMs;
    // Kept in time order (stable): stored sorted, so a sort is needed only for an event older than the last.
    const recent: Array<[number, string]> = [];
    let sorted = true;
    for (const r of slot.recent ?? []) {
      if (!(r[0] > floor)) continue;
      if (recent.length > 0 && recent[recent.length - 1]![0] > r[0]) sorted = false;
      recent.push(r);
    }
    if (recent.length > 0 && recent[recent.length - 1]![0] > now) sorted = false;
    recent.push([now, event.uid]);
    if (!sorted) recent.sort(byTime);
    while (recent.length > limits.maxRelated) recent.shift();
    let count: number;
    let first: number;
    const distinct = rule.distinctValue(bindings);
    if (distinct !== null) {
      const vals = keepAfter(slot.vals, floor).rec;
      vals[distinct] = Math.max(vals[distinct] ?? now, now);
      count = 0;
      first = Infinity;
      for (const v in vals) {
        if (!Object.hasOwn(vals, v)) continue;
        count++;
        if (vals[v]! < first) first = vals[v]!;
      }
      slot.vals = vals;
    } else {
      const times: number[] = [];
      let inOrder = true;
      for (const t of slot.times ?? []) {
        if (!(t > floor)) continue;
        if (times.length > 0 && times[times.length - 1]! > t) inOrder = false;
        times.push(t);
      }
      if (times.length > 0 && times[times.length - 1]! > now) inOrder = false;
      times.push(now);
      if (!inOrder) times.sort(ascending);
      while (times.length > thr.count) times.shift();
      count = times.length;
      first = times[0]!;
      slot.times = times;
    }
    const seen = keepAfter(slot.seen, floor);
    slot.seen = seen.rec;
    markSeen(slot, event.uid, now, limits, seen.size);
    if (count < thr.count) {
      slot.recent = recent;
      slot.exp = ref + thr.windowMs;
      putSlot(state, slotKey, slot);
      bound(state, now, limits);
      return { emit: false, reason: 'threshold_pending' };
    }
    // The window restarts empty. A replay of the same events fires again with the same finding id
    // (threshold, key, first time), which the sinks store once.
    dropSlot(state, slotKey);
    decision = { ...decision, idParts: ['threshold', key, String(first)], count, firstSeen: first, related: recent.map(([, uid]) => uid), thresholdKey: key };
  }

  const dd = rule.dedup;
  if (dd) {
    const key = rule.dedupKey(bindings);
    const slotKey = `d\u0000${rule.id}\u0000${key}`;
    const slot = state.slots[slotKey];
    // A replay of an event already seen by this dedup key neither counts nor opens a new period.
    if (seenBefore(slot, event.uid)) {
      bound(state, now, limits);
      return { emit: false, reason: 'duplicate_event' };
    }
    if (slot && slot.start !== undefined && Math.abs(now - slot.start) < dd.periodMs) {
      slot.n = (slot.n ?? 1) + 1;
      markSeen(slot, event.uid, now, limits);
      bound(state, now, limits);
      return { emit: false, reason: 'deduplicated' };
    }
    const opened: WindowSlot = { exp: now + dd.periodMs, start: now, n: 1, ...(slot?.seen ? { seen: slot.seen } : {}) };
    markSeen(opened, event.uid, now, limits);
    putSlot(state, slotKey, opened);
    decision = { ...decision, idParts: ['dedup', key, String(now)], dedupKey: key };
  }
  bound(state, now, limits);
  return decision;
}

/**
 * What bound() knows of a state it has seen: its slot count and a time no slot expires before.
 * Kept beside the state (never in it: the state is the changelogged JSON), for the `slots` object
 * it was computed on, and updated by putSlot/dropSlot, the only writers of `slots`; a state read
 * back from the changelog is a new object and is counted afresh. So a principal with many windows
 * is not walked slot by slot on each of its events, only when a slot may have expired.
 */
interface SlotStats {
  readonly slots: Record<string, WindowSlot>;
  count: number;
  /** A time no slot expires before (slots only move their exp later). */
  minExp: number;
}

const slotStats = new WeakMap<WindowState, SlotStats>();

function statsOf(state: WindowState): SlotStats | undefined {
  const s = slotStats.get(state);
  return s !== undefined && s.slots === state.slots ? s : undefined;
}

function putSlot(state: WindowState, key: string, slot: WindowSlot): void {
  const s = statsOf(state);
  if (s !== undefined) {
    if (!Object.hasOwn(state.slots, key)) s.count++;
    if (slot.exp < s.minExp) s.minExp = slot.exp;
  }
  state.slots[key] = slot;
}

function dropSlot(state: WindowState, key: string): void {
  if (!Object.hasOwn(state.slots, key)) return;
  delete state.slots[key];
  const s = statsOf(state);
  if (s !== undefined) s.count--;
}

/** Drops expired slots, then the earliest-expiring ones beyond the cap. */
function bound(state: WindowState, now: number, limits: WindowLimits): void {
  const known = statsOf(state);
  if (known !== undefined && known.minExp >= now && known.count <= limits.maxSlots) return;
  let n = 0;
  let minExp = Infinity;
  for (const k of Object.keys(state.slots)) {
    const exp = state.slots[k]!.exp;
    if (exp < now) delete state.slots[k];
    else {
      n++;
      if (exp < minExp) minExp = exp;
    }
  }
  if (n > limits.maxSlots) {
    const keys = Object.keys(state.slots);
    keys.sort((a, b) => state.slots[a]!.exp - state.slots[b]!.exp);
    for (const k of keys.slice(0, keys.length - limits.maxSlots)) delete state.slots[k];
    n = limits.maxSlots;
  }
  slotStats.set(state, { slots: state.slots, count: n, minExp });
}

/** True when a state holds nothing worth keeping (the caller deletes it). */
export function isEmptyState(state: WindowState): boolean {
  const known = statsOf(state);
  if (known !== undefined) return known.count === 0;
  for (const _ in state.slots) return false;
  return true;
}
