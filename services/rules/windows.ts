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

/** True when the slot already counted this event uid. */
function seenBefore(slot: WindowSlot | undefined, uid: string): boolean {
  return slot?.seen !== undefined && Object.hasOwn(slot.seen, uid);
}

/** Records the uid in the slot's seen set, dropping the oldest beyond maxSeen. */
function markSeen(slot: WindowSlot, uid: string, time: number, limits: WindowLimits): void {
  const seen = (slot.seen ??= {});
  seen[uid] = time;
  const max = limits.maxSeen ?? 256;
  const keys = Object.keys(seen);
  if (keys.length <= max) return;
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
    const recent = (slot.recent ?? []).filter(([t]) => t > floor);
    recent.push([now, event.uid]);
    recent.sort((a, b) => a[0] - b[0]);
    while (recent.length > limits.maxRelated) recent.shift();
    let count: number;
    let first: number;
    const distinct = rule.distinctValue(bindings);
    if (distinct !== null) {
      const vals: Record<string, number> = {};
      for (const [v, t] of Object.entries(slot.vals ?? {})) if (t > floor) vals[v] = t;
      vals[distinct] = Math.max(vals[distinct] ?? now, now);
      count = Object.keys(vals).length;
      first = Math.min(...Object.values(vals));
      slot.vals = vals;
    } else {
      const times = (slot.times ?? []).filter((t) => t > floor);
      times.push(now);
      times.sort((a, b) => a - b);
      while (times.length > thr.count) times.shift();
      count = times.length;
      first = times[0]!;
      slot.times = times;
    }
    const seen: Record<string, number> = {};
    for (const [u, t] of Object.entries(slot.seen ?? {})) if (t > floor) seen[u] = t;
    slot.seen = seen;
    markSeen(slot, event.uid, now, limits);
    if (count < thr.count) {
      slot.recent = recent;
      slot.exp = ref + thr.windowMs;
      state.slots[slotKey] = slot;
      bound(state, now, limits);
      return { emit: false, reason: 'threshold_pending' };
    }
    // The window restarts empty. A replay of the same events fires again with the same finding id
    // (threshold, key, first time), which the sinks store once.
    delete state.slots[slotKey];
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
    state.slots[slotKey] = opened;
    decision = { ...decision, idParts: ['dedup', key, String(now)], dedupKey: key };
  }
  bound(state, now, limits);
  return decision;
}

/** Drops expired slots, then the earliest-expiring ones beyond the cap. */
function bound(state: WindowState, now: number, limits: WindowLimits): void {
  for (const [k, s] of Object.entries(state.slots)) if (s.exp < now) delete state.slots[k];
  const keys = Object.keys(state.slots);
  if (keys.length <= limits.maxSlots) return;
  keys.sort((a, b) => state.slots[a]!.exp - state.slots[b]!.exp);
  for (const k of keys.slice(0, keys.length - limits.maxSlots)) delete state.slots[k];
}

/** True when a state holds nothing worth keeping (the caller deletes it). */
export function isEmptyState(state: WindowState): boolean {
  for (const _ in state.slots) return false;
  return true;
}
