import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry, type SchemaRegistry } from '../core/avro/registry.ts';
import { ConfluentSchemaRegistry } from '../core/avro/confluent-registry.ts';
import type { Clock } from '../core/clock.ts';
import type { SluiceConfig } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { Transport } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { KafkaTransport } from '../transports/kafka/transport.ts';

/** What every role is built from: config, logger, clock and telemetry come in; nothing is a module singleton. */
export interface AppContext {
  config: SluiceConfig;
  logger: Logger;
  clock: Clock;
  /** Traces and metrics; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/telemetry.md). */
  telemetry: Telemetry;
}

export function createTransport(ctx: AppContext): Transport {
  if (ctx.config.kafka) return new KafkaTransport(ctx.config.kafka, ctx.logger);
  return new EmbeddedLog({ partitions: ctx.config.topics.partitions, maxBatchSize: ctx.config.processor.maxBatchSize, clock: ctx.clock });
}

export async function createRegistry(ctx: AppContext): Promise<SchemaRegistry> {
  if (ctx.config.schemaRegistry) return ConfluentSchemaRegistry.connect(ctx.config.schemaRegistry.url);
  return new LocalSchemaRegistry();
}

export async function createCodec(ctx: AppContext): Promise<AvroCodec> {
  return new AvroCodec(await createRegistry(ctx));
}
