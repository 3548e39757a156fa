import { Piscina } from 'piscina';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { SluiceError } from '../../core/errors.ts';
import type { ProcessBatchRequest, ProcessBatchResponse, WorkerInit } from './protocol.ts';

export interface DetectorPoolOptions {
  threads: number;
  init: WorkerInit;
  /** Bounded queue: tasks beyond this wait in the caller (backpressure), never pile up unbounded. */
  maxQueue?: number;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

/** Worker threads need tsx to load the TypeScript worker when Sluice runs from source. */
function workerExecArgv(): string[] {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const already = process.execArgv.some((a) => a.includes('tsx'));
  return already ? [...process.execArgv] : [...process.execArgv, '--import', tsx];
}

/** The piscina pool that runs detectors off the consumer's thread. */
export class DetectorPool {
  private readonly pool: Piscina;
  private nextRequestId = 1;

  constructor(options: DetectorPoolOptions) {
    this.pool = new Piscina({
      filename: WORKER_URL.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      maxQueue: options.maxQueue ?? options.threads * 4,
      workerData: options.init,
      execArgv: workerExecArgv(),
    });
  }

  async process(events: ProcessBatchRequest['events']): Promise<ProcessBatchResponse> {
    const request: ProcessBatchRequest = { type: 'process', requestId: this.nextRequestId++, events };
    try {
      return (await this.pool.run(request)) as ProcessBatchResponse;
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_WORKER_EXITED', `detector worker failed: ${(cause as Error).message}`, { cause });
    }
  }

  get queueSize(): number {
    return this.pool.queueSize;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
