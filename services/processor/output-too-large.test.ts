import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../core/events.ts';
import { isCaughtUp, type Producer } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { classifyProduceError } from '../transports/kafka/transport.ts';
import { objectStorageCollector } from '../collectors/object_storage/index.ts';
import { assembleProcessor } from './assemble.ts';
import { MemorySink } from '../../test/fixtures/memory-sink.ts';

const { KafkaJSProtocolError } = kafkajs as unknown as { KafkaJSProtocolError: new (e: { type: string; code: number; retriable: boolean; message: string }) => Error };
const CARD = '4556737586899855';
const LIMIT = 2048;

test('a side output over the broker limit is dead-lettered alone (no content), the others written, the batch committed', { timeout: 120_000 }, async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({
    processor: { workers: 1 },
    topics: { partitions: 1 },
    detectors: { dlp: { enabled: true, policies: [{ name: 'cards', action: 'quarantine', dataTypes: ['payment_card'], minCount: 1 }] } },
  });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const real = await log.producer();
  let refusedSends = 0;
  // A broker whose actions topic has max.message.bytes = LIMIT: a request holding a larger record is refused whole.
  const producer: Producer = {
    send: async (topic, messages) => {
      if (topic === config.topics.actions && messages.some((m) => (m.value?.length ?? 0) > LIMIT)) {
        refusedSends++;
        throw classifyProduceError(topic, new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'The request included a message larger than the max message size the server will accept' }));
      }
      await real.send(topic, messages);
    },
    close: async () => {},
  };
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [], logger: silentLogger(), telemetry: createTelemetry(), clock });
  try {
    const collector = objectStorageCollector({}, { clock });
    // The object name is part of its action: one name makes that action larger than the limit.
    const names = ['a.txt', `${'deep/'.repeat(600)}b.txt`, 'c.txt'];
    const topic = config.topics.objectChunk;
    for (const name of names) {
      for (const out of collector.collect({ name, bytes: Buffer.from(`card ${CARD} on file\n`) })) {
        assert.equal(out.kind, 'event');
        if (out.kind !== 'event') continue;
        await producer.send(topic, [{ key: out.key, value: await codec.encode(topic, SCHEMA_NAMES.objectChunk, out.event) }]);
      }
    }
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, topic))) await log.waitForChange(20);
    await service.stop();

    assert.ok(refusedSends >= 1, 'the broker refused a request');
    const actions = log.readAll(config.topics.actions).map((m) => JSON.parse(m.value.toString()) as Record<string, unknown>);
    const written = new Set(actions.map((a) => JSON.stringify(a)));
    assert.equal(written.size, 2, 'the two other objects have their action');
    for (const a of written) assert.ok(!a.includes('deep/deep/'), 'not the large one');
    const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.stage, 'sink');
    assert.equal(dead[0]!.reason_code, 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE');
    assert.match(dead[0]!.reason, /^output of \d+ bytes: producing to .* refused: MESSAGE_TOO_LARGE/);
    assert.match(dead[0]!.position, new RegExp(`^${config.topics.actions.replace(/\./g, '\\.')} output \\S+`));
    // Of an output of a content stream, only what identifies it (its id, key and size), not the output itself.
    const raw = JSON.parse(dead[0]!.raw.toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(raw).sort(), ['id', 'key', 'omitted', 'size']);
    assert.equal(raw.omitted, 'content-stream outputs are never dead-lettered whole');
    assert.ok(Number(raw.size) > LIMIT);
    assert.match(String(raw.key), /deep\/deep\//, 'the refused one');
    assert.equal(service.stats.deadLettered, 1);
  } finally {
    await pool.close();
  }
});

test('a finding of a content stream a sink refuses for its size is dead-lettered alone, without its evidence; the others are stored', { timeout: 120_000 }, async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ processor: { workers: 1 }, topics: { partitions: 1 }, detectors: { dlp: { enabled: true } } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink();
  const store = sink.write.bind(sink);
  let refusals = 0;
  // A findings topic whose max.message.bytes the findings about the long-named object exceed: a write holding one is refused whole.
  sink.write = async (findings) => {
    if (findings.some((f) => f.entity.key.includes('deep/deep/'))) {
      refusals++;
      throw classifyProduceError('findings', new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'too large' }));
    }
    await store(findings);
  };
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [sink], logger: silentLogger(), telemetry: createTelemetry(), clock });
  try {
    const collector = objectStorageCollector({}, { clock });
    const topic = config.topics.objectChunk;
    for (const name of ['a.txt', `${'deep/'.repeat(50)}b.txt`, 'c.txt']) {
      for (const out of collector.collect({ name, bytes: Buffer.from(`card ${CARD} on file\n`) })) {
        if (out.kind === 'event') await producer.send(topic, [{ key: out.key, value: await codec.encode(topic, SCHEMA_NAMES.objectChunk, out.event) }]);
      }
    }
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, topic))) await log.waitForChange(20);
    await service.stop();

    assert.ok(refusals >= 1);
    const stored = new Set(sink.findings.map((f) => f.entity.key));
    assert.ok(stored.size >= 2 && [...stored].every((k) => !k.includes('deep/deep/')), `the other objects' findings are stored (${[...stored].join(', ')})`);
    const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
    assert.ok(dead.length >= 1);
    for (const d of dead) {
      assert.equal(d.stage, 'sink');
      assert.equal(d.source, 'memory');
      assert.equal(d.reason_code, 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE');
      const raw = JSON.parse(d.raw.toString()) as Record<string, unknown>;
      assert.equal(raw.omitted, 'content-stream findings are never dead-lettered whole');
      assert.equal(raw.evidences, undefined, 'no evidence drawn from the content');
      assert.equal(raw.message, undefined);
      assert.match(String((raw.entity as { key: string }).key), /deep\/deep\//);
    }
    assert.equal(service.stats.deadLettered, dead.length);
  } finally {
    await pool.close();
  }
});
