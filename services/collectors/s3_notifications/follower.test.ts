/**
 * S3NotificationFollower without Kafka: the embedded log as the transport, and the real local
 * peers for the rest, **sqslite** (SQS) and **s3rver** (S3), through the AWS SDK clients. The Kafka
 * side is in test/integration/collector-follow.int.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { AvroCodec } from '../../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../core/avro/registry.ts';
import { ManualClock } from '../../core/clock.ts';
import { DeadLetterWriter } from '../../core/dead-letter.ts';
import { silentLogger } from '../../core/logger.ts';
import { inMemoryTelemetry } from '../../core/telemetry-testing.ts';
import { resolveConfig } from '../../cli/config.ts';
import { EmbeddedLog } from '../../transports/embedded/log.ts';
import { startS3rver, type S3rverServer } from '../../../test/support/s3rver.ts';
import { startSqslite, sqsliteQueueDepth, type SqsliteServer } from '../../../test/support/sqslite.ts';
import { awsCloudTrailCollector } from '../aws_cloudtrail/index.ts';
import { EventPublisher } from '../publisher.ts';
import { S3NotificationsConfigSchema } from './config.ts';
import { S3NotificationFollower, SqsNotificationQueue, type FollowStats } from './index.ts';

const BUCKET = 'unit-bucket';
const RECORD = { eventVersion: '1.08', eventID: 'e-1', eventTime: '2026-12-06T00:00:00Z', eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', awsRegion: 'us-east-1', userIdentity: { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::1:user/alice', accountId: '1' } };

let sqs: SqsliteServer;
let s3: S3rverServer;
before(async () => {
  [sqs, s3] = await Promise.all([startSqslite(), startS3rver([BUCKET])]);
});
after(async () => {
  await Promise.all([sqs?.close(), s3?.close()]);
});

const event = (key: string, bucket = BUCKET) => JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key } } }] });

async function runOnce(queueUrl: string, overrides: Record<string, unknown> = {}, messages = 1): Promise<{ stats: FollowStats; log: EmbeddedLog; deadLetters: number; telemetry: ReturnType<typeof inMemoryTelemetry> }> {
  const clock = new ManualClock(1_700_000_000_000);
  const app = resolveConfig({ topics: { partitions: 1 } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const telemetry = inMemoryTelemetry();
  const deadLetters = new DeadLetterWriter(producer, codec, app.topics.deadLetter, clock);
  const publisher = new EventPublisher({ source: 'aws_cloudtrail', producer, codec, deadLetters, topics: app.topics, telemetry: telemetry.telemetry });
  const config = S3NotificationsConfigSchema.parse({ queueUrl, waitTimeSeconds: 0, emptyReceiveDelayMs: 20, missingObjectRetries: 2, retryBackoffMs: 10, visibilityTimeoutSeconds: 5, ...overrides });
  const follower = new S3NotificationFollower({
    queue: new SqsNotificationQueue(sqs.client, queueUrl),
    s3: s3.client,
    collector: awsCloudTrailCollector(),
    publisher,
    config,
    logger: silentLogger(),
    telemetry: telemetry.telemetry,
  });
  const stop = new AbortController();
  const running = follower.run(stop.signal);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && follower.stats.messages < messages) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  stop.abort();
  return { stats: await running, log, deadLetters: deadLetters.count, telemetry };
}

test('a missing object is asked for again, then dead-lettered with the reason; the message is deleted', async () => {
  const queueUrl = await sqs.createQueue('unit-missing');
  await sqs.send(queueUrl, event('never-written.json'));
  const { stats, deadLetters, telemetry } = await runOnce(queueUrl);
  assert.equal(stats.poison, 1);
  assert.equal(stats.deleted, 1);
  assert.equal(deadLetters, 1);
  assert.equal(sqsliteQueueDepth(queueUrl).total, 0);
  const outcomes = await telemetry.points('sluice_notifications_total');
  assert.deepEqual(outcomes.map((p) => [p.attributes.outcome, p.value]), [['poison', 1]]);
  const objects = await telemetry.points('sluice_notification_objects_total');
  assert.deepEqual(objects.map((p) => [p.attributes.outcome, p.value]), [['missing', 1]]);
  const discarded = await telemetry.points('component_discarded_events_total');
  assert.deepEqual(discarded.map((p) => [p.attributes.reason_code, p.value]), [['SLUICE_ERR_INPUT_NOT_FOUND', 1]]);
});

test('an S3 failure that may pass (here NoSuchBucket) leaves the message on the queue for redelivery; nothing is published', async () => {
  const queueUrl = await sqs.createQueue('unit-failed');
  await sqs.send(queueUrl, event('k.json', 'no-such-bucket'));
  const { stats, deadLetters } = await runOnce(queueUrl);
  assert.equal(stats.failed, 1);
  assert.equal(stats.deleted, 0);
  assert.equal(stats.normalized, 0);
  assert.equal(deadLetters, 0);
  assert.deepEqual(sqsliteQueueDepth(queueUrl), { total: 1, inFlight: 1 }, 'in flight until its visibility timeout ends');
});

test('an object larger than sqs.maxObjectBytes is dead-lettered unread; a gzip file is read', async () => {
  const queueUrl = await sqs.createQueue('unit-size');
  await s3.put(BUCKET, 'big.json', Buffer.alloc(4096, 0x20));
  await s3.put(BUCKET, 'small.json.gz', gzipSync(JSON.stringify({ Records: [RECORD] })));
  await sqs.send(queueUrl, event('big.json'));
  await sqs.send(queueUrl, event('small.json.gz'));
  const { stats } = await runOnce(queueUrl, { maxObjectBytes: 1024, maxMessages: 10 }, 2);
  assert.equal(stats.deleted, 2);
  assert.equal(stats.normalized, 1);
  assert.equal(stats.deadLettered, 1);
});
