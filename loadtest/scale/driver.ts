/**
 * The load-test driver: services, topics, one member configuration after the other, the per-second
 * sampler, the latency matcher, and the anchors.
 *
 * For each member count: fresh topics (input topics of 12 partitions, compacted changelogs), a
 * config file, N `sluice processor` children (one consumer group); once the group is stable the
 * corpus is produced in three steps of ⅓, ⅔ and 1 × the rate (seconds/3 each), then the driver
 * waits for the lag to reach 0 (at most `drainSeconds`). Every second it records the events acked
 * by the brokers, the group's committed offsets (out), the lag (admin API), the findings that
 * arrived, each member's RSS and, every few seconds, the group's partition assignment.
 * Latency: send time of an injected attack (taken when the driver hands it to the producer; it also
 * travels in the `loadtest-sent-ms` header) to the arrival of a finding listing its uid on the
 * findings topic.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { stringify } from 'yaml';
import { resolveConfig } from '../../services/cli/config.ts';
import { deepMerge } from '../../services/core/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { topicFor, type StreamName } from '../../services/core/streams.ts';
import type { OutgoingMessage } from '../../services/core/transport.ts';
import { changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { KafkaTransport, fetchTopicOffsetsRetrying } from '../../services/transports/kafka/transport.ts';
import { startClickHouseLocal } from '../../test/support/clickhouse-local.ts';
import { startKafkaLocal } from '../../test/support/kafka-local.ts';
import { createTestTopics, deleteTestTopics } from '../../test/support/kafka-admin.ts';
import { KAFKA_TEST_CONSUMER_SETTINGS } from '../../test/support/services.ts';
import { clickhouseClientAnchor, jsonParseAnchor, kcatAnchors } from './anchors.ts';
import { buildCorpus, type Corpus, type CorpusMessage } from './generate.ts';
import { batchSteps, processorBuild, startMember, type Member } from './members.ts';
import type { LoadResult, MemberRun, PhaseLatency, Sample } from './result.ts';
import { percentiles } from './stats.ts';
import { dueBy, offeredAt } from './schedule.ts';

export interface DriverOptions {
  rate: number;
  seconds: number;
  members: number[];
  attackEvery: number;
  seed: number;
  /** Nodes of the Kafka cluster the run starts (default 3; ignored with KAFKA_BROKERS). */
  kafkaNodes?: number;
  /** Settings merged (deeply) into every member's config; what the run needs (topics, services) is kept. */
  memberConfig?: Record<string, unknown>;
  /** Longest wait for the lag to reach 0 after producing. */
  drainSeconds: number;
  /** Run the processors from the TypeScript sources even when a build exists (a stale dist/). */
  fromSource: boolean;
  workDir: string;
  log(line: string): void;
}

const PARTITIONS = 12;
/** Events produced before each measured run, to be processed before it starts. */
const WARMUP_EVENTS = 300;
const STREAMS_USED: readonly StreamName[] = ['activity', 'config', 'flow'];
/** The keys of `topics` in the config (every one gets a topic of the run). */
const TOPIC_KEYS = ['activity', 'config', 'flow', 'objectChunk', 'imageInventory', 'advisory', 'process', 'findings', 'actions', 'actionResults', 'rescan', 'enforcement', 'control', 'deadLetter'] as const;
/** Topics the processor writes (3 partitions; the others are inputs of 12). */
const OUTPUT_TOPIC_KEYS: readonly string[] = ['findings', 'actions', 'actionResults', 'rescan', 'enforcement', 'control', 'deadLetter'];

interface Services {
  brokers: string[];
  clickhouseUrl: string;
  clickhouseHost: string;
  clickhouseTcpPort: number;
  kafkaText: string;
  clickhouseText: string;
  ownKafka: boolean;
  stop(): Promise<void>;
}

async function startServices(o: DriverOptions): Promise<Services> {
  const stops: Array<() => Promise<void>> = [];
  let brokers: string[];
  let kafkaText: string;
  let ownKafka = false;
  if (process.env.KAFKA_BROKERS) {
    brokers = process.env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
    kafkaText = `Kafka at KAFKA_BROKERS (${brokers.length} bootstrap brokers)`;
  } else {
    const nodes = o.kafkaNodes ?? 3;
    o.log(`starting Apache Kafka (${nodes} KRaft node${nodes === 1 ? '' : 's'}) ...`);
    const k = await startKafkaLocal({ dir: join(o.workDir, 'kafka'), nodes });
    brokers = k.bootstrap;
    ownKafka = true;
    kafkaText = `Apache Kafka ${k.version}, ${k.nodeIds.length} KRaft nodes on this machine (started in ${(k.startMs / 1000).toFixed(1)} s), topics replicated ${Math.min(3, k.nodeIds.length)}x`;
    stops.push(() => k.stop());
  }
  let url: string;
  let host = '127.0.0.1';
  let tcp = Number(process.env.CLICKHOUSE_TCP_PORT ?? 9000);
  let clickhouseText: string;
  if (process.env.CLICKHOUSE_URL) {
    url = process.env.CLICKHOUSE_URL;
    host = new URL(url).hostname;
    clickhouseText = `ClickHouse at CLICKHOUSE_URL`;
  } else {
    o.log('starting ClickHouse ...');
    const ch = await startClickHouseLocal({ dir: join(o.workDir, 'clickhouse') });
    url = ch.url;
    tcp = ch.tcpPort;
    clickhouseText = 'ClickHouse server 18.16 (Debian package) on this machine';
    stops.push(() => ch.destroy());
  }
  return {
    brokers,
    clickhouseUrl: url,
    clickhouseHost: host,
    clickhouseTcpPort: tcp,
    kafkaText,
    clickhouseText,
    ownKafka,
    async stop() {
      for (const s of stops.reverse()) await s().catch(() => {});
    },
  };
}

/** The processor's config for one member configuration (names isolated by `id`), with `extra` merged in. */
function memberConfig(id: string, s: Services, extra: Record<string, unknown>): Record<string, unknown> {
  const base: Record<string, unknown> = {
    app: id,
    log: { level: 'info' },
    // Every topic of the run is its own (created by the driver): the inputs of all enabled detectors exist.
    topics: Object.fromEntries(TOPIC_KEYS.map((k) => [k, `${id}.${k}`])),
    processor: { groupId: `${id}-processor` },
    detectors: { flow_baseline: { enabled: true } },
    kafka: {
      brokers: s.brokers,
      sessionTimeoutMs: KAFKA_TEST_CONSUMER_SETTINGS.sessionTimeout,
      heartbeatIntervalMs: KAFKA_TEST_CONSUMER_SETTINGS.heartbeatInterval,
      maxWaitTimeMs: KAFKA_TEST_CONSUMER_SETTINGS.maxWaitTimeInMs,
    },
    allowLocalSchemaIds: true,
    clickhouse: { url: s.clickhouseUrl, database: id.replace(/-/g, '_') },
    http: { port: 0 },
  };
  const merged = deepMerge(base, extra);
  // The run's own names and services win: the driver reads those topics and that database.
  for (const k of ['app', 'topics'] as const) merged[k] = base[k];
  (merged.processor as Record<string, unknown>).groupId = (base.processor as Record<string, unknown>).groupId;
  (merged.kafka as Record<string, unknown>).brokers = s.brokers;
  (merged.clickhouse as Record<string, unknown>).url = s.clickhouseUrl;
  (merged.clickhouse as Record<string, unknown>).database = (base.clickhouse as Record<string, unknown>).database;
  return merged;
}

interface Expect {
  sentAt: number;
  offered: number;
  rule: string;
  latency: number | null;
  detected: boolean;
}

/** Partitions of `topic` assigned to each member of the group (member order: by client host and id). */
async function partitionShare(admin: Admin, groupId: string, topic: string): Promise<{ state: string; share: number[] }> {
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups[0];
  if (!g) return { state: 'Unknown', share: [] };
  const share = [...g.members]
    .sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
    .map((m) => {
      if (!m.memberAssignment || m.memberAssignment.length === 0) return 0;
      const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      return a?.assignment[topic]?.length ?? 0;
    });
  return { state: g.state, share };
}

/**
 * Share of the input events (end offsets of the partitions each member holds, over the input
 * topics) per member, in the same member order as partitionShare: partitions are not equal when
 * a few keys send most events.
 */
async function eventShare(admin: Admin, groupId: string, topics: readonly string[]): Promise<number[]> {
  const { groups } = await admin.describeGroups([groupId]);
  const members = [...(groups[0]?.members ?? [])].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const ends = new Map<string, Map<number, number>>();
  for (const t of topics) ends.set(t, new Map((await fetchTopicOffsetsRetrying(admin, t)).map((p) => [p.partition, Number(p.high)])));
  const counts = members.map((m) => {
    if (!m.memberAssignment || m.memberAssignment.length === 0) return 0;
    const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    let n = 0;
    for (const t of topics) for (const p of a?.assignment[t] ?? []) n += ends.get(t)?.get(p) ?? 0;
    return n;
  });
  const total = counts.reduce((x, y) => x + y, 0);
  return counts.map((c) => (total ? Math.round((1000 * c) / total) / 1000 : 0));
}

/** Committed offsets and end offsets summed over the topics: [committed, end]. */
async function offsets(admin: Admin, groupId: string, topics: readonly string[]): Promise<[number, number]> {
  let committed = 0;
  let end = 0;
  const [ends, commits] = await Promise.all([Promise.all(topics.map((t) => fetchTopicOffsetsRetrying(admin, t))), admin.fetchOffsets({ groupId, topics: [...topics] })]);
  for (const e of ends) for (const p of e) end += Number(p.high);
  for (const t of commits) for (const p of t.partitions) committed += Math.max(0, Number(p.offset));
  return [committed, end];
}

async function runMembers(o: DriverOptions, s: Services, corpus: Corpus, warmup: Corpus, members: number, runId: string): Promise<MemberRun> {
  const id = `lt${runId}m${members}`;
  const input = memberConfig(id, s, o.memberConfig ?? {});
  const config = resolveConfig(input);
  const topics = Object.fromEntries(STREAMS_USED.map((st) => [st, topicFor(st, config.topics)])) as Record<StreamName, string>;
  const inputTopics = STREAMS_USED.map((st) => topics[st]);
  const enabled = Object.entries(config.detectors as Record<string, { enabled?: boolean }>).filter(([, d]) => d.enabled === true).map(([n]) => n);
  const all = [
    ...TOPIC_KEYS.filter((k) => !OUTPUT_TOPIC_KEYS.includes(k)).map((k) => ({ name: config.topics[k], partitions: PARTITIONS })),
    ...TOPIC_KEYS.filter((k) => OUTPUT_TOPIC_KEYS.includes(k) && k !== 'findings' && k !== 'deadLetter').map((k) => ({ name: config.topics[k], partitions: 3 })),
    ...enabled.map((d) => ({ name: changelogTopic(id, d), partitions: PARTITIONS, compact: true })),
    { name: config.topics.findings, partitions: 3 },
    { name: config.topics.deadLetter, partitions: 1 },
  ];
  await createTestTopics(s.brokers, all);
  const configFile = join(o.workDir, `${id}.yaml`);
  writeFileSync(configFile, stringify(input));

  const kafka = new Kafka({ clientId: `${id}-driver`, brokers: s.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const transport = new KafkaTransport(config.kafka!, silentLogger());
  const producer = await transport.producer();
  const expects = new Map<string, Expect>();
  let findingsSeen = 0;
  let findingsThisSecond = 0;
  const findingsConsumer: Consumer = kafka.consumer({ groupId: `${id}-findings-reader`, maxWaitTimeInMs: 50 });
  await findingsConsumer.connect();
  await findingsConsumer.subscribe({ topic: config.topics.findings, fromBeginning: true });
  await findingsConsumer.run({
    eachMessage: async ({ message }) => {
      const now = Date.now();
      findingsSeen++;
      findingsThisSecond++;
      if (!message.value) return;
      let f: { finding_info?: { analytic?: { uid?: string }; related_events?: Array<{ uid?: string }> | null } };
      try {
        f = JSON.parse(message.value.toString('utf8')) as typeof f;
      } catch {
        return;
      }
      const rule = f.finding_info?.analytic?.uid ?? '';
      for (const ev of f.finding_info?.related_events ?? []) {
        const e = ev.uid ? expects.get(ev.uid) : undefined;
        if (!e) continue;
        if (e.latency === null) e.latency = now - e.sentAt;
        if (rule === e.rule || rule.endsWith(e.rule)) e.detected = true;
      }
    },
  });

  const t0Start = Date.now();
  const procs: Member[] = Array.from({ length: members }, () => startMember(configFile, o.fromSource));
  const run: MemberRun = { members, samples: [], phases: [], latencyMs: percentiles([]), partitionShare: [], eventShare: [], produced: 0, consumed: 0, peakOutPerSec: 0, meanOutPerSec: 0, drainSeconds: null, injected: 0, detected: 0, findings: 0, startSeconds: 0 };
  try {
    // Ready: every member consuming, and the group stable with all of them.
    const readyBy = Date.now() + 180_000;
    await Promise.race([
      Promise.all(procs.map((p) => p.ready)),
      (async () => {
        while (Date.now() < readyBy) {
          const dead = procs.find((p) => p.gone());
          if (dead) throw new Error(`a processor exited during start-up (${dead.proc.exitCode}):\n${dead.tail()}`);
          await sleep(250);
        }
        throw new Error(`processors not consuming within 180 s:\n${procs.map((p) => p.tail()).join('\n---\n')}`);
      })(),
    ]);
    for (;;) {
      const { state, share } = await partitionShare(admin, config.processor.groupId, topics.activity);
      if (state === 'Stable' && share.length === members && share.reduce((a, b) => a + b, 0) === PARTITIONS) {
        run.partitionShare = share;
        break;
      }
      if (Date.now() > readyBy) throw new Error(`group not stable with ${members} members (state ${state}, share ${share.join('/')})`);
      await sleep(250);
    }
    // Warm-up: a separate small corpus, produced at once; the measured run starts once the group
    // committed all of it (start-up, restore and the workers' first load are then behind us).
    const send = async (batch: readonly CorpusMessage[], sentAt: number): Promise<void> => {
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const m of batch) {
        const t = topics[m.stream];
        let list = byTopic.get(t);
        if (!list) byTopic.set(t, (list = []));
        list.push({ key: m.key, value: m.value, headers: { 'sluice-source': m.feed, 'loadtest-sent-ms': String(sentAt) } });
      }
      await Promise.all([...byTopic].map(([t, list]) => producer.send(t, list)));
    };
    await send(warmup.messages, Date.now());
    for (;;) {
      const [committed, end] = await offsets(admin, config.processor.groupId, inputTopics);
      if (end >= warmup.messages.length && committed >= end) break;
      const dead = procs.find((p) => p.gone());
      if (dead) throw new Error(`a processor exited during the warm-up (${dead.proc.exitCode ?? dead.proc.signalCode}):\n${dead.tail()}`);
      if (Date.now() > readyBy + 120_000) throw new Error(`warm-up of ${warmup.messages.length} events not processed within 300 s`);
      await sleep(250);
    }
    run.startSeconds = (Date.now() - t0Start) / 1000;
    findingsThisSecond = 0;
    findingsSeen = 0;
    o.log(`${members} member(s): warmed up after ${run.startSeconds.toFixed(1)} s (start, group join, ${warmup.messages.length} events), partitions ${run.partitionShare.join('/')}; producing ...`);

    // Produce at the offered rate; sample every second.
    const msgs = corpus.messages;
    const total = Math.min(msgs.length, dueBy(o.rate, o.seconds, o.seconds));
    let next = 0;
    let acked = 0;
    let ackedLastSecond = 0;
    let sendError: Error | null = null;
    const tStart = Date.now();
    const elapsed = () => (Date.now() - tStart) / 1000;
    let [committedPrev] = await offsets(admin, config.processor.groupId, inputTopics);
    const committedAtStart = committedPrev;
    let producingDone = false;
    let drainedAt: number | null = null;
    let lastCommitChange = tStart;
    const producerLoop = (async () => {
      while (next < total && !sendError) {
        const due = Math.min(total, dueBy(o.rate, o.seconds, elapsed()));
        if (due <= next) {
          await sleep(20);
          continue;
        }
        const batch = msgs.slice(next, Math.min(due, next + 2000));
        const sentAt = Date.now();
        // The step the batch belongs to (a batch sent just after the last step still belongs to it).
        const offered = offeredAt(o.rate, o.seconds, Math.min(elapsed(), o.seconds - 0.001));
        for (const m of batch) if (m.expectRule) expects.set(m.uid, { sentAt, offered, rule: m.expectRule, latency: null, detected: false });
        next += batch.length;
        try {
          await send(batch, sentAt);
          acked += batch.length;
        } catch (e) {
          sendError = e as Error;
        }
      }
      producingDone = true;
    })();

    let lastT = 0;
    for (;;) {
      await sleep(Math.max(0, (lastT + 1) * 1000 - (Date.now() - tStart)));
      lastT++;
      const [committed, end] = await offsets(admin, config.processor.groupId, inputTopics).catch(() => [committedPrev, committedPrev] as [number, number]);
      if (committed !== committedPrev) lastCommitChange = Date.now();
      const sample: Sample = {
        t: lastT,
        offered: offeredAt(o.rate, o.seconds, lastT - 0.5),
        inPerSec: acked - ackedLastSecond,
        outPerSec: Math.max(0, committed - committedPrev),
        findingsPerSec: findingsThisSecond,
        lag: Math.max(0, end - committed),
        rssMb: procs.map((p) => p.rssMb() ?? 0),
      };
      findingsThisSecond = 0;
      ackedLastSecond = acked;
      committedPrev = committed;
      run.samples.push(sample);
      if (lastT % 5 === 0) {
        const { share } = await partitionShare(admin, config.processor.groupId, topics.activity).catch(() => ({ share: run.partitionShare }));
        if (share.length === members && share.reduce((a, b) => a + b, 0) === PARTITIONS) run.partitionShare = share;
      }
      const dead = procs.find((p) => p.gone());
      if (dead) throw new Error(`a processor exited while running (${dead.proc.exitCode ?? dead.proc.signalCode}):\n${dead.tail()}`);
      if (sendError) throw sendError;
      if (producingDone && sample.lag === 0 && committed - committedAtStart >= total) {
        drainedAt = Date.now();
        break;
      }
      if (producingDone && elapsed() > o.seconds + o.drainSeconds) break;
      if (producingDone && Date.now() - lastCommitChange > 60_000) break;
    }
    await producerLoop;
    run.eventShare = await eventShare(admin, config.processor.groupId, inputTopics).catch(() => []);
    // Findings of the last events: a moment for them to arrive.
    const waitFindings = Date.now() + 5_000;
    while (Date.now() < waitFindings && [...expects.values()].some((e) => e.latency === null)) await sleep(200);
    const endProducing = tStart + o.seconds * 1000;
    run.drainSeconds = drainedAt === null ? null : Math.max(0, (drainedAt - endProducing) / 1000);
    run.produced = acked;
    run.consumed = committedPrev - committedAtStart;
    const outs = run.samples.map((x) => x.outPerSec);
    for (let i = 0; i + 5 <= outs.length; i++) run.peakOutPerSec = Math.max(run.peakOutPerSec, Math.round(outs.slice(i, i + 5).reduce((a, b) => a + b, 0) / 5));
    const lastOut = run.samples.findLastIndex((x) => x.outPerSec > 0);
    run.meanOutPerSec = lastOut >= 0 ? Math.round(run.consumed / (lastOut + 1)) : 0;
  } catch (e) {
    run.error = (e as Error).message.split('\n').filter((l) => !l.startsWith('{"level":30')).slice(-4).join(' | ');
    o.log(`${members} member(s): ${run.error}`);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    run.batchSteps = procs.map((p) => batchSteps(p.finalStats()));
    await findingsConsumer.disconnect().catch(() => {});
    await producer.close().catch(() => {});
    await transport.close().catch(() => {});
    await admin.disconnect().catch(() => {});
    if (!s.ownKafka) await deleteTestTopics(s.brokers, all.map((t) => t.name)).catch(() => {});
  }
  const ex = [...expects.values()];
  run.injected = ex.length;
  run.detected = ex.filter((e) => e.detected).length;
  run.findings = findingsSeen;
  const lat = ex.filter((e) => e.latency !== null).map((e) => e.latency!);
  run.latencyMs = percentiles(lat);
  const offeredSteps = [...new Set(ex.map((e) => e.offered))].sort((a, b) => a - b);
  run.phases = offeredSteps.map((offered): PhaseLatency => ({ offered, latencyMs: percentiles(ex.filter((e) => e.offered === offered && e.latency !== null).map((e) => e.latency!)) }));
  return run;
}

export async function runLoadTest(o: DriverOptions): Promise<LoadResult> {
  const startedAt = new Date().toISOString();
  const load = loadavg();
  const count = dueBy(o.rate, o.seconds, o.seconds);
  o.log(`building the corpus: ${count} events ...`);
  const t0 = Date.now();
  const runId = Date.now().toString(36);
  const corpus = await buildCorpus({ count, seed: o.seed, attackEvery: o.attackEvery, prefix: `lt${runId}` });
  const warmup = await buildCorpus({ count: WARMUP_EVENTS, seed: o.seed + 7919, attackEvery: o.attackEvery, prefix: `lt${runId}w` });
  const buildSeconds = (Date.now() - t0) / 1000;
  o.log(`corpus: ${corpus.messages.length} events, ${corpus.injected} injected attacks, built in ${buildSeconds.toFixed(1)} s`);
  const services = await startServices(o);
  const runs: MemberRun[] = [];
  const anchors: LoadResult['anchors'] = [];
  try {
    for (const m of o.members) runs.push(await runMembers(o, services, corpus, warmup, m, runId));
    o.log('anchors ...');
    const lines = corpus.messages.map((m) => m.line);
    anchors.push(jsonParseAnchor(lines));
    const ndjson = join(o.workDir, 'corpus.ndjson');
    writeFileSync(ndjson, lines.join('\n') + '\n');
    const kcatTopic = `lt${runId}.kcat`;
    await createTestTopics(services.brokers, [{ name: kcatTopic, partitions: PARTITIONS }]);
    anchors.push(...kcatAnchors(ndjson, lines.length, services.brokers, kcatTopic));
    anchors.push(clickhouseClientAnchor(o.workDir, corpus.messages.map((m: CorpusMessage) => ({ uid: m.uid, feed: m.feed, key: m.key, line: m.line })), services.clickhouseHost, services.clickhouseTcpPort, `lt${runId}_anchor`));
    if (!services.ownKafka) await deleteTestTopics(services.brokers, [kcatTopic]).catch(() => {});
  } finally {
    await services.stop();
  }
  return {
    startedAt,
    machine: { cores: cpus().length, loadAverage: load, node: process.version },
    options: { rate: o.rate, seconds: o.seconds, members: o.members, attackEvery: o.attackEvery, seed: o.seed, processor: processorBuild(o.fromSource), ...(o.memberConfig && Object.keys(o.memberConfig).length ? { memberConfig: o.memberConfig } : {}) },
    services: { kafka: services.kafkaText, clickhouse: services.clickhouseText },
    corpus: { events: corpus.messages.length, byFeed: corpus.byFeed, injected: corpus.injected, ndjsonBytes: corpus.ndjsonBytes, avroBytes: corpus.messages.reduce((a, m) => a + m.value.length, 0), buildSeconds },
    runs,
    anchors,
  };
}

export const defaultWorkDir = (): string => mkdtempSync(join(tmpdir(), 'sluice-loadtest-'));
