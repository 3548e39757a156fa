import { AvroCodec } from '../core/avro/codec.ts';
import type { SchemaRegistry } from '../core/avro/registry.ts';
import { createSchemaRegistry } from '../core/avro/registry-setup.ts';
import type { AppContext } from '../core/app-context.ts';
import type { Transport } from '../core/transport.ts';
import { instrumentTransport } from '../core/telemetry-messaging.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { LazyKafkaTransport } from './lazy-transport.ts';

export type { AppContext } from '../core/app-context.ts';

/**
 * Kafka when configured (kafkajs imported on first use: lazy-transport.ts), else the embedded log;
 * with the OpenTelemetry messaging metrics recorded around it.
 */
export function createTransport(ctx: AppContext): Transport {
  return createWatchedTransport(ctx).transport;
}

/**
 * createTransport's transport, and on the embedded log a wait that ends at the log's next change
 * (an append, a commit, a member joining or leaving) or after `ms`: `sluice run` waits on it for
 * the processor's last commit instead of sleeping (pipeline.ts). On Kafka, `changed` is null.
 */
export function createWatchedTransport(ctx: AppContext): { transport: Transport; changed: ((ms: number) => Promise<void>) | null } {
  if (ctx.config.kafka) return { transport: instrumentTransport(new LazyKafkaTransport(ctx.config.kafka, ctx.logger), ctx.telemetry), changed: null };
  const log = new EmbeddedLog({ partitions: ctx.config.topics.partitions, maxBatchSize: ctx.config.processor.maxBatchSize, clock: ctx.clock });
  return { transport: instrumentTransport(log, ctx.telemetry), changed: (ms) => log.waitForChange(ms) };
}

/** The configured Schema Registry, else the local one; refuses local ids on Kafka unless allowed (SLUICE_ERR_CONFIG_INVALID). */
export async function createRegistry(ctx: AppContext): Promise<SchemaRegistry> {
  return createSchemaRegistry(ctx.config);
}

export async function createCodec(ctx: AppContext): Promise<AvroCodec> {
  return new AvroCodec(await createRegistry(ctx));
}
