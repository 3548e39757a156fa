/**
 * The main thread's side of the collector thread: starts it, answers its schema-id requests from the
 * registry, and hands its batches, in order, to the publisher (which owns the producer, the rounds
 * and the trace headers). Credits bound how far the thread runs ahead of the broker's acknowledgements.
 */
import { Worker } from 'node:worker_threads';
import type { AvroCodec } from '../../core/avro/codec.ts';
import type { ComponentConfig, SluiceConfig } from '../../core/config.ts';
import { deserializeError, serializeError } from '../../core/errors.ts';
import { workerModule } from '../../core/worker-module.ts';
import type { EventPublisher } from '../publisher.ts';
import { unpackBatch } from './batch-builder.ts';
import type { CollectThreadInit, MainMessage, OutputBatch, ThreadMessage } from './protocol.ts';

const WORKER = workerModule(import.meta.url, 'worker');

/**
 * The thread's entry script. From source it registers tsx itself before importing worker.ts (a
 * `--import tsx` in the thread's execArgv did not load a TypeScript entry given to a bare Worker on
 * Node 20); compiled, it imports worker.js.
 */
function bootstrap(): string {
  const entry = JSON.stringify(WORKER.filename);
  if (WORKER.filename.endsWith('.js')) return `import(${entry});`;
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${api}).then(({ register }) => { register(); return import(${entry}); });`;
}

export interface CollectThreadOptions {
  type: string;
  configs: Readonly<Record<string, ComponentConfig>>;
  topics: SluiceConfig['topics'];
  files: readonly string[];
  /** The main thread's codec: its registry gives the schema ids. */
  codec: AvroCodec;
  publisher: EventPublisher;
  /** Called once every output of file `index` was handed to the publisher. */
  onFileDone?: (index: number) => void;
  /** Outputs per batch (default 500) and batches the thread may run ahead (default 4). */
  batchOutputs?: number;
  batchesAhead?: number;
}

/** Runs the collector on its own thread over `files`; resolves once the publisher took every output. */
export async function collectInThread(opts: CollectThreadOptions): Promise<{ truncatedFields?: number }> {
  const init: CollectThreadInit = {
    type: opts.type,
    configs: opts.configs,
    topics: opts.topics,
    files: [...opts.files],
    batchOutputs: opts.batchOutputs ?? 500,
    batchesAhead: opts.batchesAhead ?? 4,
  };
  const worker = new Worker(bootstrap(), { eval: true, workerData: init, execArgv: WORKER.execArgv });
  const post = (m: MainMessage): void => worker.postMessage(m);
  const queue: OutputBatch[] = [];
  let wake: (() => void) | undefined;
  let finished: { truncatedFields?: number } | undefined;
  let failure: Error | undefined;
  const poke = (): void => {
    wake?.();
    wake = undefined;
  };

  worker.on('message', (m: ThreadMessage) => {
    switch (m.kind) {
      case 'batch':
        queue.push(m);
        break;
      case 'id':
        opts.codec.registry.idFor(m.topic, m.schema).then(
          (id) => post({ kind: 'id', requestId: m.requestId, id }),
          (err: unknown) => post({ kind: 'id', requestId: m.requestId, error: serializeError(err) }),
        );
        return;
      case 'done':
        finished = m.truncatedFields === undefined ? {} : { truncatedFields: m.truncatedFields };
        break;
      case 'error':
        failure ??= deserializeError(m.error);
        break;
    }
    poke();
  });
  worker.on('error', (err) => {
    failure ??= err;
    poke();
  });
  worker.on('exit', (code) => {
    if (!finished) failure ??= new Error(`the collector thread exited (code ${code}) before it finished its inputs`);
    poke();
  });

  try {
    for (;;) {
      const batch = queue.shift();
      if (batch) {
        for (const out of unpackBatch(batch)) await opts.publisher.addEncoded(out);
        if (batch.fileDone !== undefined) opts.onFileDone?.(batch.fileDone);
        post({ kind: 'credit' });
        continue;
      }
      if (failure) throw failure;
      if (finished) return finished;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    await worker.terminate();
  }
}
