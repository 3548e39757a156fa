/**
 * `npm run bench -- clickhouse`: the ClickHouse sink's write path against `clickhouse-client` on the
 * same rows, in the same run.
 *
 * Input: the OTRF CloudTrail fixture (103 records of one day, normalized by the aws_cloudtrail
 * collector; one day, as a live feed's INSERTs mostly touch one day partition) replayed to
 * `--events` activity events with unique uids, and the findings the
 * signatures detector (the bundled pack) raises on them, replayed with unique ids to one finding per
 * `--per-finding` events; the events then go through the activity topic's Avro and back, so the
 * sink writes the objects a processor's sinks receive. ClickHouse is the test harness's private `clickhouse-server` (Debian's
 * 18.16), started for the run, or `CLICKHOUSE_URL` (then `CLICKHOUSE_TCP_PORT`, default 9000, for
 * clickhouse-client). Each run gets fresh databases, created by the sink's migrations.
 *
 * (a) sink: what a processor runs after its detectors: `--concurrency` partitions at once (the
 * processor's partitionsConsumedConcurrently, 4), each delivering batches of `--batch` events with
 * their findings, `writeEvents` and `write` at the same time, the next batch once both resolved.
 * Start-up is `start()` (version check, migrations) plus the first round of batches; steady state is
 * the rows after that round over the time after it.
 * (b) anchor: the same rows (eventRow / toFindingRow as JSONEachRow, written to files beforehand) inserted with
 * `clickhouse-client --query "INSERT INTO … FORMAT JSONEachRow" < file`, one process per table, into
 * tables made by the same migrations. Its start-up is a `clickhouse-client --query "SELECT 1"`
 * process timed in the same run; its steady state is the rows over the insert time less one
 * start-up per process.
 *
 * `--runs` (default 3) alternating runs (sink first in odd runs, client first in even); medians
 * printed, with each run. Every run checks that each table holds the rows it should. A second
 * anchor, `clickhouse_client_sink_format`, inserts the events in the sink's own format
 * (TabSeparated) with clickhouse-client, to show what the format alone is worth to the server.
 *
 * Options: `--events=N` (50000), `--per-finding=N` (10), `--batch=N` events per partition batch
 * (500), `--concurrency=N` partitions at once (4), `--runs=N` (3); `--flush-ms=N`, `--max-rows=N`,
 * `--max-bytes=N`, `--in-flight=N` (eventInsertsInFlight), `--parallel-min-rows=N` sink options
 * instead of the defaults; `--baseline=<dir>` another checkout (its
 * `services/` and `schemas/`, with a node_modules) whose sink is timed in the same alternating runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { awsCloudTrailCollector } from '../services/collectors/aws_cloudtrail/index.ts';
import { AvroCodec } from '../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../services/core/avro/registry.ts';
import { STREAMS } from '../services/core/streams.ts';
import type { ApiActivity, Finding } from '../services/core/events.ts';
import { silentLogger } from '../services/core/logger.ts';
import { MemoryKeyedState } from '../services/core/state.ts';
import { SignaturesConfig, SignaturesDetector } from '../services/detectors/signatures/index.ts';
import { loadRulePacks } from '../services/rules/loader.ts';
import { ClickHouseFindingSink } from '../services/sinks/clickhouse/sink.ts';
import { encodeRow, FINDING_COLUMNS, toFindingRow } from '../services/sinks/clickhouse/rows.ts';
import { EVENT_COLUMNS, EVENT_FORMAT, encodeEventRow, eventRow } from '../services/sinks/clickhouse/event-rows.ts';
import { startClickHouseLocal, type ClickHouseLocal } from '../test/support/clickhouse-local.ts';

interface Options {
  events: number;
  perFinding: number;
  batch: number;
  concurrency: number;
  runs: number;
  /** Sink options to try instead of the defaults (--flush-ms, --max-rows, --max-bytes). */
  sink: { flushIntervalMs?: number; maxRows?: number; maxBytes?: number; eventInsertsInFlight?: number; parallelInsertMinRows?: number };
}

function option(args: string[], name: string, fallback: number): number {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
}

const FIXTURES = ['../test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl'];

/** The fixtures' records normalized, replayed to `count` events with unique uids. */
function activityEvents(count: number): ApiActivity[] {
  const collector = awsCloudTrailCollector({});
  const base: ApiActivity[] = [];
  for (const rel of FIXTURES) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    for (const out of collector.collect({ name: path, bytes: readFileSync(path) })) if (out.kind === 'event' && out.stream === 'activity') base.push(out.event);
  }
  const events: ApiActivity[] = [];
  for (let i = 0; i < count; i++) {
    const e = base[i % base.length]!;
    events.push({ ...e, metadata: { ...e.metadata, uid: `${e.metadata.uid}-${i}` } });
  }
  return events;
}

/** The events as a processor's sinks get them: encoded to the activity topic's Avro and decoded back. */
async function viaAvro(events: readonly ApiActivity[]): Promise<ApiActivity[]> {
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const schema = STREAMS.activity.schema;
  const out: ApiActivity[] = [];
  for (const e of events) out.push((await codec.decode<ApiActivity>(await codec.encode('bench.activity', schema, e), schema)).value);
  return out;
}

/** Findings of the bundled signatures pack on the base events, replayed to `count` with unique ids. */
function findingsFor(events: readonly ApiActivity[], count: number): Finding[] {
  const detector = new SignaturesDetector(SignaturesConfig.parse({}), { clock: { now: () => 0 }, state: new MemoryKeyedState(), emit: () => undefined }, loadRulePacks(['@builtin/activity']));
  const base: Finding[] = [];
  for (let i = 0; i < events.length && base.length < 5000; i++) base.push(...detector.process(events[i]!, { key: events[i]!.actor.user.uid, topic: 'bench', partition: 0, offset: String(i) }));
  if (base.length === 0) throw new Error('the signatures pack raised no finding on the fixtures');
  const findings: Finding[] = [];
  for (let i = 0; i < count; i++) {
    const f = base[i % base.length]!;
    findings.push({ ...f, id: `${f.id}-${i}`, finding_info: { ...f.finding_info, uid: `${f.id}-${i}` } });
  }
  return findings;
}

interface Batch {
  events: Array<{ event: ApiActivity; key: string }>;
  findings: Finding[];
}

function batches(events: readonly ApiActivity[], findings: readonly Finding[], size: number): Batch[] {
  const out: Batch[] = [];
  const n = Math.ceil(events.length / size);
  for (let b = 0; b < n; b++) {
    const ev = events.slice(b * size, (b + 1) * size).map((event) => ({ event, key: event.actor.user.uid }));
    const fs = findings.slice(Math.floor((b * findings.length) / n), Math.floor(((b + 1) * findings.length) / n));
    out.push({ events: ev, findings: fs });
  }
  return out;
}

interface Measured {
  startup_s: number;
  steady_rows_per_sec: number;
  /** Sink only: CPU seconds of this process (all its threads) over the run, per 1000 rows. */
  cpu_ms_per_1k_rows?: number;
  total_rows_per_sec: number;
  seconds: number;
}

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;
const round = (x: number, d = 3): number => +x.toFixed(d);

async function count(client: ClickHouseClient, table: string): Promise<number> {
  const rs = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  const rows = await rs.json<{ n: number | string }>();
  return Number(rows[0]?.n ?? 0);
}

async function verify(client: ClickHouseClient, db: string, events: number, findings: number): Promise<void> {
  const [e, f] = [await count(client, `${db}.api_activity`), await count(client, `${db}.findings`)];
  if (e !== events || f !== findings) throw new Error(`${db}: expected ${events} events and ${findings} findings, the tables hold ${e} and ${f}`);
}

/** The sink class of this checkout, or of another one (`--baseline=<dir>`). */
type SinkClass = typeof ClickHouseFindingSink;

async function sinkRun(Sink: SinkClass, url: string, db: string, work: readonly Batch[], opts: Options, rows: number): Promise<Measured> {
  const sink = new Sink({ clickhouse: { url, username: 'default', password: '', database: db }, logger: silentLogger(), sink: { retentionCheckIntervalMs: 0, ...opts.sink } });
  const cpu0 = process.cpuUsage();
  const deliver = (b: Batch) => Promise.all([sink.writeEvents('activity', b.events), sink.write(b.findings)]);
  const t0 = process.hrtime.bigint();
  await sink.start();
  const first = work.slice(0, opts.concurrency);
  await Promise.all(first.map(deliver));
  const startup = seconds(t0);
  const t1 = process.hrtime.bigint();
  let next = first.length;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < work.length) await deliver(work[next++]!);
    }),
  );
  const steady = seconds(t1);
  const total = seconds(t0);
  await sink.close();
  const cpu = process.cpuUsage(cpu0);
  const firstRows = first.reduce((n, b) => n + b.events.length + b.findings.length, 0);
  return { startup_s: round(startup), steady_rows_per_sec: Math.round((rows - firstRows) / steady), total_rows_per_sec: Math.round(rows / total), seconds: round(total, 2), cpu_ms_per_1k_rows: round((cpu.user + cpu.system) / rows, 2) };
}

function clickhouseClient(host: string, port: number, args: string[], input?: string): void {
  const r = spawnSync('sh', ['-c', `clickhouse-client --host '${host}' --port ${port} ${args.map((a) => `'${a}'`).join(' ')}${input ? ` < '${input}'` : ''}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`clickhouse-client ${args.join(' ')} failed: ${r.stderr.slice(0, 300)}`);
}

async function clientRun(url: string, host: string, port: number, db: string, files: { events: string; findings: string }, rows: number, eventFormat = 'JSONEachRow'): Promise<Measured> {
  // The tables, by the sink's migrations (start() only; nothing written through it).
  const sink = new ClickHouseFindingSink({ clickhouse: { url, username: 'default', password: '', database: db }, logger: silentLogger(), sink: { retentionCheckIntervalMs: 0 } });
  await sink.start();
  await sink.close();
  const t0 = process.hrtime.bigint();
  clickhouseClient(host, port, ['--query', 'SELECT 1']);
  const startup = seconds(t0);
  const t1 = process.hrtime.bigint();
  clickhouseClient(host, port, ['--query', `INSERT INTO ${db}.api_activity (${EVENT_COLUMNS.activity.join(', ')}) FORMAT ${eventFormat}`], files.events);
  clickhouseClient(host, port, ['--query', `INSERT INTO ${db}.findings (${FINDING_COLUMNS.join(', ')}) FORMAT JSONEachRow`], files.findings);
  const total = seconds(t1);
  return { startup_s: round(startup), steady_rows_per_sec: Math.round(rows / Math.max(total - 2 * startup, 1e-6)), total_rows_per_sec: Math.round(rows / total), seconds: round(total, 2) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function summary(runs: Measured[]): Measured {
  return {
    startup_s: median(runs.map((r) => r.startup_s)),
    steady_rows_per_sec: median(runs.map((r) => r.steady_rows_per_sec)),
    total_rows_per_sec: median(runs.map((r) => r.total_rows_per_sec)),
    seconds: median(runs.map((r) => r.seconds)),
    ...(runs[0]?.cpu_ms_per_1k_rows !== undefined ? { cpu_ms_per_1k_rows: median(runs.map((r) => r.cpu_ms_per_1k_rows!)) } : {}),
  };
}

function installed(): boolean {
  return spawnSync('clickhouse-client', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function runClickHouseBench(args: string[]): Promise<unknown> {
  const opts: Options = {
    events: option(args, 'events', 50_000),
    perFinding: option(args, 'per-finding', 10),
    batch: option(args, 'batch', 500),
    concurrency: option(args, 'concurrency', 4),
    runs: option(args, 'runs', 3),
    sink: {},
  };
  for (const [flag, key] of [['flush-ms', 'flushIntervalMs'], ['max-rows', 'maxRows'], ['max-bytes', 'maxBytes'], ['in-flight', 'eventInsertsInFlight'], ['parallel-min-rows', 'parallelInsertMinRows']] as const) {
    if (args.some((a) => a.startsWith(`--${flag}=`))) opts.sink[key] = flag === 'flush-ms' ? Number(args.find((a) => a.startsWith('--flush-ms='))!.slice(11)) : option(args, flag, 1);
  }
  const load0 = loadavg()[0]!;
  // As a processor's sinks receive them: decoded from the topic's Avro (not the normalizer's objects).
  const events = await viaAvro(activityEvents(opts.events));
  const findings = findingsFor(events, Math.floor(opts.events / opts.perFinding));
  const rows = events.length + findings.length;
  const work = batches(events, findings, opts.batch);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ch-bench-'));
  // The anchor's input: the same rows as JSONEachRow (eventRow / toFindingRow, ingested_at fixed), and
  // the events also in the sink's own format (TabSeparated), for a second anchor.
  const now = Date.now();
  const files = { events: join(dir, 'events.ndjson'), findings: join(dir, 'findings.ndjson'), eventsSinkFormat: join(dir, 'events.tsv') };
  writeFileSync(files.events, events.map((e) => `${JSON.stringify(eventRow('activity', e, e.actor.user.uid, now))}\n`).join(''));
  writeFileSync(files.eventsSinkFormat, events.map((e) => encodeEventRow('activity', e, e.actor.user.uid, now)).join(''));
  writeFileSync(files.findings, findings.map((f) => encodeRow(toFindingRow(f, now))).join(''));
  let local: ClickHouseLocal | undefined;
  let url = process.env.CLICKHOUSE_URL;
  let tcpPort = Number(process.env.CLICKHOUSE_TCP_PORT ?? 9000);
  if (!url) {
    local = await startClickHouseLocal({ dir: join(dir, 'server') });
    url = local.url;
    tcpPort = local.tcpPort;
  }
  const host = new URL(url).hostname;
  const admin = createClient({ url, database: 'default' });
  const anchor = installed();
  const baselineDir = args.find((a) => a.startsWith('--baseline='))?.slice(11);
  const Baseline = baselineDir ? ((await import(join(resolve(baselineDir), 'services/sinks/clickhouse/sink.ts'))) as { ClickHouseFindingSink: SinkClass }).ClickHouseFindingSink : undefined;
  try {
    const version = ((await (await admin.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>())[0]?.v ?? '?');
    const sinkRuns: Measured[] = [];
    const clientRuns: Measured[] = [];
    const sameFormatRuns: Measured[] = [];
    const baselineRuns: Measured[] = [];
    for (let run = 1; run <= opts.runs; run++) {
      const order = [...(run % 2 === 1 ? ['sink', 'client'] : ['client', 'sink']), ...(Baseline ? ['baseline'] : [])];
      if (Baseline && run % 2 === 0) order.reverse();
      for (const who of order) {
        const db = `bench_ch_${who}_${run}`;
        if (who === 'sink') sinkRuns.push(await sinkRun(ClickHouseFindingSink, url, db, work, opts, rows));
        else if (who === 'baseline') baselineRuns.push(await sinkRun(Baseline!, url, db, work, opts, rows));
        else if (anchor) clientRuns.push(await clientRun(url, host, tcpPort, db, files, rows));
        else continue;
        await verify(admin, db, events.length, findings.length);
        await admin.command({ query: `DROP DATABASE IF EXISTS ${db}` });
        if (who === 'client') {
          // The same events in the sink's format (TabSeparated): what the format alone is worth to the server.
          const db2 = `bench_ch_client_tsv_${run}`;
          sameFormatRuns.push(await clientRun(url, host, tcpPort, db2, { events: files.eventsSinkFormat, findings: files.findings }, rows, EVENT_FORMAT));
          await verify(admin, db2, events.length, findings.length);
          await admin.command({ query: `DROP DATABASE IF EXISTS ${db2}` });
        }
      }
    }
    const sink = summary(sinkRuns);
    const client = clientRuns.length ? summary(clientRuns) : undefined;
    return {
      bench: 'clickhouse',
      server: `ClickHouse ${version}${local ? ' (private clickhouse-server started for the run)' : ` (${url})`}`,
      rows: { total: rows, events: events.length, findings: findings.length, event_bytes_per_row: Math.round(readFileSync(files.events).length / events.length), finding_bytes_per_row: Math.round(readFileSync(files.findings).length / findings.length) },
      options: opts,
      load_average: { start: round(load0, 2), end: round(loadavg()[0]!, 2) },
      sink,
      ...(client
        ? {
            clickhouse_client: client,
            ratio_steady: round(sink.steady_rows_per_sec / client.steady_rows_per_sec),
            ratio_total: round(sink.total_rows_per_sec / client.total_rows_per_sec),
            clickhouse_client_sink_format: { ...summary(sameFormatRuns), note: `events as ${EVENT_FORMAT} (the sink's format), findings as JSONEachRow` },
          }
        : { clickhouse_client: 'not installed (apt-get install clickhouse-client): no anchor in this run' }),
      ...(Baseline ? { baseline: { dir: baselineDir, ...summary(baselineRuns), ...(client ? { ratio_steady: round(summary(baselineRuns).steady_rows_per_sec / client.steady_rows_per_sec) } : {}) } } : {}),
      runs: { sink: sinkRuns, ...(Baseline ? { baseline: baselineRuns } : {}), clickhouse_client: clientRuns, clickhouse_client_sink_format: sameFormatRuns },
    };
  } finally {
    await admin.close();
    await local?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
