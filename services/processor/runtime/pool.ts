import { Piscina } from 'piscina';
import { workerModule } from '../../core/worker-module.ts';
import { SluiceError } from '../../core/errors.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { StreamEvents, StreamName } from '../../core/streams.ts';
import type { EventMeta } from '../../core/components.ts';
import type { PackedState, ProcessBatchResponse, WorkerInit, WorkerRequest, WorkerResponse } from './protocol.ts';
import { ShardBalancer, type ShardQueueOptions } from './shard-balancer.ts';

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
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private saturated = false;
  private readonly listeners: Listener[] = [];
  /** Worker threads that exited (crashed) since the pool started. */
  crashes = 0;

  constructor(options: DetectorPoolOptions) {
    this.maxInFlight = options.maxInFlight ?? options.threads * 8;
    this.balancer = new ShardBalancer(options.threads);
    this.pool = new Piscina({
      filename: WORKER.filename,
      minThreads: options.threads,
      maxThreads: options.threads,
      // Bounded by maxInFlight above; piscina's own queue never holds more than that.
      maxQueue: this.maxInFlight,
      workerData: options.init,
      execArgv: WORKER.execArgv,
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

  private async acquire(): Promise<void> {
    while (this.inFlight >= this.maxInFlight) {
      if (!this.saturated) {
        this.saturated = true;
        for (const l of this.listeners) l(true);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
    if (this.saturated && this.inFlight <= this.maxInFlight / 2 && this.waiting.length === 0) {
      this.saturated = false;
      for (const l of this.listeners) l(false);
    }
  }

  private async run(shard: number, request: WorkerRequest, transferList: ArrayBuffer[] = []): Promise<WorkerResponse> {
    await this.acquire();
    const queueOptions: ShardQueueOptions = { shard };
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
    const response = await this.run(shard, { type: 'process', requestId: this.nextRequestId++, shard, epoch, stream, events });
    if (response.type === 'stale') {
      throw new SluiceError('SLUICE_ERR_STATE_STALE', `thread ${response.threadId} holds shard ${shard} at epoch ${response.heldEpoch ?? 'none'}, not ${epoch}`);
    }
    if (response.type !== 'processed') throw new Error(`unexpected worker response ${response.type}`);
    return response;
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
