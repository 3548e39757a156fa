/**
 * Effectively-once for flow_baseline across a kill -9 of the processor, on the runner's Kafka (see
 * fault-harness.ts): findings, application states and the namespace baselines new applications are
 * judged against. The stream is built in phases separated by "caught up" barriers, so that its
 * findings depend only on each application's flows and on its namespace's baseline in its worker
 * thread, not on how the input partitions interleave:
 *   A. established applications of two namespaces learn (each has an endpoint of its own), then
 *      (after a barrier) end their discovery;
 *   B. a reset_baseline (control topic) of some of ns1's applications, then their flows: they
 *      learn again, without their own endpoints;
 *   C. new applications call the namespace's usual peers, the endpoints of the reset applications
 *      and brand-new ones; they are judged against their namespace from their first connection.
 * The processor is killed with -9 while phase C is in flight and restarted. The expected findings,
 * states and namespace baselines come from the detector run in-process over the same flows, one
 * instance per worker thread with the shards the runtime gives it (shard mod workers). A processor
 * that kept the namespace baselines in memory as they were folded (the design before) reports the
 * reset applications' endpoints only after the restart, and fails this comparison.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { SCHEMA_NAMES } from '../../services/core/events.ts';
import { partitionForKey } from '../../services/core/partitioner.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { FlowBaselineConfig, FlowBaselineDetector, type FlowBaselineState } from '../../services/detectors/flow_baseline/index.ts';
import { RULES } from '../../services/detectors/flow_baseline/findings.ts';
import { externalEnd, flow, keyOf, workloadEnd, type KeyedFlow, type WorkloadSpec } from '../../services/detectors/flow_baseline/tests/helpers/flows.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { changelogValues, client, faultRun, faultTopics, PARTITIONS, startProcessor, stopProcessor, storedFindingIds, waitCaughtUp, withFaultCluster, type FaultRun, type ProcessorChild } from './fault-harness.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const NAMESPACES = ['ns0', 'ns1'];
const ESTABLISHED = 8; // per namespace
const RESET = 3; // ns1's app0..app2 are reset in phase B
const NEW_APPS = 6; // per namespace, in phase C
const FB = {
  enabled: true,
  mode: 'monitor',
  discovery: { maxMs: 30 * MIN, stableMs: 0, minMs: 0 },
  burst: { windowMs: 5 * MIN, maxFindings: 50 },
};
const RESET_TIME = T0 + 60 * MIN;

const app = (ns: string, name: string): WorkloadSpec => ({ cluster: 'c1', namespace: ns, name, app: name, labels: { app: name } });
/** The endpoint only one established application calls (external peers are named by their /24). */
const ownEndpoint = (ns: string, i: number) => externalEnd(`203.${10 + NAMESPACES.indexOf(ns)}.${i}.5`, 443);
/** The endpoint every application of the namespace calls. */
const usual = (ns: string) => externalEnd(`198.51.${100 + NAMESPACES.indexOf(ns)}.7`, 443);
let uid = 0;
const call = (w: WorkloadSpec, to: ReturnType<typeof externalEnd>, time: number): KeyedFlow => ({
  key: keyOf(w),
  event: flow(workloadEnd(w, 40000 + (uid % 20000)), to, { time, uid: `fb-${uid++}` }),
});

/**
 * The phases' flows (time order within a phase). Phase A is in two steps with a barrier between:
 * every established application learns before any ends its discovery (else one still learning
 * would be judged against those that ended theirs, in whatever order the partitions come).
 */
function plan(): { a: KeyedFlow[][]; b: KeyedFlow[]; c: KeyedFlow[][] } {
  const a: KeyedFlow[][] = [[], []];
  for (const ns of NAMESPACES) {
    for (let i = 0; i < ESTABLISHED; i++) {
      const w = app(ns, `app${i}`);
      // Learn: the usual endpoint and its own, then one more flow after discovery's 30 min ends it.
      a[0]!.push(call(w, usual(ns), T0 + i * 1000), call(w, ownEndpoint(ns, i), T0 + MIN + i * 1000));
      a[1]!.push(call(w, usual(ns), T0 + 31 * MIN + i * 1000));
    }
  }
  const b: KeyedFlow[] = [];
  for (let i = 0; i < RESET; i++) {
    const w = app('ns1', `app${i}`);
    // After the reset they learn again: the usual endpoint only (their own is gone from their baseline).
    b.push(call(w, usual('ns1'), RESET_TIME + MIN + i * 1000));
  }
  const c: KeyedFlow[][] = [[], [], []];
  for (const ns of NAMESPACES) {
    for (let n = 0; n < NEW_APPS; n++) {
      const w = app(ns, `new${n}`);
      const base = T0 + 120 * MIN + n * 1000;
      c[0]!.push(call(w, usual(ns), base));
      // The endpoints of established applications: silent for one that still counts it, new for a reset one.
      c[1]!.push(call(w, ownEndpoint(ns, n % RESET), base + MIN), call(w, ownEndpoint(ns, RESET + (n % (ESTABLISHED - RESET))), base + 2 * MIN));
      c[2]!.push(call(w, externalEnd(`198.18.${n}.1`, 8443), base + 3 * MIN));
    }
  }
  for (const list of [...a, b, ...c]) list.sort((x, y) => x.event.time - y.event.time);
  return { a, b, c };
}

const CONTROL = { detector: 'flow_baseline', type: 'reset_baseline', scope: { namespace: 'ns1', workload: 'app0' }, time: RESET_TIME };
const controls = () => Array.from({ length: RESET }, (_, i) => ({ ...CONTROL, scope: { namespace: 'ns1', workload: `app${i}` } }));

/** flow_baseline as the processor's worker threads run it: one instance per thread, holding shards shard mod workers. */
function threads(run: FaultRun, states?: ReadonlyMap<string, unknown>) {
  const { stateShards, workers } = run.config.processor;
  const shardOf = (key: string): number => partitionForKey(key, stateShards);
  const detectors = Array.from({ length: workers }, () => {
    const state = new MemoryKeyedState<FlowBaselineState>();
    return { state, d: new FlowBaselineDetector(FlowBaselineConfig.parse(FB), { state, emit: () => {}, shardOf }) };
  });
  const of = (key: string) => detectors[shardOf(key) % workers]!;
  if (states) {
    for (const [k, v] of states) of(k).state.set(k, v as FlowBaselineState);
    for (const t of detectors) t.d.restored();
  }
  return { detectors, of, baselines: () => detectors.map((t) => t.d.namespaceBaselines()) };
}

function reference(run: FaultRun, phases: ReturnType<typeof plan>) {
  const t = threads(run);
  const ids = new Set<string>();
  const rules: string[] = [];
  const feed = (flows: readonly KeyedFlow[]) => {
    for (const [i, f] of flows.entries()) {
      for (const x of t.of(f.key).d.process(f.event, { key: f.key, topic: run.config.topics.flow, partition: partitionForKey(f.key, PARTITIONS), offset: String(i) })) {
        ids.add(x.id);
        rules.push(x.rule);
      }
    }
  };
  for (const a of phases.a) feed(a);
  for (const { d } of t.detectors) d.control(controls());
  feed(phases.b);
  for (const c of phases.c) feed(c);
  const states = new Map<string, unknown>();
  for (const { state } of t.detectors) for (const k of state.keys()) states.set(k, JSON.parse(JSON.stringify(state.get(k))));
  return { ids, rules, states, baselines: t.baselines() };
}

test('flow_baseline: kill -9 of the processor mid-stream, then a restart: the findings, application states and namespace baselines of an undisturbed run', async () => {
  const services = testServicesFromEnv();
  const names = faultTopics('fbkill', {
    detectors: { sensitive_operation: { enabled: false }, signatures: { enabled: false }, posture: { enabled: false }, config_drift: { enabled: false }, vulns: { enabled: false }, event_count: { enabled: false }, flow_baseline: FB },
  });
  const id = (names.input.app as string).slice(1);
  const topics = names.input.topics as Record<string, string>;
  topics.flow = `fault.${id}.flow`;
  topics.control = `fault.${id}.control`;
  names.topics.push(
    { name: topics.flow, partitions: PARTITIONS },
    { name: topics.control, partitions: 1 },
    { name: changelogTopic(names.input.app as string, 'flow_baseline'), partitions: PARTITIONS, compact: true },
  );
  await withFaultCluster(names.topics, async (cluster) => {
    process.stdout.write(`fbkill: on ${cluster.description}\n`);
    const run = faultRun(names, cluster.brokers, services.clickhouseUrl, cluster.idempotent);
    const phases = plan();
    const want = reference(run, phases);
    // Check the design, not the processor: new applications are judged, and at least one calls the
    // endpoint of a reset application its thread holds (reported now; silent for a processor that
    // still counted the reset application's old edges, until it restarts).
    const judged = want.rules.filter((r) => r === RULES.newApplicationEdge).length;
    assert.ok(judged >= NAMESPACES.length * NEW_APPS, `every new application's brand-new endpoint is judged (got ${judged})`);
    const { stateShards, workers } = run.config.processor;
    const thread = (w: WorkloadSpec) => (partitionForKey(keyOf(w), stateShards) % workers);
    const sharing = Array.from({ length: NEW_APPS }, (_, n) => n).filter((n) => thread(app('ns1', `new${n}`)) === thread(app('ns1', `app${n % RESET}`)));
    assert.ok(sharing.length > 0, 'a new application of ns1 calls the endpoint of a reset application on its own thread');

    const c = await client(run);
    const producer = await c.transport.producer();
    const codec = new AvroCodec(new LocalSchemaRegistry());
    const send = async (flows: readonly KeyedFlow[]) => {
      const messages = await Promise.all(flows.map(async (f) => ({ key: f.key, value: await codec.encode(run.config.topics.flow, SCHEMA_NAMES.networkActivity, f.event) })));
      for (let i = 0; i < messages.length; i += 500) await producer.send(run.config.topics.flow, messages.slice(i, i + 500));
    };
    // waitCaughtUp watches the activity topic: here the input is the flow topic.
    const flowRun: FaultRun = { ...run, config: { ...run.config, topics: { ...run.config.topics, activity: run.config.topics.flow } } };
    const caughtUp = (children: readonly ProcessorChild[]) => waitCaughtUp(c.transport, flowRun, children);
    const children: ProcessorChild[] = [];
    try {
      children.push(startProcessor(run));
      await send(phases.a[0]!);
      await caughtUp(children.slice(-1));
      await send(phases.a[1]!);
      await caughtUp(children.slice(-1));
      await producer.send(run.config.topics.control, controls().map((m) => ({ key: `${m.scope.namespace}/${m.scope.workload}`, value: Buffer.from(JSON.stringify(m)) })));
      await sleep(3000); // the processor reads the control topic and hands it to its threads
      await send(phases.b);
      await caughtUp(children.slice(-1));
      await send(phases.c[0]!);
      await send(phases.c[1]!);
      await sleep(250); // batches of phase C in flight (decoded, detected, partly written) when it dies
      const committed = [...(await c.transport.committedOffsets(run.config.processor.groupId, run.config.topics.flow)).values()].reduce((x, y) => x + y, 0n);
      await stopProcessor(children.at(-1)!, 'SIGKILL');
      process.stdout.write(`fbkill: killed with ${committed} flows committed of ${[...phases.a, phases.b, phases.c[0]!, phases.c[1]!].reduce((n, l) => n + l.length, 0)}\n`);
      children.push(startProcessor(run));
      await send(phases.c[2]!);
      await caughtUp(children.slice(-1));

      const found = await storedFindingIds(run, 'flow_baseline');
      assert.equal(found.rows, found.ids.size, 'one row per finding under FINAL');
      assert.deepEqual(found.ids, want.ids, 'the flow_baseline findings of an undisturbed run: none lost, none extra');
      const states = await changelogValues(c.transport, run, 'flow_baseline');
      assert.equal(states.size, want.states.size, 'one state per application');
      for (const [key, st] of want.states) assert.deepEqual(states.get(key), st, `state of ${key}`);
      // The baselines the restarted processor judges with are rebuilt from exactly these states.
      assert.deepEqual(threads(run, states).baselines(), want.baselines, 'the namespace baselines (per thread) of an undisturbed run');
      assert.match(children.at(-1)!.tail(), /detector state restored/, 'the restarted processor restored its state');
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await producer.close();
      await c.close();
    }
  });
});
