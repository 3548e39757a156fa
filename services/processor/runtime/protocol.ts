import type { EventMeta, SideOutput } from '../../core/components.ts';
import type { SerializedError } from '../../core/errors.ts';
import type { Finding } from '../../core/events.ts';
import type { SluiceConfig } from '../../core/config.ts';
import type { StreamEvents, StreamName } from '../../core/streams.ts';

/**
 * Messages between the processor and its worker threads: a typed union with request ids.
 * State crosses the boundary as JSON packed into one ArrayBuffer that is transferred, not copied;
 * so can events (EncodedEvents).
 */

/**
 * Runs events of one stream on the thread that owns their shards. The request may carry several
 * shards of that thread (coalesced): `segments` says which events belong to which shard; each
 * shard's events are in order, and the thread processes them in that order.
 */
export interface ProcessBatchRequest {
  type: 'process';
  requestId: number;
  /** The state epoch the caller expects every listed shard to be at; a worker that is not there answers 'stale'. */
  epoch: number;
  stream: StreamName;
  /** Events [from, to) belong to `shard` (murmur2(key) mod processor.stateShards). */
  segments: ShardSegment[];
  /** The events as objects (structured-cloned), or as Avro payloads in one transferred buffer. */
  events: Array<{ event: StreamEvents[StreamName]; meta: EventMeta }> | EncodedEvents;
}

export interface ShardSegment {
  shard: number;
  from: number;
  to: number;
}

/**
 * Events as Confluent-framed Avro payloads back to back in one buffer, decoded by the worker: what
 * crosses the thread boundary is bytes (transferred) and a few strings, not cloned object graphs.
 */
export interface EncodedEvents {
  encoding: 'avro';
  /** The payloads (magic byte, schema id, Avro body) back to back. */
  data: ArrayBuffer;
  /** Int32 per event: where its payload ends in `data` (it starts where the previous one ends). */
  ends: ArrayBuffer;
  /** Int32 per event: the input partition. */
  partitions: ArrayBuffer;
  keys: string[];
  offsets: string[];
  /** The input topic of every event. */
  topic: string;
  /** Writer schemas (Avro JSON) by the ids the payloads name; a payload whose id is missing is a decode failure. */
  writers: Record<number, string>;
  /** The stream's reader schema (Avro JSON): writers are resolved to it, as AvroCodec.decode does. */
  reader: string;
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
  /** threadId of the worker that ran the request (the owner of its shards). */
  threadId: number;
  findings: Finding[];
  outputs: SideOutput[];
  /** Last value per (detector, key) set or deleted by this request, for the changelog. */
  changes: PackedState;
  /**
   * Events a detector threw on: the batch goes on, these go to the dead-letter topic. `index` is
   * the event's position in the request; `event` is the decoded event when the request was encoded.
   */
  failures: Array<{ index: number; detector: string; error: SerializedError; event?: unknown }>;
  /** Encoded events that could not be decoded (SLUICE_ERR_SCHEMA_DECODE / _UNKNOWN); never processed. */
  decodeFailures: Array<{ index: number; error: SerializedError }>;
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
