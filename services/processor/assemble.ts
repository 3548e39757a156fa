import type { AvroCodec } from '../core/avro/codec.ts';
import type { FindingSink } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { Producer, Transport } from '../core/transport.ts';
import { topicFor, type StreamName } from '../core/streams.ts';
import { enabledSpecs } from './detectors/registry.ts';
import { DetectorPool } from './runtime/pool.ts';
import { StateManager, changelogTopic } from './runtime/state-manager.ts';
import { ProcessorService } from './service.ts';

export interface ProcessorParts {
  config: SluiceConfig;
  transport: Transport;
  codec: AvroCodec;
  producer: Producer;
  sinks: readonly FindingSink[];
  logger: Logger;
  telemetry: Telemetry;
  clock: Clock;
}

export interface AssembledProcessor {
  service: ProcessorService;
  pool: DetectorPool;
  state: StateManager;
}

/** Wires the processor from its parts: worker pool, state manager over the changelogs, DLQ writer, service. */
export function assembleProcessor(parts: ProcessorParts): AssembledProcessor {
  const { config, telemetry } = parts;
  const specs = enabledSpecs(config.detectors);
  const streams = [...new Set(specs.map((s) => s.stream))] as StreamName[];
  const pool = new DetectorPool({
    threads: config.processor.workers,
    init: { detectors: config.detectors, stateShards: config.processor.stateShards },
    maxInFlight: config.processor.maxInFlight,
    telemetry,
  });
  const state = new StateManager({
    transport: parts.transport,
    producer: parts.producer,
    pool,
    detectors: specs
      .filter((s) => s.stateful !== false)
      .map((s) => ({ name: s.name, inputTopic: topicFor(s.stream, config.topics), changelog: changelogTopic(config.app, s.name) })),
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
    controlled: specs.filter((s) => s.takesControl === true).map((s) => s.name),
  });
  return { service, pool, state };
}
