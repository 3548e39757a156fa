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
}

export const DEFAULT_WINDOW_LIMITS: WindowLimits = { maxSlots: 256, maxRelated: 20 };

/** What to do with one match of a rule. */
export type WindowDecision =
  | { emit: false; reason: 'threshold_pending' | 'deduplicated' }
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
    const slot: WindowSlot = state.slots[slotKey] ?? { exp: now + thr.windowMs, recent: [] };
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
    if (count < thr.count) {
      slot.recent = recent;
      slot.exp = ref + thr.windowMs;
      state.slots[slotKey] = slot;
      bound(state, now, limits);
      return { emit: false, reason: 'threshold_pending' };
    }
    delete state.slots[slotKey];
    decision = {
      emit: true,
      idParts: ['threshold', key, String(first)],
      count,
      firstSeen: first,
      lastSeen: now,
      related: recent.map(([, uid]) => uid),
      thresholdKey: key,
      dedupKey: null,
    };
  }

  const dd = rule.dedup;
  if (dd) {
    const key = rule.dedupKey(bindings);
    const slotKey = `d\u0000${rule.id}\u0000${key}`;
    const slot = state.slots[slotKey];
    if (slot && slot.start !== undefined && Math.abs(now - slot.start) < dd.periodMs) {
      slot.n = (slot.n ?? 1) + 1;
      bound(state, now, limits);
      return { emit: false, reason: 'deduplicated' };
    }
    state.slots[slotKey] = { exp: now + dd.periodMs, start: now, n: 1 };
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
