import { randomUUID } from 'node:crypto';
import { resolveConfig, type SluiceConfig } from '../../services/cli/config.ts';
import { KAFKA_TEST_CONSUMER_SETTINGS, testServicesFromEnv } from './services.ts';

/**
 * A Sluice config pointing at the test services, isolated per test: unique topics (the mock
 * auto-creates them), consumer group and ClickHouse database.
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
    clickhouse: { url: services.clickhouseUrl, database: `sluice_it_${suffix}` },
    topics: { activity: `it.${suffix}.activity`, findings: `it.${suffix}.findings`, deadLetter: `it.${suffix}.dlq` },
    processor: { groupId: `it-${suffix}`, workers: 2 },
    http: { port: 0 },
  });
  return { config, suffix };
}
