/**
 * The anchors measured in the same run, on the same corpus and services: a bare `JSON.parse` of the
 * NDJSON, `kcat -P` of the same lines into a topic of the same shape and `kcat -C -e` of it back,
 * and `clickhouse-client … FORMAT JSONEachRow` of the same events as rows. A tool that is not
 * installed gives an anchor with no figure and the install line.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Anchor } from './result.ts';

const secondsOf = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

/** JSON.parse of every line, repeated until at least 1 s has passed; lines per second. */
export function jsonParseAnchor(lines: readonly string[]): Anchor {
  let n = 0;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  do {
    for (const l of lines) sink += (JSON.parse(l) as object) ? 1 : 0;
    n += lines.length;
  } while (secondsOf(t0) < 1);
  const sec = secondsOf(t0);
  return { name: 'JSON.parse of the NDJSON', perSec: Math.round(n / sec), note: `${sink === n ? 'bare' : '?'} JSON.parse of the corpus' ${lines.length} lines, one thread` };
}

function installed(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** kcat -P of the lines (acks=all), then kcat -C -e of the topic from the beginning. */
export function kcatAnchors(ndjsonFile: string, lines: number, brokers: readonly string[], topic: string): Anchor[] {
  if (!installed('kcat', ['-V'])) {
    const note = 'kcat not installed (apt-get install kcat)';
    return [{ name: 'kcat -P', perSec: null, note }, { name: 'kcat -C -e', perSec: null, note }];
  }
  const b = brokers.join(',');
  let t0 = process.hrtime.bigint();
  const p = spawnSync('kcat', ['-P', '-b', b, '-t', topic, '-l', '-X', 'acks=all', ndjsonFile], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const pSec = secondsOf(t0);
  t0 = process.hrtime.bigint();
  const c = spawnSync('kcat', ['-C', '-b', b, '-t', topic, '-o', 'beginning', '-e', '-q'], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const cSec = secondsOf(t0);
  const consumed = c.stdout ? c.stdout.toString('utf8').split('\n').filter(Boolean).length : 0;
  return [
    { name: 'kcat -P', perSec: p.status === 0 ? Math.round(lines / pSec) : null, note: p.status === 0 ? `librdkafka producer, the ${lines} NDJSON lines, acks=all, no compression` : `failed: ${p.stderr.slice(0, 200)}` },
    { name: 'kcat -C -e', perSec: c.status === 0 ? Math.round(consumed / cSec) : null, note: c.status === 0 ? `librdkafka consumer, ${consumed} messages from the beginning to the end` : `failed (${c.status})` },
  ];
}

/** clickhouse-client INSERT … FORMAT JSONEachRow of one row per event (uid, feed, key, the record's JSON). */
export function clickhouseClientAnchor(dir: string, rows: ReadonlyArray<{ uid: string; feed: string; key: string; line: string }>, host: string, tcpPort: number, database: string): Anchor {
  const name = 'clickhouse-client INSERT';
  if (!installed('clickhouse-client', ['--version'])) return { name, perSec: null, note: 'clickhouse-client not installed (apt-get install clickhouse-client)' };
  const base = ['--host', host, '--port', String(tcpPort)];
  const q = (query: string, input?: string) => spawnSync('clickhouse-client', [...base, '--query', query], { encoding: 'utf8', ...(input ? { input } : {}), maxBuffer: 1 << 26 });
  for (const query of [`CREATE DATABASE IF NOT EXISTS ${database}`, `CREATE TABLE IF NOT EXISTS ${database}.anchor_events (uid String, feed String, key String, line String) ENGINE = MergeTree ORDER BY uid`]) {
    const r = q(query);
    if (r.status !== 0) return { name, perSec: null, note: `failed: ${r.stderr.slice(0, 200)}` };
  }
  const file = join(dir, 'anchor-rows.ndjson');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const t0 = process.hrtime.bigint();
  const ins = spawnSync('sh', ['-c', `clickhouse-client --host '${host}' --port ${tcpPort} --query "INSERT INTO ${database}.anchor_events FORMAT JSONEachRow" < '${file}'`], { encoding: 'utf8' });
  const sec = secondsOf(t0);
  if (ins.status !== 0) return { name, perSec: null, note: `failed: ${ins.stderr.slice(0, 200)}` };
  return { name, perSec: Math.round(rows.length / sec), note: `clickhouse-client ${rows.length} rows (uid, feed, key, record JSON) into a MergeTree table` };
}
