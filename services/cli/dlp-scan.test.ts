import { test } from 'node:test';
import { assertValidOcsf } from '../core/ocsf/index.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { dlpScanPaths } from './dlp-scan.ts';
import { makeSample, Rng } from '../detectors/dlp/samples.ts';

test('dlpScanPaths: files and directories through the collector chunking, NDJSON out, summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlp-cli-'));
  try {
    const rng = new Rng(12);
    const card = makeSample('payment_card', rng);
    const key = makeSample('private_key', rng);
    mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
    const cardText = `${'x'.repeat(2000)}\n${card.text}\n`;
    writeFileSync(join(dir, 'tree', 'cards.csv'), cardText);
    writeFileSync(join(dir, 'tree', 'sub', 'key.pem.gz'), gzipSync(`${'y\n'.repeat(700)}${key.text}`));
    writeFileSync(join(dir, 'tree', 'photo.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(3000, 1)]));
    writeFileSync(join(dir, 'tree', '.hidden'), card.text);
    writeFileSync(join(dir, 'single.txt'), `mail ${makeSample('email', rng).text}`);
    const lines: string[] = [];
    const s = await dlpScanPaths(
      [join(dir, 'tree'), join(dir, 'single.txt')],
      { chunkBytes: 1024, config: { policies: [{ name: 'q', action: 'quarantine', dataTypes: ['private_key'] }] }, clock: new ManualClock(5) },
      (l) => lines.push(l),
    );
    type Out = { stream?: string; unmapped: { sluice: { rule: string; entity_key: string; evidences: Array<Record<string, unknown>> } } };
    const parsed = lines.map((l) => JSON.parse(l) as Out);
    for (const f of parsed) if (!f.stream) assertValidOcsf(f, 'dlp finding');
    const rule = (f: Out) => f.unmapped?.sluice.rule;
    assert.equal(s.objects, 4, 'hidden files are skipped');
    assert.deepEqual(s.findingsByType, { payment_card: 1, private_key: 1, email: 1 });
    assert.equal(s.findings, 3);
    assert.equal(s.verdicts, 4, 'three objects with findings and the skipped image');
    assert.equal(s.actions, 1);
    assert.deepEqual(s.skipped, [{ object: `file://tree/photo.png`, reason: 'binary content (image/png)' }]);
    assert.equal(s.highestSeverityId, 5);
    assert.deepEqual(s.rejected, []);
    const cardFinding = parsed.find((f) => rule(f) === 'payment_card')!.unmapped.sluice;
    assert.equal(cardFinding.entity_key, 'file://tree/cards.csv');
    assert.equal(cardFinding.evidences[0]!.offset, 2001 + card.expect[0]!.offset);
    const pem = parsed.find((f) => rule(f) === 'private_key')!.unmapped.sluice;
    assert.equal(pem.evidences[0]!.offset, 1400 + key.expect[0]!.offset, 'offset in the decoded (gunzipped) bytes');
    assert.ok(parsed.some((f) => f.stream === 'actions'));
    const single = parsed.find((f) => rule(f) === 'email')!.unmapped.sluice;
    assert.match(single.entity_key, /^file:\/\/[^/]+\/single\.txt$/);

    const quiet: string[] = [];
    await dlpScanPaths([join(dir, 'tree')], { verdicts: false, actions: false, config: { policies: [{ name: 'q', action: 'alert' }] } }, (l) => quiet.push(l));
    assert.equal(quiet.length, 2);
    assert.ok(quiet.every((l) => !l.includes('object_verdict') && !l.includes('"stream"')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dlpScanPaths: a missing path is SLUICE_ERR_INPUT_NOT_FOUND before any output', async () => {
  const lines: string[] = [];
  await assert.rejects(
    dlpScanPaths([tmpdir(), join(tmpdir(), 'no-such-dlp-input')], {}, (l) => lines.push(l)),
    (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_INPUT_NOT_FOUND',
  );
  assert.deepEqual(lines, []);
});
