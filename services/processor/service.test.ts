import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { resolveConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { SluiceError } from '../core/errors.ts';
import { SCHEMA_NAMES, type DeadLetterRecord, type Finding } from '../core/events.ts';
import { isCaughtUp } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { assembleProcessor } from './assemble.ts';
import { apiActivity } from '../../test/fixtures/events/api-activity.ts';
import { MemorySink } from '../../test/fixtures/memory-sink.ts';

async function setup(processor: { retryTimeoutMs?: number } = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ processor: { workers: 1, ...processor }, topics: { partitions: 3 } });
  const log = new EmbeddedLog({ partitions: 3, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink();
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [sink], logger: silentLogger(), telemetry: createTelemetry(), clock });
  return { config, log, codec, producer, sink, pool, service };
}

test('a poison record is dead-lettered with its reason and position; the rest of its batch is processed', async () => {
  const { config, log, codec, producer, sink, pool, service } = await setup();
  try {
    const key = 'arn:aws:iam::123456789012:user/alice';
    const stop = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'e-stop' });
    const del = apiActivity({ operation: 'DeleteTrail', service: 'cloudtrail.amazonaws.com', uid: 'e-del' });
    await producer.send(config.topics.activity, [
      { key, value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, stop) },
      { key, value: Buffer.from('{"not":"avro"}') },
      { key, value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, del) },
    ]);
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, config.topics.activity))) await log.waitForChange(20);
    await service.stop();

    assert.deepEqual(sink.findings.map((f) => f.rule).sort(), ['aws.cloudtrail.logging_stopped', 'aws.cloudtrail.trail_deleted']);
    const dead = log.readAll(config.topics.deadLetter);
    assert.equal(dead.length, 1);
    const { value } = await codec.decode<DeadLetterRecord>(dead[0]!.value, SCHEMA_NAMES.deadLetter);
    assert.equal(value.stage, 'decode');
    assert.equal(value.reason_code, 'SLUICE_ERR_SCHEMA_DECODE');
    assert.match(value.position, new RegExp(`^${config.topics.activity.replace(/\./g, '\\.')}/\\d@1$`));
    assert.equal(value.raw.toString(), '{"not":"avro"}');
    const { stageSeconds: _stages, ...counts } = service.stats;
    assert.deepEqual(counts, { eventsIn: 3, findingsOut: 2, deadLettered: 1, batches: 1, retries: 0, skipped: 0 });
  } finally {
    await pool.close();
  }
});

test('a retriable sink failure is retried in place; the batch commits once the sink takes it', async () => {
  const { config, log, codec, producer, sink, pool, service } = await setup();
  try {
    const e = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'e-1' });
    await producer.send(config.topics.activity, [{ key: 'k', value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, e) }]);
    let failures = 2;
    const original = sink.write.bind(sink);
    sink.write = async (findings) => {
      if (failures-- > 0) throw new SluiceError('SLUICE_ERR_SINK_WRITE', 'sink down');
      await original(findings);
    };
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, config.topics.activity))) await log.waitForChange(20);
    await service.stop();
    assert.equal(sink.findings.length, 1);
    assert.equal(service.stats.retries, 2);
  } finally {
    await pool.close();
  }
});

test('a non-retriable sink failure fails the batch: nothing is committed, and a restart redelivers it', async () => {
  const { config, log, codec, producer, sink, pool, service } = await setup();
  try {
    const e = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'e-1' });
    await producer.send(config.topics.activity, [{ key: 'k', value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, e) }]);
    sink.failNext = 1;
    const consumer = await service.start();
    await assert.rejects(consumer.done, /sink unavailable/);
    assert.equal((await log.committedOffsets(config.processor.groupId, config.topics.activity)).size, 0);
    assert.equal(sink.findings.length, 0);

    const again = await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, config.topics.activity))) await log.waitForChange(20);
    await again.stop();
    assert.equal(sink.findings.length, 1);
  } finally {
    await pool.close();
  }
});

test('a finding a sink can never store is dead-lettered (stage sink) and the batch is committed; the rest is written', async () => {
  const { config, log, codec, producer, sink, pool, service } = await setup();
  try {
    const stop = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'e-ok' });
    const bad = apiActivity({ operation: 'DeleteTrail', service: 'cloudtrail.amazonaws.com', uid: 'e-1969', time: -14182980000 });
    await producer.send(config.topics.activity, [
      { key: 'k', value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, stop) },
      { key: 'k', value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, bad) },
    ]);
    const original = sink.write.bind(sink);
    sink.write = async (findings) => {
      const invalid = findings.filter((f) => f.time < 0).map((f) => ({ id: f.id, reason: `time ${f.time} is before 1970` }));
      if (invalid.length) throw new SluiceError('SLUICE_ERR_SINK_WRITE', 'cannot store', { retriable: false, details: { invalid } });
      await original(findings);
    };
    await service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, config.topics.activity))) await log.waitForChange(20);
    await service.stop();
    assert.deepEqual(sink.findings.map((f) => f.rule), ['aws.cloudtrail.logging_stopped']);
    const dead = await Promise.all(log.readAll(config.topics.deadLetter).map(async (m) => (await codec.decode<DeadLetterRecord>(m.value, SCHEMA_NAMES.deadLetter)).value));
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.stage, 'sink');
    assert.equal(dead[0]!.source, 'memory');
    assert.equal(dead[0]!.reason_code, 'SLUICE_ERR_SINK_WRITE');
    assert.match(dead[0]!.reason, /before 1970/);
    assert.equal((JSON.parse(dead[0]!.raw.toString()) as Finding).rule, 'aws.cloudtrail.trail_deleted');
  } finally {
    await pool.close();
  }
});

test('a registry outage while decoding is retried, then fails the batch (redelivered later) instead of dead-lettering the records', async () => {
  const { config, log, codec, producer, pool, service } = await setup({ retryTimeoutMs: 300 });
  try {
    const e = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'e-r' });
    await producer.send(config.topics.activity, [{ key: 'k', value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, e) }]);
    codec.registry.typeForId = async () => {
      throw new SluiceError('SLUICE_ERR_SCHEMA_REGISTRY', 'registry unreachable');
    };
    const consumer = await service.start();
    await assert.rejects(consumer.done, /registry unreachable/);
    assert.ok(service.stats.retries >= 1, 'retried before giving up');
    assert.equal(log.readAll(config.topics.deadLetter).length, 0, 'nothing dead-lettered');
    assert.equal((await log.committedOffsets(config.processor.groupId, config.topics.activity)).size, 0, 'nothing committed');
  } finally {
    await pool.close();
  }
});
