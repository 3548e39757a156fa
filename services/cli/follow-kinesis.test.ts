/**
 * `sluice collector aws_cloudtrail --follow kinesis` (runKinesisFollowRole, what the CLI calls)
 * against a real local Kinesis, **kinesalite** (test/support/kinesalite.ts), through the real
 * KinesisClient. The events go to the embedded log (the same producer interface as Kafka, acks on
 * append) so this stays a fast unit test; the role is stopped through its stop signal as SIGTERM
 * would stop it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SplitShardCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { ManualClock, systemClock } from '../core/clock.ts';
import { SluiceError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { otrfLines } from '../../test/fixtures/cloudtrail/load.ts';
import { CLOUDWATCH_CONTROL_MESSAGE, cloudWatchDataMessage, startKinesalite, type KinesaliteServer } from '../../test/support/kinesalite.ts';
import { resolveConfig, type SluiceConfig } from './config.ts';
import { kinesisFollowConfig, renderKinesisCounts, runKinesisFollowRole } from './follow-kinesis.ts';
import type { KinesisFollowStats } from '../collectors/aws_cloudtrail/kinesis-follow.ts';
import type { AppContext } from './wiring.ts';

/** OTRF (Logstash) line back in CloudTrail's own form, as CloudWatch Logs receives it. */
function native(line: string): string {
  const { '@timestamp': ts, '@version': _v, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify({ eventTime: String(ts).replace(/\.000Z$/, 'Z'), ...rest });
}
const EVENTS = otrfLines().map(native); // 103 events, unique eventIDs
const idOf = (message: string): string => (JSON.parse(message) as { eventID: string }).eventID;

let kinesis: KinesaliteServer;
let dir: string;
before(async () => {
  // The role's client takes credentials from the default chain, as in a deployment.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCAL';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  kinesis = await startKinesalite();
  dir = mkdtempSync(join(tmpdir(), 'sluice-kinesis-role-'));
});
after(async () => {
  await kinesis?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function setup(kinesisConfig: Record<string, unknown> = {}): { ctx: AppContext; log: EmbeddedLog; config: SluiceConfig; stream: string; checkpointFile: string } {
  n++;
  const stream = `cloudtrail-${n}`;
  const checkpointFile = join(dir, `cp-${n}.json`);
  const config = resolveConfig({
    log: { level: 'warn' },
    http: { port: 0 },
    collectors: {
      aws_cloudtrail: {
        kinesis: { streamName: stream, region: 'us-east-1', endpoint: kinesis.endpoint, checkpointFile, pollIntervalMs: 20, minRoundIntervalMs: 0, retryBackoffMs: 20, ...kinesisConfig },
      },
    },
  });
  const log = new EmbeddedLog({ partitions: 3, maxBatchSize: 100, clock: new ManualClock(Date.UTC(2026, 11, 6)) });
  const ctx: AppContext = { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
  return { ctx, log, config, stream, checkpointFile };
}

/** Runs the role until `done` holds (or 30 s), then stops it as SIGTERM does. */
async function follow(s: ReturnType<typeof setup>, done: () => boolean): Promise<KinesisFollowStats> {
  const stop = new AbortController();
  const running = runKinesisFollowRole(s.ctx, {}, { stop: stop.signal, transport: s.log });
  let failed: unknown;
  running.catch((err: unknown) => (failed = err));
  const deadline = Date.now() + 30_000;
  while (!done() && failed === undefined && Date.now() < deadline) await sleep(20);
  stop.abort();
  return running;
}

const uids = (s: ReturnType<typeof setup>): string[] => s.log.readAll(s.config.topics.activity).map((m) => String(m.headers['sluice-event-uid']));
const sorted = (xs: readonly string[]): string[] => [...xs].sort();

function puts(events: readonly string[], per = 7): Array<{ data: Buffer; key: string }> {
  const out: Array<{ data: Buffer; key: string }> = [];
  for (let i = 0; i < events.length; i += per) out.push({ data: cloudWatchDataMessage(events.slice(i, i + per), `ls-${i % 5}`), key: `ls-${(i / per) % 5}` });
  return out;
}

describe('Kinesis follow role on kinesalite', () => {
  it('publishes every event of a 2-shard stream, skips CONTROL_MESSAGE, checkpoints each shard after the publish', async () => {
    const s = setup();
    await kinesis.createStream(s.stream, 2);
    await kinesis.put(s.stream, [{ data: CLOUDWATCH_CONTROL_MESSAGE, key: 'control' }]);
    await kinesis.put(s.stream, puts(EVENTS));
    const stats = await follow(s, () => uids(s).length >= EVENTS.length);
    assert.deepEqual(sorted(uids(s)), sorted(EVENTS.map(idOf)), 'every event once, with its CloudTrail eventID as uid');
    assert.equal(stats.controlMessages, 1);
    assert.equal(stats.dataMessages, Math.ceil(EVENTS.length / 7));
    assert.equal(stats.normalized, EVENTS.length);
    const file = JSON.parse(readFileSync(s.checkpointFile, 'utf8')) as { version: number; streams: Record<string, Record<string, string>> };
    assert.equal(file.version, 1);
    assert.deepEqual(Object.keys(file.streams[s.stream] ?? {}).sort(), ['shardId-000000000000', 'shardId-000000000001']);
    assert.match(renderKinesisCounts(stats), /kinesis records \d+ \(data 15, control 1, unreadable 0\)/);
  });

  it('a restart (also across a shard split) neither loses nor re-reads: the closed parent is confirmed finished, then the children are read', async () => {
    const s = setup();
    await kinesis.createStream(s.stream, 1);
    const first = EVENTS.slice(0, 50);
    const second = EVENTS.slice(50);
    await kinesis.put(s.stream, puts(first));
    const run1 = await follow(s, () => uids(s).length >= first.length);
    assert.equal(run1.normalized, first.length);

    // Reshard while the role is down: records after the split land on the two children.
    const shards = await kinesis.client.send(new ListShardsCommand({ StreamName: s.stream }));
    const parent = shards.Shards![0]!;
    const mid = ((BigInt(parent.HashKeyRange!.StartingHashKey!) + BigInt(parent.HashKeyRange!.EndingHashKey!)) / 2n).toString();
    await kinesis.client.send(new SplitShardCommand({ StreamName: s.stream, ShardToSplit: parent.ShardId!, NewStartingHashKey: mid }));
    await sleep(50);
    await kinesis.put(s.stream, puts(second));

    const run2 = await follow(s, () => uids(s).length >= EVENTS.length);
    assert.equal(run2.normalized, second.length, 'the second run read only what came after the checkpoint');
    assert.equal(run2.shardsFinished >= 1, true, 'the closed parent was confirmed finished');
    const all = uids(s);
    assert.equal(all.length, EVENTS.length, 'no event published twice');
    assert.deepEqual(sorted(all), sorted(EVENTS.map(idOf)), 'no event lost');
    const cps = (JSON.parse(readFileSync(s.checkpointFile, 'utf8')) as { streams: Record<string, Record<string, string>> }).streams[s.stream]!;
    assert.equal(Object.keys(cps).length >= 2, true, `checkpoints of the parent and a child: ${Object.keys(cps).join(', ')}`);
  });

  it('a record that is not a subscription message is dead-lettered with its position, the rest published', async () => {
    const s = setup();
    await kinesis.createStream(s.stream, 1);
    await kinesis.put(s.stream, [{ data: Buffer.from('not json at all'), key: 'x' }, ...puts(EVENTS.slice(0, 3))]);
    const stats = await follow(s, () => uids(s).length >= 3 && s.log.readAll(s.config.topics.deadLetter).length >= 1);
    assert.equal(stats.unreadableRecords, 1);
    const dead = s.log.readAll(s.config.topics.deadLetter);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.headers['sluice-reason-code'], 'SLUICE_ERR_INPUT_MALFORMED');
    // The Avro body carries the position as a plain string.
    assert.match(dead[0]!.value.toString('latin1'), new RegExp(`kinesis:${s.stream}/shardId-000000000000@\\d+#0`));
  });

  it('a Kinesis failure (no such stream yet) is retried; the role keeps running and reads once the stream exists', async () => {
    const s = setup();
    let created = false;
    const stats = await follow(s, () => {
      if (!created) {
        created = true;
        setTimeout(() => void kinesis.createStream(s.stream, 1).then(() => kinesis.put(s.stream, puts(EVENTS.slice(0, 7)))), 200);
      }
      return uids(s).length >= 7;
    });
    assert.ok(stats.retries >= 1, `retried ${stats.retries} time(s)`);
    assert.equal(uids(s).length, 7);
  });
});

describe('Kinesis follow config', () => {
  const ctx = (kinesis: Record<string, unknown>): AppContext => ({
    config: resolveConfig({ collectors: { aws_cloudtrail: { kinesis } } }),
    logger: silentLogger(),
    clock: systemClock,
    telemetry: createTelemetry({ serviceName: 'sluice-test' }),
  });
  it('needs a stream and a region; flags override the config', () => {
    assert.throws(() => kinesisFollowConfig(ctx({}), {}, {}), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID' && /--kinesis-stream/.test(e.message));
    assert.throws(() => kinesisFollowConfig(ctx({ streamName: 's' }), {}, {}), (e: unknown) => e instanceof SluiceError && /AWS_REGION/.test(e.message));
    const c = kinesisFollowConfig(ctx({ streamName: 's', region: 'eu-west-1' }), { kinesisStream: 'other', checkpointFile: '/tmp/x.json' }, {});
    assert.equal(c.streamName, 'other');
    assert.equal(c.checkpointFile, '/tmp/x.json');
    assert.equal(c.region, 'eu-west-1');
    assert.equal(kinesisFollowConfig(ctx({ streamName: 's' }), {}, { AWS_REGION: 'us-west-2' }).region, 'us-west-2');
  });
  it('rejects unknown keys and a bad stream name, naming each', () => {
    assert.throws(() => resolveConfig({ collectors: { aws_cloudtrail: { kinesis: { streamName: 'bad name!', shardz: 1 } } } }), (e: unknown) => e instanceof SluiceError && /streamName/.test(e.message) && /shardz/.test(e.message));
  });
});
