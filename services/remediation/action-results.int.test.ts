// Action results in ClickHouse (integration, the harness ClickHouse via CLICKHOUSE_URL): a real
// RemediatorService writes its results to the results topic of an embedded log; the
// ActionResultRecorder reads that topic and stores them through the ClickHouse sink in
// `{db}.action_results`. A redelivered batch, and the same result written twice, are one row under
// FINAL; a record that is not a result is dead-lettered; offsets are committed only after the store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClickHouseClient } from '@clickhouse/client';
import { resolveConfig } from '../cli/config.ts';
import type { ActionResult } from '../core/actions.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { ManualClock } from '../core/clock.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import { silentLogger } from '../core/logger.ts';
import { isCaughtUp } from '../core/transport.ts';
import { outputSignatureHeaders } from '../processor/output-signing.ts';
import { createClickHouseClient, type ClickHouseConnection } from '../sinks/clickhouse/client.ts';
import { ClickHouseFindingSink } from '../sinks/clickhouse/sink.ts';
import { quoteIdentifier, quoteString } from '../sinks/clickhouse/sql.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { ActionResultRecorder, type ActionResultStore } from './results-recorder.ts';
import { RemediatorService } from './service.ts';

const URL_ENV = process.env.CLICKHOUSE_URL;
const database = `sluice_ar_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
const ACTIONS_KEY = 'actions-key-for-the-results-test-0123456789';
const ACCOUNT = '123456789012';
let client: ClickHouseClient;
let sink: ClickHouseFindingSink;

function connection(url: string): ClickHouseConnection {
  return { url, username: process.env.CLICKHOUSE_USER ?? 'default', password: process.env.CLICKHOUSE_PASSWORD ?? '', database };
}

before(async () => {
  assert.ok(URL_ENV, 'CLICKHOUSE_URL is not set: run via `node --import tsx test/run.ts action-results` (it starts ClickHouse)');
  client = createClickHouseClient(connection(URL_ENV), silentLogger());
  sink = new ClickHouseFindingSink({ clickhouse: connection(URL_ENV), logger: silentLogger(), sink: { flushIntervalMs: 0, retentionCheckIntervalMs: 0 } });
  await sink.start();
});
after(async () => {
  await sink?.close();
  if (client) {
    await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` }).catch(() => undefined);
    await client.close();
  }
});

interface StoredRow {
  action_id: string;
  executor: string;
  outcome: string;
  dry_run: number;
  account: string;
  reason: string;
  steps: string[];
  detector: string;
  target: string;
  time: string;
}

async function rows(where: string): Promise<StoredRow[]> {
  const rs = await client.query({
    query: `SELECT action_id, executor, outcome, dry_run, account, reason, steps, detector, target, toString(time) AS time FROM ${quoteIdentifier(database)}.action_results FINAL WHERE ${where} ORDER BY action_id, executor, outcome`,
    format: 'JSONEachRow',
  });
  return rs.json<StoredRow>();
}

async function rawCount(where: string): Promise<number> {
  const rs = await client.query({ query: `SELECT count() AS n FROM ${quoteIdentifier(database)}.action_results WHERE ${where}`, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: number | string }>())[0]!.n);
}

test('the remediator results of a topic land in {db}.action_results once each; redelivery and repeats leave one row; junk is dead-lettered', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 9, 0, 0));
  const log = new EmbeddedLog({ partitions: 2, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const config = resolveConfig({
    topics: { partitions: 2 },
    remediation: { actionsKey: ACTIONS_KEY, executors: { accounts: { [ACCOUNT]: { allow: ['s3.quarantine'], quarantine: { bucket: 'sec-quarantine' } } } } },
  });
  const deadLetters = new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock);
  const tag = Math.random().toString(36).slice(2, 8);
  const actions = [
    { id: `q-${tag}`, action: 'quarantine', object: { store: 's3', bucket: 'data-bucket', key: 'exports/cards.csv', version_id: 'v1', etag: 'abc' }, reason: 'policy cards', detector: 'dlp', finding_id: 'f-1' },
    { id: `d-${tag}`, action: 'delete', object: { store: 's3', bucket: 'data-bucket', key: 'exports/cards.csv', version_id: 'v1', etag: 'abc' }, detector: 'dlp' },
    { id: `x-${tag}`, action: 'quarantine', object: { store: 'file', bucket: 'local', key: 'a' }, detector: 'dlp' },
  ];
  const records = actions.map((a) => {
    const value = Buffer.from(JSON.stringify(a));
    return { key: a.id, value, headers: outputSignatureHeaders('actions', ACTIONS_KEY, config.topics.actions, a.id, value) };
  });
  // Sent twice: the second copy of each action is handled again (already_done / the same refusal / dry_run again).
  await producer.send(config.topics.actions, [...records, ...records]);
  const remediator = new RemediatorService({ transport: log, deadLetters, config, logger: silentLogger(), clock });
  await remediator.start();
  while (!(await isCaughtUp(log, config.remediation.groupId, config.topics.actions))) await log.waitForChange(20);
  await remediator.stop();
  // A record on the results topic that is not a result.
  await producer.send(config.topics.actionResults, [{ key: 'junk', value: Buffer.from('{"action_id":"junk","executor":"webhook","outcome":"exploded"}') }]);
  const topicResults = log.readAll(config.topics.actionResults).length;
  assert.equal(topicResults, 7, 'six results from the remediator and the junk record');

  // First pass: a store that acknowledges nothing (the recorder must not commit), then the real one.
  const failing: ActionResultStore = { writeActionResults: () => Promise.reject(new Error('ClickHouse is down')) };
  const first = new ActionResultRecorder({ transport: log, store: failing, deadLetters, topic: config.topics.actionResults, groupId: config.remediation.resultsGroupId, logger: silentLogger() });
  const c1 = await first.start();
  await assert.rejects(c1.done, /ClickHouse is down/);
  assert.equal(await isCaughtUp(log, config.remediation.resultsGroupId, config.topics.actionResults), false, 'nothing committed while the store fails');

  for (let pass = 0; pass < 2; pass++) {
    // Pass 2 rereads the topic from the start under a new group: every row is written again.
    const recorder = new ActionResultRecorder({ transport: log, store: sink, deadLetters, topic: config.topics.actionResults, groupId: `${config.remediation.resultsGroupId}${pass ? '-again' : ''}`, logger: silentLogger() });
    await recorder.start();
    while (!(await isCaughtUp(log, `${config.remediation.resultsGroupId}${pass ? '-again' : ''}`, config.topics.actionResults))) await log.waitForChange(20);
    await recorder.stop();
    assert.deepEqual(recorder.stats, { stored: 6, malformed: 1 });
  }

  const where = `action_id IN (${actions.map((a) => quoteString(a.id)).join(', ')})`;
  assert.equal(await rawCount(where), 12, 'every copy is on disk until merged');
  const stored = await rows(where);
  assert.deepEqual(
    stored.map((r) => [r.action_id, r.executor, r.outcome, r.dry_run]),
    [
      [`d-${tag}`, 's3.delete', 'refused', 1],
      [`q-${tag}`, 's3.quarantine', 'dry_run', 1],
      [`x-${tag}`, 's3.quarantine', 'refused', 1],
    ].sort(),
    'one row per action, executor and outcome under FINAL',
  );
  const q = stored.find((r) => r.action_id === `q-${tag}`)!;
  assert.equal(q.account, ACCOUNT);
  assert.equal(q.detector, 'dlp');
  assert.match(q.reason, /^dry-run: would CopyObject s3:\/\/data-bucket\/exports\/cards\.csv \(version v1\) -> s3:\/\/sec-quarantine\//);
  assert.equal(q.steps.length, 2);
  assert.deepEqual(JSON.parse(q.target), { bucket: 'data-bucket', key: 'exports/cards.csv', versionId: 'v1', etag: 'abc' });
  assert.equal(q.time, '2026-12-06 09:00:00');
  assert.match(stored.find((r) => r.action_id === `d-${tag}`)!.reason, /s3\.delete is not allowed in account 123456789012/);

  const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
  assert.deepEqual(dead.map((d) => [d.source, d.reason_code]), [['action-results', 'SLUICE_ERR_INPUT_MALFORMED'], ['action-results', 'SLUICE_ERR_INPUT_MALFORMED']], 'the junk record, once per pass');
  assert.match(dead[0]!.reason, /outcome "exploded" is not one of/);
  await producer.close();
});

test('a result that cannot be stored rejects the write before anything is sent', async () => {
  const bad = { action_id: 'bad-1', executor: 'webhook', outcome: 'done', reason: '', steps: [], account: null, region: null, target: {}, finding_id: null, detector: null, dry_run: false, time: -5 } as ActionResult;
  await assert.rejects(sink.writeActionResults([bad]), (e: unknown) => (e as { code?: string }).code === 'SLUICE_ERR_SINK_WRITE' && /time is not epoch ms/.test((e as Error).message));
  assert.equal(await rawCount(`action_id = 'bad-1'`), 0);
});
