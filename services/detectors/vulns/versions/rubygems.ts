/**
 * RubyGems version ordering (`Gem::Version#<=>`): segments split at `.` and at digit/letter
 * transitions; numbers compare numerically, a string segment makes a pre-release and sorts
 * before any number; trailing zero segments (before a pre-release too) are ignored.
 */

const GEM_RE = /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

type Segment = number | string;

export function parseGem(text: string): Segment[] | null {
  let v = text.trim();
  if (v === '') v = '0';
  if (!GEM_RE.test(v)) return null;
  v = v.replace(/-/g, '.pre.');
  const segs: Segment[] = (v.match(/[0-9]+|[a-z]+/gi) ?? []).map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
  // canonical_segments: drop trailing zeros of the release part and of the pre-release part.
  const firstString = segs.findIndex((s) => typeof s === 'string');
  const release = firstString < 0 ? segs : segs.slice(0, firstString);
  const pre = firstString < 0 ? [] : segs.slice(firstString);
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  while (pre.length > 0 && pre[pre.length - 1] === 0) pre.pop();
  return [...release, ...pre];
}

export function compareGem(a: string, b: string): number {
  const x = parseGem(a);
  const y = parseGem(b);
  if (!x || !y) throw new RangeError(`not a RubyGems version: ${!x ? a : b}`);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i] ?? 0;
    const q = y[i] ?? 0;
    if (p === q) continue;
    if (typeof p === 'string' && typeof q === 'number') return -1;
    if (typeof p === 'number' && typeof q === 'string') return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}
