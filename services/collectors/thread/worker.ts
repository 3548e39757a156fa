/**
 * The collector thread: reads the input files, runs the collector and encodes its events (Avro), and
 * posts them to the main thread in batches, in input order, at most `batchesAhead` ahead of what the
 * main thread has published. Schema ids come from the main thread (it owns the registry client).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AvroCodec } from '../../core/avro/codec.ts';
import { LocalSchemaRegistry, type AvroType, type SchemaRegistry } from '../../core/avro/registry.ts';
import { deserializeError, serializeError, SluiceError } from '../../core/errors.ts';
import { collectorByType } from '../by-type.ts';
import type { CappedCollector } from '../fields.ts';
import { readInputOrReject } from '../files.ts';
import { encodeOutput } from '../publisher.ts';
import { BatchBuilder } from './batch-builder.ts';
import type { CollectThreadInit, MainMessage, OutputBatch, ThreadMessage } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('services/collectors/thread/worker.ts runs as a worker thread');
const init = workerData as CollectThreadInit;
const post = (m: ThreadMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

const idRequests = new Map<number, { resolve: (id: number) => void; reject: (e: Error) => void }>();
let nextRequestId = 1;
let credits = init.batchesAhead;
let creditWaiter: (() => void) | undefined;

port.on('message', (m: MainMessage) => {
  if (m.kind === 'credit') {
    credits++;
    creditWaiter?.();
    creditWaiter = undefined;
    return;
  }
  const request = idRequests.get(m.requestId);
  idRequests.delete(m.requestId);
  if ('error' in m) request?.reject(deserializeError(m.error));
  else request?.resolve(m.id);
});

/** Types from the repo's schemas (what the registry holds), ids asked of the main thread once per topic and schema. */
class ThreadRegistry implements SchemaRegistry {
  readonly kind = 'local' as const;
  private readonly local = new LocalSchemaRegistry();
  private readonly ids = new Map<string, Promise<number>>();

  idFor(topic: string, schema: string): Promise<number> {
    const key = `${topic}\u0000${schema}`;
    let id = this.ids.get(key);
    if (!id) {
      const requestId = nextRequestId++;
      id = new Promise<number>((resolve, reject) => idRequests.set(requestId, { resolve, reject }));
      // A failed lookup (registry outage) is not cached: the run stops on it anyway.
      id.catch(() => this.ids.delete(key));
      this.ids.set(key, id);
      post({ kind: 'id', requestId, topic, schema });
    }
    return id;
  }

  typeForId(id: number): Promise<AvroType> {
    return Promise.reject(new SluiceError('SLUICE_ERR_SCHEMA_UNKNOWN', `the collector thread does not decode (schema id ${id})`));
  }

  typeForName(schema: string): AvroType {
    return this.local.typeForName(schema);
  }
}

async function send(batch: OutputBatch): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (creditWaiter = resolve));
  credits--;
  post(batch, [batch.values]);
}

async function run(): Promise<void> {
  const collector = collectorByType(init.type, init.configs);
  const encodeDeps = { source: collector.type, codec: new AvroCodec(new ThreadRegistry()), topics: init.topics };
  const builder = new BatchBuilder();
  for (const [index, file] of init.files.entries()) {
    const input = await readInputOrReject(file, collector.type);
    const outputs = 'reject' in input ? [input.reject] : collector.collect({ name: file, bytes: input.bytes });
    for (const out of outputs) {
      builder.push(await encodeOutput(encodeDeps, out));
      if (builder.size >= init.batchOutputs) await send(builder.take());
    }
    await send(builder.take(index));
  }
  const truncated = (collector as Partial<CappedCollector>).truncatedFields;
  post({ kind: 'done', ...(truncated === undefined ? {} : { truncatedFields: truncated }) });
}

run().catch((err: unknown) => post({ kind: 'error', error: serializeError(err) }));
