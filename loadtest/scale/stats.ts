/**
 * Percentiles by the nearest-rank method (the p-th percentile is the smallest value with at least
 * p% of the values at or below it: rank ceil(p/100 * n)), as HdrHistogram and most load tools report.
 */

/** The nearest-rank percentile of already sorted values; null when there are none. */
export function percentileSorted(sorted: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Percentiles {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** p50, p95, p99 and max of the values (not modified). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentileSorted(sorted, 50), p95: percentileSorted(sorted, 95), p99: percentileSorted(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : null };
}

/** The median of the values, or null. */
export function median(values: readonly number[]): number | null {
  return percentileSorted([...values].sort((a, b) => a - b), 50);
}
