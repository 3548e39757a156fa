import { threadId, workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { EventMeta, SideOutput } from '../../core/components.ts';
import { systemClock } from '../../core/clock.ts';
import type { Finding } from '../../core/events.ts';
import { serializeError } from '../../core/errors.ts';
import { partitionForKey } from '../../core/partitioner.ts';
import { buildDetectors } from '../../detectors/registry.ts';
import type { StreamEvents, StreamName } from '../../core/streams.ts';
import { EventDecoder } from './encoded-events.ts';
import type {
  ControlledResponse,
  EncodedEvents,
  MaintainRequest,
  ProcessBatchRequest,
  ProcessBatchResponse,
  RestoredResponse,
  StaleShardResponse,
  StateStatsResponse,
  WorkerInit,
  WorkerRequest,
  WorkerResponse,
} from './protocol.ts';
import { WorkerState } from './worker-state.ts';

/**
 * Piscina worker: runs the detectors of this thread on the shards it owns. Detector instances are
 * built once; their per-entity state lives in WorkerState, per shard, and is (re)loaded by
 * 'restore' requests. A shard this thread does not hold at the requested epoch (a fresh thread
 * after a crash, or an assignment change) is answered 'stale', never processed on empty state.
 */
const init = workerData as WorkerInit;
const state = new WorkerState(init.stateShards);
let outputs: SideOutput[] = [];
const detectors = buildDetectors(init.detectors, {
  clock: systemClock,
  stateFor: (name) => state.facade(name),
  emit: (o) => outputs.push(o),
  shardOf: (key) => partitionForKey(key, init.stateShards),
});
const byStream = new Map<StreamName, typeof detectors>();
const decoder = new EventDecoder();

export default function handle(request: WorkerRequest): WorkerResponse | ReturnType<typeof Piscina.move> {
  switch (request.type) {
    case 'process':
      return processBatch(request);
    case 'restore': {
      const entries = state.restore(request.shard, request.epoch, request.state);
      // Every detector's hook runs, with the keys of the shard just loaded; the first failure is
      // then thrown, failing the restore loudly (it is a detector bug, not bad input).
      let failure: unknown = null;
      for (const { spec, detector } of detectors) {
        if (!detector.restored) continue;
        try {
          detector.restored(state.shardKeys(request.shard, spec.name), request.shard);
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== null) throw failure;
      const out: RestoredResponse = { type: 'restored', requestId: request.requestId, threadId, shard: request.shard, entries };
      return out;
    }
    case 'maintain':
      return maintain(request);
    case 'control': {
      const failures: ControlledResponse['failures'] = [];
      for (const { spec, detector } of detectors) {
        if (!detector.control) continue;
        try {
          detector.control(request.messages[spec.name] ?? []);
        } catch (err) {
          failures.push({ detector: spec.name, error: serializeError(err) });
        }
      }
      const out: ControlledResponse = { type: 'controlled', requestId: request.requestId, threadId, failures };
      return out;
    }
    case 'stats': {
      const out: StateStatsResponse = { type: 'stats', requestId: request.requestId, threadId, detectors: state.stats(request.shard) };
      return out;
    }
  }
}

function processBatch(request: ProcessBatchRequest): WorkerResponse | ReturnType<typeof Piscina.move> {
  // Every shard of the request must be held at the epoch before any of them is touched.
  for (const { shard } of request.segments) {
    const held = state.epochOf(shard);
    if (held !== request.epoch) {
      const stale: StaleShardResponse = { type: 'stale', requestId: request.requestId, threadId, shard, heldEpoch: held };
      return stale;
    }
  }
  const findings: Finding[] = [];
  const failures: ProcessBatchResponse['failures'] = [];
  const decodeFailures: ProcessBatchResponse['decodeFailures'] = [];
  let skipped = 0;
  outputs = [];
  const mine = detectorsOf(request.stream);
  const objects = Array.isArray(request.events) ? request.events : null;
  const encoded = objects ? null : decoder.open(request.events as EncodedEvents);
  if (objects && request.stream === 'object_chunk') for (const e of objects) rebuffer(e.event as { content: unknown });
  for (const { shard, from, to } of request.segments) {
    for (let index = from; index < to; index++) {
      let event: StreamEvents[StreamName];
      let meta: EventMeta;
      if (objects) {
        ({ event, meta } = objects[index]!);
      } else {
        meta = encoded!.meta(index);
        try {
          event = encoded!.decode(index) as StreamEvents[StreamName];
        } catch (err) {
          decodeFailures.push({ index, error: serializeError(err) });
          continue;
        }
      }
      for (const { spec, detector } of mine) {
        if (spec.stateful !== false && state.alreadyApplied(shard, spec.name, meta)) {
          skipped++;
          continue;
        }
        state.enter(shard, spec.name, meta);
        try {
          const found = detector.process(event, meta);
          for (let f = 0; f < found.length; f++) findings.push(found[f]!);
        } catch (err) {
          failures.push(encoded ? { index, detector: spec.name, error: serializeError(err), event } : { index, detector: spec.name, error: serializeError(err) });
        } finally {
          state.leave();
        }
      }
    }
  }
  const changes = state.takeChanges();
  const response: ProcessBatchResponse = { type: 'processed', requestId: request.requestId, threadId, findings, outputs, changes, failures, decodeFailures, skipped };
  outputs = [];
  // The changes buffer is transferred to the caller, not copied.
  return transferring(response, [changes.data]);
}

/** The detectors that read a stream, in registry order (computed once per stream). */
function detectorsOf(stream: StreamName): typeof detectors {
  let list = byStream.get(stream);
  if (!list) byStream.set(stream, (list = detectors.filter((d) => d.spec.stream === stream || d.spec.alsoReads?.includes(stream) === true)));
  return list;
}

function maintain(request: MaintainRequest): WorkerResponse | ReturnType<typeof Piscina.move> {
  const held = state.epochOf(request.shard);
  if (held !== request.epoch) {
    const stale: StaleShardResponse = { type: 'stale', requestId: request.requestId, threadId, shard: request.shard, heldEpoch: held };
    return stale;
  }
  const failures: ProcessBatchResponse['failures'] = [];
  for (const { spec, detector } of detectors) {
    if (!detector.maintain || !state.enterMaintenance(spec.name)) continue;
    try {
      detector.maintain();
    } catch (err) {
      failures.push({ index: -1, detector: spec.name, error: serializeError(err) });
    } finally {
      state.leave();
    }
  }
  const changes = state.takeChanges();
  const response: ProcessBatchResponse = { type: 'processed', requestId: request.requestId, threadId, findings: [], outputs: [], changes, failures, decodeFailures: [], skipped: 0 };
  return transferring(response, [changes.data]);
}

/** Structured cloning turns a Buffer into a plain Uint8Array: give chunk content its Buffer view back (no copy). */
function rebuffer(chunk: { content: unknown }): void {
  const c = chunk.content;
  if (c instanceof Uint8Array && !Buffer.isBuffer(c)) chunk.content = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

/** Wraps a response so piscina posts it with a transfer list (piscina's Transferable protocol). */
function transferring(value: WorkerResponse, transferList: ArrayBuffer[]): ReturnType<typeof Piscina.move> {
  const movable = { [Piscina.transferableSymbol]: transferList.filter((b) => b.byteLength > 0), [Piscina.valueSymbol]: value };
  return Piscina.move(movable as unknown as ArrayBuffer);
}
