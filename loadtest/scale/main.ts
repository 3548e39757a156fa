/**
 * `npm run loadtest -- [--rate=N] [--seconds=N] [--members=1,2,3] [--out=dir] [--attack-every=N]
 * [--drain=N] [--seed=N] [--kafka-nodes=N] [--member-config=JSON] [--from-source] [--no-png] [--keep-work] [--report-only=result.json]`: the load test at scale (see loadtest/README.md, "loadtest").
 * Writes <out>/report.html, <out>/result.json and <out>/<chart>.png; prints a summary.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultWorkDir, runLoadTest } from './driver.ts';
import { svgToPng } from './png.ts';
import { buildReport, summaryLines } from './report.ts';
import type { LoadResult } from './result.ts';

const KNOWN = ['rate', 'seconds', 'members', 'out', 'attack-every', 'drain', 'seed', 'kafka-nodes', 'member-config', 'no-png', 'keep-work', 'from-source', 'report-only'];

export interface MainArgs {
  rate: number;
  seconds: number;
  members: number[];
  out: string;
  attackEvery: number;
  drain: number;
  seed: number;
  /** Nodes of the Kafka cluster the run starts (ignored with KAFKA_BROKERS). */
  kafkaNodes: number;
  /** Settings merged into every member's config (a JSON object, e.g. {"kafka":{"partitionsConsumedConcurrently":12}}). */
  memberConfig: Record<string, unknown>;
  png: boolean;
  keepWork: boolean;
  fromSource: boolean;
  /** Re-render the report of a saved result.json instead of running. */
  reportOnly: string | null;
}

function jsonObject(name: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`--${name} must be a JSON object: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`--${name} must be a JSON object, got ${text}`);
  return value as Record<string, unknown>;
}

/** Parses the command line; throws with the problem on an unknown option or a bad value. */
export function parseMainArgs(argv: readonly string[]): MainArgs {
  const m = new Map<string, string>();
  for (const a of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!match || !KNOWN.includes(match[1]!)) throw new Error(`unknown option ${a} (known: ${KNOWN.map((k) => `--${k}`).join(' ')})`);
    m.set(match[1]!, match[2] ?? 'true');
  }
  const num = (k: string, def: number, min: number): number => {
    const v = m.has(k) ? Number(m.get(k)) : def;
    if (!Number.isFinite(v) || v < min) throw new Error(`--${k} must be a number >= ${min}, got ${m.get(k)}`);
    return v;
  };
  const members = (m.get('members') ?? '1,2,3').split(',').map(Number);
  if (members.some((n) => !Number.isInteger(n) || n < 1 || n > 12)) throw new Error(`--members must list counts 1-12, got ${m.get('members')}`);
  return {
    rate: num('rate', 600, 1),
    seconds: num('seconds', 30, 3),
    members,
    out: resolve(m.get('out') ?? 'loadtest-report'),
    attackEvery: num('attack-every', 100, 2),
    drain: num('drain', 45, 0),
    seed: num('seed', 1, 0),
    kafkaNodes: num('kafka-nodes', 3, 1),
    memberConfig: jsonObject('member-config', m.get('member-config')),
    png: !m.has('no-png'),
    keepWork: m.has('keep-work'),
    fromSource: m.has('from-source'),
    reportOnly: m.get('report-only') ?? null,
  };
}

/** report.html, result.json and the PNGs in args.out; the summary on stdout. */
function writeOutputs(args: MainArgs, result: LoadResult): void {
  const report = buildReport(result);
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'report.html'), report.html);
  writeFileSync(join(args.out, 'result.json'), `${JSON.stringify(result, null, 1)}\n`);
  if (args.png) for (const c of report.charts) writeFileSync(join(args.out, `${c.name}.png`), svgToPng(c.svg));
  for (const l of summaryLines(result)) process.stdout.write(`${l}\n`);
}

async function main(): Promise<void> {
  const args = parseMainArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`[loadtest ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  if (args.reportOnly) {
    const saved = JSON.parse(readFileSync(args.reportOnly, 'utf8')) as LoadResult;
    writeOutputs(args, saved);
    return;
  }
  const workDir = defaultWorkDir();
  const t0 = Date.now();
  try {
    const result = await runLoadTest({ rate: args.rate, seconds: args.seconds, members: args.members, attackEvery: args.attackEvery, seed: args.seed, kafkaNodes: args.kafkaNodes, memberConfig: args.memberConfig, drainSeconds: args.drain, fromSource: args.fromSource, workDir, log });
    writeOutputs(args, result);
    process.stdout.write(`report: ${join(args.out, 'report.html')} (run took ${Math.round((Date.now() - t0) / 1000)} s)\n`);
    if (result.runs.some((r) => r.error)) process.exitCode = 1;
  } finally {
    if (!args.keepWork) rmSync(workDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`loadtest: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
