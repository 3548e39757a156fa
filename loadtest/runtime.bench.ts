import { availableParallelism } from 'node:os';
import { resolveConfig } from '../services/cli/config.ts';
import { detectorConfig, type EventMeta } from '../services/core/components.ts';
import { MemoryKeyedState } from '../services/core/state.ts';
import { partitionForKey } from '../services/core/partitioner.ts';
import { AvroCodec } from '../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../services/core/avro/registry.ts';
import { STREAMS } from '../services/core/streams.ts';
import type { ApiActivity } from '../services/core/events.ts';
import { EventCountDetector, eventCountSpec, type EventCountState } from '../services/detectors/event_count/index.ts';
import { DETECTOR_SPECS } from '../services/detectors/registry.ts';
import { DetectorPool, type BatchInput } from '../services/processor/runtime/pool.ts';
import { packState } from '../services/processor/runtime/packed-state.ts';
import { EventDecoder, encodeEvents, schemaText, type EncodedRecord, type EncodedSchemas } from '../services/processor/runtime/encoded-events.ts';
import { apiActivity } from '../test/fixtures/events/api-activity.ts';

/** Every detector off but `name`. */
function onlyDetector(name: string): Record<string, { enabled: boolean }> {
  return Object.fromEntries(DETECTOR_SPECS.map((s) => [s.name, { enabled: s.name === name }]));
}

const MODES = ['per_shard_objects', 'coalesced_objects', 'coalesced_avro'] as const;
type Mode = (typeof MODES)[number];

/**
 * `npm run bench -- runtime [--events=N] [--keys=N] [--batch=N] [--max-request=N] [--in-flight=N] [--mode=M,…] [--threads=1,2]`:
 * events/s through the detector runtime (shard routing to piscina worker threads, state with
 * per-key offsets, changes packed and transferred back) with the stateful event_count detector
 * alone, at 1 and 2 threads; their ratio; and the per-event overhead versus doing the same work
 * directly in one thread. No Kafka and no sinks: this isolates the runtime's own cost. Modes:
 * - per_shard_objects: one request per shard, decoded event objects structured-cloned to the
 *   threads, each shard's events in chunks of `max-request` (DetectorPool.process, what
 *   ProcessorService.detect called before processBatch);
 * - coalesced_objects: DetectorPool.processBatch, one thread's shards together in a few requests
 *   (request-plan.ts) of at most `max-request` events, still as cloned objects (what
 *   ProcessorService.detect calls);
 * - coalesced_avro: DetectorPool.processBatch with the records' framed Avro payloads packed into
 *   one transferred buffer per request and decoded in the threads. Its direct run decodes too
 *   (same decoder), since a processor must decode every record somewhere.
 */
export async function runRuntimeBench(args: string[]): Promise<unknown> {
  const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const arg = (name: string, def: number) => Number(opt(name) ?? def);
  const total = arg('events', 400_000);
  const keys = arg('keys', 10_000);
  const batch = arg('batch', 500);
  // Events per worker request at most: processor.maxBatchSize, whose default is 1000.
  const maxRequest = arg('max-request', 1000);
  // Rounds submitted before the oldest is answered (coalesced modes); 1 = one round at a time.
  const roundsInFlight = Math.max(1, arg('in-flight', 1));
  const modes = (opt('mode')?.split(',') ?? MODES) as Mode[];
  const threadCounts = (opt('threads') ?? '1,2').split(',').map(Number);
  const shards = 64;
  // event_count alone, in the threads as in the direct run: the default detectors (signatures,
  // posture, config_drift, vulns) would otherwise run in the threads only and count as overhead.
  const config = resolveConfig({ detectors: { ...onlyDetector('event_count'), event_count: { enabled: true, every: 1000 } } });
  const distinct = Math.min(total, 50_000);
  const events = Array.from({ length: distinct }, (_, i) => {
    const key = `arn:aws:iam::123456789012:user/u${i % keys}`;
    return { event: apiActivity({ principal: key, uid: `e${i}` }), key };
  });
  const at = (i: number) => events[i % events.length]!;
  const meta = (i: number): EventMeta => ({ key: at(i).key, topic: 't', partition: 0, offset: String(i) });

  // The same events as the processor receives them from Kafka: Confluent-framed Avro.
  const registry = new LocalSchemaRegistry();
  const codec = new AvroCodec(registry);
  const schemaName = STREAMS.activity.schema;
  const payloads = await Promise.all(events.map((e) => codec.encode('t', schemaName, e.event)));
  const id = await registry.idFor('t', schemaName);
  const schemas: EncodedSchemas = { writers: new Map([[id, schemaText(await registry.typeForId(id))]]), reader: schemaText(registry.typeForName(schemaName)) };

  // Direct: the detector in this thread, on a plain in-memory state; for avro, decoding first.
  const direct = (decode: boolean) => {
    const detector = new EventCountDetector(detectorConfig(eventCountSpec, config), { state: new MemoryKeyedState<EventCountState>() });
    const records: EncodedRecord[] = Array.from({ length: Math.min(total, 1000) }, (_, i) => ({ payload: payloads[i % distinct]!, meta: meta(i) }));
    const reader = decode ? new EventDecoder().open(encodeEvents(records, records.map((_, i) => i), schemas).events) : null;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < total; i++) {
      const m: EventMeta = { key: at(i).key, topic: 't', partition: 0, offset: String(i) };
      detector.process(reader ? (reader.decode(i % records.length) as ApiActivity) : at(i).event, m);
    }
    const us = Number(process.hrtime.bigint() - t0) / 1e3 / total;
    return { events_per_sec: Math.round(1e6 / us), per_event_us: +us.toFixed(3) };
  };

  const runtime = async (mode: Mode, threads: number) => {
    const pool = new DetectorPool({ threads, init: { detectors: config.detectors, stateShards: shards }, maxInFlight: threads * 8 });
    try {
      await Promise.all(Array.from({ length: shards }, (_, s) => pool.restore(s, 1, packState([]))));
      const start = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      let changes = 0;
      const rounds: Array<Promise<void>> = [];
      // Rounds of `batch` events per shard, as a processor's batches arrive.
      for (let from = 0; from < total; from += batch * shards) {
        const to = Math.min(total, from + batch * shards);
        if (mode === 'per_shard_objects') {
          const byShard = new Map<number, Array<{ event: ApiActivity; meta: EventMeta }>>();
          for (let i = from; i < to; i++) {
            const m = meta(i);
            const shard = partitionForKey(m.key, shards);
            let list = byShard.get(shard);
            if (!list) byShard.set(shard, (list = []));
            list.push({ event: at(i).event, meta: m });
          }
          // As ProcessorService.detect did before processBatch: per shard, chunks of maxRequest one after another.
          await Promise.all(
            [...byShard].map(async ([shard, list]) => {
              for (let k = 0; k < list.length; k += maxRequest) {
                const r = await pool.process(shard, 1, 'activity', list.slice(k, k + maxRequest));
                changes += r.changes.entries.length;
              }
            }),
          );
        } else {
          const input: BatchInput =
            mode === 'coalesced_objects'
              ? { kind: 'objects', events: Array.from({ length: to - from }, (_, k) => ({ event: at(from + k).event, meta: meta(from + k) })) }
              : { kind: 'avro', records: Array.from({ length: to - from }, (_, k) => ({ payload: payloads[(from + k) % distinct]!, meta: meta(from + k) })), schemas };
          const round = pool.processBatch(1, 'activity', input, maxRequest).then((outcome) => {
            if (outcome.failures.length + outcome.decodeFailures.length > 0) throw new Error(`runtime bench: ${outcome.failures.length + outcome.decodeFailures.length} events failed`);
            for (const c of outcome.changes) changes += c.entries.length;
          });
          round.catch(() => undefined); // awaited below
          rounds.push(round);
          // Up to `in-flight` rounds at once, as a processor's concurrent partitions overlap (each
          // thread runs its requests in submission order, so every shard's events keep their order).
          if (rounds.length >= roundsInFlight) await rounds.shift();
        }
      }
      await Promise.all(rounds);
      const sec = Number(process.hrtime.bigint() - start) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      // CPU of every thread of the process (main and workers) per event: what the load of other
      // processes on the machine changes least.
      const cpuUs = (cpu.user + cpu.system) / total;
      return { threads, events_per_sec: Math.round(total / sec), seconds: +sec.toFixed(2), cpu_us_per_event: +cpuUs.toFixed(2), state_changes: changes };
    } finally {
      await pool.close();
    }
  };

  const directObjects = direct(false);
  const directAvro = direct(true);
  const results: Record<string, unknown> = {};
  for (const mode of modes) {
    const base = mode === 'coalesced_avro' ? directAvro : directObjects;
    const runs = [];
    for (const t of threadCounts) runs.push(await runtime(mode, t));
    const one = runs.find((r) => r.threads === 1);
    const two = runs.find((r) => r.threads === 2);
    results[mode] = {
      ...Object.fromEntries(runs.map((r) => [`threads_${r.threads}`, r])),
      ...(one && two ? { ratio_2_to_1: +(two.events_per_sec / one.events_per_sec).toFixed(2) } : {}),
      ...(one ? { overhead_per_event_us_1_thread: +(1e6 / one.events_per_sec - base.per_event_us).toFixed(3), cpu_overhead_per_event_us: +(one.cpu_us_per_event - base.per_event_us).toFixed(2) } : {}),
      ...(one ? ratioCeiling(one) : {}),
    };
  }
  return {
    bench: 'runtime',
    events: total,
    keys,
    batch_per_shard: batch,
    max_request: maxRequest,
    rounds_in_flight: roundsInFlight,
    state_shards: shards,
    detectors: ['event_count'],
    direct: { objects: directObjects, avro_decode_and_detect: directAvro },
    ...results,
    cores: availableParallelism(),
    note: 'overhead_per_event_us_1_thread = 1 / (events/s at 1 thread) - the direct per-event time of the same work (avro: decode + detect); the main thread runs beside the one worker on the other core. cpu_overhead_per_event_us = CPU time of all threads per event at 1 thread - that direct time. cores_busy_1_thread = CPU seconds of all threads per wall second at 1 thread; ratio_2_to_1_ceiling = min(2, cores) / cores_busy_1_thread, the most 2 threads can gain on this machine when the CPU per event stays the same (the main thread\'s share runs on the same cores).',
  };
}


/**
 * How busy the 1-thread run keeps the machine's cores, and the 2-to-1 ratio that leaves room for:
 * with the same CPU per event, 2 threads cannot run faster than min(2, cores) busy cores allow.
 */
function ratioCeiling(one: { events_per_sec: number; cpu_us_per_event: number }): { cores_busy_1_thread: number; ratio_2_to_1_ceiling: number } {
  const busy = (one.events_per_sec * one.cpu_us_per_event) / 1e6;
  return { cores_busy_1_thread: +busy.toFixed(2), ratio_2_to_1_ceiling: +(Math.min(2, availableParallelism()) / busy).toFixed(2) };
}
