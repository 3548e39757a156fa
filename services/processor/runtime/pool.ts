import { Piscina } from 'piscina';
import { workerModule } from '../../core/worker-module.ts';
import { SluiceError } from '../../core/errors.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { StreamEvents, StreamName } from '../../core/streams.ts';
import type { EventMeta } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { SideOutput } from '../../core/components.ts';
import type { SerializedError } from '../../core/errors.ts';
import type { PackedState, ProcessBatchRequest, ProcessBatchResponse, WorkerInit, WorkerRequest, WorkerResponse } from './protocol.ts';
import { ShardBalancer, type ShardQueueOptions } from './shard-balancer.ts';
import { encodeEvents, type EncodedRecord, type EncodedSchemas } from './encoded-events.ts';
import { planRequests } from './request-plan.ts';

export interface DetectorPoolOptions {
  threads: number;
  init: WorkerInit;
  /** Tasks in flight at once (queued or running); callers beyond it wait. Default threads * 8. */
  maxInFlight?: number;
  /** When given, the pool reports sluice_pool_queue_depth and sluice_pool_utilization until closed. */
  telemetry?: Telemetry;
  /** Labels of those gauges; default: the processor's. */
  labels?: ComponentLabels;
}

/** worker.js when compiled, worker.ts (loaded through tsx) from source. */
const WORKER = workerModule(import.meta.url, 'worker');

type Listener = (saturated: boolean) => void;

/** A batch for DetectorPool.processBatch: decoded events, or framed Avro records the threads decode. */
export type BatchInput =
  | { kind: 'objects'; events: ReadonlyArray<{ event: StreamEvents[StreamName]; meta: EventMeta }> }
  | { kind: 'avro'; records: readonly EncodedRecord[]; schemas: EncodedSchemas };

/** What a batch produced; failure indexes are positions in the batch. */
export interface BatchOutcome {
  findings: Finding[];
  outputs: SideOutput[];
  /** One packed change set per request, for the changelog. */
  changes: PackedState[];
  /** Events a detector threw on (`event`: the decoded event, for encoded input). */
  failures: Array<{ index: number; detector: string; error: SerializedError; event?: unknown }>;
  /** Encoded records that did not decode; they were not processed. */
  decodeFailures: Array<{ index: number; error: SerializedError }>;
  skipped: number;
}

/**
 * The piscina pool that runs detectors off the consumer's thread. Tasks are routed by state shard
 * to one owning thread (ShardBalancer), so a detector's per-key state stays in one thread. At most
 * maxInFlight tasks are out at once: beyond that callers wait, and listeners are told the pool is
 * saturated (the processor pauses its partitions) until it drains to half.
 */
export class DetectorPool {
  private readonly pool: Piscina;
  readonly balancer: ShardBalancer;
  private nextRequestId = 1;
  private readonly unobserve: (() => void) | undefined;
  private readonly maxInFlight: number;
  private readonly stateShards: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private saturated = false;
  private readonly listeners: Listener[] = [];
  /** Worker threads that exited (crashed) since the pool started. */
  crashes = 0;

  constructor(options: DetectorPoolOptions) {
    this.maxInFlight = options.maxInFlight ?? options.threads * 8;
    this.stateShards = options.init.stateShards;
    this.balancer = new ShardBalancer(options.threads);
    this.pool = new Piscina({
      filename: WORKER.filename,
      minThreads: options.threads,
      maxThreads: options.threads,
      // Bounded by maxInFlight above; piscina's own queue never holds more than that.
      maxQueue: this.maxInFlight,
      workerData: options.init,
      execArgv: WORKER.execArgv,
      // A task its thread cannot take yet goes back to the head of the queue, not the tail: a shard's requests keep their order.
      stricterFIFO: true,
      loadBalancer: this.balancer.balance as NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer'],
    });
    this.pool.on('error', () => this.crashes++);
    this.unobserve = options.telemetry?.metrics.observePool(options.labels ?? componentLabels('processor', 'processor'), () => ({
      queueSize: this.inFlight,
      utilization: this.pool.utilization,
    }));
  }

  /** Called with true when the in-flight bound is reached and with false once half of it has drained. */
  onSaturation(listener: Listener): void {
    this.listeners.push(listener);
  }

  /**
   * Takes one of the maxInFlight places, first come first served: a caller that waits is handed the
   * place of a finishing task directly, so requests of one shard submitted in order stay in order.
   */
  private acquire(): Promise<void> | undefined {
    if (this.inFlight < this.maxInFlight && this.waiting.length === 0) {
      this.inFlight++;
      return undefined;
    }
    if (!this.saturated) {
      this.saturated = true;
      for (const l of this.listeners) l(true);
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      next(); // the place passes to the next caller
      return;
    }
    this.inFlight--;
    if (this.saturated && this.inFlight <= this.maxInFlight / 2) {
      this.saturated = false;
      for (const l of this.listeners) l(false);
    }
  }

  private async run(shard: number, request: WorkerRequest, transferList: ArrayBuffer[] = [], shards?: number[]): Promise<WorkerResponse> {
    const waited = this.acquire();
    if (waited) await waited;
    const queueOptions: ShardQueueOptions = shards ? { shard, shards } : { shard };
    const task = { ...request, [Piscina.queueOptionsSymbol]: queueOptions };
    try {
      return (await this.pool.run(task, { transferList: transferList.filter((b) => b.byteLength > 0) })) as WorkerResponse;
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_WORKER_EXITED', `detector worker failed: ${(cause as Error).message}`, { cause });
    } finally {
      this.release();
    }
  }

  /**
   * Runs one shard's events of one stream, in order, on the thread that owns the shard, with the
   * shard's state at `epoch`. Throws SLUICE_ERR_STATE_STALE when that thread does not hold it.
   */
  async process(shard: number, epoch: number, stream: StreamName, events: Array<{ event: StreamEvents[StreamName]; meta: EventMeta }>): Promise<ProcessBatchResponse> {
    return this.checked(shard, epoch, await this.run(shard, { type: 'process', requestId: this.nextRequestId++, epoch, stream, segments: [{ shard, from: 0, to: events.length }], events }));
  }

  private checked(shard: number, epoch: number, response: WorkerResponse): ProcessBatchResponse {
    if (response.type === 'stale') {
      throw new SluiceError('SLUICE_ERR_STATE_STALE', `thread ${response.threadId} holds shard ${response.shard} at epoch ${response.heldEpoch ?? 'none'}, not ${epoch}`);
    }
    if (response.type !== 'processed') throw new Error(`unexpected worker response ${response.type} for shard ${shard}`);
    return response;
  }

  /**
   * Runs a whole batch of one stream: events are grouped by state shard (murmur2 of meta.key), and
   * the shards of one thread travel together, in a few requests of up to `maxPerRequest` events
   * (request-plan.ts) that are all submitted at once (one thread's requests run in submission
   * order, so each shard's events keep their order; different threads run in parallel). Events go as objects, or as Avro payloads
   * packed in one transferred buffer per request and decoded by the thread (`kind: 'avro'`). Failure
   * indexes in the outcome are positions in the caller's list. Throws SLUICE_ERR_STATE_STALE when a
   * thread does not hold one of its shards at `epoch` (nothing of that request ran).
   */
  async processBatch(epoch: number, stream: StreamName, input: BatchInput, maxPerRequest = 512): Promise<BatchOutcome> {
    const metas = input.kind === 'objects' ? input.events.map((e) => e.meta) : input.records.map((r) => r.meta);
    const requests = planRequests(metas, this.stateShards, (shard) => this.balancer.slotOf(shard), Math.max(1, maxPerRequest));
    const outcome: BatchOutcome = { findings: [], outputs: [], changes: [], failures: [], decodeFailures: [], skipped: 0 };
    const settled = await Promise.allSettled(
      requests.map(async ({ indexes, segments }) => {
        let events: ProcessBatchRequest['events'];
        let transfer: ArrayBuffer[] = [];
        if (input.kind === 'objects') events = indexes.map((i) => input.events[i]!);
        else ({ events, transfer } = encodeEvents(input.records, indexes, input.schemas));
        const shards = segments.map((s) => s.shard);
        const response = this.checked(shards[0]!, epoch, await this.run(shards[0]!, { type: 'process', requestId: this.nextRequestId++, epoch, stream, segments, events }, transfer, shards));
        for (const f of response.findings) outcome.findings.push(f);
        for (const o of response.outputs) outcome.outputs.push(o);
        outcome.changes.push(response.changes);
        outcome.skipped += response.skipped;
        for (const f of response.failures) outcome.failures.push({ ...f, index: indexes[f.index]! });
        for (const f of response.decodeFailures) outcome.decodeFailures.push({ ...f, index: indexes[f.index]! });
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return outcome;
  }

  /** Runs the maintain() hooks on the thread owning `shard`; returns the state changes (tombstones). */
  async maintain(shard: number, epoch: number): Promise<ProcessBatchResponse> {
    const response = await this.run(shard, { type: 'maintain', requestId: this.nextRequestId++, shard, epoch });
    if (response.type === 'stale') throw new SluiceError('SLUICE_ERR_STATE_STALE', `thread ${response.threadId} does not hold shard ${shard} at epoch ${epoch}`);
    if (response.type !== 'processed') throw new Error(`unexpected worker response ${response.type}`);
    return response;
  }

  /** Hands the current control messages to the detectors of the thread owning `shard`. */
  async control(shard: number, messages: Record<string, unknown[]>): Promise<Array<{ detector: string; error: { message: string } }>> {
    const response = await this.run(shard, { type: 'control', requestId: this.nextRequestId++, shard, messages });
    if (response.type !== 'controlled') throw new Error(`unexpected worker response ${response.type}`);
    return response.failures;
  }

  /** One shard per live owning thread, to address each thread once. */
  representativeShards(): number[] {
    const byOwner = new Map<number, number>();
    for (const [shard, owner] of this.balancer.owners()) if (!byOwner.has(owner) || shard < byOwner.get(owner)!) byOwner.set(owner, shard);
    return [...byOwner.values()].sort((a, b) => a - b);
  }

  /** Loads a shard's state into its owning thread (the state buffer is transferred). */
  async restore(shard: number, epoch: number, state: PackedState): Promise<number> {
    const response = await this.run(shard, { type: 'restore', requestId: this.nextRequestId++, shard, epoch, state }, [state.data]);
    if (response.type !== 'restored') throw new Error(`unexpected worker response ${response.type}`);
    return response.entries;
  }

  /** Entities and JSON bytes per detector held for one shard by its owner. */
  async stateStats(shard: number): Promise<Array<{ detector: string; entities: number; bytes: number }>> {
    const response = await this.run(shard, { type: 'stats', requestId: this.nextRequestId++, shard });
    if (response.type !== 'stats') throw new Error(`unexpected worker response ${response.type}`);
    return response.detectors;
  }

  get queueSize(): number {
    return this.inFlight;
  }

  /** 0..1, piscina's estimate of how busy the threads have been. */
  get utilization(): number {
    return this.pool.utilization;
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  /**
   * Fault injection (`kill -USR2` on a processor): terminates one worker thread as a crash would.
   * Piscina replaces it; the replacement holds no shard until the processor restores state.
   */
  async terminateOneThread(): Promise<void> {
    await this.pool.threads[0]?.terminate();
  }

  async close(): Promise<void> {
    this.unobserve?.();
    await this.pool.destroy();
  }
}
