import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { listInputFiles, readInputOrReject } from './files.ts';
import { SluiceError } from '../core/errors.ts';

test('a path the caller names must exist; an unreadable entry inside a directory becomes a dead letter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-files-'));
  writeFileSync(join(dir, 'a.json'), '{}');
  writeFileSync(join(dir, '.hidden.json'), '{}');
  symlinkSync(join(dir, 'missing.json'), join(dir, 'b.json'));
  await assert.rejects(listInputFiles([join(dir, 'nope.json')]), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_NOT_FOUND');
  const files = await listInputFiles([dir]);
  assert.deepEqual(files, [join(dir, 'a.json'), join(dir, 'b.json')]);
  const ok = await readInputOrReject(files[0]!, 'test');
  assert.ok('bytes' in ok && ok.bytes.toString() === '{}');
  const bad = await readInputOrReject(files[1]!, 'test');
  assert.ok('reject' in bad);
  assert.equal(bad.reject.reasonCode, 'SLUICE_ERR_INPUT_UNREADABLE');
  assert.equal(bad.reject.position, `${files[1]}#0`);
});

test('symlink loops and self-links are listed once: no repeated files, no endless recursion', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-loop-'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'logs', 'a.json'), '{}');
  symlinkSync(dir, join(dir, 'logs', 'loop')); // logs/loop -> dir: a cycle
  symlinkSync(join(dir, 'logs'), join(dir, 'again')); // a second way into logs
  symlinkSync(join(dir, 'logs', 'a.json'), join(dir, 'logs', 'b.json')); // a second name for a.json
  symlinkSync(join(dir, 'self1'), join(dir, 'self2'));
  symlinkSync(join(dir, 'self2'), join(dir, 'self1')); // two links pointing at each other
  const t0 = Date.now();
  const files = await listInputFiles([dir]);
  assert.ok(Date.now() - t0 < 2000);
  // a.json once (the first name in sorted order wins), the self-links listed so that reading them dead-letters.
  assert.deepEqual(files, [join(dir, 'again', 'a.json'), join(dir, 'self1'), join(dir, 'self2')]);
  const bad = await readInputOrReject(join(dir, 'self1'), 'test');
  assert.ok('reject' in bad && bad.reject.reasonCode === 'SLUICE_ERR_INPUT_UNREADABLE');
  // The same directory named twice by the caller is read once.
  const twice = await listInputFiles([join(dir, 'logs'), join(dir, 'again')]);
  assert.deepEqual(twice, [join(dir, 'logs', 'a.json'), join(dir, 'logs', 'loop', 'self1'), join(dir, 'logs', 'loop', 'self2')]);
});

test('a FIFO or a device named as input is a clear error, never a hang or an endless read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-fifo-'));
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  for (const p of [fifo, '/dev/zero']) {
    await assert.rejects(listInputFiles([p]), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_NOT_REGULAR' && e.message.includes(p));
    const r = await readInputOrReject(p, 'test');
    assert.ok('reject' in r && /not a regular file/.test(r.reject.reason));
  }
  // Inside a walked directory, the FIFO is skipped.
  writeFileSync(join(dir, 'a.json'), '{}');
  assert.deepEqual(await listInputFiles([dir]), [join(dir, 'a.json')]);
});
