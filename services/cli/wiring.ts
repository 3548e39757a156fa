import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry, type SchemaRegistry } from '../core/avro/registry.ts';
import { ConfluentSchemaRegistry } from '../core/avro/confluent-registry.ts';
import type { AppContext } from '../core/app-context.ts';
import type { Transport } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { KafkaTransport } from '../transports/kafka/transport.ts';

export type { AppContext } from '../core/app-context.ts';

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
