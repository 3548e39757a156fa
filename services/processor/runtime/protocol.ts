import type { EventMeta } from '../../core/components.ts';
import type { SerializedError } from '../../core/errors.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import type { SluiceConfig } from '../../core/config.ts';

/** Messages between the processor and its worker threads: a typed union with request ids. */
export interface ProcessBatchRequest {
  type: 'process';
  requestId: number;
  /** State shard of every event in the request: murmur2(key) mod processor.stateShards. */
  shard: number;
  events: Array<{ event: ApiActivity; meta: EventMeta }>;
}

export type WorkerRequest = ProcessBatchRequest;

export interface ProcessBatchResponse {
  type: 'processed';
  requestId: number;
  /** threadId of the worker that ran the request (the shard's owner). */
  threadId: number;
  findings: Finding[];
  /** Events a detector threw on: the batch goes on, these go to the dead-letter topic. */
  failures: Array<{ index: number; detector: string; error: SerializedError }>;
}

export type WorkerResponse = ProcessBatchResponse;

/** What a worker thread is started with. */
export interface WorkerInit {
  detectors: SluiceConfig['detectors'];
}
