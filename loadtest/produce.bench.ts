/**
 * `npm run bench -- produce`: the collector role into Kafka (read NDJSON CloudTrail, normalize, Avro,
 * produce with acks=all), on a local Apache Kafka started for the run (the test harness's, one node,
 * its data folder kept so that what the broker stored can be measured), once per producer
 * compression. Printed per run: messages/s, and bytes per message as the broker stores them (the sum
 * of the topic's `.log` segment files over its messages, batch headers included) next to the raw
 * record's size. The anchor, when `kcat` is installed (`apt-get install kcat`), is `kcat -P -l` of the
 * same raw lines into a topic of the same shape, in the same run (librdkafka, no compression).
 * Each run is done twice, over a 200 KB file of the same records and over the corpus: the small
 * run is the start-up (connections, metadata, the collector thread), the difference is the steady
 * state, for Sluice and for kcat alike (kcat's over 8 copies of the corpus in one file, since it
 * sends one copy in about a tenth of a second); the ratio compares the steady states.
 *
 * Options: `--mb=N` corpus size (default 16), `--compression=none,lz4,...` (default none,lz4,gzip,snappy),
 * `--raw-cap=N` the collector's rawCapBytes (default: the collector's own default, 65536), `--batch=N`
 * records per produce round (default: the collector role's, 500).
 *
 * `--encode` runs no Kafka: it times the kafkajs code Sluice's patch changes (patches/kafkajs+2.2.4.patch),
 * CRC-32C over 1 MiB (the patched slicing-by-8 against upstream's byte-at-a-time loop, written out
 * here) and the encoding of one produce request of 500 records of 2 KiB (string key, trace header,
 * no compression), in CPU ms per request (process.cpuUsage, so other processes on the machine count
 * less than in wall time). `--rounds=N` repeats each measure (default 3).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../services/cli/config.ts';
import { systemClock } from '../services/core/clock.ts';
import { AvroCodec } from '../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../services/core/avro/registry.ts';
import { DeadLetterWriter } from '../services/core/dead-letter.ts';
import { silentLogger } from '../services/core/logger.ts';
import { createTelemetry } from '../services/core/telemetry.ts';
import { awsCloudTrailCollector } from '../services/collectors/aws_cloudtrail/index.ts';
import { collectFiles } from '../services/collectors/service.ts';
import { KafkaTransport } from '../services/transports/kafka/transport.ts';
import { startKafkaLocal } from '../test/support/kafka-local.ts';
import { withAdmin } from '../test/support/kafka-admin.ts';
import { loadRecords, ndjsonCorpus } from './corpus.ts';

type Compression = 'none' | 'gzip' | 'lz4' | 'snappy';
const PARTITIONS = 12;
/** Copies of the corpus kcat sends for its steady state (one process, one file). */
const KCAT_REPEAT = 8;

/** Bytes of the topic's log segments in a broker data folder (one replica). */
function storedBytes(dataDir: string, topic: string): number {
  let total = 0;
  for (const d of readdirSync(dataDir)) {
    if (!d.startsWith(`${topic}-`)) continue;
    for (const f of readdirSync(join(dataDir, d))) if (f.endsWith('.log')) total += statSync(join(dataDir, d, f)).size;
  }
  return total;
}

/** Messages per second of a big run beyond a small one (start-up cancelled); null when the difference is not positive. */
function steadyRate(small: { messages: number; sec: number }, big: { messages: number; sec: number }): number | null {
  const dt = big.sec - small.sec;
  return dt > 0 && big.messages > small.messages ? Math.round((big.messages - small.messages) / dt) : null;
}

function hasKcat(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Upstream kafkajs 2.2.4's CRC-32C loop (one table lookup per byte), the baseline of `--encode`. */
function crc32cByteAtATime(table: Int32Array, bytes: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

async function runEncodeBench(args: string[]): Promise<unknown> {
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
  const require = createRequire(import.meta.url);
  const crc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Uint8Array) => number;
  const produceV7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as (a: object) => { encode(): Promise<{ buffer: Buffer }> };
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c;
  }
  const cpuMs = (fn: () => void, n: number): number => {
    fn();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / n;
  };
  const mib = randomBytes(1 << 20);
  if (crc32c(mib) !== crc32cByteAtATime(table, mib)) throw new Error('patched crc32C disagrees with the byte-at-a-time loop');
  const value = randomBytes(2048);
  const messages = Array.from({ length: 500 }, (_, i) => ({ key: `principal-${i % 50}`, value, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }));
  const crc: Array<Record<string, number>> = [];
  const encode: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const upstream = cpuMs(() => crc32cByteAtATime(table, mib), 50);
    const patched = cpuMs(() => crc32c(mib), 200);
    crc.push({ upstream_mib_per_sec: Math.round(1000 / upstream), patched_mib_per_sec: Math.round(1000 / patched), speedup: +(upstream / patched).toFixed(2) });
    const n = 300;
    await produceV7({ acks: -1, timeout: 30000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] }).encode();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await produceV7({ acks: -1, timeout: 30000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] }).encode();
    const c = process.cpuUsage(c0);
    encode.push(+((c.user + c.system) / 1000 / n).toFixed(2));
  }
  return { bench: 'produce --encode', crc32c_1mib: crc, produce_request_500x2kib_cpu_ms: encode, records_per_cpu_sec: encode.map((ms) => Math.round(500 / ms * 1000)) };
}

export async function runProduceBench(args: string[]): Promise<unknown> {
  if (args.includes('--encode')) return runEncodeBench(args);
  const mb = Number(args.find((a) => a.startsWith('--mb='))?.slice(5) ?? 16);
  const compressions = (args.find((a) => a.startsWith('--compression='))?.slice(14) ?? 'none,lz4,gzip,snappy').split(',') as Compression[];
  const rawCapArg = args.find((a) => a.startsWith('--raw-cap='))?.slice(10);
  const batchArg = args.find((a) => a.startsWith('--batch='))?.slice(8);
  const threads = (args.find((a) => a.startsWith('--thread='))?.slice(9) ?? 'always,never').split(',') as Array<'always' | 'never'>;
  const fixture = fileURLToPath(new URL('../test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl', import.meta.url));
  const { bytes, records } = ndjsonCorpus(loadRecords(fixture), mb * 1e6);
  const work = mkdtempSync(join(tmpdir(), 'sluice-produce-bench-'));
  const file = join(work, 'cloudtrail.ndjson');
  writeFileSync(file, bytes);
  const small = ndjsonCorpus(loadRecords(fixture), 200 * 1024);
  const smallFile = join(work, 'cloudtrail-small.ndjson');
  writeFileSync(smallFile, small.bytes);
  const kafka = await startKafkaLocal({ dir: join(work, 'kafka') });
  const dataDirs = readdirSync(join(work, 'kafka')).filter((d) => /^data\d+$/.test(d)).map((d) => join(work, 'kafka', d));
  const stored = (topic: string) => dataDirs.reduce((sum, d) => sum + storedBytes(d, topic), 0);
  const topics = [...compressions.flatMap((c) => threads.map((t) => `bench.produce.${c}.${t}`)), 'bench.produce.kcat', 'bench.produce.dlq'];
  try {
    await withAdmin(kafka.bootstrap, (admin) =>
      admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: [{ name: 'compression.type', value: 'producer' }, { name: 'min.insync.replicas', value: '1' }] })) }),
    );
    const runs: Array<Record<string, unknown>> = [];
    for (const compression of compressions) for (const thread of threads) {
      const topic = `bench.produce.${compression}.${thread}`;
      const config = resolveConfig({ log: { level: 'silent' }, kafka: { brokers: kafka.bootstrap, compression }, allowLocalSchemaIds: true, topics: { activity: topic, deadLetter: 'bench.produce.dlq' } });
      // One collector role run over `path`: a new producer, codec and (with --thread=always) collector thread, as `sluice collect` starts them.
      const collectOnce = async (path: string) => {
        const transport = new KafkaTransport(config.kafka!, silentLogger());
        const codec = new AvroCodec(new LocalSchemaRegistry());
        const t0 = process.hrtime.bigint();
        const producer = await transport.producer();
        const collector = awsCloudTrailCollector(rawCapArg === undefined ? {} : { rawCapBytes: Number(rawCapArg) });
        const stats = await collectFiles(
          { collector, producer, codec, deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, systemClock), topics: config.topics, logger: silentLogger(), telemetry: createTelemetry({ serviceName: 'sluice-bench' }), ...(batchArg ? { batchSize: Number(batchArg) } : {}), offThread: { type: 'aws_cloudtrail', configs: rawCapArg === undefined ? {} : { aws_cloudtrail: { rawCapBytes: Number(rawCapArg) } }, mode: thread, minInputBytes: 0 } },
          [path],
        );
        const sec = Number(process.hrtime.bigint() - t0) / 1e9;
        await transport.close();
        return { messages: stats.normalized, sec };
      };
      // Start-up apart from steady state: a small run of the same records gives the fixed cost
      // (producer connection, metadata, the collector thread's start); steady state is the difference.
      const fixed = await collectOnce(smallFile);
      const whole = await collectOnce(file);
      const steady = steadyRate(fixed, whole);
      const onDisk = stored(topic);
      runs.push({
        compression,
        collector_thread: thread === 'always',
        messages: whole.messages,
        seconds: +whole.sec.toFixed(2),
        messages_per_sec: Math.round(whole.messages / whole.sec),
        small_run: { messages: fixed.messages, seconds: +fixed.sec.toFixed(2) },
        steady_messages_per_sec: steady,
        stored_bytes_per_message: Math.round(onDisk / (fixed.messages + whole.messages)),
      });
    }
    let anchor: Record<string, unknown> = { kcat: 'not installed (apt-get install kcat): no anchor in this run' };
    if (hasKcat()) {
      const kcatOnce = (path: string, lines: number) => {
        const t0 = process.hrtime.bigint();
        execFileSync('kcat', ['-P', '-b', kafka.bootstrap.join(','), '-t', 'bench.produce.kcat', '-l', '-X', 'acks=all', path], { stdio: 'ignore', maxBuffer: 1 << 20 });
        return { messages: lines, sec: Number(process.hrtime.bigint() - t0) / 1e9 };
      };
      const fixed = kcatOnce(smallFile, small.records);
      const whole = kcatOnce(file, records);
      // kcat sends the corpus in about a tenth of a second, mostly its start-up: its steady state is
      // measured over a file of the corpus KCAT_REPEAT times (kcat -l takes one file).
      const repeatedFile = join(work, 'cloudtrail-repeated.ndjson');
      writeFileSync(repeatedFile, Buffer.concat(Array.from({ length: KCAT_REPEAT }, () => bytes)));
      const repeated = kcatOnce(repeatedFile, records * KCAT_REPEAT);
      rmSync(repeatedFile);
      anchor = {
        kcat_messages_per_sec: Math.round(records / whole.sec),
        kcat_small_run_seconds: +fixed.sec.toFixed(3),
        kcat_steady_messages_per_sec: steadyRate(fixed, repeated),
        kcat_steady_over: `the corpus ${KCAT_REPEAT} times (${records * KCAT_REPEAT} messages) in ${repeated.sec.toFixed(2)} s`,
        kcat_stored_bytes_per_message: Math.round(stored('bench.produce.kcat') / (small.records + records * (1 + KCAT_REPEAT))),
      };
    }
    const kcatRate = anchor.kcat_messages_per_sec as number | undefined;
    const kcatSteady = anchor.kcat_steady_messages_per_sec as number | null | undefined;
    return {
      bench: 'produce',
      kafka: `Apache Kafka ${kafka.version}, ${kafka.nodeIds.length} nodes, topics of ${PARTITIONS} partitions, replication 1`,
      records,
      raw_bytes_per_record: Math.round(bytes.length / records),
      runs: runs.map((r) => ({
        ...r,
        ...(kcatRate ? { whole_run_ratio_to_kcat: +((r.messages_per_sec as number) / kcatRate).toFixed(3) } : {}),
        ...(kcatSteady && r.steady_messages_per_sec ? { ratio_to_kcat: +((r.steady_messages_per_sec as number) / kcatSteady).toFixed(3) } : {}),
      })),
      ...anchor,
      note: 'steady state = (messages of the big run - messages of a 200 KB run) / (the difference of their seconds), for Sluice and for kcat alike; ratio_to_kcat compares the steady states, whole_run_ratio_to_kcat the whole runs (start-up included)',
    };
  } finally {
    await kafka.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
