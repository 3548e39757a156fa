import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
