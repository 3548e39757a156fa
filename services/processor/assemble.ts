import type { AvroCodec } from '../core/avro/codec.ts';
import type { FindingSink } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { Producer, Transport } from '../core/transport.ts';
import type { StreamName } from '../core/streams.ts';
import { changelogTopic, deriveTopology, type Topology } from '../core/topology.ts';
import { DETECTOR_SPECS } from '../detectors/registry.ts';
import { detectorPoolOptions } from './pool-options.ts';
import { DetectorPool } from './runtime/pool.ts';
import { StateManager } from './runtime/state-manager.ts';
import { ProcessorService } from './service.ts';

export interface ProcessorParts {
  config: SluiceConfig;
  /** The topology to build; derived from config and the detector registry when absent (tests). */
  topology?: Topology;
  transport: Transport;
  codec: AvroCodec;
  producer: Producer;
  sinks: readonly FindingSink[];
  logger: Logger;
  telemetry: Telemetry;
  clock: Clock;
  /**
   * The detector pool, started earlier from detectorPoolOptions(config) (pool-options.ts):
   * `sluice run` starts its threads first, so they load the detectors while the rest of the
   * pipeline loads. Built here when absent. Whoever started it observes its gauges (build.ts).
   */
  pool?: DetectorPool;
}

export interface AssembledProcessor {
  service: ProcessorService;
  pool: DetectorPool;
  state: StateManager;
}

/** Wires the processor from its parts: worker pool, state manager over the changelogs, DLQ writer, service. */
export function assembleProcessor(parts: ProcessorParts): AssembledProcessor {
  const { config, telemetry } = parts;
  const topology = parts.topology ?? deriveTopology(config, { collectors: [], detectors: DETECTOR_SPECS, sinks: [] });
  const detectors = topology.detectors;
  const streams = [...new Set(detectors.flatMap((d) => [d.stream, ...d.alsoReads]))] as StreamName[];
  const pool = parts.pool ?? new DetectorPool(detectorPoolOptions(config, telemetry));
  const state = new StateManager({
    transport: parts.transport,
    producer: parts.producer,
    pool,
    detectors: detectors.filter((d) => d.stateful).map((d) => ({ name: d.name, inputTopic: d.inputTopic, changelog: changelogTopic(config.app, d.name) })),
    stateShards: config.processor.stateShards,
    changelog: config.processor.changelog,
    restoreTimeoutMs: config.processor.restoreTimeoutMs,
    logger: parts.logger,
    onRestore: (r) => telemetry.metrics.stateRestored(r.seconds),
    afterRestore: () => service.broadcastControl(),
  });
  const deadLetters = new DeadLetterWriter(parts.producer, parts.codec, config.topics.deadLetter, parts.clock);
  // Late-bound: the state manager calls back into the service after a restore.
  // eslint-disable-next-line prefer-const
  let service: ProcessorService;
  service = new ProcessorService({
    transport: parts.transport,
    codec: parts.codec,
    pool,
    state,
    producer: parts.producer,
    sinks: parts.sinks,
    deadLetters,
    config,
    logger: parts.logger,
    telemetry,
    streams,
    controlled: detectors.filter((d) => d.takesControl).map((d) => d.name),
  });
  return { service, pool, state };
}
