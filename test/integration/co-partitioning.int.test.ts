/**
 * The processor's consumer group assigns partition p of every input topic to one member (the
 * co-partitioned assignment the vulns join needs), on the runner's Kafka: three members of one
 * group subscribed to two 5-partition topics (5 is not a multiple of 3, the case kafkajs' round
 * robin splits).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaConfig } from '../../services/core/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import type { Consumer, TopicPartition } from '../../services/core/transport.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { createTestTopics } from '../support/kafka-admin.ts';
import { KAFKA_TEST_CONSUMER_SETTINGS, testServicesFromEnv } from '../support/services.ts';

test('three members of one group: each holds the same partition numbers of both topics, and all partitions are held', { timeout: 180_000 }, async () => {
  const services = testServicesFromEnv();
  const id = randomUUID().slice(0, 8);
  const topics = [`sluice.copart-a-${id}`, `sluice.copart-b-${id}`];
  const partitions = services.kafkaFlavor === 'kafka' ? 5 : 12; // the mock creates topics itself, with 12 partitions
  if (services.kafkaFlavor === 'kafka') await createTestTopics(services.kafkaBrokers, topics.map((name) => ({ name, partitions })));
  const config = KafkaConfig.parse({ brokers: services.kafkaBrokers, sessionTimeoutMs: KAFKA_TEST_CONSUMER_SETTINGS.sessionTimeout, heartbeatIntervalMs: KAFKA_TEST_CONSUMER_SETTINGS.heartbeatInterval, maxWaitTimeMs: KAFKA_TEST_CONSUMER_SETTINGS.maxWaitTimeInMs });
  const transports = [0, 1, 2].map(() => new KafkaTransport(config, silentLogger()));
  const latest: Array<readonly TopicPartition[]> = [[], [], []];
  const consumers: Consumer[] = [];
  try {
    for (const [i, t] of transports.entries()) {
      const c = await t.consumer({ groupId: `sluice-copart-${id}`, topics, onAssignment: (a) => (latest[i] = a) });
      void c.run(async () => {});
      consumers.push(c);
    }
    const settled = (): boolean => latest.every((a) => a.length > 0) && latest.reduce((n, a) => n + a.length, 0) === topics.length * partitions;
    for (const deadline = Date.now() + 120_000; !settled() && Date.now() < deadline; ) await sleep(250);
    assert.ok(settled(), `assignments did not settle: ${JSON.stringify(latest)}`);
    for (const a of latest) {
      const of = (topic: string): number[] => a.filter((tp) => tp.topic === topic).map((tp) => tp.partition).sort((x, y) => x - y);
      assert.deepEqual(of(topics[0]!), of(topics[1]!), `one member holds the same partitions of both topics: ${JSON.stringify(a)}`);
    }
  } finally {
    await Promise.all(consumers.map((c) => c.stop().catch(() => undefined)));
    await Promise.all(transports.map((t) => t.close().catch(() => undefined)));
  }
});
