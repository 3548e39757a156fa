import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_DATA_TYPES } from './config.ts';
import { makeSample, Rng, type Sample } from './samples.ts';
import { chunksOf, placed, testDetector } from './testing.ts';

const WORDS = ['the', 'quarterly', 'report', 'was', 'uploaded', 'by', 'ops', 'and', 'reviewed', 'later', 'with', 'notes', 'about', 'storage', 'costs'];

function filler(rng: Rng, n: number): string {
  let s = '';
  while (s.length < n) s += `${rng.pick(WORDS)}${rng.int(9) === 0 ? '\n' : ' '}`;
  return s.slice(0, n - 1) + ' ';
}

interface Case {
  kind: string;
  text: string;
  want: string[];
  /** First and last character of the planted values. */
  lo: number;
  hi: number;
}

function plant(s: Sample, before: string, after: string, unit = 1, base = 0): Case {
  const want = s.expect.map((e) => `${e.type}@${base + (before.length + e.offset) * unit}+${e.length * unit}`).sort();
  const lo = before.length + Math.min(...s.expect.map((e) => e.offset));
  const hi = before.length + Math.max(...s.expect.map((e) => e.offset + e.length));
  return { kind: s.kind, text: before + s.text + after, want, lo, hi };
}

/** Every position in [lo - 3, hi + 3]; for long spans, every position near the ends and a stride inside. */
function positions(lo: number, hi: number, len: number): number[] {
  const out: number[] = [];
  for (let p = Math.max(1, lo - 3); p <= Math.min(len - 1, hi + 3); p++) {
    if (hi - lo <= 120 || p < lo + 24 || p > hi - 24 || (p - lo) % 41 === 0) out.push(p);
  }
  return out;
}

const samples = (seed: number): Sample[] => {
  const rng = new Rng(seed);
  return BUILTIN_DATA_TYPES.map((k) => makeSample(k, rng));
};

const det = testDetector({ verdicts: 'findings' });
let objects = 0;

function check(c: Case, bytes: Buffer, cuts: number[], what: string, contentType?: string): void {
  const key = `border/${objects++}.txt`;
  const got = placed(det.run(chunksOf(bytes, cuts, { key, contentType })));
  assert.deepEqual(got, c.want, `${c.kind} ${what} cuts ${cuts.join(',')}: ${JSON.stringify(c.text.slice(c.lo, c.lo + 60))}`);
  assert.equal(det.state.size, 0, 'the state of a finished object is deleted');
}

test('a match split at every position across two small chunks is found once, at its absolute offset', () => {
  const rng = new Rng(1);
  for (const s of samples(101)) {
    const c = plant(s, filler(rng, 57), filler(rng, 23));
    const bytes = Buffer.from(c.text, 'latin1');
    for (const p of positions(c.lo, c.hi, bytes.length)) check(c, bytes, [p], 'two chunks');
  }
});

test('the commit boundary of a large window crossing a match: found once', () => {
  const rng = new Rng(2);
  const H = det.detector.engine.holdback;
  for (const s of samples(202)) {
    const c = plant(s, filler(rng, 300), filler(rng, H + 300));
    const bytes = Buffer.from(c.text, 'latin1');
    // Chunk 1 ends at x + H: its window commits [0, x) and defers the rest to the last chunk.
    for (const x of positions(c.lo, c.hi, bytes.length)) check(c, bytes, [x + H], 'commit boundary');
  }
});

test('a match split across the border of large chunks (carry longer than the holdback) is found once', () => {
  const rng = new Rng(3);
  const H = det.detector.engine.holdback;
  for (const s of samples(303)) {
    const c = plant(s, filler(rng, H + 700), filler(rng, 400));
    const bytes = Buffer.from(c.text, 'latin1');
    for (const p of positions(c.lo, c.hi, bytes.length)) check(c, bytes, [p], 'large chunks');
  }
});

test('a long match cut into three and many chunks', () => {
  const rng = new Rng(4);
  for (const kind of ['private_key', 'jwt', 'gcp_service_account_key'] as const) {
    const c = plant(makeSample(kind, rng), filler(rng, 40), filler(rng, 40));
    const bytes = Buffer.from(c.text, 'latin1');
    const third = Math.floor((c.hi - c.lo) / 3);
    check(c, bytes, [c.lo + third, c.lo + 2 * third], 'three chunks');
    const many: number[] = [];
    for (let p = 7; p < bytes.length; p += 7) many.push(p);
    check(c, bytes, many, 'seven-byte chunks');
  }
});

test('UTF-16 (LE with BOM, BE with BOM): split at every byte, offsets in the UTF-16 bytes', () => {
  const rng = new Rng(5);
  for (const kind of ['payment_card', 'aws_access_key_id', 'email', 'github_token'] as const) {
    const s = makeSample(kind, rng);
    for (const be of [false, true]) {
      const c = plant(s, filler(rng, 31), filler(rng, 11), 2, 2);
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(c.text, 'utf16le')]);
      let bytes = le;
      if (be) {
        bytes = Buffer.from(le);
        bytes.swap16();
      }
      for (let p = 2 * c.lo - 3; p <= 2 * c.hi + 3; p++) check(c, bytes, [p], be ? 'utf-16be' : 'utf-16le', 'application/octet-stream');
    }
  }
});
