import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadRulePacks } from './loader.ts';
import { renderPackReadme, TABLES_MARKER } from './pack-readme.ts';

test('the activity pack README lists every rule of the pack as it is (run `npm run docs`)', () => {
  const { path, text } = renderPackReadme('activity');
  const onDisk = readFileSync(path, 'utf8');
  assert.ok(onDisk.includes(TABLES_MARKER), 'the README has the generated-tables marker');
  assert.equal(onDisk, text);
  for (const r of loadRulePacks(['@builtin/activity'])) assert.ok(text.includes(`| \`${r.id}\` | ${r.severity} |`), r.id);
});
