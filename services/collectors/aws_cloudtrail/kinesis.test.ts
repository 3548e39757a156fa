/**
 * CloudTrail via CloudWatch Logs subscription -> Kinesis. The reader runs against a real local Kinesis
 * (kinesalite, started here on port 0) through the real KinesisClient. kinesalite speaks HTTP/1.1 only,
 * while the SDK's Kinesis client defaults to an HTTP/2 handler (for SubscribeToShard): the test client
 * is given an HTTP/1.1 NodeHttpHandler.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ApiActivity } from '../../core/events.ts';
import type { CollectorOutput } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import { otrfLines } from '../../../test/fixtures/cloudtrail/load.ts';
import {
  decodeSubscriptionRecord,
  JsonFileCheckpointStore,
  MemoryCheckpointStore,
  readKinesis,
  type CheckpointStore,
  type KinesisReadOptions,
  type KinesisRecordOutput,
} from './kinesis.ts';

const EVENTBRIDGE_FIXTURE = new URL('../../../test/fixtures/cloudtrail/eventbridge/event-cloudsearch.json', import.meta.url);

/** OTRF (Logstash) line back in CloudTrail's own form, as CloudWatch Logs receives it from CloudTrail. */
function otrfNative(line: string): Record<string, unknown> {
  const { '@timestamp': ts, '@version': _v, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return { eventTime: String(ts).replace(/\.000Z$/, 'Z'), ...rest };
}
const OTRF = otrfLines().map(otrfNative); // 103 events, unique eventIDs
const eventId = (r: Record<string, unknown>): string => r.eventID as string;

let logEventId = 1000;
/** A CloudWatch Logs subscription DATA_MESSAGE carrying the given messages, gzip'd as Kinesis receives it. */
function dataMessage(messages: string[], logStream = '123456789123_CloudTrail_us-east-1'): Buffer {
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789123',
      logGroup: 'aws-cloudtrail-logs-123456789123',
      logStream,
      subscriptionFilters: ['cloudtrail-to-kinesis'],
      logEvents: messages.map((message) => ({ id: String(logEventId++), timestamp: 1600044263000, message })),
    }),
  );
}

const CONTROL = gzipSync(
  JSON.stringify({
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
    logEvents: [{ id: '', timestamp: 1600044263000, message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.' }],
  }),
);

type ActivityOut = Extract<CollectorOutput, { stream: 'activity' }>;
const eventsOf = (outs: readonly CollectorOutput[]): ActivityOut[] => outs.filter((o): o is ActivityOut => o.kind === 'event' && o.stream === 'activity');

describe('decodeSubscriptionRecord (one Kinesis record)', () => {
  const base = 'kinesis:s/shardId-000000000000@4967';

  it('normalizes each logEvent message; positions count logEvents', () => {
    const r = decodeSubscriptionRecord(dataMessage(OTRF.slice(0, 3).map((e) => JSON.stringify(e))), base);
    assert.equal(r.messageType, 'DATA_MESSAGE');
    assert.equal(r.logEvents, 3);
    const events = eventsOf(r.outputs);
    assert.deepEqual(events.map((e) => e.position), [`${base}#0`, `${base}#1`, `${base}#2`]);
    assert.deepEqual(events.map((e) => e.event.metadata.uid), [
      'fd4f1042-c7f6-4107-a6ee-d841d92596e7',
      'a3d34faf-076e-44ff-b2f7-605d76705a81',
      '53bb6d95-8860-4dc1-8bd8-be013478fd8b',
    ]);
    assert.equal(events[0]!.key, 'arn:aws:iam::123456789123:user/pedro');
    assert.equal(events[0]!.event.api.operation, 'DescribeInstanceTypes');
    assert.equal(events[0]!.event.time, Date.UTC(2020, 8, 14, 0, 44, 23));
  });

  it('skips a CONTROL_MESSAGE', () => {
    assert.deepEqual(decodeSubscriptionRecord(CONTROL, base), { messageType: 'CONTROL_MESSAGE', outputs: [], logEvents: 0 });
  });

  it('accepts an EventBridge envelope as a message and keeps the envelope id in unmapped', () => {
    const envelope = readFileSync(EVENTBRIDGE_FIXTURE, 'utf8');
    const [e] = eventsOf(decodeSubscriptionRecord(dataMessage([envelope]), base).outputs);
    assert.equal(e!.event.metadata.uid, '9f17a0f0-a75d-425e-8d25-7fd72e7885ae');
    assert.equal((JSON.parse(e!.event.unmapped) as { eventBridge: { id: string } }).eventBridge.id, 'xxxxx-84b9-4e68-a930-03a7f8d62b50');
  });

  it('bad records and bad messages become rejects naming the problem', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.from('not a subscription message'), /^Kinesis record data is not a CloudWatch Logs subscription message: not JSON/],
      [Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]), /^Kinesis record data could not be decompressed: unexpected end of file$/],
      [gzipSync('[1,2]'), /^Kinesis record data is not a CloudWatch Logs subscription message: an array, not an object$/],
      [gzipSync('{"messageType":"OTHER","logEvents":[]}'), /^messageType must be DATA_MESSAGE or CONTROL_MESSAGE, got "OTHER"$/],
      [gzipSync('{"logEvents":[]}'), /^messageType must be DATA_MESSAGE or CONTROL_MESSAGE, got an undefined$/],
      [gzipSync('{"messageType":"DATA_MESSAGE","logEvents":{"a":1}}'), /^logEvents must be an array, got an object$/],
    ];
    for (const [bytes, re] of cases) {
      const r = decodeSubscriptionRecord(bytes, base);
      assert.equal(r.messageType, null);
      assert.equal(r.outputs.length, 1);
      const o = r.outputs[0]!;
      assert.equal(o.kind, 'dead_letter');
      if (o.kind === 'dead_letter') {
        assert.match(o.reason, re);
        assert.equal(o.position, `${base}#0`);
        assert.equal(o.source, 'aws_cloudtrail');
      }
    }
    const mixed = decodeSubscriptionRecord(
      gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          logEvents: [
            { id: '1', timestamp: 1, message: JSON.stringify(OTRF[0]) },
            { id: '2', timestamp: 1, message: '{"eventName": "Orph' },
            { id: '3', timestamp: 1, message: 42 },
            'junk',
            { id: '5', timestamp: 1, message: '{"eventName":"Orphan"}' },
          ],
        }),
      ),
      base,
    );
    assert.deepEqual(
      mixed.outputs.map((o) => (o.kind === 'event' ? `${o.position} event` : `${o.position} ${o.reason.replace(/: .*?(?=;|$)/, ': …')}`)),
      [
        `${base}#0 event`,
        `${base}#1 logEvents[1].message is not JSON: …`,
        `${base}#2 logEvents[2].message must be a string, got a number`,
        `${base}#3 logEvents[3] must be an object, got a string`,
        `${base}#4 logEvents[4]: …; eventSource is missing`,
      ],
    );
  });
});

describe('checkpoint stores', () => {
  it('memory: per stream and shard; never moves back', async () => {
    const s = new MemoryCheckpointStore();
    assert.equal(await s.get('a', 'shardId-0'), null);
    await s.set('a', 'shardId-0', '49680507580905278895364724239313546603386073048835686402');
    await s.set('a', 'shardId-0', '49680507580905278895364724239313546603386072911396732930');
    await s.set('b', 'shardId-0', '5');
    assert.equal(await s.get('a', 'shardId-0'), '49680507580905278895364724239313546603386073048835686402');
    assert.deepEqual(s.snapshot(), { a: { 'shardId-0': '49680507580905278895364724239313546603386073048835686402' }, b: { 'shardId-0': '5' } });
  });

  it('JSON file: persists across instances, rejects a corrupt file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ckpt-'));
    try {
      const path = join(dir, 'sub', 'checkpoints.json');
      const a = new JsonFileCheckpointStore(path);
      assert.equal(await a.get('s', 'shardId-1'), null);
      await Promise.all([a.set('s', 'shardId-1', '10'), a.set('s', 'shardId-2', '20'), a.set('s', 'shardId-1', '11')]);
      const b = new JsonFileCheckpointStore(path);
      assert.equal(await b.get('s', 'shardId-1'), '11');
      assert.equal(await b.get('s', 'shardId-2'), '20');
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { version: 1, streams: { s: { 'shardId-1': '11', 'shardId-2': '20' } } });
      writeFileSync(path, '{"version":1,"streams":{"s":{"x":5}}}');
      await assert.rejects(new JsonFileCheckpointStore(path).get('s', 'x'), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_INPUT_MALFORMED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Kinesalite {
  (options: Record<string, unknown>): Server;
}

describe('readKinesis against kinesalite', () => {
  let server: Server;
  let client: KinesisClient;

  before(async () => {
    const kinesalite = createRequire(import.meta.url)('kinesalite') as Kinesalite;
    server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    client = new KinesisClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    });
  });

  after(async () => {
    client?.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function createStream(name: string, shards: number): Promise<void> {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await waitActive(name);
  }

  async function waitActive(name: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`stream ${name} did not become ACTIVE`);
  }

  async function put(name: string, records: Array<{ data: Buffer; key: string }>): Promise<void> {
    const res = await client.send(new PutRecordsCommand({ StreamName: name, Records: records.map((r) => ({ Data: r.data, PartitionKey: r.key })) }));
    assert.equal(res.FailedRecordCount ?? 0, 0);
  }

  /** Reads until caught up (or `max` records), checkpointing each record after "publishing" it. */
  async function readAll(
    opts: Omit<KinesisReadOptions, 'client'> & { checkpoints: CheckpointStore },
    max = Number.POSITIVE_INFINITY,
    between?: (seen: number) => Promise<void>,
  ): Promise<{ records: KinesisRecordOutput[]; stats: ReturnType<typeof readKinesis>['stats'] }> {
    const reader = readKinesis({ client, stopWhenCaughtUp: true, pollIntervalMs: 10, minRoundIntervalMs: 0, ...opts });
    const records: KinesisRecordOutput[] = [];
    for await (const r of reader) {
      records.push(r); // "published"
      await opts.checkpoints.set(r.streamName, r.shardId, r.sequenceNumber);
      if (between) await between(records.length);
      if (records.length >= max) break;
    }
    return { records, stats: reader.stats };
  }

  const uidsOf = (records: readonly KinesisRecordOutput[]): string[] => records.flatMap((r) => eventsOf(r.outputs).map((e) => e.event.metadata.uid));

  it('reads every subscription record of a 2-shard stream, then resumes from checkpoints without re-reading', async () => {
    const stream = 'cloudtrail-cwl';
    await createStream(stream, 2);
    const puts: Array<{ data: Buffer; key: string }> = [];
    const byLogStream = new Map<string, string[]>();
    for (let i = 0; i < OTRF.length; i += 8) {
      const logStream = `123456789123_CloudTrail_us-east-1_${(i / 8) % 3}`;
      const batch = OTRF.slice(i, i + 8);
      puts.push({ data: dataMessage(batch.map((e) => JSON.stringify(e)), logStream), key: logStream });
      byLogStream.set(logStream, [...(byLogStream.get(logStream) ?? []), ...batch.map(eventId)]);
    }
    puts.push({ data: CONTROL, key: 'control' });
    puts.push({ data: Buffer.from('not a subscription message'), key: 'junk' });
    const envelope = readFileSync(EVENTBRIDGE_FIXTURE, 'utf8');
    puts.push({ data: dataMessage([envelope, 'not json {', '{"eventName":"Orphan"}']), key: 'mixed' });
    await put(stream, puts);

    const dir = mkdtempSync(join(tmpdir(), 'sluice-kinesis-'));
    try {
      const path = join(dir, 'checkpoints.json');
      const first = await readAll({ streamName: stream, checkpoints: new JsonFileCheckpointStore(path) });
      assert.equal(first.records.length, 16); // 13 records of up to 8 OTRF events, control, junk, mixed
      assert.deepEqual(
        { ...first.stats, getRecordsCalls: 0 },
        { records: 16, dataMessages: 14, controlMessages: 1, unreadableRecords: 1, logEvents: 106, events: 104, rejected: 3, getRecordsCalls: 0, shardsFinished: 0, shardsListed: 2 },
      );
      const uids = uidsOf(first.records);
      assert.equal(new Set(uids).size, 104);
      assert.deepEqual(new Set(uids), new Set([...OTRF.map(eventId), '9f17a0f0-a75d-425e-8d25-7fd72e7885ae']));

      // Per shard, records come in sequence order, and positions name stream, shard, sequence and logEvent.
      for (const shardId of new Set(first.records.map((r) => r.shardId))) {
        const seqs = first.records.filter((r) => r.shardId === shardId).map((r) => BigInt(r.sequenceNumber));
        assert.deepEqual(seqs, [...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
      for (const r of first.records) {
        r.outputs.forEach((o, i) => assert.equal(o.position, `kinesis:${stream}/${r.shardId}@${r.sequenceNumber}#${i}`));
      }
      // Per partition key (log stream), events keep the order CloudTrail wrote them in.
      for (const [logStream, ids] of byLogStream) {
        const got = first.records.filter((r) => r.partitionKey === logStream).flatMap((r) => eventsOf(r.outputs).map((e) => e.event.metadata.uid));
        assert.deepEqual(got, ids, logStream);
      }
      // The control message is skipped; the junk record and two bad messages are rejected.
      const control = first.records.find((r) => r.partitionKey === 'control')!;
      assert.deepEqual([control.messageType, control.outputs], ['CONTROL_MESSAGE', []]);
      const rejects = first.records.flatMap((r) => r.outputs.filter((o) => o.kind === 'dead_letter'));
      assert.equal(rejects.length, 3);
      const mixed = first.records.find((r) => r.partitionKey === 'mixed')!;
      const eb = eventsOf(mixed.outputs)[0]!.event as ApiActivity;
      assert.equal(eb.api.operation, 'CreateDomain');
      assert.equal(eb.actor.user.uid, 'arn:aws:sts::123456789:assumed-role/XXXX1OT8CHKE29AQJ/XXXX-d10e-4dea-91bf-70a953d01bda_cred_session');

      // Restart from the checkpoint file: nothing is read again.
      const second = await readAll({ streamName: stream, checkpoints: new JsonFileCheckpointStore(path) });
      assert.equal(second.records.length, 0);
      assert.ok(second.stats.getRecordsCalls >= 2);

      // New records after the restart: only they are read.
      await put(stream, [
        { data: dataMessage([JSON.stringify(OTRF[0])]), key: 'late-1' },
        { data: dataMessage([JSON.stringify(OTRF[1])]), key: 'late-2' },
      ]);
      const third = await readAll({ streamName: stream, checkpoints: new JsonFileCheckpointStore(path) });
      assert.deepEqual(third.records.map((r) => r.partitionKey).sort(), ['late-1', 'late-2']);
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { streams: Record<string, Record<string, string>> };
      assert.deepEqual(Object.keys(saved.streams[stream]!).sort(), ['shardId-000000000000', 'shardId-000000000001']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function splitOnlyShard(stream: string): Promise<{ parent: string; children: string[] }> {
    const listed = await client.send(new ListShardsCommand({ StreamName: stream }));
    const open = (listed.Shards ?? []).filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
    assert.equal(open.length, 1);
    const shard = open[0]!;
    const start = BigInt(shard.HashKeyRange!.StartingHashKey!);
    const end = BigInt(shard.HashKeyRange!.EndingHashKey!);
    await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shard.ShardId!, NewStartingHashKey: ((start + end) / 2n).toString() }));
    await waitActive(stream);
    const after = await client.send(new ListShardsCommand({ StreamName: stream }));
    const children = (after.Shards ?? []).filter((s) => s.ParentShardId === shard.ShardId).map((s) => s.ShardId!);
    assert.equal(children.length, 2);
    return { parent: shard.ShardId!, children };
  }

  /** 20 single-event records over 4 partition keys, in put order. */
  const splitEvents = OTRF.slice(20, 40);
  const keyOf = (i: number): string => `trail-${i % 4}`;
  const recordsFor = (from: number, to: number): Array<{ data: Buffer; key: string }> =>
    splitEvents.slice(from, to).map((e, j) => ({ data: dataMessage([JSON.stringify(e)]), key: keyOf(from + j) }));

  function assertExactlyOnceAndOrdered(records: readonly KinesisRecordOutput[], parent: string, children: readonly string[]): void {
    const uids = uidsOf(records);
    assert.equal(uids.length, 20, 'each record read once');
    assert.deepEqual(new Set(uids), new Set(splitEvents.map(eventId)));
    for (let k = 0; k < 4; k++) {
      const key = `trail-${k}`;
      const mine = records.filter((r) => r.partitionKey === key);
      assert.deepEqual(
        mine.flatMap((r) => uidsOf([r])),
        splitEvents.filter((_, i) => keyOf(i) === key).map(eventId),
        `${key}: put order`,
      );
      const shards = mine.map((r) => r.shardId);
      const lastParent = shards.lastIndexOf(parent);
      const firstChild = shards.findIndex((s) => children.includes(s));
      assert.ok(lastParent >= 0 && firstChild > lastParent, `${key}: parent records before child records (${shards.join(',')})`);
    }
  }

  it('a shard split mid-stream: the parent is read to its end before its children, each record once', async () => {
    const stream = 'cloudtrail-split-live';
    await createStream(stream, 1);
    await put(stream, recordsFor(0, 10));
    const checkpoints = new MemoryCheckpointStore();
    let split: { parent: string; children: string[] } | undefined;
    // The reader is lazy: after 5 records, split the shard and put 10 more while it is mid-stream.
    const { records, stats } = await readAll({ streamName: stream, checkpoints }, Number.POSITIVE_INFINITY, async (seen) => {
      if (seen === 5) {
        split = await splitOnlyShard(stream);
        await put(stream, recordsFor(10, 20));
      }
    });
    assert.ok(split);
    assert.equal(stats.shardsFinished, 1);
    assert.deepEqual(records.slice(0, 10).map((r) => r.shardId), Array(10).fill(split.parent));
    assert.ok(records.slice(10).every((r) => split!.children.includes(r.shardId)));
    assertExactlyOnceAndOrdered(records, split.parent, split.children);

    // Restart: nothing again; the closed parent is confirmed finished with one empty read.
    const again = await readAll({ streamName: stream, checkpoints });
    assert.equal(again.records.length, 0);
    assert.equal(again.stats.shardsFinished, 1);
    assert.deepEqual(Object.keys(checkpoints.snapshot()[stream]!).sort(), [split.parent, ...split.children].filter((id) => records.some((r) => r.shardId === id)).sort());
  });

  it('a shard split between runs: the restart finishes the parent from its checkpoint, then the children from TRIM_HORIZON', async () => {
    const stream = 'cloudtrail-split-restart';
    await createStream(stream, 1);
    await put(stream, recordsFor(0, 10));
    const checkpoints = new MemoryCheckpointStore();
    const first = await readAll({ streamName: stream, checkpoints }, 4); // stops after 4 records (e.g. a crash)
    assert.equal(first.records.length, 4);
    const split = await splitOnlyShard(stream);
    await put(stream, recordsFor(10, 20));
    const second = await readAll({ streamName: stream, checkpoints });
    assert.equal(second.records.length, 16, 'the 6 left in the parent, then the 10 in the children');
    assert.deepEqual(second.records.slice(0, 6).map((r) => r.shardId), Array(6).fill(split.parent));
    assertExactlyOnceAndOrdered([...first.records, ...second.records], split.parent, split.children);
  });

  it('stops when aborted', async () => {
    const stream = 'cloudtrail-abort';
    await createStream(stream, 1);
    const controller = new AbortController();
    const reader = readKinesis({ client, streamName: stream, checkpoints: new MemoryCheckpointStore(), pollIntervalMs: 50, signal: controller.signal });
    setTimeout(() => controller.abort(), 150);
    const seen: KinesisRecordOutput[] = [];
    for await (const r of reader) seen.push(r);
    assert.equal(seen.length, 0);
    assert.ok(reader.stats.getRecordsCalls >= 1);
  });
});
