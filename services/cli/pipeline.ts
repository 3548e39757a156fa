import { appTopology } from './config.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collector, FindingSink } from '../core/components.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import { isCaughtUp } from '../core/transport.ts';
import { collectFiles, type CollectorServiceDeps, type CollectProgress, type CollectorRunStats } from '../collectors/service.ts';
import type { InputFilter } from '../collectors/inputs.ts';
import type { Topology } from '../core/topology.ts';
import { buildProcessor } from '../processor/build.ts';
import type { DetectorPool } from '../processor/runtime/pool.ts';
import { createCodec, createWatchedTransport, type AppContext } from './wiring.ts';

export interface PipelineOptions {
  collector: Collector;
  /** The collector's type and config, when it may run on its own thread (collectors/thread/). */
  offThread?: CollectorServiceDeps['offThread'];
  inputs: readonly string[];
  /** Extra finding sinks, e.g. NDJSON to stdout. */
  sinks?: readonly FindingSink[];
  /** How long to wait for the processor to catch up after the inputs are published. */
  drainTimeoutMs?: number;
  /** --include / --exclude for the files inside input directories. */
  inputFilter?: InputFilter;
  /** Called after each input file is published (the terminal progress line). */
  onProgress?: (p: CollectProgress) => void;
  /**
   * The detector pool, already started (early-pool.ts: its threads load the detectors while this
   * thread loads the rest); runPipeline closes it however it ends. Started here when absent.
   */
  pool?: DetectorPool;
}

export interface PipelineSummary {
  transport: 'embedded' | 'kafka';
  collector: CollectorRunStats;
  processor: { eventsIn: number; findingsOut: number; deadLettered: number };
  deadLettered: number;
  /** The topology the run was built from (which streams have a detector reading them). */
  topology: Topology;
}

/** Bounds of the interval at which runPipeline checks that the processor has caught up. */
const POLL_MIN_MS = 10;
const POLL_MAX_MS = 100;

/**
 * The main job in one process: collector -> topics -> processor (worker pool) -> sinks.
 * Returns once the processor's group has committed everything the collector published.
 */
export async function runPipeline(ctx: AppContext, opts: PipelineOptions): Promise<PipelineSummary> {
  const { transport, changed } = createWatchedTransport(ctx);
  // The given pool is closed here until the processor built around it owns it.
  let unownedPool = opts.pool;
  try {
    const codec = await createCodec(ctx);
    const topology = appTopology(ctx.config);
    const processor = await buildProcessor(ctx, topology, transport, codec, opts.sinks ?? [], opts.pool);
    unownedPool = undefined;
    let collected: CollectorRunStats;
    try {
      const consumer = await processor.service.start();
      const producer = await transport.producer();
      try {
        const deadLetters = new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock);
        collected = await collectFiles(
          { collector: opts.collector, producer, codec, deadLetters, topics: ctx.config.topics, logger: ctx.logger, telemetry: ctx.telemetry, inputFilter: opts.inputFilter, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.offThread ? { offThread: opts.offThread } : {}) },
          opts.inputs,
        );
      } finally {
        await producer.close();
      }
      const deadline = Date.now() + (opts.drainTimeoutMs ?? 120_000);
      const failed = consumer.done.then(
        () => undefined,
        (e: unknown) => e,
      );
      // On Kafka, polled from 10 ms, doubling up to 100 ms (at most ten offset requests a second
      // on a long run). On the embedded log the wait ends at the log's next change (a commit) once
      // POLL_MIN_MS have passed: a short run ends right after its last commit, and a long one
      // checks its in-memory offsets at most a hundred times a second.
      for (let pollMs = POLL_MIN_MS; ; pollMs = Math.min(pollMs * 2, POLL_MAX_MS)) {
        const caughtUp = await Promise.all(processor.service.topics.map((t) => isCaughtUp(transport, processor.service.groupId, t)));
        if (caughtUp.every(Boolean)) break;
        const waited = changed ? Promise.all([changed(pollMs), sleep(POLL_MIN_MS)]) : sleep(pollMs);
        const err = await Promise.race([failed, waited.then(() => undefined)]);
        if (err) throw err;
        if (Date.now() > deadline) {
          throw new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', `processor did not catch up within ${opts.drainTimeoutMs ?? 120_000} ms`);
        }
      }
    } finally {
      await processor.close();
    }
    const p = processor.service.stats;
    return {
      transport: transport.kind,
      collector: collected,
      processor: { eventsIn: p.eventsIn, findingsOut: p.findingsOut, deadLettered: p.deadLettered },
      deadLettered: collected.deadLettered + p.deadLettered,
      topology,
    };
  } finally {
    await unownedPool?.close();
    await transport.close();
  }
}
