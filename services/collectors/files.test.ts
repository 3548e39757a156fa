import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
