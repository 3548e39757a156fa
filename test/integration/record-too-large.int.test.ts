/**
 * A finding larger than the broker accepts on the findings topic (`max.message.bytes`) is
 * dead-lettered alone, with its reason; the other findings of its batch reach the topic, and the
 * input offsets are committed only once both are written. Runs on the harness's Kafka (the
 * librdkafka mock enforces no max.message.bytes per topic: skipped there, with the reason).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../services/core/clock.ts';
import { resolveConfig } from '../../services/cli/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { createTelemetry } from '../../services/core/telemetry.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { SCHEMA_NAMES, type DeadLetterRecord } from '../../services/core/events.ts';
import { isCaughtUp } from '../../services/core/transport.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { SiemKafkaSink } from '../../services/sinks/siem_kafka/index.ts';
import { assembleProcessor } from '../../services/processor/assemble.ts';
import { isolatedPipelineConfig, pipelineTopics } from '../support/pipeline-config.ts';
import { createTestTopics, withAdmin } from '../support/kafka-admin.ts';
import { readTopic } from '../support/read-topic.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { apiActivity } from '../fixtures/events/api-activity.ts';

const services = testServicesFromEnv();
const { config: base, suffix } = isolatedPipelineConfig('too_large');
const config = resolveConfig({
  ...base,
  detectors: { sensitive_operation: { enabled: true }, signatures: { enabled: false } },
});
/** The findings topic's max.message.bytes: several ordinary findings fit, the long-named principal's does not. */
const MAX_MESSAGE_BYTES = 16_384;
const skip = services.kafkaFlavor === 'kafka' ? false : `needs real Kafka for a per-topic max.message.bytes (this run: ${services.kafkaFlavor})`;

before(async () => {
  if (skip) return;
  await withAdmin(services.kafkaBrokers, async (admin) => {
    await admin.createTopics({
      waitForLeaders: true,
      // One partition: every finding of a batch goes into the same produce request.
      topics: [{ topic: config.topics.findings, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: String(MAX_MESSAGE_BYTES) }] }],
    });
  });
  // The rest of the pipeline's topics (createTestTopics skips the findings topic made above, and waits for every leader).
  await createTestTopics(services.kafkaBrokers, pipelineTopics(config).map((t) => (t.name === config.topics.findings ? { ...t, partitions: 1 } : t)));
});

test('one finding over max.message.bytes is dead-lettered alone; the rest of its batch is delivered, then committed', { skip }, async () => {
  const logger = silentLogger();
  const telemetry = createTelemetry({ serviceName: 'sluice-test' });
  const transport = new KafkaTransport(config.kafka!, logger);
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await transport.producer();
  const topic = config.topics.activity;
  // Random, so that the producer's compression (lz4 by default) cannot shrink it under the limit.
  const huge = `arn:aws:iam::123456789012:user/${randomBytes(20_000).toString('hex')}`;
  const events = [
    ...['a1', 'a2', 'a3'].map((uid) => apiActivity({ uid: `${suffix}-${uid}`, operation: 'StopLogging', service: 'cloudtrail.amazonaws.com' })),
    apiActivity({ uid: `${suffix}-big`, operation: 'DeleteTrail', service: 'cloudtrail.amazonaws.com', principal: huge }),
    ...['b1', 'b2'].map((uid) => apiActivity({ uid: `${suffix}-${uid}`, operation: 'DeleteTrail', service: 'cloudtrail.amazonaws.com' })),
  ];
  // One key: one input partition, so the large finding shares its batch with the others.
  await producer.send(topic, await Promise.all(events.map(async (e) => ({ key: 'account-123456789012', value: await codec.encode(topic, SCHEMA_NAMES.apiActivity, e) }))));
  const sink = new SiemKafkaSink(producer, config.topics.findings, telemetry);
  const { service, pool } = assembleProcessor({ config, transport, codec, producer, sinks: [sink], logger, telemetry, clock: systemClock });
  try {
    const started = Date.now();
    await service.start();
    while (!(await isCaughtUp(transport, config.processor.groupId, topic))) {
      assert.ok(Date.now() - started < 60_000, 'the input was not committed within 60 s (the batch keeps failing?)');
      await sleep(200);
    }
    await service.stop();
    assert.equal(service.stats.eventsIn, events.length);
    assert.equal(service.stats.findingsOut, events.length);

    const published = await readTopic(config.kafka!, config.topics.findings, events.length - 1);
    const related = published.map((m) => (JSON.parse(m.value.toString()) as { finding_info: { related_events: Array<{ uid: string }> } }).finding_info.related_events[0]!.uid);
    assert.deepEqual([...new Set(related)].sort(), events.filter((e) => e.metadata.uid !== `${suffix}-big`).map((e) => e.metadata.uid).sort(), 'every other finding is on the topic');

    const dead = await readTopic(config.kafka!, config.topics.deadLetter, 1);
    assert.equal(dead.length, 1, 'one dead letter, for the large finding only');
    const { value } = await codec.decode<DeadLetterRecord>(dead[0]!.value, SCHEMA_NAMES.deadLetter);
    assert.equal(value.stage, 'sink');
    assert.equal(value.source, 'siem_kafka');
    assert.equal(value.reason_code, 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE');
    assert.match(value.reason, /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|max\.message\.bytes/);
    assert.match(value.position, /^finding \S+/);
    assert.ok(value.raw.toString().includes(huge.slice(31, 63)), 'an activity finding keeps its (capped) record');
    assert.equal(service.stats.deadLettered, 1);
  } finally {
    await service.stop().catch(() => {});
    await pool.close();
    await producer.close();
    await transport.close();
  }
});
