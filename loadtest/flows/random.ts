/** A small seeded PRNG (mulberry32) and helpers, so generated flows are reproducible. */

/** Random source: float in [0, 1). */
export type Rng = () => number;

/** mulberry32: fast, 32-bit state, good enough for load generation. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max]. */
export function int(r: Rng, min: number, max: number): number {
  return min + Math.floor(r() * (max - min + 1));
}

/** A random element. */
export function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** Poisson-distributed count with mean `lambda` (Knuth; fine for the small means used here). */
export function poisson(r: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(r)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

function gaussian(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/** Characters of Kubernetes' generated name suffixes. */
export function suffix(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += SAFE[Math.floor(r() * SAFE.length)];
  return s;
}
