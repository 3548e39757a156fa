import type { Pending, PrincipalState } from './state.ts';

/** Most deviations a principal keeps pending, and most suppressions it remembers. */
export const MAX_PENDING = 16;
export const MAX_SUPPRESSIONS = 32;

export interface CorrelationOptions {
  threshold: number;
  correlationMs: number;
  suppressMs: number;
  /** Most that ordinary novelty (pending deviations with g = 1) adds to the score; default no cap. */
  ordinaryCap?: number;
}

/**
 * The score of pending deviations: their sum, except that first uses of ordinary operations and
 * first calls to services (g = 1) add up to at most `ordinaryCap`: several of them in one session
 * are one piece of evidence (a new task), not independent ones.
 */
export function scoreOf(pending: readonly Pending[], ordinaryCap = Infinity): number {
  let score = 0;
  let ordinary = 0;
  for (const p of pending) {
    if (p.g === 1) ordinary += p.s;
    else score += p.s;
  }
  return score + Math.min(ordinary, ordinaryCap);
}

export interface CorrelationResult {
  /** The deviations to report (highest contribution first), or null when the score is under the threshold. */
  report: Pending[] | null;
  score: number;
  /** Deviations dropped because their reason is suppressed. */
  suppressed: number;
}

const byContribution = (a: Pending, b: Pending): number => b.s - a.s || (a.r < b.r ? -1 : a.r > b.r ? 1 : 0);

/**
 * Adds an event's deviations to the principal's pending ones and decides whether to report.
 * Deviations of distinct reasons within the correlation window add up (the same reason counts
 * once, at its highest contribution); a reason suppressed for this principal is dropped. When the
 * sum reaches the threshold the pending deviations are returned, each reason is suppressed for
 * suppressMs, and the pending list is cleared. Mutates the state.
 */
export function correlate(st: PrincipalState, devs: readonly Pending[], time: number, opts: CorrelationOptions): CorrelationResult {
  let suppressed = 0;
  if (st.rec.length > 0) st.rec = st.rec.filter((p) => Math.abs(time - p.t) <= opts.correlationMs);
  for (const d of devs) {
    if (Object.hasOwn(st.sup, d.r) && st.sup[d.r]! > time) {
      suppressed++;
      continue;
    }
    const i = st.rec.findIndex((p) => p.r === d.r);
    if (i < 0) st.rec.push(d);
    else {
      const prev = st.rec[i]!;
      // Keep when and where it was first seen; take the larger observation.
      if (d.s > prev.s || (d.f === 'volume' || d.f === 'errors')) st.rec[i] = { ...d, s: Math.max(d.s, prev.s), t: prev.t, u: prev.u };
    }
  }
  if (st.rec.length > MAX_PENDING) st.rec = [...st.rec].sort(byContribution).slice(0, MAX_PENDING);
  const score = scoreOf(st.rec, opts.ordinaryCap);
  if (st.rec.length === 0 || score < opts.threshold) return { report: null, score, suppressed };

  const report = [...st.rec].sort(byContribution);
  st.rec = [];
  if (opts.suppressMs > 0) {
    pruneSuppressions(st, time);
    for (const p of report) st.sup[p.r] = time + opts.suppressMs;
    capSuppressions(st);
  }
  return { report, score, suppressed };
}

/** Drops suppressions that ended at or before `time`. */
export function pruneSuppressions(st: PrincipalState, time: number): void {
  for (const r of Object.keys(st.sup)) if (st.sup[r]! <= time) delete st.sup[r];
}

function capSuppressions(st: PrincipalState): void {
  const keys = Object.keys(st.sup);
  if (keys.length <= MAX_SUPPRESSIONS) return;
  const ordered = keys.sort((a, b) => st.sup[a]! - st.sup[b]! || (a < b ? -1 : a > b ? 1 : 0));
  for (const r of ordered.slice(0, keys.length - MAX_SUPPRESSIONS)) delete st.sup[r];
}
