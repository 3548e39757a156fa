import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AvroCodec } from '../../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../core/avro/registry.ts';
import { ManualClock } from '../../core/clock.ts';
import { DeadLetterWriter } from '../../core/dead-letter.ts';
import { SluiceError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { inMemoryTelemetry } from '../../core/telemetry-testing.ts';
import { resolveConfig } from '../../cli/config.ts';
import { EmbeddedLog } from '../../transports/embedded/log.ts';
import { collectorByType } from '../by-type.ts';
import type { CollectProgress } from '../progress.ts';
import { collectFiles } from '../service.ts';

const repo = (p: string): string => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

/** Inputs of several kinds for `auto`: CloudTrail (gzip and plain), Kubernetes audit, Azure, a malformed NDJSON, a corrupt gzip file, one oversized field. */
function inputs(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-collect-thread-'));
  const files = [
    repo('services/collectors/aws_cloudtrail/samples/otrf-ec2-proxy-s3-exfiltration.json.gz'),
    repo('services/collectors/aws_cloudtrail/samples/panther-console-logins.json'),
    repo('test/fixtures/k8s_audit/derived/eventlist.json'),
    repo('test/fixtures/azure_activity/derived/storage-pt1h.json'),
    repo('test/fixtures/azure_activity/derived/malformed.ndjson'),
  ].map((f, i) => {
    const to = join(dir, `${i}-${f.split('/').pop()!}`);
    copyFileSync(f, to);
    return to;
  });
  const long = join(dir, '9-long.ndjson');
  writeFileSync(
    long,
    `${JSON.stringify({ eventVersion: '1.08', eventTime: '2024-01-15T10:30:00Z', eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', awsRegion: 'us-east-1', eventID: 'long-1', sourceIPAddress: '203.0.113.9', userAgent: 'x'.repeat(70_000), userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/a', accountId: '123456789012' }, recipientAccountId: '123456789012' })}\n`,
  );
  const corrupt = join(dir, '8-corrupt.json.gz');
  writeFileSync(corrupt, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]));
  return [...files, corrupt, long];
}

async function run(mode: 'always' | 'never', files: string[], codec = new AvroCodec(new LocalSchemaRegistry())) {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ topics: { partitions: 4 } });
  const log = new EmbeddedLog({ partitions: 4, clock });
  const producer = await log.producer();
  const progress: CollectProgress[] = [];
  const stats = await collectFiles(
    {
      collector: collectorByType('auto'),
      producer,
      codec,
      deadLetters: new DeadLetterWriter(producer, new AvroCodec(new LocalSchemaRegistry()), config.topics.deadLetter, clock),
      topics: config.topics,
      logger: silentLogger(),
      telemetry: inMemoryTelemetry().telemetry,
      batchSize: 37,
      onProgress: (p) => progress.push(p),
      offThread: { type: 'auto', configs: {}, mode, minInputBytes: 0 },
    },
    files,
  );
  const topics = [config.topics.activity, config.topics.deadLetter, config.topics.config];
  const messages = topics.flatMap((t) => log.readAll(t).map((m) => ({ topic: t, partition: m.partition, key: m.key, value: m.value.toString('base64'), uid: m.headers?.['sluice-event-uid'] })));
  return { stats, progress, messages };
}

test('the collector thread publishes exactly what the main thread does: same messages, order per partition, dead letters, counts, progress, truncations', async () => {
  const files = inputs();
  const inThread = await run('never', files);
  const offThread = await run('always', files);
  assert.ok(inThread.stats.normalized > 100, `${inThread.stats.normalized} events`);
  assert.ok(inThread.stats.deadLettered >= 2, `${inThread.stats.deadLettered} dead letters (malformed lines and the corrupt file)`);
  assert.equal(inThread.stats.truncatedFields, 1);
  assert.deepEqual(offThread.stats, inThread.stats);
  assert.deepEqual(offThread.progress, inThread.progress);
  assert.equal(offThread.progress.length, files.length);
  // Dead letters carry a time of their own; events must be byte for byte the same.
  const events = (r: typeof inThread) => r.messages.filter((m) => !m.topic.includes('dead'));
  assert.deepEqual(events(offThread), events(inThread));
  const dead = (r: typeof inThread) => r.messages.filter((m) => m.topic.includes('dead')).map((m) => m.key);
  assert.deepEqual(dead(offThread), dead(inThread));
});

test('a registry outage on the collector thread stops the run with the registry error, not a dead letter', async () => {
  const registry = new LocalSchemaRegistry();
  const failing = Object.assign(Object.create(registry) as LocalSchemaRegistry, {
    idFor: async () => {
      throw new SluiceError('SLUICE_ERR_SCHEMA_REGISTRY', 'schema registry http://registry:8081 unreachable', { retriable: true });
    },
  });
  await assert.rejects(run('always', inputs().slice(0, 2), new AvroCodec(failing)), (err: unknown) => {
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_ERR_SCHEMA_REGISTRY');
    assert.equal(err.retriable, true);
    return true;
  });
});
