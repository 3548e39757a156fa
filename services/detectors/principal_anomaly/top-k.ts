import { countMinAdd, countMinEstimate, countMinHalve, newCountMin, type CountMin } from './count-min.ts';

/**
 * The values of one feature a principal (or an account) has shown, bounded: the `k` most frequent
 * exactly, as `value -> [count, last seen hour]`, and the values evicted from a full top-k in a
 * count-min sketch (created only when the top-k first overflows). Plain JSON.
 */
export interface TopK {
  /**
   * value -> [count, last-seen hour since epoch] (population sketches add a third number: the
   * principals that started using the value); `__proto__` is stored as "\u0000__proto__".
   */
  e: Record<string, number[]>;
  /** Entries in `e`. */
  n: number;
  /** Total count added since the last halving. */
  tot: number;
  /** Evicted values, or null while nothing has been evicted. */
  cms: CountMin | null;
}

/** Bounds of one top-k. */
export interface TopKBounds {
  k: number;
  cmsWidth: number;
  cmsDepth: number;
}

/** Counts are halved once their total exceeds this many times k, so old habits fade. */
const HALVE_FACTOR = 64;

export function newTopK(): TopK {
  return { e: {}, n: 0, tot: 0, cms: null };
}

const key = (v: string): string => (v === '__proto__' ? '\u0000__proto__' : v);
/** The key a value is stored under in `e` (`__proto__` is escaped). */
export const topKKey = key;
const unkey = (k: string): string => (k === '\u0000__proto__' ? '__proto__' : k);

/** The entry of a value in the exact part, or undefined. */
export function topKEntry(s: TopK, value: string): number[] | undefined {
  const k = key(value);
  return Object.hasOwn(s.e, k) ? s.e[k] : undefined;
}

/**
 * What the sketch knows of a value: `count` (0 = never seen or forgotten), `lastHour` (null when
 * unknown: never seen, or only in the count-min part), `forgotten` (seen, but not within forgetHours).
 */
export function topKLookup(s: TopK, value: string, nowHour: number, forgetHours: number): { count: number; lastHour: number | null; forgotten: boolean } {
  const entry = topKEntry(s, value);
  if (entry !== undefined) {
    const last = entry[1]!;
    if (nowHour - last > forgetHours) return { count: 0, lastHour: last, forgotten: true };
    return { count: entry[0]!, lastHour: last, forgotten: false };
  }
  if (s.cms !== null) {
    const est = countMinEstimate(s.cms, value);
    if (est > 0) return { count: est, lastHour: null, forgotten: false };
  }
  return { count: 0, lastHour: null, forgotten: false };
}

/** True when the value counts as known (seen and not forgotten). */
export function topKSeen(s: TopK, value: string, nowHour: number, forgetHours: number): boolean {
  return topKLookup(s, value, nowHour, forgetHours).count > 0;
}

/**
 * Adds one observation. A new value in a full top-k evicts the least counted entry (oldest on ties)
 * into the count-min sketch. With `perHour`, a value counts at most once per hour (principal
 * sketches: counts are active hours, so one busy session does not look like many independent
 * observations). `newUser` (population sketches) counts one more principal using the value.
 * Returns the entry a full top-k evicted for the new value (its key and last hour), else null.
 */
export function topKAdd(s: TopK, value: string, nowHour: number, bounds: TopKBounds, newUser = false, perHour = false): { key: string; hour: number } | null {
  const k = key(value);
  let evicted: { key: string; hour: number } | null = null;
  if (Object.hasOwn(s.e, k)) {
    const entry = s.e[k]!;
    if (perHour && entry[1] === nowHour) return null;
    s.tot++;
    entry[0] = entry[0]! + 1;
    if (nowHour > entry[1]!) entry[1] = nowHour;
    if (newUser) entry[2] = (entry[2] ?? 0) + 1;
  } else {
    s.tot++;
    if (s.n >= bounds.k) evicted = evictOne(s, bounds);
    s.e[k] = newUser ? [1, nowHour, 1] : [1, nowHour];
    s.n++;
  }
  if (s.tot > HALVE_FACTOR * bounds.k) halve(s);
  return evicted;
}

function evictOne(s: TopK, bounds: TopKBounds): { key: string; hour: number } | null {
  let victim: string | null = null;
  let vc = Infinity;
  let vh = Infinity;
  for (const k in s.e) {
    const entry = s.e[k]!;
    const c = entry[0]!;
    const h = entry[1]!;
    if (c < vc || (c === vc && (h < vh || (h === vh && victim !== null && k < victim)))) {
      victim = k;
      vc = c;
      vh = h;
    }
  }
  if (victim === null) return null;
  s.cms ??= newCountMin(bounds.cmsWidth, bounds.cmsDepth);
  countMinAdd(s.cms, unkey(victim), vc);
  delete s.e[victim];
  s.n--;
  return { key: victim, hour: vh };
}

function halve(s: TopK): void {
  let tot = 0;
  for (const k in s.e) {
    const entry = s.e[k]!;
    entry[0] = Math.ceil(entry[0]! / 2);
    tot += entry[0];
  }
  s.tot = tot;
  if (s.cms !== null) countMinHalve(s.cms);
}

/**
 * Adds a principal's whole history of one value at once (population sketches, when a principal
 * with restored state is first seen by this worker): its count, its last hour, and one user.
 */
export function topKAdopt(s: TopK, value: string, count: number, lastHour: number, bounds: TopKBounds): void {
  const k = key(value);
  s.tot += count;
  if (Object.hasOwn(s.e, k)) {
    const entry = s.e[k]!;
    entry[0] = entry[0]! + count;
    if (lastHour > entry[1]!) entry[1] = lastHour;
    entry[2] = (entry[2] ?? 0) + 1;
  } else {
    if (s.n >= bounds.k) evictOne(s, bounds);
    s.e[k] = [count, lastHour, 1];
    s.n++;
  }
  if (s.tot > HALVE_FACTOR * bounds.k) halve(s);
}

/** Principals that started using a value (population sketches; 0 when unknown or evicted). */
export function topKUsers(s: TopK, value: string): number {
  const entry = topKEntry(s, value);
  return entry === undefined ? 0 : (entry[2] ?? 0);
}

/** The exact values, most counted first (ties by value), at most `limit`. */
export function topKValues(s: TopK, limit: number): Array<{ value: string; count: number; lastHour: number }> {
  const out: Array<{ value: string; count: number; lastHour: number }> = [];
  for (const k in s.e) {
    const entry = s.e[k]!;
    out.push({ value: unkey(k), count: entry[0]!, lastHour: entry[1]! });
  }
  out.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return out.slice(0, limit);
}
