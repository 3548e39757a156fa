import type { AppContext } from '../core/app-context.ts';
import type { AvroCodec } from '../core/avro/codec.ts';
import { sinkConfig, type FindingSink, type SinkSpec } from '../core/components.ts';
import type { Topology } from '../core/topology.ts';
import type { Producer, Transport } from '../core/transport.ts';
import { SINK_SPECS } from '../sinks/registry.ts';
import { assembleProcessor } from './assemble.ts';
import type { ProcessorService } from './service.ts';
import type { DetectorPool } from './runtime/pool.ts';

export interface BuiltProcessor {
  service: ProcessorService;
  pool: DetectorPool;
  close(): Promise<void>;
}

/**
 * Builds the processor role from the topology: the detectors it names in the worker pool, the
 * sinks it names (plus extras, e.g. `sluice run`'s stdout), the DLQ and the changelogs.
 */
export async function buildProcessor(
  ctx: AppContext,
  topology: Topology,
  transport: Transport,
  codec: AvroCodec,
  extraSinks: readonly FindingSink[] = [],
): Promise<BuiltProcessor> {
  const producer: Producer = await transport.producer();
  let sinks: FindingSink[];
  try {
    sinks = topology.sinks.map((s) => {
      const spec = (SINK_SPECS as readonly SinkSpec[]).find((x) => x.name === s.name);
      if (!spec) throw new Error(`topology names sink "${s.name}", which is not registered`);
      return spec.create(sinkConfig(spec, ctx.config), { app: ctx.config, logger: ctx.logger, telemetry: ctx.telemetry, clock: ctx.clock, producer });
    });
  } catch (err) {
    await producer.close();
    throw err;
  }
  sinks.push(...extraSinks);
  const { service, pool } = assembleProcessor({
    config: ctx.config,
    topology,
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
