import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { SluiceError } from '../core/errors.ts';
import type { StreamEvents, StreamName } from '../core/streams.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import { isCaughtUp } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { assembleProcessor } from './assemble.ts';
import { apiActivity } from '../../test/fixtures/events/api-activity.ts';
import { MemorySink } from '../../test/fixtures/memory-sink.ts';

/** A sink that also stores the input events (as ClickHouse does): the processor then decodes on the main thread. */
class EventStoringSink extends MemorySink {
  readonly events: Array<{ event: StreamEvents[StreamName]; key: string }> = [];
  async writeEvents(_stream: StreamName, events: ReadonlyArray<{ event: StreamEvents[StreamName]; key: string }>): Promise<void> {
    this.events.push(...events);
  }
}

const key = 'arn:aws:iam::123456789012:user/alice';

/**
 * The same input through the processor with the Avro bodies decoded in the worker threads (no sink
 * stores events) and on the main thread (a sink stores events): a good record, one whose body is
 * cut short, one with trailing bytes, one with an unknown schema id, one that is not Avro at all,
 * and two more good ones.
 */
async function run(storeEvents: boolean) {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ processor: { workers: 2 }, topics: { partitions: 1 } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = storeEvents ? new EventStoringSink() : new MemorySink();
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [sink], logger: silentLogger(), telemetry: createTelemetry(), clock });
  const kinds: string[] = [];
  const processBatch = pool.processBatch.bind(pool);
  pool.processBatch = (epoch, stream, input, max) => {
    kinds.push(input.kind);
    return processBatch(epoch, stream, input, max);
  };
  try {
    const encode = (operation: string, uid: string) => codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, apiActivity({ operation, service: 'cloudtrail.amazonaws.com', uid }));
    const good = await encode('StopLogging', 'e-1');
    const cut = (await encode('DeleteTrail', 'e-2')).subarray(0, 60);
    const trailing = Buffer.concat([await encode('DeleteTrail', 'e-3'), Buffer.from([1, 2, 3])]);
    const unknownId = Buffer.from(good);
    unknownId.writeInt32BE(4242, 1);
    await producer.send(config.topics.activity, [
      { key, value: good },
      { key, value: cut },
      { key, value: trailing },
      { key, value: unknownId },
      { key, value: Buffer.from('{"not":"avro"}') },
      { key: 'bob', value: await encode('DeleteTrail', 'e-6') },
      { key, value: await encode('StopLogging', 'e-7') },
    ]);
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, config.topics.activity))) await log.waitForChange(20);
    await service.stop();
    const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
    // What AvroCodec.decode says of each bad payload, for comparison.
    const expected = await Promise.all(
      [cut, trailing, unknownId].map((p) => codec.decode(p, SCHEMA_NAMES.apiActivity).then(() => assert.fail('decoded'), (e: SluiceError) => ({ code: e.code, message: e.message }))),
    );
    return { sink, dead, stats: service.stats, expected, kinds };
  } finally {
    await pool.close();
  }
}

test('records decoded in the worker threads give the findings and decode dead letters (reason, position, raw) of decoding on the main thread', async () => {
  const threads = await run(false);
  const main = await run(true);
  for (const r of [threads, main]) {
    assert.equal(r.sink.findings.length, 3);
    assert.deepEqual(r.dead.map((d) => d.stage), ['decode', 'decode', 'decode', 'decode']);
    assert.equal(r.stats.eventsIn, 7);
    assert.equal(r.stats.deadLettered, 4);
  }
  // The detectors saw the same events: identical findings (ids are derived from the event and rule).
  // Sorted by id: the threads run different keys' shards in parallel, so the order across keys varies.
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  assert.deepEqual([...threads.sink.findings].sort(byId), [...main.sink.findings].sort(byId));
  const view = (d: DeadLetterRecord) => ({ position: d.position, code: d.reason_code, reason: d.reason, raw: d.raw.toString('hex') });
  const byPosition = (a: { position: string }, b: { position: string }) => a.position.localeCompare(b.position);
  assert.deepEqual(threads.dead.map(view).sort(byPosition), main.dead.map(view).sort(byPosition));
  // The body failures carry the codec's own reasons, at their offsets.
  for (const r of [threads, main]) assert.deepEqual([...new Set(r.kinds)], ['avro']);
  const at = (offset: number) => threads.dead.find((d) => d.position.endsWith(`@${offset}`))!;
  assert.deepEqual({ code: at(1).reason_code, message: at(1).reason }, threads.expected[0]);
  assert.deepEqual({ code: at(2).reason_code, message: at(2).reason }, threads.expected[1]);
  assert.deepEqual({ code: at(3).reason_code, message: at(3).reason }, threads.expected[2]);
  assert.match(at(2).reason, /trailing data/);
  assert.equal(at(4).reason_code, 'SLUICE_ERR_SCHEMA_DECODE');
  // Both hand the threads Avro bytes, not decoded objects; only the main-thread path decoded the events for the event-storing sink.
  assert.equal((main.sink as EventStoringSink).events.length, 3);
});
