import type { Command } from 'commander';
import { loadConfig, SluiceConfigSchema, type SluiceConfig } from './config.ts';
import { REDACTED, redactSecrets, redactUrlSecrets } from '../core/secrets.ts';

/** Flags shared by every role; they override the config file and the environment. */
export interface CommonFlags {
  config?: string;
  kafkaBrokers?: string;
  clickhouseUrl?: string;
  schemaRegistryUrl?: string;
  allowLocalSchemaIds?: boolean;
  workers?: string;
  logLevel?: string;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file')
    .option('--kafka-brokers <list>', 'comma-separated Kafka bootstrap brokers (default: embedded log; env KAFKA_BROKERS)')
    .option('--clickhouse-url <url>', 'ClickHouse HTTP URL (env CLICKHOUSE_URL)')
    .option('--schema-registry-url <url>', 'Confluent Schema Registry URL (default: local registry from schemas/; env SCHEMA_REGISTRY_URL)')
    .option('--allow-local-schema-ids', 'allow Kafka without a Schema Registry: local schema ids, private or test clusters only (env SLUICE_ALLOW_LOCAL_SCHEMA_IDS)')
    .option('--workers <n>', 'detector worker threads')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent');
}

export function configFromFlags(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): SluiceConfig {
  const overrides: Record<string, unknown> = {};
  if (flags.kafkaBrokers) overrides.kafka = { brokers: flags.kafkaBrokers.split(',').map((s) => s.trim()).filter(Boolean) };
  if (flags.clickhouseUrl) overrides.clickhouse = { url: flags.clickhouseUrl };
  if (flags.allowLocalSchemaIds) overrides.allowLocalSchemaIds = true;
  if (flags.schemaRegistryUrl) overrides.schemaRegistry = { url: flags.schemaRegistryUrl };
  if (flags.workers) overrides.processor = { workers: /^\d+$/.test(flags.workers) ? Number(flags.workers) : flags.workers };
  if (flags.logLevel) overrides.log = { level: flags.logLevel };
  return loadConfig({ file: flags.config, env, overrides });
}

/**
 * The config with secrets replaced, for printing: every field marked secret in the schema
 * (core/secrets.ts), any key named like a credential, URL userinfo and credential query parameters.
 */
export function redactConfig(config: SluiceConfig): unknown {
  return JSON.parse(
    JSON.stringify(redactSecrets(SluiceConfigSchema, config), (key, value: unknown) => {
      if (typeof value !== 'string' || !value) return value;
      if (/password|secret|token/i.test(key)) return REDACTED;
      return value;
    }),
  );
}

/** `http://user:pass@host?token=x` -> `http://user:***@host?token=***`; other strings unchanged. */
export function redactUrlCredentials(text: string): string {
  return redactUrlSecrets(text);
}
