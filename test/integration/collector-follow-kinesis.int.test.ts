/**
 * `sluice collector aws_cloudtrail --follow kinesis` as a process (the CLI, from source) against a
 * real local Kinesis, **kinesalite** (test/support/kinesalite.ts), and the harness's **Kafka**:
 * ready on /readyz, exit 0 on SIGTERM, and a `kill -9` mid-stream followed by a restart that loses
 * no event and repeats only events of the GetRecords responses not yet checkpointed, with their ids.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify as toYaml } from 'yaml';
import type { ConsumedMessage } from '../../services/core/transport.ts';
import { createTestTopics, withAdmin } from '../support/kafka-admin.ts';
import { isolatedPipelineConfig } from '../support/pipeline-config.ts';
import { readTopic } from '../support/read-topic.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { freePort } from '../support/clickhouse-local.ts';
import { cloudWatchDataMessage, startKinesalite, type KinesaliteServer } from '../support/kinesalite.ts';

let kinesis: KinesaliteServer;
before(async () => {
  kinesis = await startKinesalite();
});
after(async () => {
  await kinesis?.close();
});

const bin = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
const uidsOf = (messages: readonly ConsumedMessage[]): string[] => messages.map((m) => String(m.headers['sluice-event-uid']));

/** A CloudTrail event as CloudWatch Logs receives it from a trail. */
const event = (id: string, user: string): string =>
  JSON.stringify({
    eventVersion: '1.08',
    eventID: id,
    eventTime: '2026-12-06T00:00:00Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateUser',
    awsRegion: 'us-east-1',
    userIdentity: { type: 'IAMUser', userName: user, arn: `arn:aws:iam::123456789012:user/${user}`, accountId: '123456789012' },
  });

async function setup(label: string, limit: number) {
  const { config, suffix } = isolatedPipelineConfig(label);
  const topics = { activity: `it.${suffix}.activity`, deadLetter: `it.${suffix}.dlq` };
  if (testServicesFromEnv().kafkaFlavor === 'kafka') await createTestTopics(config.kafka!.brokers, Object.values(topics).map((name) => ({ name, partitions: 3 })));
  const stream = `ct-${suffix}`;
  await kinesis.createStream(stream, 2);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-follow-kinesis-'));
  const checkpointFile = join(dir, 'checkpoints.json');
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, toYaml({ topics, collectors: { aws_cloudtrail: { kinesis: { streamName: stream, region: 'us-east-1', endpoint: kinesis.endpoint, checkpointFile, limit, pollIntervalMs: 100, minRoundIntervalMs: 0 } } } }));
  const start = (port: number) => {
    const child = spawn(process.execPath, [bin, 'collector', 'aws_cloudtrail', '--follow', 'kinesis', '--config', file, '--kafka-brokers', config.kafka!.brokers.join(','), '--allow-local-schema-ids', '--log-level', 'warn'], {
      env: { ...process.env, SLUICE_FROM_SOURCE: '1', SLUICE_HTTP_PORT: String(port), AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    return { child, exited: once(child, 'exit'), stderr: () => stderr };
  };
  const onTopic = (): Promise<number> =>
    withAdmin(config.kafka!.brokers, async (admin) => (await admin.fetchTopicOffsets(topics.activity)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0));
  return { config, topics, stream, checkpointFile, start, onTopic };
}

test('the CLI: `--follow kinesis` is ready on /readyz, publishes, checkpoints and exits 0 on SIGTERM', async () => {
  const s = await setup('kinesis_cli', 100);
  const ids = Array.from({ length: 30 }, (_, i) => `cli-${i}`);
  await kinesis.put(s.stream, [0, 1, 2].map((k) => ({ data: cloudWatchDataMessage(ids.slice(k * 10, k * 10 + 10).map((id) => event(id, `u${k}`))), key: `ls-${k}` })));
  const port = await freePort();
  const role = s.start(port);
  const deadline = Date.now() + 60_000;
  let ready = false;
  while (Date.now() < deadline && role.child.exitCode === null) {
    ready ||= await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready && (await s.onTopic()) >= ids.length) break;
    await sleep(200);
  }
  assert.ok(ready, `/readyz answered 200 (stderr: ${role.stderr()})`);
  role.child.kill('SIGTERM');
  const [code] = (await role.exited) as [number | null];
  assert.equal(code, 0, role.stderr());
  assert.match(role.stderr(), /kinesis records 3 \(data 3, control 0, unreadable 0\)/);
  assert.deepEqual(uidsOf(await readTopic(s.config.kafka!, s.topics.activity, ids.length)).sort(), [...ids].sort());
  const cps = (JSON.parse(readFileSync(s.checkpointFile, 'utf8')) as { streams: Record<string, Record<string, string>> }).streams[s.stream]!;
  assert.ok(Object.keys(cps).length >= 1, 'checkpoints written');
});

test('kill -9 mid-stream, then a restart: every event on Kafka (no loss), repeats only from responses not yet checkpointed, with their ids', async () => {
  const LIMIT = 5; // records per GetRecords: the most a shard can repeat is one response
  const PER_RECORD = 10;
  const s = await setup('kinesis_kill', LIMIT);
  const want: string[] = [];
  for (let round = 0; round < 8; round++) {
    const records = Array.from({ length: 10 }, (_, r) => {
      const ids = Array.from({ length: PER_RECORD }, (_, e) => `kill-${round}-${r}-${e}`);
      want.push(...ids);
      return { data: cloudWatchDataMessage(ids.map((id) => event(id, `u${r}`)), `ls-${r}`), key: `ls-${round}-${r}` };
    });
    await kinesis.put(s.stream, records);
  }
  const first = s.start(0);
  const deadline = Date.now() + 120_000;
  // Kill it in the middle: some records checkpointed, others not yet read.
  while (Date.now() < deadline && first.child.exitCode === null && (await s.onTopic()) < want.length / 3) await sleep(20);
  first.child.kill('SIGKILL');
  await first.exited;
  const atKill = await s.onTopic();
  assert.ok(atKill > 0 && atKill < want.length, `killed mid-stream (${atKill} of ${want.length} events on the topic)`);

  const second = s.start(0);
  // Done when the topic holds at least every event and has stopped growing for 3 s.
  let last = -1;
  let still = 0;
  while (Date.now() < deadline && second.child.exitCode === null && still < 6) {
    const n = await s.onTopic();
    still = n >= want.length && n === last ? still + 1 : 0;
    last = n;
    await sleep(500);
  }
  second.child.kill('SIGTERM');
  const [code] = (await second.exited) as [number | null];
  assert.equal(code, 0, second.stderr());

  const total = await s.onTopic();
  const got = uidsOf(await readTopic(s.config.kafka!, s.topics.activity, total));
  assert.equal(got.length, total);
  assert.deepEqual([...new Set(got)].sort(), [...want].sort(), 'no event lost');
  const repeats = got.length - want.length;
  assert.ok(repeats <= 2 * LIMIT * PER_RECORD, `repeats (${repeats}) at most one GetRecords response per shard (2 shards × ${LIMIT} records × ${PER_RECORD} events)`);
  process.stdout.write(`# kinesis kill -9: ${atKill} of ${want.length} events on the topic at the kill; ${repeats} published twice after the restart, all with their ids\n`);
});
