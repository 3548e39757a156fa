import type { AvroCodec } from '../core/avro/codec.ts';
import type { FindingSink } from '../core/components.ts';
import type { Producer, Transport } from '../core/transport.ts';
import type { AppContext } from '../cli/wiring.ts';
import { ClickHouseFindingSink } from '../sinks/clickhouse/index.ts';
import { SiemKafkaSink } from '../sinks/siem_kafka/index.ts';
import { assembleProcessor } from './assemble.ts';
import type { ProcessorService } from './service.ts';
import type { DetectorPool } from './runtime/pool.ts';

export interface BuiltProcessor {
  service: ProcessorService;
  pool: DetectorPool;
  close(): Promise<void>;
}

/** Builds the processor role: pool, sinks (findings topic, ClickHouse when configured, extras), DLQ. */
export async function buildProcessor(
  ctx: AppContext,
  transport: Transport,
  codec: AvroCodec,
  extraSinks: readonly FindingSink[] = [],
): Promise<BuiltProcessor> {
  // Sinks that validate their options are built before anything holds a connection or a thread.
  const clickhouse = ctx.config.clickhouse ? new ClickHouseFindingSink({ clickhouse: ctx.config.clickhouse, logger: ctx.logger }) : undefined;
  const producer: Producer = await transport.producer();
  const sinks: FindingSink[] = [new SiemKafkaSink(producer, ctx.config.topics.findings, ctx.telemetry), ...extraSinks];
  if (clickhouse) sinks.push(clickhouse);
  const { service, pool } = assembleProcessor({
    config: ctx.config,
    transport,
    codec,
    producer,
    sinks,
    logger: ctx.logger,
    telemetry: ctx.telemetry,
    clock: ctx.clock,
  });
  return {
    service,
    pool,
    close: async () => {
      await service.stop();
      await pool.close();
      await producer.close();
    },
  };
}
