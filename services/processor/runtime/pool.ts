import { Piscina } from 'piscina';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { SluiceError } from '../../core/errors.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { ProcessBatchRequest, ProcessBatchResponse, WorkerInit } from './protocol.ts';
import { ShardBalancer, type ShardQueueOptions } from './shard-balancer.ts';

export interface DetectorPoolOptions {
  threads: number;
  init: WorkerInit;
  /** Bounded queue: tasks beyond this wait in the caller (backpressure), never pile up unbounded. */
  maxQueue?: number;
  /** When given, the pool reports sluice_pool_queue_depth and sluice_pool_utilization until closed. */
  telemetry?: Telemetry;
  /** Labels of those gauges; default: the processor's. */
  labels?: ComponentLabels;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

/** Worker threads need tsx to load the TypeScript worker when Sluice runs from source. */
function workerExecArgv(): string[] {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const already = process.execArgv.some((a) => a.includes('tsx'));
  return already ? [...process.execArgv] : [...process.execArgv, '--import', tsx];
}

/**
 * The piscina pool that runs detectors off the consumer's thread. Tasks are routed by state shard
 * to one owning thread (ShardBalancer), so a detector's per-key state stays in one thread.
 */
export class DetectorPool {
  private readonly pool: Piscina;
  readonly balancer = new ShardBalancer();
  private nextRequestId = 1;
  private readonly unobserve: (() => void) | undefined;

  constructor(options: DetectorPoolOptions) {
    this.pool = new Piscina({
      filename: WORKER_URL.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      maxQueue: options.maxQueue ?? options.threads * 4,
      workerData: options.init,
      execArgv: workerExecArgv(),
      loadBalancer: this.balancer.balance as NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer'],
    });
    this.unobserve = options.telemetry?.metrics.observePool(options.labels ?? componentLabels('processor', 'processor'), () => ({
      queueSize: this.pool.queueSize,
      utilization: this.pool.utilization,
    }));
  }

  /** Runs one shard's events, in order, on the thread that owns the shard. */
  async process(shard: number, events: ProcessBatchRequest['events']): Promise<ProcessBatchResponse> {
    const queueOptions: ShardQueueOptions = { shard };
    const request: ProcessBatchRequest & { [Piscina.queueOptionsSymbol]: ShardQueueOptions } = {
      type: 'process',
      requestId: this.nextRequestId++,
      shard,
      events,
      [Piscina.queueOptionsSymbol]: queueOptions,
    };
    try {
      return (await this.pool.run(request)) as ProcessBatchResponse;
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_WORKER_EXITED', `detector worker failed: ${(cause as Error).message}`, { cause });
    }
  }

  get queueSize(): number {
    return this.pool.queueSize;
  }

  /** 0..1, piscina's estimate of how busy the threads have been. */
  get utilization(): number {
    return this.pool.utilization;
  }

  async close(): Promise<void> {
    this.unobserve?.();
    await this.pool.destroy();
  }
}
