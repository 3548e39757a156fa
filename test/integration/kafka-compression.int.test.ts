/**
 * Kafka compression on real brokers. Sluice produces what `kafka.compression` says (none by default;
 * lz4, gzip, snappy) and reads every codec Kafka has: topics whose `compression.type` makes the broker recompress what it stores
 * (zstd, snappy, gzip) are written by Sluice's producer and read back by Sluice's consumer, and each
 * configured producer compression round-trips on a `compression.type=producer` topic. A plain kafkajs
 * consumer (no codecs registered, in a child process) fails on the zstd topic, which shows the broker
 * really stored zstd. Needs Apache Kafka: the librdkafka mock does not recompress (skipped there).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { resolveConfig } from '../../services/cli/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { isolatedPipelineConfig } from '../support/pipeline-config.ts';
import { withAdmin } from '../support/kafka-admin.ts';
import { readTopic } from '../support/read-topic.ts';
import { testServicesFromEnv } from '../support/services.ts';

const services = testServicesFromEnv();
const { config: base, suffix } = isolatedPipelineConfig('compression');
const skip = services.kafkaFlavor === 'kafka' ? false : `needs Apache Kafka, which recompresses per topic (this run: ${services.kafkaFlavor})`;
const brokerCodecs = ['zstd', 'snappy', 'gzip'] as const;
const producerCodecs = ['none', 'gzip', 'lz4', 'snappy'] as const;
const topicOf = (name: string) => `it.${suffix}.${name}`;

/** 40 JSON records, half repetitive (compressible) and half random, with keys. */
function records(tag: string): Array<{ key: string; value: Buffer }> {
  return Array.from({ length: 40 }, (_, i) => ({
    key: `principal-${i % 7}`,
    value: Buffer.from(JSON.stringify({ tag, i, eventName: 'StopLogging', noise: i % 2 ? randomBytes(64).toString('hex') : 'x'.repeat(512) })),
  }));
}

before(async () => {
  if (skip) return;
  await withAdmin(services.kafkaBrokers, async (admin) => {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        ...brokerCodecs.map((c) => ({ topic: topicOf(`broker-${c}`), numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'compression.type', value: c }] })),
        ...producerCodecs.map((c) => ({ topic: topicOf(`producer-${c}`), numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'compression.type', value: 'producer' }] })),
      ],
    });
  });
});

test('what the broker recompresses (zstd, snappy, gzip) is read back intact by Sluice', { skip }, async () => {
  assert.equal(base.kafka!.compression, 'none', 'no compression by default (the fetch bounds count compressed bytes)');
  const lz4 = resolveConfig({ ...base, kafka: { ...base.kafka!, compression: 'lz4' } });
  const transport = new KafkaTransport(lz4.kafka!, silentLogger());
  try {
    const producer = await transport.producer();
    for (const c of brokerCodecs) {
      const sent = records(c);
      await producer.send(topicOf(`broker-${c}`), sent);
      const got = await readTopic(base.kafka!, topicOf(`broker-${c}`), sent.length);
      assert.equal(got.length, sent.length, `${c}: every record read`);
      const byValue = new Map(got.map((m) => [m.value.toString(), m.key?.toString()]));
      for (const r of sent) assert.equal(byValue.get(r.value.toString()), r.key, `${c}: record ${r.value.toString().slice(0, 40)} intact with its key`);
    }
  } finally {
    await transport.close();
  }
});

test('every producer compression round-trips', { skip }, async () => {
  for (const c of producerCodecs) {
    const config = resolveConfig({ ...base, kafka: { ...base.kafka!, compression: c } });
    const transport = new KafkaTransport(config.kafka!, silentLogger());
    try {
      const producer = await transport.producer();
      const sent = records(`p-${c}`);
      await producer.send(topicOf(`producer-${c}`), sent);
      const got = await readTopic(config.kafka!, topicOf(`producer-${c}`), sent.length);
      assert.deepEqual(got.map((m) => m.value.toString()).sort(), sent.map((r) => r.value.toString()).sort(), `${c}: values`);
    } finally {
      await transport.close();
    }
  }
});

test('the zstd topic really holds zstd: kafkajs without Sluice codecs cannot read it', { skip }, async () => {
  const script = `
    const { Kafka, logLevel } = require('kafkajs');
    const kafka = new Kafka({ brokers: ${JSON.stringify(services.kafkaBrokers)}, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const consumer = kafka.consumer({ groupId: 'plain-${suffix}', retry: { retries: 0 } });
    const timer = setTimeout(() => { console.log('NO-ERROR'); process.exit(0); }, 20000);
    consumer.on(consumer.events.CRASH, (e) => { console.log('CRASH ' + e.payload.error.message); process.exit(0); });
    (async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: '${topicOf('broker-zstd')}', fromBeginning: true });
      await consumer.run({ eachMessage: async () => { console.log('READ'); process.exit(0); } });
    })().catch((e) => { console.log('ERROR ' + e.message); process.exit(0); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: process.cwd(), timeout: 40_000 });
  assert.match(stdout, /ZSTD compression not implemented/, `plain kafkajs must fail on zstd batches; it said: ${stdout.trim()}`);
});
