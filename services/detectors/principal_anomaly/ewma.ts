/**
 * Exponentially weighted mean and variance (West's incremental form), as plain JSON. Used for the
 * count of events per active window (a window with at least one event), per principal and per account.
 */
export interface Ewma {
  /** Mean. */
  m: number;
  /** Variance. */
  s2: number;
  /** Observations so far. */
  n: number;
}

export function newEwma(): Ewma {
  return { m: 0, s2: 0, n: 0 };
}

/** Adds one observation with smoothing factor alpha (the first observation sets the mean). */
export function ewmaAdd(s: Ewma, x: number, alpha: number): void {
  if (s.n === 0) {
    s.m = x;
    s.s2 = 0;
  } else {
    const diff = x - s.m;
    const incr = alpha * diff;
    s.m += incr;
    s.s2 = (1 - alpha) * (s.s2 + diff * incr);
  }
  s.n++;
}

/**
 * z-score of a count against the EWMA. The deviation has a Poisson floor (sqrt of the mean, at
 * least 1), so a principal with perfectly regular counts does not turn every extra event into a spike.
 */
export function ewmaZ(s: Ewma, x: number): number {
  const sd = Math.max(Math.sqrt(Math.max(s.s2, 0)), Math.sqrt(Math.max(s.m, 1)));
  return (x - s.m) / sd;
}

/** Volume baselines work on ln(1 + count): window counts are heavy-tailed, so spikes are judged as ratios. */
export function logCount(count: number): number {
  return Math.log1p(count);
}

/** Least standard deviation of ln(1 + count) used for z-scores (about +/-30%). */
export const LOG_SD_FLOOR = 0.3;

/** z-score of a count against an EWMA of ln(1 + count). */
export function ewmaLogZ(s: Ewma, count: number): number {
  const sd = Math.max(Math.sqrt(Math.max(s.s2, 0)), LOG_SD_FLOOR);
  return (logCount(count) - s.m) / sd;
}

/** The typical count of an EWMA of ln(1 + count) (its geometric mean). */
export function ewmaLogTypical(s: Ewma): number {
  return Math.expm1(s.m);
}

/** A remembered peak that halves every `halfLife` units (windows for principals, ms for accounts). */
export interface Peak {
  /** Peak value when set. */
  v: number;
  /** When it was set, in the same unit. */
  at: number;
}

export function peakNow(p: Peak, now: number, halfLife: number): number {
  const age = Math.max(0, now - p.at);
  return p.v * Math.pow(0.5, age / halfLife);
}

/** Raises the peak to x when x exceeds its decayed value. */
export function peakObserve(p: Peak, x: number, now: number, halfLife: number): void {
  if (x >= peakNow(p, now, halfLife)) {
    p.v = x;
    p.at = now;
  }
}
