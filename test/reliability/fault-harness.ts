/**
 * Shared parts of the fault tests: the cluster they run on (faultCluster), a processor role in a
 * child process (the real CLI, `sluice processor`, killed hard when it hangs), a producer of counted
 * activity events, and the checks: ClickHouse findings under FINAL and the event_count state in its
 * changelog, compared with what an undisturbed run produces (one milestone per key per multiple of
 * EVERY; count = events per key).
 *
 * Where they run (SLUICE_TEST_FAULTS_ON):
 *   unset / services  the runner's Kafka when it is real Kafka (local Apache Kafka, testcontainers, your
 *                     own): each test creates its own topics there through the admin API (changelogs
 *                     compacted) and deletes them afterwards; else a fresh librdkafka mock per test.
 *   mock              a fresh librdkafka mock cluster per test (3 brokers, fault commands on stdin),
 *                     whatever the runner's provider is.
 * Broker faults need a cluster the test can hurt: the runner's local Apache Kafka (kill -9 and
 * restart of a node's JVM, leaders moved by partition reassignment) or the mock (its fault commands).
 * A test that cannot do its fault on the cluster at hand is skipped with the reason in its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@clickhouse/client';
import { stringify } from 'yaml';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { resolveConfig, type SluiceConfig } from '../../services/cli/config.ts';
import { SCHEMA_NAMES } from '../../services/core/events.ts';
import { findingId } from '../../services/core/finding-id.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { isCaughtUp } from '../../services/core/transport.ts';
import { CHANGELOG_HEADERS, changelogTopic } from '../../services/processor/runtime/state-manager.ts';
import { KafkaTransport } from '../../services/transports/kafka/transport.ts';
import { apiActivity } from '../fixtures/events/api-activity.ts';
import { createTestTopics, deleteTestTopics, waitInSync, type TestTopic } from '../support/kafka-admin.ts';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.ts';
import { KAFKA_TEST_CONSUMER_SETTINGS, testKafkaControl, testServicesFromEnv, type KafkaNodeControl } from '../support/services.ts';

export const EVERY = 10;
export const PARTITIONS = 6;
const BIN = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
const HARD_KILL_MS = 240_000;

export const keyOf = (k: number) => `arn:aws:iam::123456789012:user/fault-${k}`;

export interface FaultRun {
  config: SluiceConfig;
  configFile: string;
  /** The run's own topics (created before, deleted after on real Kafka; pre-created on the mock). */
  topics: TestTopic[];
}

/** Names isolated by label (topics, app for the changelog, group, ClickHouse database), before a cluster exists. */
export function faultTopics(label: string, extra: Record<string, unknown> = {}): { input: Record<string, unknown>; topics: FaultRun['topics'] } {
  const id = `${label}${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9]/g, '');
  const input: Record<string, unknown> = {
    app: `f${id}`,
    log: { level: 'info' },
    topics: { activity: `fault.${id}.activity`, findings: `fault.${id}.findings`, deadLetter: `fault.${id}.dlq` },
    processor: { groupId: `fault-${id}`, workers: 2, stateShards: 16, maxBatchSize: 50, retryTimeoutMs: 180_000, restoreTimeoutMs: 60_000 },
    detectors: { sensitive_operation: { enabled: false }, signatures: { enabled: false }, posture: { enabled: false }, config_drift: { enabled: false }, vulns: { enabled: false }, event_count: { enabled: true, every: EVERY } },
    http: { port: 0 },
    ...extra,
  };
  const topics = input.topics as { activity: string; findings: string; deadLetter: string };
  return {
    input,
    topics: [
      { name: topics.activity, partitions: PARTITIONS },
      { name: changelogTopic(input.app as string, 'event_count'), partitions: PARTITIONS, compact: true },
      { name: topics.findings, partitions: 3 },
      { name: topics.deadLetter, partitions: 1 },
    ],
  };
}

/** The cluster a fault test runs on. */
export interface FaultCluster {
  /** 'kafka': real Kafka brokers (the runner's); 'mock': a fresh librdkafka mock cluster. */
  kind: 'kafka' | 'mock';
  brokers: string[];
  /** Use the idempotent producer (not on the stock mock build). */
  idempotent: boolean;
  /** In words, for the test output. */
  description: string;
  /** The mock's fault commands (kind 'mock'). */
  mock: KafkaMock | null;
  /** kill -9 / restart of broker JVMs (the runner's local Apache Kafka only). */
  nodes: KafkaNodeControl | null;
}

/** Where the fault tests run: see the header. */
export function faultsOn(override?: string): 'services' | 'mock' {
  const want = override ?? process.env.SLUICE_TEST_FAULTS_ON ?? 'services';
  if (want !== 'services' && want !== 'mock') throw new Error(`SLUICE_TEST_FAULTS_ON=${want}: use services or mock`);
  return want === 'mock' || testServicesFromEnv().kafkaFlavor !== 'kafka' ? 'mock' : 'services';
}

/**
 * Runs body on a fault cluster with the run's topics in place. On real Kafka the topics are created
 * with replication factor min(3, brokers) (changelogs compacted), every broker killed by the test is
 * started again afterwards, and the topics are deleted.
 */
export async function withFaultCluster(topics: readonly TestTopic[], body: (cluster: FaultCluster) => Promise<void>, on?: 'services' | 'mock'): Promise<void> {
  const services = testServicesFromEnv();
  if (faultsOn(on) === 'mock') {
    const mock = await startKafkaMock({ brokers: 3, topics: topics.map((t) => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor ?? 3 })) });
    try {
      await body({ kind: 'mock', brokers: mock.bootstrap, idempotent: mock.patched, description: `librdkafka mock (${mock.patched ? 'patched' : 'stock'})`, mock, nodes: null });
    } finally {
      await mock.stop();
    }
    return;
  }
  const brokers = services.kafkaBrokers;
  const nodes = await testKafkaControl();
  await createTestTopics(brokers, topics);
  try {
    await body({ kind: 'kafka', brokers, idempotent: true, description: nodes ? `local Apache Kafka, ${nodes.nodeIds.length} nodes` : 'real Kafka (KAFKA_BROKERS)', mock: null, nodes });
  } finally {
    if (nodes) {
      for (const id of nodes.nodeIds) if (!nodes.running(id)) await nodes.start(id);
      await waitInSync(brokers, topics.map((t) => t.name));
    }
    await deleteTestTopics(brokers, topics.map((t) => t.name)).catch((e: unknown) => process.stdout.write(`# topic clean-up failed: ${(e as Error).message}\n`));
  }
}

/** The run's config on a started cluster, written to a file for the child processes. */
export function faultRun(names: ReturnType<typeof faultTopics>, brokers: string[], clickhouseUrl: string, idempotent: boolean): FaultRun {
  const input = {
    ...names.input,
    kafka: {
      brokers,
      sessionTimeoutMs: KAFKA_TEST_CONSUMER_SETTINGS.sessionTimeout,
      heartbeatIntervalMs: KAFKA_TEST_CONSUMER_SETTINGS.heartbeatInterval,
      maxWaitTimeMs: KAFKA_TEST_CONSUMER_SETTINGS.maxWaitTimeInMs,
      idempotentProducer: idempotent,
      partitionsConsumedConcurrently: 3,
    },
    // A private test cluster: the local schema ids are allowed on it.
    allowLocalSchemaIds: true,
    clickhouse: { url: clickhouseUrl, database: `sluice_fault_${names.input.app as string}` },
  };
  const config = resolveConfig(input);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-fault-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(input));
  return { config, configFile, topics: names.topics };
}

export interface ProcessorChild {
  proc: ChildProcess;
  exited: Promise<number | null>;
  /** Resolves once the role logged that it is consuming (its signal handlers are installed). */
  ready: Promise<void>;
  /** True once the process has exited, by code or by signal. */
  gone(): boolean;
  /** Last lines of its stderr, for failure messages. */
  tail(): string;
}

/** Starts `sluice processor --config <file>`; killed with SIGKILL if still running after HARD_KILL_MS. */
export function startProcessor(run: FaultRun): ProcessorChild {
  const proc = spawn(process.execPath, [BIN, 'processor', '--config', run.configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: childEnv(),
  });
  const lines: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  proc.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    if (text.includes('processor consuming')) markReady();
    lines.push(...text.split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  });
  const kill = setTimeout(() => proc.kill('SIGKILL'), HARD_KILL_MS);
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
  });
  return { proc, exited, ready, gone: () => proc.exitCode !== null || proc.signalCode !== null, tail: () => lines.join('\n') };
}

/** The test runner's service variables would override the config file: the child gets none. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  delete env.CLICKHOUSE_URL;
  return env;
}

export async function stopProcessor(child: ProcessorChild, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!child.gone()) child.proc.kill(signal);
  return child.exited;
}

/** The test side: a Kafka transport and codec for producing events and reading changelogs. */
export async function client(run: FaultRun) {
  const transport = new KafkaTransport(run.config.kafka!, silentLogger());
  const producer = await transport.producer();
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const produced = new Map<number, number>();
  return {
    transport,
    /** Sends events n in [from, to) for keys 0..keys-1, interleaved. */
    async produce(keys: number, from: number, to: number): Promise<void> {
      const messages = [];
      for (let n = from; n < to; n++) {
        for (let k = 0; k < keys; k++) {
          const event = apiActivity({ principal: keyOf(k), uid: `${run.config.app}-e-${k}-${n}` });
          messages.push({ key: keyOf(k), value: await codec.encode(run.config.topics.activity, SCHEMA_NAMES.apiActivity, event) });
          produced.set(k, Math.max(produced.get(k) ?? 0, n + 1));
        }
      }
      for (let i = 0; i < messages.length; i += 500) await producer.send(run.config.topics.activity, messages.slice(i, i + 500));
    },
    /** Sends waves of events with pauses, calling between(wave) after each. */
    async produceWaves(keys: number, perWave: number, waves: number, pauseMs: number, between: (wave: number) => Promise<void> = async () => {}): Promise<void> {
      for (let w = 0; w < waves; w++) {
        await this.produce(keys, w * perWave, (w + 1) * perWave);
        await between(w);
        await sleep(pauseMs);
      }
    },
    async close(): Promise<void> {
      await producer.close();
      await transport.close();
    },
  };
}

/** Waits until the group has committed every partition to its end, or throws with the child's stderr. */
export async function waitCaughtUp(transport: KafkaTransport, run: FaultRun, children: readonly ProcessorChild[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isCaughtUp(transport, run.config.processor.groupId, run.config.topics.activity).catch(() => false))) {
    // A fatal error is printed as `sluice: SLUICE_ERR_…`; a process that then does not exit counts as dead.
    const dead = children.find((c) => c.gone() || /^sluice: SLUICE_ERR_/m.test(c.tail()));
    if (dead) throw new Error(`processor exited (${dead.proc.exitCode ?? dead.proc.signalCode}) before catching up:\n${dead.tail()}`);
    if (Date.now() > deadline) throw new Error(`not caught up after ${timeoutMs} ms:\n${children.map((c) => c.tail()).join('\n---\n')}`);
    await sleep(500);
  }
}

/** waitCaughtUp over several input topics: the group has committed every partition of each to its end. */
export async function waitTopicsCaughtUp(transport: KafkaTransport, groupId: string, topics: readonly string[], children: readonly ProcessorChild[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const topic of topics) {
    while (!(await isCaughtUp(transport, groupId, topic).catch(() => false))) {
      const dead = children.find((c) => c.gone() || /^sluice: SLUICE_ERR_/m.test(c.tail()));
      if (dead) throw new Error(`a processor exited (${dead.proc.exitCode ?? dead.proc.signalCode}) before catching up on ${topic}:\n${dead.tail()}`);
      if (Date.now() > deadline) throw new Error(`not caught up on ${topic} after ${timeoutMs} ms:\n${children.map((c) => c.tail()).join('\n---\n')}`);
      await sleep(200);
    }
  }
}

/** What an undisturbed run gives: finding ids, and the count per key. */
export function undisturbed(keys: number, perKey: number): { ids: Set<string>; counts: Map<string, number> } {
  const ids = new Set<string>();
  const counts = new Map<string, number>();
  for (let k = 0; k < keys; k++) {
    counts.set(keyOf(k), perKey);
    for (let c = EVERY; c <= perKey; c += EVERY) ids.add(findingId('event_count', 'count_reached', keyOf(k), [String(c)]));
  }
  return { ids, counts };
}

/** Findings in ClickHouse: distinct ids under FINAL, and the raw row count under FINAL. */
export async function storedFindings(run: FaultRun): Promise<{ ids: Set<string>; rowsFinal: number }> {
  const ch = run.config.clickhouse!;
  const c = createClient({ url: ch.url, username: ch.username, password: ch.password });
  try {
    const rs = await c.query({ query: `SELECT id FROM ${ch.database}.findings FINAL WHERE detector = 'event_count'`, format: 'JSONEachRow' });
    const rows = await rs.json<{ id: string }>();
    return { ids: new Set(rows.map((r) => r.id)), rowsFinal: rows.length };
  } finally {
    await c.close();
  }
}

/** The event_count state as a restore would load it: latest (highest input offset) value per key. */
export async function changelogState(transport: KafkaTransport, run: FaultRun): Promise<Map<string, number>> {
  const latest = new Map<string, { at: bigint; count: number | null }>();
  const parts = Array.from({ length: PARTITIONS }, (_, p) => p);
  await transport.readPartitions(changelogTopic(run.config.app, 'event_count'), parts, (messages) => {
    for (const m of messages) {
      const at = BigInt(m.headers[CHANGELOG_HEADERS.offset] ?? '-1');
      const prev = latest.get(m.key!);
      if (prev && prev.at > at) continue;
      latest.set(m.key!, { at, count: m.tombstone ? null : (JSON.parse(m.value.toString()) as { count: number }).count });
    }
  });
  return new Map([...latest].filter(([, v]) => v.count !== null).map(([k, v]) => [k, v.count!]));
}

/**
 * A detector's state as a restore would load it (state-manager.ts collect()): per key, the last
 * record in changelog order not older than one already read for the same input topic and
 * partition; tombstoned keys left out.
 */
export async function changelogValues(transport: KafkaTransport, run: FaultRun, detector: string, partitions = PARTITIONS): Promise<Map<string, unknown>> {
  const latest = new Map<string, { value: unknown }>();
  const seen = new Map<string, bigint>();
  await transport.readPartitions(changelogTopic(run.config.app, detector), Array.from({ length: partitions }, (_, p) => p), (messages) => {
    for (const m of messages) {
      const at = BigInt(m.headers[CHANGELOG_HEADERS.offset] ?? '-1');
      const input = `${m.key!}\u0000${m.headers[CHANGELOG_HEADERS.partition] ?? ''}\u0000${m.headers[CHANGELOG_HEADERS.topic] ?? ''}`;
      const high = seen.get(input);
      if (high !== undefined && high > at) continue;
      seen.set(input, at);
      latest.set(m.key!, { value: m.tombstone ? null : (JSON.parse(m.value.toString()) as unknown) });
    }
  });
  return new Map([...latest].filter(([, v]) => v.value !== null).map(([k, v]) => [k, v.value]));
}

/** Finding ids of one detector in ClickHouse under FINAL, and the row count. */
export async function storedFindingIds(run: FaultRun, detector: string): Promise<{ ids: Set<string>; rows: number }> {
  const ch = run.config.clickhouse!;
  const c = createClient({ url: ch.url, username: ch.username, password: ch.password });
  try {
    const rs = await c.query({ query: `SELECT id FROM ${ch.database}.findings FINAL WHERE detector = '${detector.replace(/[^a-z_]/g, '')}'`, format: 'JSONEachRow' });
    const rows = await rs.json<{ id: string }>();
    return { ids: new Set(rows.map((r) => r.id)), rows: rows.length };
  } finally {
    await c.close();
  }
}
