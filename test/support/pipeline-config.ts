import { randomUUID } from 'node:crypto';
import { appTopology, resolveConfig, type SluiceConfig } from '../../services/cli/config.ts';
import { createTestTopics, type TestTopic } from './kafka-admin.ts';
import { KAFKA_TEST_CONSUMER_SETTINGS, testServicesFromEnv } from './services.ts';

/**
 * A Sluice config pointing at the test services, isolated per test: unique topics, consumer group and
 * ClickHouse database. On real Kafka, call createPipelineTopics(config) before running it.
 */
export function isolatedPipelineConfig(label: string): { config: SluiceConfig; suffix: string } {
  const services = testServicesFromEnv();
  const suffix = `${label}_${randomUUID().slice(0, 8)}`;
  const config = resolveConfig({
    log: { level: 'warn' },
    kafka: {
      brokers: services.kafkaBrokers,
      sessionTimeoutMs: KAFKA_TEST_CONSUMER_SETTINGS.sessionTimeout,
      heartbeatIntervalMs: KAFKA_TEST_CONSUMER_SETTINGS.heartbeatInterval,
      maxWaitTimeMs: KAFKA_TEST_CONSUMER_SETTINGS.maxWaitTimeInMs,
      idempotentProducer: services.kafkaFlavor !== 'mock-stock',
    },
    // The test cluster is private to the run: the local schema ids are allowed on it.
    allowLocalSchemaIds: true,
    clickhouse: { url: services.clickhouseUrl, database: `sluice_it_${suffix}` },
    topics: { activity: `it.${suffix}.activity`, findings: `it.${suffix}.findings`, deadLetter: `it.${suffix}.dlq` },
    processor: { groupId: `it-${suffix}`, workers: 2 },
    http: { port: 0 },
  });
  return { config, suffix };
}

/** Partitions of every topic createPipelineTopics makes (what the mock gives an auto-created topic). */
export const PIPELINE_TEST_PARTITIONS = 12;

/** Every topic of the config's topology: its streams, side topics and the enabled detectors' changelogs (compacted). */
export function pipelineTopics(config: SluiceConfig, partitions = PIPELINE_TEST_PARTITIONS): TestTopic[] {
  const t = appTopology(config);
  const names = new Set<string>([...t.streams.map((s) => s.topic), t.topics.findings, t.topics.deadLetter, t.topics.actions, t.topics.actionResults, t.topics.enforcement, t.topics.rescan]);
  if (t.topics.control) names.add(t.topics.control);
  const topics: TestTopic[] = [...names].map((name) => ({ name, partitions }));
  for (const d of t.detectors) if (d.changelog) topics.push({ name: d.changelog, partitions, compact: true });
  return topics;
}

/**
 * Creates the config's topics through the admin API when the services are real Kafka: Sluice's
 * clients never auto-create topics (allowAutoTopicCreation: false), as in production, where a
 * deployment creates them. The librdkafka mock creates any topic on a Metadata request whatever the
 * client asks (and has no CreateTopics): nothing to do there.
 */
export async function createPipelineTopics(config: SluiceConfig, partitions = PIPELINE_TEST_PARTITIONS): Promise<void> {
  const services = testServicesFromEnv();
  if (services.kafkaFlavor !== 'kafka') return;
  await createTestTopics(services.kafkaBrokers, pipelineTopics(config, partitions));
}
