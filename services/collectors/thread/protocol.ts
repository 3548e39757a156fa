/**
 * Messages between the collector role's main thread and its collector thread (see README.md).
 * Encoded events cross in one transferred ArrayBuffer per batch; everything else is structured-cloned.
 */
import type { RejectedRecord } from '../../core/components.ts';
import type { ComponentConfig, SluiceConfig } from '../../core/config.ts';
import type { SerializedError } from '../../core/errors.ts';
import type { StreamName } from '../../core/streams.ts';

/** What the thread is started with (workerData). */
export interface CollectThreadInit {
  /** Collector type, built on the thread from `configs` (collectors/by-type.ts). */
  type: string;
  configs: Readonly<Record<string, ComponentConfig>>;
  topics: SluiceConfig['topics'];
  /** The input files, in the order their outputs are published. */
  files: string[];
  /** Outputs per batch posted to the main thread. */
  batchOutputs: number;
  /** Batches the thread may post before the main thread has published the first of them. */
  batchesAhead: number;
}

/**
 * A run of outputs in input order. `order[i]` is 0 for the next event (its fields at the next index
 * of the event arrays, its Avro bytes `values[ends[j-1] .. ends[j])`) and 1 for the next reject.
 */
export interface OutputBatch {
  kind: 'batch';
  order: Uint8Array;
  streams: StreamName[];
  topics: string[];
  keys: string[];
  uids: string[];
  positions: string[];
  ends: Uint32Array;
  values: ArrayBuffer;
  rejects: RejectedRecord[];
  /** Set on the batch that ends a file: its index in `files`. */
  fileDone?: number;
}

export type ThreadMessage =
  | OutputBatch
  /** The schema id for (topic, schema): only the main thread talks to the registry. */
  | { kind: 'id'; requestId: number; topic: string; schema: string }
  | { kind: 'done'; truncatedFields?: number }
  | { kind: 'error'; error: SerializedError };

export type MainMessage =
  | { kind: 'id'; requestId: number; id: number }
  | { kind: 'id'; requestId: number; error: SerializedError }
  /** The main thread published one batch: the thread may post one more. */
  | { kind: 'credit' };
