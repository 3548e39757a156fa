/**
 * Effectively-once for principal_anomaly across a kill -9 of the processor, on the runner's Kafka
 * (the local Apache Kafka when it is real Kafka, else a librdkafka mock; see fault-harness.ts), with
 * event_count beside it (two changelogged detectors). The stream is built so that its findings do
 * not depend on how the input partitions interleave, only on each principal's events and on the
 * account population of its state shard: newcomers (still learning, so scored against the
 * population alone) in chains of three that share one rare region in the same input partition
 * and state shard. The first of a chain is reported (region new to the account + a network of its
 * own); the second is not when the first one's use is counted exactly once (one other user: 0.8 +
 * 1.0 < 2), and would be if the population lost it; counted twice, its pending deviation would
 * differ in its state. The expected findings, principal states and populations come from the
 * detector run in-process over the same events, one instance per worker thread with the shards the
 * runtime gives that thread (shard mod workers); the processor is killed mid-stream while batches
 * are in flight, restarted, and must end with exactly those.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import type { ApiActivity } from '../../services/core/events.ts';
import { SCHEMA_NAMES } from '../../services/core/events.ts';
import { findingId } from '../../services/core/finding-id.ts';
import { partitionForKey } from '../../services/core/partitioner.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { PrincipalAnomalyConfig, PrincipalAnomalyDetector, type PrincipalState } from '../../services/detectors/principal_anomaly/index.ts';
import { event } from '../../services/detectors/principal_anomaly/test-support.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { testServicesFromEnv } from '../support/services.ts';
import { changelogValues, client, EVERY, faultRun, faultTopics, PARTITIONS, startProcessor, stopProcessor, storedFindingIds, waitCaughtUp, withFaultCluster, type FaultRun, type ProcessorChild } from './fault-harness.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5); // a Monday
const ACCOUNTS = ['111111111111', '222222222222'];
const ESTABLISHED = 60; // per account
const CHAINS = 8;
const WAVES = 10;
const WARM_WAVES = 4;
const KILL_AFTER_WAVE = 6;
const PA = {
  enabled: true,
  learning: { minEvents: 20, minDays: 2 },
  population: { minEvents: 40, minPrincipals: 3 },
};

interface Planned {
  event: ApiActivity;
}

const COMMON = (acct: string) => ({
  account: acct,
  service: 's3.amazonaws.com',
  operation: 'GetObject',
  region: acct === ACCOUNTS[0] ? 'us-east-1' : 'eu-west-1',
  ip: acct === ACCOUNTS[0] ? '10.1.1.10' : '10.2.2.20',
  ua: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0',
});

/**
 * The whole stream, per wave: every established principal calls GetObject every 3 hours (event
 * time), always with its account's values; after the warm-up waves, chains of newcomers appear
 * (member m of chain c in wave WARM_WAVES + 1 + c % 3 + m: two ordinary calls, then one from the
 * chain's rare region and a network of its own).
 */
function plan(stateShards: number): { waves: Planned[][]; chains: string[][] } {
  const waves: Planned[][] = Array.from({ length: WAVES }, () => []);
  const user = (acct: string, name: string) => `arn:aws:iam::${acct}:user/${name}`;
  let uid = 0;
  const established = ACCOUNTS.flatMap((acct) => Array.from({ length: ESTABLISHED }, (_, i) => ({ acct, key: user(acct, `pa-${i}`) })));
  // Scopes (account, shard) with at least 4 established principals: their populations get warm.
  const perScope = new Map<string, number>();
  for (const p of established) {
    const s = `${p.acct}/${partitionForKey(p.key, stateShards)}`;
    perScope.set(s, (perScope.get(s) ?? 0) + 1);
  }
  for (let w = 0; w < WAVES; w++) {
    for (let slot = 0; slot < 6; slot++) {
      const time = T0 + (w * 6 + slot) * 3 * HOUR;
      for (const p of established) waves[w]!.push({ event: event({ ...COMMON(p.acct), principal: p.key, time, uid: `pa-${uid++}` }) });
    }
  }
  // Chains: three newcomers of one account in the same input partition and state shard.
  const chains: string[][] = [];
  const byCell = new Map<string, string[]>();
  for (let i = 0; chains.length < CHAINS && i < 100_000; i++) {
    const acct = ACCOUNTS[i % 2]!;
    const key = user(acct, `newcomer-${i}`);
    const shard = partitionForKey(key, stateShards);
    if ((perScope.get(`${acct}/${shard}`) ?? 0) < 4) continue;
    const cell = `${acct}/${shard}/${partitionForKey(key, PARTITIONS)}`;
    const list = byCell.get(cell) ?? [];
    list.push(key);
    byCell.set(cell, list);
    if (list.length === 3) {
      chains.push(list);
      byCell.delete(cell);
    }
  }
  chains.forEach((chain, c) => {
    chain.forEach((key, m) => {
      const w = WARM_WAVES + 1 + (c % 3) + m; // heads before, in and after the killed wave
      const acct = key.split(':')[4]!;
      const base = T0 + (w * 6 + 1) * 3 * HOUR + c * 60_000;
      for (let k = 0; k < 2; k++) waves[w]!.push({ event: event({ ...COMMON(acct), principal: key, time: base + k * 600_000, uid: `pa-${uid++}` }) });
      waves[w]!.push({
        event: event({ ...COMMON(acct), principal: key, time: base + 1_800_000, uid: `pa-${uid++}`, region: `ap-rare-${c}`, ip: `203.0.${10 + c * 3 + m}.5` }),
      });
    });
  });
  for (const w of waves) w.sort((a, b) => a.event.time - b.event.time);
  return { waves, chains };
}

/**
 * principal_anomaly as the processor's worker threads run it: one detector per thread, holding the
 * state shards shard mod processor.workers (the runtime's fixed grouping), each fed its shards'
 * events in order. `states` (optional) starts them from held principal states instead of events.
 */
function threads(run: FaultRun, states?: ReadonlyMap<string, unknown>) {
  const { stateShards, workers } = run.config.processor;
  const shardOf = (key: string): number => partitionForKey(key, stateShards);
  const detectors = Array.from({ length: workers }, () => {
    const state = new MemoryKeyedState<PrincipalState>();
    return { state, d: new PrincipalAnomalyDetector(PrincipalAnomalyConfig.parse(PA), { clock: { now: () => 0 }, state, emit: () => {}, shardOf }) };
  });
  const of = (key: string) => detectors[shardOf(key) % workers]!;
  if (states) {
    for (const [k, v] of states) of(k).state.set(k, v as PrincipalState);
    for (const t of detectors) t.d.restored();
  }
  return { detectors, of, populations: () => detectors.map((t) => t.d.population!.export()) };
}

/** What an undisturbed processor must end with: the findings, states and populations of the threads run in-process. */
function reference(run: FaultRun, events: readonly ApiActivity[]) {
  const t = threads(run);
  const ids = new Set<string>();
  const counts = new Map<string, number>();
  events.forEach((e, i) => {
    const key = e.actor.user.uid;
    for (const f of t.of(key).d.process(e, { key, topic: run.config.topics.activity, partition: partitionForKey(key, PARTITIONS), offset: String(i) })) ids.add(f.id);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  const countIds = new Set<string>();
  for (const [key, n] of counts) for (let c = EVERY; c <= n; c += EVERY) countIds.add(findingId('event_count', 'count_reached', key, [String(c)]));
  const states = new Map<string, unknown>();
  for (const { state } of t.detectors) for (const k of state.keys()) states.set(k, JSON.parse(JSON.stringify(state.get(k))));
  return { ids, countIds, counts, states, populations: t.populations() };
}

test('principal_anomaly: kill -9 of the processor mid-stream, then a restart: the findings, principal states and account populations of an undisturbed run', async () => {
  const services = testServicesFromEnv();
  const names = faultTopics('pakill', {
    detectors: { sensitive_operation: { enabled: false }, signatures: { enabled: false }, posture: { enabled: false }, config_drift: { enabled: false }, vulns: { enabled: false }, event_count: { enabled: true, every: EVERY }, principal_anomaly: PA },
  });
  names.topics.push({ name: changelogTopic(names.input.app as string, 'principal_anomaly'), partitions: PARTITIONS, compact: true });
  await withFaultCluster(names.topics, async (cluster) => {
    process.stdout.write(`pakill: on ${cluster.description}\n`);
    const run = faultRun(names, cluster.brokers, services.clickhouseUrl, cluster.idempotent);
    const { waves, chains } = plan(run.config.processor.stateShards);
    const want = reference(run, waves.flat().map((p) => p.event));
    // The stream is meant to give findings for the chain heads only: check the design, not the processor.
    const heads = new Set(chains.map((c) => c[0]!));
    assert.equal(chains.length, CHAINS);
    assert.equal(want.ids.size, CHAINS, `one finding per chain head (got ${want.ids.size})`);

    const c = await client(run);
    const producer = await c.transport.producer();
    const codec = new AvroCodec(new LocalSchemaRegistry());
    const children: ProcessorChild[] = [];
    let produced = 0;
    try {
      children.push(startProcessor(run));
      for (let w = 0; w < WAVES; w++) {
        const messages = [];
        for (const { event: e } of waves[w]!) messages.push({ key: e.actor.user.uid, value: await codec.encode(run.config.topics.activity, SCHEMA_NAMES.apiActivity, e) });
        for (let i = 0; i < messages.length; i += 500) await producer.send(run.config.topics.activity, messages.slice(i, i + 500));
        produced += messages.length;
        // Caught up after the warm-up and before the killed wave: some chain heads are then committed
        // before the kill, some in flight, some after the restart.
        if (w === WARM_WAVES - 1 || w === KILL_AFTER_WAVE - 1) await waitCaughtUp(c.transport, run, children.slice(-1));
        if (w === KILL_AFTER_WAVE) {
          // Batches of this wave are in flight (decoded, detected, partly written) when it dies.
          await sleep(250);
          const committed = [...(await c.transport.committedOffsets(run.config.processor.groupId, run.config.topics.activity)).values()].reduce((a, b) => a + b, 0n);
          await stopProcessor(children.at(-1)!, 'SIGKILL');
          process.stdout.write(`pakill: killed with ${committed} of ${produced} events committed\n`);
          children.push(startProcessor(run));
        }
        await sleep(300);
      }
      await waitCaughtUp(c.transport, run, children.slice(-1));

      const anomalies = await storedFindingIds(run, 'principal_anomaly');
      assert.equal(anomalies.rows, anomalies.ids.size, 'one row per finding under FINAL');
      assert.deepEqual(anomalies.ids, want.ids, 'the principal_anomaly findings of an undisturbed run: none lost, none extra');
      const counts = await storedFindingIds(run, 'event_count');
      assert.deepEqual(counts.ids, want.countIds, 'the event_count findings of an undisturbed run');

      const states = await changelogValues(c.transport, run, 'principal_anomaly');
      assert.equal(states.size, want.states.size, 'one state per principal');
      for (const [key, st] of want.states) assert.deepEqual(states.get(key), st, `state of ${key}${heads.has(key) ? ' (chain head)' : ''}`);
      const countState = await changelogValues(c.transport, run, 'event_count');
      assert.deepEqual(new Map([...countState].map(([k, v]) => [k, (v as { count: number }).count])), want.counts, 'the event_count state');

      // The populations the restarted processor works with are rebuilt from exactly these states.
      assert.deepEqual(threads(run, states).populations(), want.populations, 'the account populations (per state shard and per thread) of an undisturbed run');
      assert.match(children.at(-1)!.tail(), /detector state restored/, 'the restarted processor restored its state');
    } finally {
      for (const ch of children) await stopProcessor(ch, 'SIGKILL');
      await producer.close();
      await c.close();
    }
  });
});
