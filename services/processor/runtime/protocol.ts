import type { EventMeta, SideOutput } from '../../core/components.ts';
import type { SerializedError } from '../../core/errors.ts';
import type { Finding } from '../../core/events.ts';
import type { SluiceConfig } from '../../core/config.ts';
import type { StreamEvents, StreamName } from '../../core/streams.ts';

/**
 * Messages between the processor and its worker threads: a typed union with request ids.
 * State crosses the boundary as JSON packed into one ArrayBuffer that is transferred, not copied.
 */

/** Runs one shard's events of one stream, in order, with the shard's state at `epoch`. */
export interface ProcessBatchRequest {
  type: 'process';
  requestId: number;
  /** State shard of every event in the request: murmur2(key) mod processor.stateShards. */
  shard: number;
  /** The state epoch the caller expects this shard to be at; a worker that is not there answers 'stale'. */
  epoch: number;
  stream: StreamName;
  events: Array<{ event: StreamEvents[StreamName]; meta: EventMeta }>;
}

/** Replaces a shard's state (all detectors) with the given entries and sets its epoch. */
export interface RestoreShardRequest {
  type: 'restore';
  requestId: number;
  shard: number;
  epoch: number;
  state: PackedState;
}

/** Reports what the thread holds for one shard: entities and JSON bytes per detector (the state-size gauge). */
export interface StateStatsRequest {
  type: 'stats';
  requestId: number;
  shard: number;
}

/** Runs the detectors' maintain() hooks on the thread owning `shard` (once per thread), at `epoch`. */
export interface MaintainRequest {
  type: 'maintain';
  requestId: number;
  shard: number;
  epoch: number;
}

/** The current control messages per detector name, for every detector of the receiving thread. */
export interface ControlRequest {
  type: 'control';
  requestId: number;
  shard: number;
  messages: Record<string, unknown[]>;
}

export type WorkerRequest = ProcessBatchRequest | RestoreShardRequest | StateStatsRequest | MaintainRequest | ControlRequest;

/** Where a state value comes from: the input record whose processing last set it. */
export interface StateEntryMeta {
  detector: string;
  key: string;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * State entries as one buffer: entry i's JSON value is bytes [start, end) of `data`; a deleted
 * entry (tombstone) has start = end = -1.
 */
export interface PackedState {
  entries: Array<StateEntryMeta & { start: number; end: number }>;
  data: ArrayBuffer;
}

export interface ProcessBatchResponse {
  type: 'processed';
  requestId: number;
  /** threadId of the worker that ran the request (the shard's owner). */
  threadId: number;
  findings: Finding[];
  outputs: SideOutput[];
  /** Last value per (detector, key) set or deleted by this request, for the changelog. */
  changes: PackedState;
  /** Events a detector threw on: the batch goes on, these go to the dead-letter topic. */
  failures: Array<{ index: number; detector: string; error: SerializedError }>;
  /** Events skipped by a detector because its state already reflects them (a replay). */
  skipped: number;
}

/** The worker does not hold the shard at the requested epoch: restore, then retry. */
export interface StaleShardResponse {
  type: 'stale';
  requestId: number;
  threadId: number;
  shard: number;
  heldEpoch: number | null;
}

export interface RestoredResponse {
  type: 'restored';
  requestId: number;
  threadId: number;
  shard: number;
  entries: number;
}

export interface StateStatsResponse {
  type: 'stats';
  requestId: number;
  threadId: number;
  detectors: Array<{ detector: string; entities: number; bytes: number }>;
}

export interface ControlledResponse {
  type: 'controlled';
  requestId: number;
  threadId: number;
  /** Detectors whose control() threw, with the error. */
  failures: Array<{ detector: string; error: SerializedError }>;
}

export type WorkerResponse = ProcessBatchResponse | StaleShardResponse | RestoredResponse | StateStatsResponse | ControlledResponse;

/** What a worker thread is started with. */
export interface WorkerInit {
  detectors: SluiceConfig['detectors'];
  stateShards: number;
}
