import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import type { ObjectChunk } from '../../core/model/object-chunk.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { dlpScanPaths } from '../../cli/dlp-scan.ts';
import { BUILTIN_DATA_TYPES } from './config.ts';
import { createDlpDetector, parseDlpConfig } from './detector.ts';
import { makeSample, Rng } from './samples.ts';
import type { DlpObjectState } from './state.ts';
import { chunksOf, testDetector } from './testing.ts';

// Every planted raw value, and the whole text it sits in.
const rng = new Rng(4242);
const planted: string[] = [];
const files: Array<[string, string]> = [];
let all = '';
for (const kind of BUILTIN_DATA_TYPES) {
  const s = makeSample(kind, rng);
  for (const e of s.expect) planted.push(s.text.slice(e.offset, e.offset + e.length));
  files.push([`planted-${kind}.txt`, `record follows\n${s.text}\nend of record\n`]);
  all += `${'filler line without data\n'.repeat(40)}${s.text}\n`;
}

/** Fails when any output holds a planted value or a 10-character piece of one (outside its public prefix). */
function assertNoRaw(where: string, outputs: readonly string[]): void {
  const text = outputs.join('\n');
  for (const v of planted) {
    assert.ok(!text.includes(v), `${where}: a raw value leaked`);
    // Public prefixes (kept in the masked form): token prefixes and the fixed leading bytes of an STS session token.
    const body = v.replace(/^(?:gh[pousr]_|github_pat_|glpat-|xox[a-z]-|sk_live_|rk_live_|AKIA|ASIA|IQoJb3JpZ2luX2Vj|gsk_|npm_|hf_|dop_v1_|pplx-|AIza|-----BEGIN [A-Z ]+-----\\?n?)/, '');
    for (let i = 0; i + 10 <= body.length; i++) {
      const piece = body.slice(i, i + 10);
      if (/^[-\s\\n]+$/.test(piece) || /-----/.test(piece)) continue;
      assert.ok(!text.includes(piece), `${where}: a piece of a raw value leaked`);
    }
  }
}

test('no raw value in findings, verdicts, action events, CLI output or errors (last4 and hmac modes)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlp-noraw-'));
  try {
    mkdirSync(join(dir, 'in'));
    for (const [name, text] of files) writeFileSync(join(dir, 'in', name), text);
    writeFileSync(join(dir, 'all.log'), all);
    const policies = [{ name: 'everything', action: 'quarantine' as const }];
    for (const mode of ['last4', 'hmac', 'last4+hmac'] as const) {
      const lines: string[] = [];
      const summary = await dlpScanPaths(
        [join(dir, 'in'), join(dir, 'all.log')],
        { chunkBytes: 1024, config: { policies, evidence: { mode, hmacKey: 'an hmac key for the test suite' } }, clock: new ManualClock(0) },
        (l) => lines.push(l),
      );
      assert.ok(summary.findings >= planted.length * 2, `${mode}: every planted value found in both inputs`);
      assert.ok(summary.actions > 0 && summary.verdicts > 0);
      assert.ok(lines.some((l) => l.includes('"stream":"actions"')));
      if (mode !== 'last4') assert.ok(lines.some((l) => l.includes('hmac-sha256:')));
      assertNoRaw(`CLI ${mode}`, [...lines, JSON.stringify(summary)]);
    }
    // The detector's own outputs, chunk by chunk, with tiny chunks (many values cut across borders).
    const d = testDetector({ policies });
    const bytes = Buffer.from(all, 'latin1');
    const cuts: number[] = [];
    for (let p = 13; p < bytes.length; p += 13) cuts.push(p);
    const findings = d.run(chunksOf(bytes, cuts, { key: 'tiny-chunks.log' }));
    assert.ok(findings.length > planted.length);
    assertNoRaw('detector', [JSON.stringify(findings), JSON.stringify(d.emitted)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no raw value in thrown errors or in encrypted state', async () => {
  const messages: string[] = [];
  const d = testDetector();
  const [good] = chunksOf(Buffer.from(all, 'latin1'), [], { key: 'err.log' });
  const broken: Array<Partial<ObjectChunk>> = [
    { ...good, content: all as unknown as Buffer },
    { ...good, chunk_index: -1 },
    { ...good, offset: Number.NaN },
    { ...good, object: null as unknown as ObjectChunk['object'] },
  ];
  for (const b of broken) {
    try {
      d.detector.process(b as ObjectChunk, { key: 's3://bucket/err.log', topic: 't', partition: 0, offset: '0' });
      assert.fail('a broken chunk throws');
    } catch (err) {
      assert.match(String((err as Error).message), /^object chunk is malformed: /);
      messages.push(String((err as Error).message), String((err as Error).stack), JSON.stringify(err));
    }
  }
  try {
    await dlpScanPaths([`/nonexistent/${planted[0]}`.slice(0, 20)], {}, () => undefined);
  } catch (err) {
    messages.push(String((err as Error).message));
  }
  try {
    parseDlpConfig({ enabled: 'yes', evidence: { mode: 'hmac', hmacKey: 'short' } });
  } catch (err) {
    messages.push(String((err as Error).message));
    assert.doesNotMatch(String((err as Error).message), /short/, 'the hmac key is not echoed');
  }
  assertNoRaw('errors', messages);

  const state = new MemoryKeyedState<DlpObjectState>();
  const enc = createDlpDetector({ enabled: true, stateEncryptionKey: 'state key for the no-raw test' }, { clock: new ManualClock(0), state, emit: () => undefined });
  const chunks = chunksOf(Buffer.from(all, 'latin1'), [600, 1900, 3100, 5000], { key: 'enc.log' });
  const snapshots: string[] = [];
  for (const c of chunks.slice(0, -1)) {
    enc.process(c, { key: 's3://bucket/enc.log', topic: 't', partition: 0, offset: '0' });
    snapshots.push(JSON.stringify(state.get('s3://bucket/enc.log')));
  }
  // Chunks arriving out of order are buffered in state too: also sealed.
  const state2 = new MemoryKeyedState<DlpObjectState>();
  const enc2 = createDlpDetector({ enabled: true, stateEncryptionKey: 'state key for the no-raw test' }, { clock: new ManualClock(0), state: state2, emit: () => undefined });
  enc2.process(chunks[2]!, { key: 's3://bucket/enc.log', topic: 't', partition: 0, offset: '0' });
  snapshots.push(JSON.stringify(state2.get('s3://bucket/enc.log')));
  assertNoRaw('encrypted state', snapshots);
});
