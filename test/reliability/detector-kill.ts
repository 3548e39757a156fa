/**
 * A kill -9 comparison for any changelogged detector (issue #23), in the shape of
 * flow-baseline.int.test.ts: the input is sent in waves to the detector's own topics, with a
 * "caught up" barrier after each wave; the `sluice processor` child is killed with SIGKILL while one
 * wave is in flight (decoded, detected, partly written) and started again. The expected findings,
 * side outputs and states come from the detector itself run in-process over the same records,
 * Avro-decoded as the processor reads them, one instance per worker thread holding the shards the
 * runtime gives it (shard mod workers). Compared after the restart:
 *   - the detector's findings in ClickHouse under FINAL: the ids of the undisturbed run, one row each;
 *   - its changelog (latest value per key, tombstones left out): the states of the undisturbed run;
 *   - its side outputs (actions, enforcement, rescan topics): every id of the undisturbed run, and no
 *     other (copies of one id are allowed: those topics are at-least-once, keyed by id).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '../../services/core/clock.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import type { DetectorSpec, SideOutput } from '../../services/core/components.ts';
import { partitionForKey } from '../../services/core/partitioner.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { STREAMS, type StreamEvents, type StreamName } from '../../services/core/streams.ts';
import { isCaughtUp } from '../../services/core/transport.ts';
import { DETECTOR_SPECS, type DetectorName } from '../../services/detectors/registry.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { changelogValues, client, faultRun, faultTopics, PARTITIONS, startProcessor, stopProcessor, storedFindingIds, withFaultCluster, type FaultRun, type ProcessorChild } from './fault-harness.ts';

/** One input record: the stream it goes to, its key, and the normalized event. */
export interface KeyedInput {
  stream: StreamName;
  key: string;
  event: unknown;
}

export interface KillPlan {
  /** Short label: topic and group names, and the test output. */
  label: string;
  detector: DetectorName;
  /** The detector's config (`detectors.<detector>`). */
  config: Record<string, unknown>;
  /** The input in waves; the processor has caught up with wave n before wave n + 1 is sent, but for killInWave. */
  waves: KeyedInput[][];
  /** The wave in flight when the processor is killed (0-based); the remaining waves go to the restarted one. */
  killInWave: number;
  /** The kill comes once part of killInWave is committed, or this many milliseconds after sending it (default 3000). */
  killAfterMs?: number;
  /** The side-output streams the detector writes (their topics are the run's own). */
  sideOutputs?: ReadonlyArray<SideOutput['stream']>;
  /** Clock of the in-process reference (the processor uses the system clock). */
  clock?: Clock;
  /** Compares one key's state from the changelog with the reference's (default: deepEqual). */
  compareState?: (key: string, got: unknown, want: unknown) => void;
}

export interface KillResult {
  findings: number;
  states: number;
  sideOutputs: number;
  /** Input records committed when the processor was killed, of those sent. */
  committedAtKill: bigint;
  sentAtKill: number;
}

const SIDE_TOPIC = { actions: 'actions', enforcement: 'enforcement', rescan: 'rescan' } as const;

function specOf(name: DetectorName): DetectorSpec {
  const spec = (DETECTOR_SPECS as readonly DetectorSpec[]).find((s) => s.name === name);
  if (!spec) throw new Error(`no detector ${name}`);
  return spec;
}

/** An input record with its topic and Avro value, as produced. */
export type EncodedInput = KeyedInput & { topic: string; value: Buffer };

/**
 * The detector as the processor's worker threads run it, over the records of its streams as the
 * processor decodes them (in wave order; per key, the order Kafka keeps).
 */
export async function reference(run: FaultRun, plan: Pick<KillPlan, 'detector' | 'clock'>, encoded: EncodedInput[][]) {
  const spec = specOf(plan.detector);
  const streams = new Set<string>([spec.stream, ...(spec.alsoReads ?? [])]);
  await spec.load?.();
  const { stateShards, workers } = run.config.processor;
  const shardOf = (key: string): number => partitionForKey(key, stateShards);
  const emitted: SideOutput[] = [];
  const threads = Array.from({ length: workers }, () => {
    const state = new MemoryKeyedState<unknown>();
    const detector = spec.create(run.config.detectors[plan.detector], { clock: plan.clock ?? systemClock, state, emit: (o) => emitted.push(o), shardOf });
    return { state, detector };
  });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const ids = new Set<string>();
  const about = new Map<string, string>();
  let offset = 0;
  for (const wave of encoded) {
    for (const r of wave) {
      if (!streams.has(r.stream)) continue;
      const { value } = await codec.decode<StreamEvents[StreamName]>(r.value);
      const t = threads[shardOf(r.key) % workers]!;
      for (const f of t.detector.process(value, { key: r.key, topic: r.topic, partition: partitionForKey(r.key, PARTITIONS), offset: String(offset++) })) {
        ids.add(f.id);
        about.set(f.id, `${f.rule} (wave ${encoded.indexOf(wave)}, key ${r.key})`);
      }
    }
  }
  const states = new Map<string, unknown>();
  for (const { state } of threads) for (const k of state.keys()) states.set(k, JSON.parse(JSON.stringify(state.get(k))) as unknown);
  return { ids, states, emitted, about };
}

/** Runs the plan on the fault cluster (see fault-harness.ts) and asserts the comparison; returns the figures. */
export async function killAndCompare(plan: KillPlan): Promise<KillResult> {
  const services = testServicesFromEnv();
  const streams = [...new Set(plan.waves.flat().map((r) => r.stream))];
  const off = Object.fromEntries(DETECTOR_SPECS.filter((s) => s.name !== plan.detector).map((s) => [s.name, { enabled: false }]));
  const names = faultTopics(plan.label, { detectors: { ...off, [plan.detector]: { ...plan.config, enabled: true } } });
  const app = names.input.app as string;
  const id = app.slice(1);
  const topics = names.input.topics as Record<string, string>;
  for (const s of streams) {
    const key = STREAMS[s].topic;
    if (key !== 'activity') {
      topics[key] = `fault.${id}.${key}`;
      names.topics.push({ name: topics[key]!, partitions: PARTITIONS });
    }
  }
  topics.control = `fault.${id}.control`;
  names.topics.push({ name: topics.control, partitions: 1, compact: true });
  for (const s of plan.sideOutputs ?? []) {
    topics[SIDE_TOPIC[s]] = `fault.${id}.${s}`;
    names.topics.push({ name: topics[SIDE_TOPIC[s]]!, partitions: 3 });
  }
  // faultTopics made event_count's changelog: this detector's instead.
  names.topics = names.topics.filter((t) => !t.compact || t.name === topics.control);
  names.topics.push({ name: changelogTopic(app, plan.detector), partitions: PARTITIONS, compact: true });
  let result!: KillResult;
  await withFaultCluster(names.topics, async (cluster) => {
    process.stdout.write(`${plan.label}: on ${cluster.description}\n`);
    const run = faultRun(names, cluster.brokers, services.clickhouseUrl, cluster.idempotent);
    const codec = new AvroCodec(new LocalSchemaRegistry());
    const topicOf = (s: StreamName) => run.config.topics[STREAMS[s].topic];
    const encoded = await Promise.all(
      plan.waves.map((wave) => Promise.all(wave.map(async (r) => ({ ...r, topic: topicOf(r.stream), value: await codec.encode(topicOf(r.stream), STREAMS[r.stream].schema, r.event) })))),
    );
    const want = await reference(run, plan, encoded);
    const c = await client(run);
    const producer = await c.transport.producer();
    const inputTopics = streams.map(topicOf);
    const caughtUp = async (child: ProcessorChild) => {
      const deadline = Date.now() + 180_000;
      for (const topic of inputTopics) {
        while (!(await isCaughtUp(c.transport, run.config.processor.groupId, topic).catch(() => false))) {
          if (child.gone() || /^sluice: SLUICE_ERR_/m.test(child.tail())) throw new Error(`processor exited before catching up:\n${child.tail()}`);
          if (Date.now() > deadline) throw new Error(`not caught up on ${topic}:\n${child.tail()}`);
          await sleep(300);
        }
      }
    };
    const send = async (wave: (typeof encoded)[number]) => {
      for (const topic of inputTopics) {
        const messages = wave.filter((r) => r.topic === topic).map((r) => ({ key: r.key, value: r.value }));
        for (let i = 0; i < messages.length; i += 500) await producer.send(topic, messages.slice(i, i + 500));
      }
    };
    const children: ProcessorChild[] = [startProcessor(run)];
    try {
      await children[0]!.ready;
      let committedAtKill = 0n;
      let sentAtKill = 0;
      for (const [w, wave] of encoded.entries()) {
        await send(wave);
        // SLUICE_TEST_KILL=0: the same run undisturbed (to tell a harness mismatch from a fault's).
        if (w === plan.killInWave && process.env.SLUICE_TEST_KILL !== '0') {
          // Killed as soon as the processor has committed part of this wave (so part of it is
          // done, part in flight), or after killAfterMs at the latest.
          const before = BigInt(encoded.slice(0, w).reduce((n, l) => n + l.length, 0));
          const committed = async () => {
            let n = 0n;
            for (const topic of inputTopics) n += [...(await c.transport.committedOffsets(run.config.processor.groupId, topic)).values()].reduce((x, y) => x + y, 0n);
            return n;
          };
          const deadline = Date.now() + (plan.killAfterMs ?? 3000);
          while (Date.now() < deadline && (await committed()) <= before) await sleep(10);
          await stopProcessor(children.at(-1)!, 'SIGKILL');
          committedAtKill = await committed();
          sentAtKill = encoded.slice(0, w + 1).reduce((n, l) => n + l.length, 0);
          process.stdout.write(`${plan.label}: killed with ${committedAtKill} records committed of ${sentAtKill} sent\n`);
          assert.ok(committedAtKill < BigInt(sentAtKill), 'the processor was killed with part of the wave not committed');
          children.push(startProcessor(run));
        }
        await caughtUp(children.at(-1)!);
      }
      const found = await storedFindingIds(run, plan.detector);
      assert.equal(found.rows, found.ids.size, 'one row per finding under FINAL');
      const lost = [...want.ids].filter((x) => !found.ids.has(x));
      const extra = [...found.ids].filter((x) => !want.ids.has(x));
      assert.ok(lost.length + extra.length === 0, `the ${plan.detector} findings of an undisturbed run: ${lost.length} lost (${lost.slice(0, 5).map((x) => want.about.get(x)).join('; ')}), ${extra.length} extra (${extra.slice(0, 5).join(', ')})`);
      const states = await changelogValues(c.transport, run, plan.detector);
      assert.deepEqual([...states.keys()].sort(), [...want.states.keys()].sort(), 'a state for the same keys');
      for (const [key, st] of want.states) (plan.compareState ?? ((k, g, x) => assert.deepEqual(g, x, `state of ${k}`)))(key, states.get(key), st);
      let sideOutputs = 0;
      for (const s of plan.sideOutputs ?? []) {
        const topic = run.config.topics[SIDE_TOPIC[s]];
        const gotIds = new Set<string>();
        await c.transport.readPartitions(topic, [0, 1, 2], (messages) => {
          for (const m of messages) gotIds.add((JSON.parse(m.value.toString()) as { id: string }).id);
        });
        const wantIds = new Set(want.emitted.filter((o) => o.stream === s).map((o) => o.value.id));
        assert.deepEqual(gotIds, wantIds, `the ${s} ids of an undisturbed run (copies allowed)`);
        sideOutputs += wantIds.size;
      }
      if (children.length > 1) assert.match(children.at(-1)!.tail(), /detector state restored/, 'the restarted processor restored its state');
      result = { findings: want.ids.size, states: want.states.size, sideOutputs, committedAtKill, sentAtKill };
      process.stdout.write(`${plan.label}: ${want.ids.size} findings, ${want.states.size} states, ${sideOutputs} side-output ids as undisturbed\n`);
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await producer.close();
      await c.close();
    }
  });
  return result;
}
