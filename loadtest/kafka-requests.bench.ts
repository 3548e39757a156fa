/**
 * `npm run bench -- kafka-requests`: how many Kafka requests, of which API, a processor sends per
 * 1,000 events at a steady offered rate (issue #17: three local brokers at 160-200% CPU while the
 * load test ran about 300 events/s). One processor (the real role: `buildProcessor`, the default
 * detectors plus flow_baseline, ClickHouse and the findings topic as sinks, as the load test's
 * members run) in this process on the test harness's Apache Kafka (3 KRaft nodes, started for the
 * run) and a private ClickHouse; the load test's mixed corpus is produced at `--rate` events/s in
 * 100 ms ticks by a separate, uncounted producer. Counted: every request the processor's kafkajs
 * clients complete (their `request` instrumentation events), from the end of a 300-event warm-up to
 * the moment the group has committed every measured event.
 *
 * Each configuration runs on its own topics and group, one after the other, with the same corpus:
 * `before` is the client before issue 17's change (no produce or commit coalescing), `after` the
 * defaults (`producerLingerMs` 5, `commitLingerMs` 5), `after-min-bytes` those plus
 * `fetchMinBytes` 32 KiB; all with the load test's `maxWaitTimeMs` 100. Request counts depend on
 * the machine's load only through the batch sizes (a slower run makes smaller batches): compare
 * configurations within one run. Times and CPU figures move with the load.
 *
 * Options: `--events=N` (default 3000), `--rate=N` (default 300), `--configs=before,after` (default:
 * all three),
 * `--no-clickhouse` (findings topic only: shorter batches, so more of them), `--kafka-nodes=N` (default 3;
 * topics replicated min(3, N) times). Each run also prints the milliseconds per partition batch of
 * each step (decode, detect, sinks, side outputs, dead letters, changelog), summed over the batches.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveConfig } from '../services/cli/config.ts';
import { appTopology } from '../services/cli/config.ts';
import { systemClock } from '../services/core/clock.ts';
import { AvroCodec } from '../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../services/core/avro/registry.ts';
import { silentLogger } from '../services/core/logger.ts';
import { topicFor, type StreamName } from '../services/core/streams.ts';
import { createTelemetry } from '../services/core/telemetry.ts';
import { isCaughtUp, type OutgoingMessage } from '../services/core/transport.ts';
import { buildProcessor } from '../services/processor/build.ts';
import { KafkaTransport, type KafkaRequestEvent } from '../services/transports/kafka/transport.ts';
import { startClickHouseLocal, type ClickHouseLocal } from '../test/support/clickhouse-local.ts';
import { kafkaNodePid, startKafkaLocal } from '../test/support/kafka-local.ts';
import { createTestTopics } from '../test/support/kafka-admin.ts';
import { KAFKA_TEST_CONSUMER_SETTINGS } from '../test/support/services.ts';
import { buildCorpus, type CorpusMessage } from './scale/generate.ts';

const PARTITIONS = 12;
const WARMUP = 300;
const STREAMS_USED: readonly StreamName[] = ['activity', 'config', 'flow'];

/** Kafka settings of each configuration, over the load test's member settings. */
export const REQUEST_BENCH_CONFIGS: Record<string, Record<string, unknown>> = {
  before: { producerLingerMs: 0, commitLingerMs: 0, fetchMinBytes: 1 },
  after: {},
  'after-min-bytes': { fetchMinBytes: 32 * 1024 },
};

/** Requests per API and client, scaled to 1,000 events. */
export function perThousand(counts: ReadonlyMap<string, number>, events: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1])) out[k] = Math.round((n * 10_000) / events) / 10;
  return out;
}

/** CPU seconds (user + system) the processes have used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name, which is in parentheses: utime and stime are the 12th and 13th.
      const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(rest[11]) + Number(rest[12]);
    } catch {
      // a process that is gone counts nothing
    }
  }
  return ticks / 100;
}

function option(args: string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function runOne(name: string, brokerPids: readonly number[], brokers: string[], clickhouseUrl: string | null, warmup: readonly CorpusMessage[], measured: readonly CorpusMessage[], rate: number): Promise<Record<string, unknown>> {
  const id = `kr${Date.now().toString(36)}${name.replace(/[^A-Za-z0-9]/g, '')}`;
  const topicKeys = ['activity', 'config', 'flow', 'objectChunk', 'imageInventory', 'advisory', 'process', 'findings', 'actions', 'actionResults', 'rescan', 'enforcement', 'control', 'deadLetter'];
  const config = resolveConfig({
    app: id,
    log: { level: 'silent' },
    topics: Object.fromEntries(topicKeys.map((k) => [k, `${id}.${k}`])),
    processor: { groupId: `${id}-processor` },
    detectors: { flow_baseline: { enabled: true } },
    kafka: {
      brokers,
      sessionTimeoutMs: KAFKA_TEST_CONSUMER_SETTINGS.sessionTimeout,
      heartbeatIntervalMs: KAFKA_TEST_CONSUMER_SETTINGS.heartbeatInterval,
      maxWaitTimeMs: KAFKA_TEST_CONSUMER_SETTINGS.maxWaitTimeInMs,
      ...REQUEST_BENCH_CONFIGS[name],
    },
    allowLocalSchemaIds: true,
    ...(clickhouseUrl ? { clickhouse: { url: clickhouseUrl, database: id } } : {}),
    http: { port: 0 },
  });
  const topology = appTopology(config);
  const names = new Set<string>([...topology.streams.map((s) => s.topic), ...topicKeys.map((k) => (config.topics as unknown as Record<string, string>)[k]!)]);
  await createTestTopics(brokers, [...[...names].map((n) => ({ name: n, partitions: PARTITIONS })), ...topology.detectors.filter((d) => d.changelog).map((d) => ({ name: d.changelog!, partitions: PARTITIONS, compact: true }))]);

  const counts = new Map<string, number>();
  const bytes = new Map<string, number>();
  let counting = false;
  const onRequest = (e: KafkaRequestEvent) => {
    if (!counting) return;
    const k = `${e.client} ${e.apiName}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    bytes.set(k, (bytes.get(k) ?? 0) + e.size);
  };
  const logger = silentLogger();
  const ctx = { config, logger, clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-bench' }) };
  const transport = new KafkaTransport(config.kafka!, logger, { onRequest });
  const driver = new KafkaTransport(config.kafka!, logger);
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const processor = await buildProcessor(ctx, topology, transport, codec);
  const producer = await driver.producer();
  const topicOf = Object.fromEntries(STREAMS_USED.map((s) => [s, topicFor(s, config.topics)])) as Record<string, string>;
  const send = async (batch: readonly CorpusMessage[]) => {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const m of batch) {
      const t = topicOf[m.stream]!;
      let list = byTopic.get(t);
      if (!list) byTopic.set(t, (list = []));
      list.push({ key: m.key, value: m.value, headers: { 'sluice-source': m.feed } });
    }
    await Promise.all([...byTopic].map(([t, list]) => producer.send(t, list)));
  };
  const caughtUp = async (deadline: number) => {
    for (;;) {
      // The group coordinator may still be loading right after the cluster starts: not caught up yet.
      const poll = Promise.all(STREAMS_USED.map((s) => isCaughtUp(driver, config.processor.groupId, topicOf[s]!)));
      const all = await Promise.race([poll, sleep(10_000).then(() => [false])]).catch(() => [false]);
      if (all.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`${name}: the processor did not catch up in time`);
      await sleep(100);
    }
  };
  try {
    processor.service.start().catch((err: unknown) => process.stderr.write(`kafka-requests ${name}: the processor failed: ${(err as Error).stack ?? String(err)}\n`));
    await send(warmup);
    await caughtUp(Date.now() + 180_000);
    // The brokers' own idle cost (controller quorum, group sessions, replica fetches), then the run.
    const idle0 = cpuSeconds(brokerPids);
    await sleep(5000);
    const idleCpuPerSec = (cpuSeconds(brokerPids) - idle0) / 5;
    process.stderr.write(`kafka-requests ${name}: warmed up; producing ${measured.length} events at ${rate}/s\n`);
    counting = true;
    const batches0 = processor.service.stats.batches;
    const stages0 = { ...processor.service.stats.stageSeconds };
    const cpu0 = cpuSeconds(brokerPids);
    const t0 = Date.now();
    let next = 0;
    for (let tick = 1; next < measured.length; tick++) {
      const due = Math.min(measured.length, Math.round((rate * tick) / 10));
      await send(measured.slice(next, due));
      next = due;
      const wait = t0 + tick * 100 - Date.now();
      if (wait > 0) await sleep(wait);
    }
    const produced = (Date.now() - t0) / 1000;
    await caughtUp(Date.now() + 300_000);
    counting = false;
    const seconds = (Date.now() - t0) / 1000;
    const brokerCpu = cpuSeconds(brokerPids) - cpu0;
    process.stderr.write(`kafka-requests ${name}: caught up after ${seconds.toFixed(1)} s\n`);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const byApi = new Map<string, number>();
    for (const [k, n] of counts) byApi.set(k.split(' ')[1]!, (byApi.get(k.split(' ')[1]!) ?? 0) + n);
    return {
      config: name,
      kafka_settings: REQUEST_BENCH_CONFIGS[name],
      events: measured.length,
      producing_seconds: +produced.toFixed(1),
      seconds_to_caught_up: +seconds.toFixed(1),
      batches: processor.service.stats.batches - batches0,
      ms_per_batch_by_stage: Object.fromEntries(
        Object.entries(processor.service.stats.stageSeconds).map(([stage, sec]) => [stage, +(((sec - stages0[stage as keyof typeof stages0]) * 1000) / Math.max(1, processor.service.stats.batches - batches0)).toFixed(1)]),
      ),
      requests_per_1k_events: Math.round((total * 10_000) / measured.length) / 10,
      per_1k_events_by_api: perThousand(byApi, measured.length),
      per_1k_events_by_client_and_api: perThousand(counts, measured.length),
      broker_cpu_seconds_per_1k_events: +((brokerCpu * 1000) / measured.length).toFixed(2),
      broker_cpu_percent_while_running: Math.round((100 * brokerCpu) / seconds),
      broker_cpu_percent_idle: Math.round(100 * idleCpuPerSec),
      response_kb_per_1k_events: Math.round([...bytes.values()].reduce((a, b) => a + b, 0) / measured.length),
    };
  } finally {
    counting = false;
    await producer.close().catch(() => {});
    await processor.close().catch(() => {});
    await transport.close().catch(() => {});
    await driver.close().catch(() => {});
  }
}

export async function runKafkaRequestsBench(args: string[]): Promise<unknown> {
  const events = Number(option(args, 'events') ?? 3000);
  const rate = Number(option(args, 'rate') ?? 300);
  const configs = (option(args, 'configs') ?? Object.keys(REQUEST_BENCH_CONFIGS).join(',')).split(',');
  for (const c of configs) if (!(c in REQUEST_BENCH_CONFIGS)) throw new Error(`unknown configuration ${c} (${Object.keys(REQUEST_BENCH_CONFIGS).join(', ')})`);
  const corpus = await buildCorpus({ count: events, seed: 1, attackEvery: 100, prefix: 'kr' });
  const warmup = await buildCorpus({ count: WARMUP, seed: 2, attackEvery: 100, prefix: 'krw' });
  const kafka = await startKafkaLocal({ nodes: Number(option(args, 'kafka-nodes') ?? 3) });
  let clickhouse: ClickHouseLocal | null = null;
  try {
    if (!args.includes('--no-clickhouse')) clickhouse = await startClickHouseLocal();
    const runs: unknown[] = [];
    for (const name of configs) {
      runs.push(await runOne(name, kafka.nodeIds.map((n) => kafkaNodePid(kafka.dir, n)).filter((p): p is number => p !== null), kafka.bootstrap, clickhouse?.url ?? null, warmup.messages, corpus.messages, rate));
      process.stderr.write(`${JSON.stringify(runs.at(-1))}\n`);
    }
    return {
      bench: 'kafka-requests',
      kafka: `Apache Kafka ${kafka.version}, ${kafka.nodeIds.length} nodes, topics of ${PARTITIONS} partitions`,
      offered_rate: rate,
      sinks: clickhouse ? 'clickhouse, siem_kafka' : 'siem_kafka',
      note: 'request counts are the measure; seconds depend on the load of the machine',
      runs,
    };
  } finally {
    await clickhouse?.destroy().catch(() => {});
    await kafka.stop();
  }
}
