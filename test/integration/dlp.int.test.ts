/**
 * DLP end to end on the harness's Kafka and ClickHouse: files -> object_storage collector (chunks on
 * the object_chunk topic) -> processor (dlp detector in the worker pool) -> ClickHouse findings and
 * action events on the actions topic. A card number is planted across a chunk border; its raw value
 * must appear nowhere in the outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../services/cli/config.ts';
import { objectStorageCollector } from '../../services/collectors/object_storage/index.ts';
import { runPipeline } from '../../services/cli/pipeline.ts';
import { isolatedPipelineConfig } from '../support/pipeline-config.ts';
import { pipelineHarness } from './pipeline-harness.ts';
import { readTopic } from '../support/read-topic.ts';

const { config: base, suffix } = isolatedPipelineConfig('dlp');
const config = resolveConfig({
  ...base,
  topics: { ...base.topics, objectChunk: `it.${suffix}.chunks`, actions: `it.${suffix}.actions` },
  detectors: {
    dlp: { enabled: true, policies: [{ name: 'cards-quarantine', action: 'quarantine', dataTypes: ['payment_card'], minCount: 1 }] },
  },
});
const { ctx, clickhouse } = pipelineHarness(config);

const CARD = '4556737586899855';
const CHUNK = 4096;


test('chunked objects -> dlp in the worker pool -> ClickHouse findings and a quarantine action, nothing raw anywhere', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-dlp-it-'));
  // The card starts 6 bytes before the first chunk border: it is split across chunks 0 and 1.
  const filler = 'lorem ipsum dolor sit amet '.repeat(200).slice(0, CHUNK - 6 - 'payment card: '.length);
  writeFileSync(join(dir, 'orders.txt'), `${filler}payment card: ${CARD} expires 12/29\n${'more text '.repeat(500)}`);
  writeFileSync(join(dir, 'clean.txt'), 'nothing sensitive here\n'.repeat(50));
  const summary = await runPipeline(ctx, { collector: objectStorageCollector({ chunkBytes: CHUNK, bucket: 'it' }), inputs: [dir], drainTimeoutMs: 90_000 });
  assert.equal(summary.transport, 'kafka');
  assert.ok(summary.collector.normalized >= 3, 'several chunks were published');

  const rs = await clickhouse.query({
    query: `SELECT rule, entity_key, finding_json FROM ${config.clickhouse!.database}.findings FINAL WHERE detector = 'dlp' ORDER BY rule`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ rule: string; entity_key: string; finding_json: string }>();
  const rules = rows.map((r) => r.rule);
  assert.deepEqual(rules.filter((r) => r === 'payment_card').length, 1, 'the split card is found exactly once');
  assert.ok(rules.includes('object_verdict'), 'an object verdict was stored');
  const card = JSON.parse(rows.find((r) => r.rule === 'payment_card')!.finding_json) as Record<string, unknown>;
  assert.match(JSON.stringify(card), /9855/, 'evidence keeps the last 4 characters');

  const actions = await readTopic(config.kafka!, config.topics.actions, 1);
  assert.equal(actions.length, 1, 'one action event');
  const action = JSON.parse(actions[0]!.value.toString()) as { action: string };
  assert.equal(action.action, 'quarantine');

  const everything = [...rows.map((r) => r.finding_json), ...actions.map((a) => a.value.toString())].join('\n');
  assert.ok(!everything.includes(CARD), 'the raw card number is in no output');
});
