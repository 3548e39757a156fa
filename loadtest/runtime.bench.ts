import { resolveConfig } from '../services/cli/config.ts';
import { detectorConfig, type EventMeta } from '../services/core/components.ts';
import { MemoryKeyedState } from '../services/core/state.ts';
import { partitionForKey } from '../services/core/partitioner.ts';
import { EventCountDetector, eventCountSpec, type EventCountState } from '../services/detectors/event_count/index.ts';
import { DetectorPool } from '../services/processor/runtime/pool.ts';
import { packState } from '../services/processor/runtime/packed-state.ts';
import { apiActivity } from '../test/fixtures/events/api-activity.ts';

/**
 * `npm run bench -- runtime [--events=N] [--keys=N] [--batch=N]`: events/s through the detector
 * runtime (shard routing to piscina worker threads, state with per-key offsets, changes packed and
 * transferred back) with the stateful event_count detector, at 1 and 2 threads; their ratio; and
 * the per-event overhead versus calling the detector directly in one thread. No Kafka and no sinks:
 * this isolates the runtime's own cost.
 */
export async function runRuntimeBench(args: string[]): Promise<unknown> {
  const arg = (name: string, def: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def);
  const total = arg('events', 400_000);
  const keys = arg('keys', 10_000);
  const batch = arg('batch', 500);
  const shards = 64;
  const config = resolveConfig({ detectors: { sensitive_operation: { enabled: false }, event_count: { enabled: true, every: 1000 } } });
  const events = Array.from({ length: Math.min(total, 50_000) }, (_, i) => {
    const key = `arn:aws:iam::123456789012:user/u${i % keys}`;
    return { event: apiActivity({ principal: key, uid: `e${i}` }), key };
  });
  const at = (i: number) => events[i % events.length]!;

  // Direct: the detector in this thread, on a plain in-memory state.
  const direct = new EventCountDetector(detectorConfig(eventCountSpec, config), { state: new MemoryKeyedState<EventCountState>() });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    const e = at(i);
    const meta: EventMeta = { key: e.key, topic: 't', partition: 0, offset: String(i) };
    direct.process(e.event, meta);
  }
  const directSec = Number(process.hrtime.bigint() - t0) / 1e9;

  const runtime = async (threads: number) => {
    const pool = new DetectorPool({ threads, init: { detectors: config.detectors, stateShards: shards }, maxInFlight: threads * 8 });
    try {
      await Promise.all(Array.from({ length: shards }, (_, s) => pool.restore(s, 1, packState([]))));
      // Pre-group by shard the way the processor does, batch by batch.
      const start = process.hrtime.bigint();
      let changes = 0;
      for (let from = 0; from < total; from += batch * shards) {
        const byShard = new Map<number, Array<{ event: ReturnType<typeof at>['event']; meta: EventMeta }>>();
        for (let i = from; i < Math.min(total, from + batch * shards); i++) {
          const e = at(i);
          const shard = partitionForKey(e.key, shards);
          let list = byShard.get(shard);
          if (!list) byShard.set(shard, (list = []));
          list.push({ event: e.event, meta: { key: e.key, topic: 't', partition: 0, offset: String(i) } });
        }
        const results = await Promise.all([...byShard].map(([shard, list]) => pool.process(shard, 1, 'activity', list)));
        for (const r of results) changes += r.changes.entries.length;
      }
      const sec = Number(process.hrtime.bigint() - start) / 1e9;
      return { threads, events_per_sec: Math.round(total / sec), seconds: +sec.toFixed(2), state_changes: changes };
    } finally {
      await pool.close();
    }
  };
  const one = await runtime(1);
  const two = await runtime(2);
  const directPerEventUs = (directSec * 1e6) / total;
  return {
    bench: 'runtime',
    events: total,
    keys,
    batch_per_shard: batch,
    state_shards: shards,
    direct: { events_per_sec: Math.round(total / directSec), per_event_us: +directPerEventUs.toFixed(3) },
    runtime_1_thread: one,
    runtime_2_threads: two,
    ratio_2_to_1: +(two.events_per_sec / one.events_per_sec).toFixed(2),
    overhead_per_event_us_1_thread: +((1e6 / one.events_per_sec) - directPerEventUs).toFixed(3),
    note: 'The runtime figures include structured-cloning events to the threads and packing state changes back; with 2 cores the machine running this also runs the main thread.',
  };
}
