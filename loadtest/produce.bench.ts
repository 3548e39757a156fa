/**
 * `npm run bench -- produce`: the collector role into Kafka (read NDJSON CloudTrail, normalize, Avro,
 * produce with acks=all), on a local Apache Kafka started for the run (the test harness's, one node,
 * its data folder kept so that what the broker stored can be measured), once per producer
 * compression. Printed per run: messages/s, and bytes per message as the broker stores them (the sum
 * of the topic's `.log` segment files over its messages, batch headers included) next to the raw
 * record's size. The anchor, when `kcat` is installed (`apt-get install kcat`), is `kcat -P -l` of the
 * same raw lines into a topic of the same shape, in the same run (librdkafka, no compression).
 *
 * Options: `--mb=N` corpus size (default 16), `--compression=none,lz4,...` (default none,lz4,gzip,snappy),
 * `--raw-cap=N` the collector's rawCapBytes (default: the collector's own default, 65536), `--batch=N`
 * records per produce round (default: the collector role's, 500).
 */
import { execFileSync, spawnSync } from 'node:child_process';
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

/** Bytes of the topic's log segments in a broker data folder (one replica). */
function storedBytes(dataDir: string, topic: string): number {
  let total = 0;
  for (const d of readdirSync(dataDir)) {
    if (!d.startsWith(`${topic}-`)) continue;
    for (const f of readdirSync(join(dataDir, d))) if (f.endsWith('.log')) total += statSync(join(dataDir, d, f)).size;
  }
  return total;
}

function hasKcat(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export async function runProduceBench(args: string[]): Promise<unknown> {
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
      const transport = new KafkaTransport(config.kafka!, silentLogger());
      const codec = new AvroCodec(new LocalSchemaRegistry());
      const producer = await transport.producer();
      const collector = awsCloudTrailCollector(rawCapArg === undefined ? {} : { rawCapBytes: Number(rawCapArg) });
      const t0 = process.hrtime.bigint();
      const stats = await collectFiles(
        { collector, producer, codec, deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, systemClock), topics: config.topics, logger: silentLogger(), telemetry: createTelemetry({ serviceName: 'sluice-bench' }), ...(batchArg ? { batchSize: Number(batchArg) } : {}), offThread: { type: 'aws_cloudtrail', configs: rawCapArg === undefined ? {} : { aws_cloudtrail: { rawCapBytes: Number(rawCapArg) } }, mode: thread, minInputBytes: 0 } },
        [file],
      );
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      await transport.close();
      const onDisk = stored(topic);
      runs.push({ compression, collector_thread: thread === 'always', messages: stats.normalized, seconds: +sec.toFixed(2), messages_per_sec: Math.round(stats.normalized / sec), stored_bytes_per_message: Math.round(onDisk / stats.normalized) });
    }
    let anchor: Record<string, unknown> = { kcat: 'not installed (apt-get install kcat): no anchor in this run' };
    if (hasKcat()) {
      const t0 = process.hrtime.bigint();
      execFileSync('kcat', ['-P', '-b', kafka.bootstrap.join(','), '-t', 'bench.produce.kcat', '-l', '-X', 'acks=all', file], { stdio: 'ignore', maxBuffer: 1 << 20 });
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      anchor = { kcat_messages_per_sec: Math.round(records / sec), kcat_stored_bytes_per_message: Math.round(stored('bench.produce.kcat') / records) };
    }
    const kcatRate = anchor.kcat_messages_per_sec as number | undefined;
    return {
      bench: 'produce',
      kafka: `Apache Kafka ${kafka.version}, ${kafka.nodeIds.length} nodes, topics of ${PARTITIONS} partitions, replication 1`,
      records,
      raw_bytes_per_record: Math.round(bytes.length / records),
      runs: runs.map((r) => (kcatRate ? { ...r, ratio_to_kcat: +((r.messages_per_sec as number) / kcatRate).toFixed(3) } : r)),
      ...anchor,
    };
  } finally {
    await kafka.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
