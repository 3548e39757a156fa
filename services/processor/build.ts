import type { AppContext } from '../core/app-context.ts';
import type { AvroCodec } from '../core/avro/codec.ts';
import { sinkConfig, type FindingSink, type SinkSpec } from '../core/components.ts';
import { componentLabels } from '../core/metrics.ts';
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
 * sinks it names (plus extras, e.g. `sluice run`'s stdout), the DLQ and the changelogs. `pool`:
 * a detector pool started earlier without telemetry (pool-options.ts detectorPoolOptions), whose
 * gauges are observed from here on; the built processor closes it (if building fails, the caller
 * still owns it).
 */
export async function buildProcessor(
  ctx: AppContext,
  topology: Topology,
  transport: Transport,
  codec: AvroCodec,
  extraSinks: readonly FindingSink[] = [],
  pool?: DetectorPool,
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
  const assembled = assembleProcessor({
    config: ctx.config,
    topology,
    transport,
    codec,
    producer,
    sinks,
    logger: ctx.logger,
    telemetry: ctx.telemetry,
    clock: ctx.clock,
    ...(pool ? { pool } : {}),
  });
  const { service } = assembled;
  const started = assembled.pool;
  // The same gauges a pool built with telemetry reports (runtime/pool.ts).
  const unobserve = pool ? ctx.telemetry.metrics.observePool(componentLabels('processor', 'processor'), () => ({ queueSize: started.queueSize, utilization: started.utilization })) : undefined;
  return {
    service,
    pool: started,
    close: async () => {
      await service.stop();
      unobserve?.();
      await started.close();
      await producer.close();
    },
  };
}
