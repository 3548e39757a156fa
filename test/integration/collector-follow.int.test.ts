/**
 * `sluice collector <type> --follow` against real local peers: S3 notifications on **sqslite** (a
 * local SQS server, through @aws-sdk/client-sqs; test/support/sqslite.ts says what it lacks and
 * how the tests complete it), objects on **s3rver** (a local S3 server, through @aws-sdk/client-s3),
 * events on the harness's **Kafka**. The role runs in this process (runCollectorFollowRole, what
 * the CLI calls) and is stopped through its stop signal as SIGTERM would.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../services/core/clock.ts';
import { resolveConfig, type SluiceConfig } from '../../services/cli/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { createTelemetry } from '../../services/core/telemetry.ts';
import { runCollectorFollowRole, type FollowOptions } from '../../services/cli/collector-follow.ts';
import { collectorFor } from '../../services/cli/collectors.ts';
import type { FollowStats } from '../../services/collectors/s3_notifications/index.ts';
import type { ConsumedMessage } from '../../services/core/transport.ts';
import { createTestTopics, withAdmin } from '../support/kafka-admin.ts';
import { isolatedPipelineConfig } from '../support/pipeline-config.ts';
import { readTopic } from '../support/read-topic.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { freePort } from '../support/clickhouse-local.ts';
import { startS3rver, type S3rverServer } from '../support/s3rver.ts';
import { startSqslite, sqsliteQueueDepth, type SqsliteServer } from '../support/sqslite.ts';

const BUCKET = 'trail-bucket';
const CONFIG_BUCKET = 'sluice-config-bucket';
const configFixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/aws_config/authored/${name}`, import.meta.url));
const SAMPLE = readFileSync(new URL('../../services/collectors/aws_cloudtrail/samples/sluice-sensitive-operations.json', import.meta.url));
const SAMPLE_KEY = 'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/06/123456789012_CloudTrail_eu-west-1_20261206T0000Z_a+b.json.gz';

let sqs: SqsliteServer;
let s3: S3rverServer;

before(async () => {
  // The follower's clients take credentials from the default chain, as in a deployment; s3rver checks them.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  [sqs, s3] = await Promise.all([startSqslite(), startS3rver([BUCKET, CONFIG_BUCKET])]);
});
after(async () => {
  await Promise.all([sqs?.close(), s3?.close()]);
});

/** A config on the harness's Kafka with fresh topics, collectors.<type>.sqs on sqslite and s3rver. */
async function setup(label: string, type: string, sqsOverrides: Record<string, unknown> = {}): Promise<{ config: SluiceConfig; queueUrl: string }> {
  const { config: base, suffix } = isolatedPipelineConfig(label);
  const queueUrl = await sqs.createQueue(`q-${suffix}`);
  const topics = { ...base.topics, activity: `it.${suffix}.activity`, objectChunk: `it.${suffix}.chunks`, config: `it.${suffix}.config`, deadLetter: `it.${suffix}.dlq` };
  const sqsConfig = {
    queueUrl,
    region: 'us-east-1',
    sqsEndpoint: sqs.endpoint,
    sqsProtocol: 'query',
    s3Endpoint: s3.endpoint,
    s3ForcePathStyle: true,
    waitTimeSeconds: 1,
    emptyReceiveDelayMs: 100,
    visibilityTimeoutSeconds: 30,
    missingObjectRetries: 1,
    retryBackoffMs: 50,
    shutdownGraceMs: 10_000,
    ...sqsOverrides,
  };
  const config = resolveConfig({ ...base, topics, collectors: { [type]: { sqs: sqsConfig } } } as Parameters<typeof resolveConfig>[0]);
  const services = testServicesFromEnv();
  if (services.kafkaFlavor === 'kafka') {
    await createTestTopics(services.kafkaBrokers, [topics.activity, topics.objectChunk, topics.config, topics.deadLetter].map((name) => ({ name, partitions: 3 })));
  }
  return { config, queueUrl };
}

function context(config: SluiceConfig) {
  return { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
}

/** Runs the role until `done` holds (or 60 s), then stops it as SIGTERM does; returns its stats. */
async function follow(config: SluiceConfig, type: string, done: () => boolean, options: Omit<FollowOptions, 'stop'> = {}): Promise<FollowStats> {
  const stop = new AbortController();
  const running = runCollectorFollowRole(context(config), type, {}, { ...options, stop: stop.signal });
  let failed: unknown;
  running.catch((err: unknown) => (failed = err));
  const deadline = Date.now() + 60_000;
  while (!done() && failed === undefined && Date.now() < deadline) await sleep(100);
  stop.abort();
  return running;
}

const s3Event = (key: string, bucket = BUCKET) =>
  JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+') } },
      },
    ],
  });

const uids = (messages: readonly ConsumedMessage[]): string[] => messages.map((m) => String(m.headers['sluice-event-uid'])).sort();

/** The events aws_cloudtrail makes of the sample: their uids (deterministic: the CloudTrail eventID). */
function expectedUids(config: SluiceConfig): string[] {
  const outputs = [...collectorFor('aws_cloudtrail', config).collect({ name: 'sample', bytes: SAMPLE })];
  return outputs.flatMap((o) => (o.kind === 'event' ? [o.event.metadata.uid] : [])).sort();
}

test('S3 -> SQS: objects published, then the messages deleted; test events ignored; poison and missing objects dead-lettered and deleted', async () => {
  const { config, queueUrl } = await setup('follow_s3', 'aws_cloudtrail');
  await s3.put(BUCKET, SAMPLE_KEY, gzipSync(SAMPLE));
  await s3.put(BUCKET, 'AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2026/12/06/digest.json.gz', gzipSync('{"awsAccountId":"123456789012"}'));
  await sqs.send(queueUrl, s3Event(SAMPLE_KEY));
  await sqs.send(queueUrl, JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET }));
  await sqs.send(queueUrl, 'this is not a notification');
  await sqs.send(queueUrl, s3Event('AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/06/gone.json.gz'));
  await sqs.send(queueUrl, s3Event('AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2026/12/06/digest.json.gz'));

  const stats = await follow(config, 'aws_cloudtrail', () => sqsliteQueueDepth(queueUrl).total === 0);
  assert.equal(sqsliteQueueDepth(queueUrl).total, 0, 'every message was deleted');
  assert.equal(stats.messages, 5);
  assert.equal(stats.deleted, 5);
  assert.equal(stats.ignored, 2, 'the S3 test event and the digest file (always skipped for aws_cloudtrail)');
  assert.equal(stats.poison, 2, 'the body that is not a notification, the object that does not exist');
  assert.equal(stats.skippedObjects, 1);

  const want = expectedUids(config);
  assert.ok(want.length > 5, `the sample has ${want.length} events`);
  assert.equal(stats.normalized, want.length);
  const events = await readTopic(config.kafka!, config.topics.activity, want.length);
  assert.deepEqual(uids(events), want, 'every event of the object, keyed and identified as in a file run');
  const dead = await readTopic(config.kafka!, config.topics.deadLetter, stats.deadLettered);
  const codes = dead.map((m) => String(m.headers['sluice-reason-code'])).sort();
  assert.ok(codes.includes('SLUICE_ERR_NOTIFICATION_INVALID'), codes.join());
  assert.ok(codes.includes('SLUICE_ERR_INPUT_NOT_FOUND'), codes.join());
});

test("CloudTrail's own SNS notification (S3 -> SNS -> SQS envelope, a list of keys)", async () => {
  const { config, queueUrl } = await setup('follow_ctsns', 'aws_cloudtrail');
  const key = 'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/06/ct-sns.json.gz';
  await s3.put(BUCKET, key, gzipSync(SAMPLE));
  await sqs.send(queueUrl, JSON.stringify({ Type: 'Notification', MessageId: 'x', TopicArn: 'arn:aws:sns:us-east-1:123456789012:ct', Message: JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [key] }) }));
  const stats = await follow(config, 'aws_cloudtrail', () => sqsliteQueueDepth(queueUrl).total === 0);
  assert.equal(stats.deleted, 1);
  assert.equal(stats.objects, 1);
  const want = expectedUids(config);
  assert.deepEqual(uids(await readTopic(config.kafka!, config.topics.activity, want.length)), want);
});

test('object_storage: an S3 event in an SNS envelope -> the object chunked onto the object_chunk topic', async () => {
  const { config, queueUrl } = await setup('follow_sns', 'object_storage');
  const key = 'exports/customers 2026.csv';
  const body = `id,name,card\n${Array.from({ length: 300 }, (_, i) => `${i},customer ${i},4556737586899855`).join('\n')}\n`;
  await s3.put(BUCKET, key, body);
  const envelope = { Type: 'Notification', MessageId: 'sns-1', TopicArn: 'arn:aws:sns:us-east-1:123456789012:objects', Subject: 'Amazon S3 Notification', Message: s3Event(key), Timestamp: new Date().toISOString() };
  await sqs.send(queueUrl, JSON.stringify(envelope));
  const stats = await follow(config, 'object_storage', () => sqsliteQueueDepth(queueUrl).total === 0);
  assert.equal(stats.deleted, 1);
  assert.equal(stats.objects, 1);
  assert.ok(stats.normalized >= 1);
  const chunks = await readTopic(config.kafka!, config.topics.objectChunk, stats.normalized);
  assert.equal(chunks.length, stats.normalized);
  assert.ok(chunks.every((c) => c.key === `s3://${BUCKET}/${key}`), 'chunks keyed by the object (its decoded key)');
});

test('aws_config: the snapshot named by a Config delivery notification (SNS envelope) is read from S3; a change notification is read inline', async () => {
  const { config, queueUrl } = await setup('follow_config', 'aws_config');
  const delivery = JSON.parse(configFixture('snapshot-delivery-completed.json').toString()) as { s3ObjectKey: string; s3Bucket: string };
  assert.equal(delivery.s3Bucket, CONFIG_BUCKET);
  const snapshot = configFixture('snapshot.json');
  await s3.put(CONFIG_BUCKET, delivery.s3ObjectKey, gzipSync(snapshot));
  await sqs.send(queueUrl, JSON.stringify({ Type: 'Notification', MessageId: 'c1', TopicArn: 'arn:aws:sns:eu-west-1:111122223333:config-topic', Message: JSON.stringify(delivery) }));
  const inline = configFixture('sns-notification.json');
  await sqs.send(queueUrl, inline.toString());
  const stats = await follow(config, 'aws_config', () => sqsliteQueueDepth(queueUrl).total === 0);
  assert.equal(stats.deleted, 2);
  assert.equal(stats.objects, 1);
  const collector = collectorFor('aws_config', config);
  const expected = [...collector.collect({ name: 'snapshot', bytes: snapshot }), ...collector.collect({ name: 'inline', bytes: inline })].filter((o) => o.kind === 'event');
  assert.ok(expected.length >= 2);
  assert.equal(stats.normalized, expected.length);
  const events = await readTopic(config.kafka!, config.topics.config, expected.length);
  assert.deepEqual(uids(events), expected.map((o) => (o.kind === 'event' ? o.event.metadata.uid : '')).sort());
});

test('a crash between publish and delete: the message comes back, is published again with the same event ids, and is counted', async () => {
  const { config, queueUrl } = await setup('follow_crash', 'aws_cloudtrail', { visibilityTimeoutSeconds: 2 });
  const key = 'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/06/crash.json.gz';
  await s3.put(BUCKET, key, gzipSync(SAMPLE));
  await sqs.send(queueUrl, s3Event(key));
  const crash = new Error('simulated crash after the publish, before the delete');
  await assert.rejects(
    runCollectorFollowRole(context(config), 'aws_cloudtrail', {}, { hooks: { afterPublish: async () => Promise.reject(crash) } }),
    (err) => err === crash,
  );
  assert.equal(sqsliteQueueDepth(queueUrl).total, 1, 'not deleted');

  // The next run gets it again once its visibility timeout (2 s) ran out.
  const stats = await follow(config, 'aws_cloudtrail', () => sqsliteQueueDepth(queueUrl).total === 0);
  assert.equal(stats.redelivered, 1, 'counted as a redelivery');
  assert.equal(stats.deleted, 1);
  const want = expectedUids(config);
  const events = await readTopic(config.kafka!, config.topics.activity, 2 * want.length);
  assert.equal(events.length, 2 * want.length, 'at-least-once: Kafka holds both publishes');
  assert.deepEqual([...new Set(uids(events))].sort(), want, 'with the same event ids: consumers deduplicate (findings and ClickHouse rows are keyed by them)');
});

test('visibility is extended while a message takes longer than its timeout: no second delivery', async () => {
  const { config, queueUrl } = await setup('follow_slow', 'aws_cloudtrail', { visibilityTimeoutSeconds: 2 });
  const key = 'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/06/slow.json.gz';
  await s3.put(BUCKET, key, gzipSync(SAMPLE));
  await sqs.send(queueUrl, s3Event(key));
  // 5 s of work on a message with a 2 s timeout (a large object): the heartbeat keeps it invisible.
  const stats = await follow(config, 'aws_cloudtrail', () => sqsliteQueueDepth(queueUrl).total === 0, { hooks: { afterPublish: () => sleep(5000) } });
  assert.equal(stats.messages, 1, 'received once');
  assert.equal(stats.redelivered, 0);
  assert.equal(stats.deleted, 1);
  assert.ok(stats.extensions >= 2, `extended ${stats.extensions} times`);
});

test('SIGTERM (the stop signal) during a batch: the message in progress is finished and deleted, the unstarted one is released', async () => {
  const { config, queueUrl } = await setup('follow_stop', 'aws_cloudtrail', { maxMessages: 10 });
  const key = 'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/06/stop.json.gz';
  await s3.put(BUCKET, key, gzipSync(SAMPLE));
  await sqs.send(queueUrl, s3Event(key));
  await sqs.send(queueUrl, s3Event(key));
  const stop = new AbortController();
  const stats = await runCollectorFollowRole(context(config), 'aws_cloudtrail', {}, {
    stop: stop.signal,
    hooks: {
      afterPublish: async () => {
        stop.abort(); // SIGTERM arrives while the first message is being finished
        await sleep(200);
      },
    },
  });
  assert.equal(stats.deleted, 1, 'the message in progress was finished');
  assert.equal(stats.released, 1, 'the other went back to the queue');
  assert.deepEqual(sqsliteQueueDepth(queueUrl), { total: 1, inFlight: 0 }, 'visible again at once for another collector');
});

test('the CLI: `sluice collector aws_cloudtrail --follow --sqs-queue-url …` is ready on /readyz, publishes, and exits 0 on SIGTERM', async () => {
  const { config, queueUrl } = await setup('follow_cli', 'aws_cloudtrail');
  const key = 'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/06/cli.json.gz';
  await s3.put(BUCKET, key, gzipSync(SAMPLE));
  await sqs.send(queueUrl, s3Event(key));
  const dir = mkdtempSync(join(tmpdir(), 'sluice-follow-cli-'));
  const file = join(dir, 'sluice.yaml');
  const { queueUrl: _fromFlag, ...sqsSection } = config.collectors.aws_cloudtrail!.sqs as Record<string, unknown>;
  writeFileSync(file, toYaml({ topics: { activity: config.topics.activity, deadLetter: config.topics.deadLetter }, collectors: { aws_cloudtrail: { sqs: sqsSection } } }));
  const port = await freePort();
  const bin = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
  const child = spawn(
    process.execPath,
    [bin, 'collector', 'aws_cloudtrail', '--follow', '--sqs-queue-url', queueUrl, '--config', file, '--kafka-brokers', config.kafka!.brokers.join(','), '--allow-local-schema-ids', '--log-level', 'warn'],
    { env: { ...process.env, SLUICE_FROM_SOURCE: '1', SLUICE_HTTP_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 60_000;
  let ready = false;
  while (Date.now() < deadline && child.exitCode === null) {
    ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready && sqsliteQueueDepth(queueUrl).total === 0) break;
    await sleep(200);
  }
  assert.ok(ready, `/readyz answered 200 (stderr: ${stderr})`);
  assert.equal(sqsliteQueueDepth(queueUrl).total, 0, 'the message was published and deleted');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, stderr);
  assert.match(stderr, /messages 1 \(deleted 1, redelivered 0/);
  const want = expectedUids(config);
  assert.deepEqual(uids(await readTopic(config.kafka!, config.topics.activity, want.length)), want);
});

test('kill -9 of the CLI role mid-stream, then a restart: every event is on Kafka (no loss), repeats only with the same ids', async () => {
  const { config, queueUrl } = await setup('follow_kill', 'aws_cloudtrail', { visibilityTimeoutSeconds: 3, maxMessages: 2 });
  const OBJECTS = 24;
  const RECORDS = 40;
  const want: string[] = [];
  for (let o = 0; o < OBJECTS; o++) {
    const records = Array.from({ length: RECORDS }, (_, r) => {
      want.push(`kill-${o}-${r}`);
      return {
        eventVersion: '1.08',
        eventID: `kill-${o}-${r}`,
        eventTime: '2026-12-06T00:00:00Z',
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        awsRegion: 'us-east-1',
        userIdentity: { type: 'IAMUser', userName: `u${o}`, arn: `arn:aws:iam::123456789012:user/u${o}`, accountId: '123456789012' },
      };
    });
    const key = `AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/06/kill-${o}.json.gz`;
    await s3.put(BUCKET, key, gzipSync(JSON.stringify({ Records: records })));
    await sqs.send(queueUrl, s3Event(key));
  }
  const dir = mkdtempSync(join(tmpdir(), 'sluice-follow-kill-'));
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, toYaml({ topics: { activity: config.topics.activity, deadLetter: config.topics.deadLetter }, collectors: { aws_cloudtrail: { sqs: config.collectors.aws_cloudtrail!.sqs } } }));
  const bin = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
  const start = () =>
    spawn(process.execPath, [bin, 'collector', 'aws_cloudtrail', '--follow', '--config', file, '--kafka-brokers', config.kafka!.brokers.join(','), '--allow-local-schema-ids', '--log-level', 'warn'], {
      env: { ...process.env, SLUICE_FROM_SOURCE: '1', SLUICE_HTTP_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });

  const first = start();
  const firstExit = once(first, 'exit');
  const deadline = Date.now() + 90_000;
  // Kill it in the middle: some messages deleted, others not yet received or in flight.
  while (Date.now() < deadline && sqsliteQueueDepth(queueUrl).total > OBJECTS - 6) await sleep(20);
  const before = sqsliteQueueDepth(queueUrl);
  first.kill('SIGKILL');
  await firstExit;
  assert.ok(before.total > 0 && before.total < OBJECTS, `killed mid-stream (${before.total} of ${OBJECTS} messages left, ${before.inFlight} in flight)`);

  const second = start();
  let stderr = '';
  second.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const secondExit = once(second, 'exit');
  while (Date.now() < deadline && sqsliteQueueDepth(queueUrl).total > 0) await sleep(100);
  assert.equal(sqsliteQueueDepth(queueUrl).total, 0, 'the restarted role finished the queue');
  second.kill('SIGTERM');
  const [code] = (await secondExit) as [number | null];
  assert.equal(code, 0, stderr);

  // Every message on the topic (high watermarks), then all of them read.
  const total = await withAdmin(config.kafka!.brokers, async (admin) =>
    (await admin.fetchTopicOffsets(config.topics.activity)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0),
  );
  const all = await readTopic(config.kafka!, config.topics.activity, total);
  assert.equal(all.length, total);
  const got = uids(all);
  assert.deepEqual([...new Set(got)].sort(), want.sort(), 'no event lost');
  const repeats = got.length - want.length;
  assert.ok(repeats <= 2 * 2 * RECORDS + 2 * RECORDS, `repeats (${repeats}) only for the objects in flight at the kill`);
  process.stdout.write(`# kill -9: ${before.total} messages left (${before.inFlight} in flight) at the kill; ${repeats} events published twice, all with their ids\n`);
});
