import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { renderComponentPages, renderReferenceIndex } from './component-docs.ts';
import { renderConfigDocs } from './config-docs.ts';
import { ENV_VARS } from '../core/config.ts';

test('docs/configuration.md is generated from the current schema (run `npm run docs` after changing config.ts)', () => {
  const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderConfigDocs());
});

test('the docs name every key and env var', () => {
  const doc = renderConfigDocs();
  for (const key of ['kafka.brokers', 'clickhouse.url', 'topics.activity', 'processor.workers', 'detectors.sensitive_operation.extraOperations']) {
    assert.ok(doc.includes(`\`${key}\``), key);
  }
  for (const name of Object.keys(ENV_VARS)) assert.ok(doc.includes(`\`${name}\``), name);
});

test('docs/reference/ holds one current page per registered component (run `npm run docs`)', () => {
  const pages = renderComponentPages();
  assert.ok(pages.length >= 20, `${pages.length} pages`);
  for (const p of [...pages, renderReferenceIndex(pages)]) {
    const path = new URL(`../../${p.path}`, import.meta.url);
    assert.ok(existsSync(path), `${p.path} exists`);
    assert.equal(readFileSync(path, 'utf8'), p.text, `${p.path} is current`);
  }
});

test('a component page lists every setting with its default', () => {
  const sink = renderComponentPages().find((p) => p.path.endsWith('sinks/clickhouse.md'))!;
  for (const key of ['maxRows', 'retry.attempts', 'retentionDays', 'enabled']) assert.ok(sink.text.includes(`| \`${key}\` |`), key);
  assert.ok(sink.text.includes('| `maxRows` | integer (1..1000000) | `10000` |'), 'type and default of maxRows');
});
