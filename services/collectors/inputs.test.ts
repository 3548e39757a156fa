import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { notAFeedReason, selectInputFiles } from './inputs.ts';

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-inputs-'));
  mkdirSync(join(dir, 'sub'));
  for (const name of ['LICENSE', 'LICENSE-MIT', 'README.md', 'NOTICE', 'SOURCE', 'CHANGELOG.md', 'notes.txt', 'trail.json', 'flows.txt', 'events.json.gz', 'license.json', 'sub/audit.jsonl', 'sub/README']) {
    writeFileSync(join(dir, name), '{}\n');
  }
  return dir;
}

const names = (paths: ReadonlyArray<string | { path: string }>) => paths.map((p) => basename(typeof p === 'string' ? p : p.path)).sort();

test('inside a directory, files named like LICENSE/README/NOTICE/SOURCE, Markdown and (for collectors that read no text) .txt are skipped with the reason', async () => {
  const dir = tree();
  try {
    const { files, skipped } = await selectInputFiles([dir], 'auto');
    assert.deepEqual(names(files), ['audit.jsonl', 'events.json.gz', 'license.json', 'trail.json']);
    assert.deepEqual(names(skipped), ['CHANGELOG.md', 'LICENSE', 'LICENSE-MIT', 'NOTICE', 'README', 'README.md', 'SOURCE', 'flows.txt', 'notes.txt']);
    assert.match(skipped.find((s) => s.path.endsWith('LICENSE'))!.reason, /not a feed: repository file \(LICENSE\)/);
    const vpc = await selectInputFiles([dir], 'vpc_flow_logs');
    assert.ok(names(vpc.files).includes('flows.txt'), 'text is a feed for the VPC flow log collector');
    const objects = await selectInputFiles([dir], 'object_storage');
    assert.equal(objects.skipped.length, 0, 'object storage (DLP) reads every file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files named by the caller are always read; --include chooses (and overrides the name rule), --exclude removes', async () => {
  const dir = tree();
  try {
    const explicit = await selectInputFiles([join(dir, 'LICENSE'), join(dir, 'trail.json')], 'auto');
    assert.deepEqual(names(explicit.files), ['LICENSE', 'trail.json']);
    const inc = await selectInputFiles([dir], 'auto', { include: ['*.txt'] });
    assert.deepEqual(names(inc.files), ['flows.txt', 'notes.txt']);
    assert.ok(inc.skipped.every((s) => s.reason === 'not matched by --include'));
    const exc = await selectInputFiles([dir], 'auto', { exclude: ['sub/**', '*.gz'] });
    assert.deepEqual(names(exc.files), ['license.json', 'trail.json']);
    assert.equal(exc.skipped.filter((s) => s.reason === 'excluded by --exclude').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('notAFeedReason: by name only', () => {
  assert.equal(notAFeedReason('/x/cloudtrail.json', 'auto'), null);
  assert.match(notAFeedReason('/x/readme.rst', 'auto')!, /documentation/);
  assert.equal(notAFeedReason('/x/README.md', 'object_storage'), null);
  assert.match(notAFeedReason('/x/collector.ts', 'auto')!, /a \.ts file/);
  assert.match(notAFeedReason('/x/logo.PNG', 'aws_cloudtrail')!, /a \.png file/);
  assert.equal(notAFeedReason('/x/trail.json.gz', 'auto'), null);
  assert.equal(notAFeedReason('/x/flows.log', 'auto'), null);
});
