import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../core/events.ts';
import { BUILTIN_DATA_TYPES } from './config.ts';
import { makeSample, Rng } from './samples.ts';
import { chunksOf, placed, testDetector } from './testing.ts';

/** An object with a sample of every type, separated by filler, and its expected placements. */
function corpus(seed: number): { bytes: Buffer; want: string[] } {
  const rng = new Rng(seed);
  let text = '';
  const want: string[] = [];
  for (const kind of BUILTIN_DATA_TYPES) {
    text += 'routine maintenance note\n'.repeat(1 + rng.int(4));
    const s = makeSample(kind, rng);
    for (const e of s.expect) want.push(`${e.type}@${text.length + e.offset}+${e.length}`);
    text += s.text + '\n';
  }
  return { bytes: Buffer.from(text, 'latin1'), want: want.sort() };
}

const verdictOf = (fs: Finding[]): Finding | undefined => fs.find((f) => f.rule === 'object_verdict');
const note = (v: Finding | undefined, field: string): unknown => v?.evidences.find((e) => field in e)?.[field];

function cutsEvery(len: number, step: number): number[] {
  const out: number[] = [];
  for (let p = step; p < len; p += step) out.push(p);
  return out;
}

test('chunks out of order within the buffer bound give the same findings as in order', () => {
  const { bytes, want } = corpus(1);
  const inOrder = chunksOf(bytes, cutsEvery(bytes.length, 500), { key: 'a.txt' });
  assert.ok(inOrder.length > 8);
  const base = testDetector();
  assert.deepEqual(placed(base.run(inOrder)), want);

  const rng = new Rng(9);
  for (let round = 0; round < 5; round++) {
    // Swap neighbours within windows of 4: at most 3 chunks wait at any time.
    const shuffled = [...inOrder];
    for (let i = 0; i + 3 < shuffled.length; i += 4) {
      const w = shuffled.slice(i, i + 4).reverse();
      if (rng.next() < 0.5) w.push(w.shift()!);
      shuffled.splice(i, 4, ...w);
    }
    const d = testDetector({ maxPendingChunks: 4 });
    const got = d.run(shuffled);
    assert.deepEqual(placed(got), want, `round ${round}`);
    assert.equal(d.state.size, 0);
    assert.equal(note(verdictOf(got), 'incomplete'), undefined);
  }
});

test('the last chunk first: nothing is decided until the others arrive', () => {
  const { bytes, want } = corpus(2);
  const chunks = chunksOf(bytes, cutsEvery(bytes.length, 2000), { key: 'b.txt' });
  const d = testDetector();
  const first = d.run([chunks.at(-1)!]);
  assert.deepEqual(first, []);
  assert.equal(d.state.get('s3://bucket/b.txt')?.pending.length, 1);
  assert.deepEqual(placed([...first, ...d.run(chunks.slice(0, -1))]), want);
});

test('beyond the buffer bound: missing chunks are skipped, counted and reported in the verdict, no crash', () => {
  const { bytes } = corpus(3);
  const chunks = chunksOf(bytes, cutsEvery(bytes.length, 400), { key: 'c.txt' });
  const d = testDetector({ maxPendingChunks: 2 });
  // Chunk 1 never comes at first: 2..n arrive, the buffer holds 2, so chunk 1 is given up on.
  const got = d.run([chunks[0]!, ...chunks.slice(2)]);
  const v = verdictOf(got);
  assert.ok(v, 'a verdict is still emitted');
  assert.equal(note(v, 'incomplete'), true);
  assert.equal(note(v, 'chunks_skipped'), 1);
  assert.equal(note(v, 'chunks_still_missing'), 1);
  assert.equal(d.state.size, 0, 'state deleted with the verdict');
  // Its findings are at their absolute offsets and lie outside the missing chunk's bytes.
  const hole = chunks[1]!;
  for (const f of got.filter((x) => x.rule !== 'object_verdict')) {
    const off = Number(f.evidences[0]!.offset);
    const len = Number(f.evidences[0]!.length);
    assert.ok(off + len <= hole.offset || off >= hole.offset + hole.size, `finding at ${off} overlaps the missing chunk`);
  }
});

test('a skipped chunk arriving late is scanned alone; a redelivered chunk is ignored', () => {
  const rng = new Rng(4);
  const s = makeSample('email', rng);
  const pad = 'x'.repeat(300);
  const text = `${pad}\n${s.text}\n${pad}\n${pad}\n${pad}`;
  const bytes = Buffer.from(text, 'latin1');
  const chunks = chunksOf(bytes, [300, 600, 900, 1200], { key: 'd.txt' });
  const d = testDetector({ maxPendingChunks: 1 });
  const key = 's3://bucket/d.txt';
  d.run([chunks[0]!, chunks[2]!, chunks[3]!]); // chunk 1 skipped when chunk 3 does not fit
  assert.equal(d.state.get(key)?.counters.skippedChunks, 1);
  const late = d.run([chunks[1]!]);
  assert.deepEqual(placed(late), [`email@${301 + s.expect[0]!.offset}+${s.expect[0]!.length}`]);
  assert.equal(d.state.get(key)?.counters.lateChunks, 1);
  d.run([chunks[1]!, chunks[0]!]);
  assert.equal(d.state.get(key)?.counters.duplicateChunks, 2);
  const end = d.run([chunks[4]!]);
  assert.ok(verdictOf(end));
  assert.equal(d.state.size, 0);
});

test('a new object version restarts the scan', () => {
  const rng = new Rng(5);
  const a = Buffer.from(`one ${makeSample('email', rng).text} two`, 'latin1');
  const d = testDetector();
  const v1 = chunksOf(a, [10], { key: 'e.txt', etag: 'v1' });
  const v2 = chunksOf(a, [10], { key: 'e.txt', etag: 'v2' });
  d.run([v1[0]!]);
  const got = d.run(v2);
  assert.equal(placed(got).length, 1);
  assert.equal(d.state.size, 0);
  const ids = got.map((f) => f.id);
  const again = testDetector().run(chunksOf(a, [10], { key: 'e.txt', etag: 'v1' }));
  assert.notDeepEqual(again.map((f) => f.id), ids, 'finding ids depend on the object version');
});
