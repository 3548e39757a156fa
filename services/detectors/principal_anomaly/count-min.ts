/**
 * A count-min sketch as a plain JSON value: `d` rows of `w` counters, flattened row by row.
 * It over-estimates and never under-estimates: a value it has counted is always "seen"; a value
 * it has not counted is "seen" by mistake with probability about (fill ratio)^d.
 */
export interface CountMin {
  w: number;
  d: number;
  c: number[];
}

export function newCountMin(width: number, depth: number): CountMin {
  return { w: width, d: depth, c: new Array<number>(width * depth).fill(0) };
}

/** FNV-1a 32-bit over UTF-16 code units. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: a second, independent-enough hash for double hashing. */
function mix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

function index(h1: number, h2: number, row: number, width: number): number {
  return row * width + ((h1 + Math.imul(row, h2 | 1)) >>> 0) % width;
}

export function countMinAdd(s: CountMin, value: string, count: number): void {
  const h1 = fnv1a(value);
  const h2 = mix(h1 ^ 0x9e3779b9);
  for (let r = 0; r < s.d; r++) {
    const i = index(h1, h2, r, s.w);
    s.c[i] = (s.c[i] ?? 0) + count;
  }
}

/** Estimated count (>= the true count). */
export function countMinEstimate(s: CountMin, value: string): number {
  const h1 = fnv1a(value);
  const h2 = mix(h1 ^ 0x9e3779b9);
  let min = Infinity;
  for (let r = 0; r < s.d; r++) {
    const v = s.c[index(h1, h2, r, s.w)] ?? 0;
    if (v < min) min = v;
  }
  return min === Infinity ? 0 : min;
}

/** Halves every counter, rounding up so a counted value stays seen. */
export function countMinHalve(s: CountMin): void {
  for (let i = 0; i < s.c.length; i++) {
    const v = s.c[i]!;
    if (v > 1) s.c[i] = Math.ceil(v / 2);
  }
}
