/**
 * `npm run bench -- startup [--runs=3]`: the fixed start-up cost of `sluice run` on one CloudTrail
 * record, compiled (dist/, `npm run build` first) and from source (tsx), median of alternating runs,
 * with the anchor of the same run: a bare `node -e 0`. Prints the median wall seconds of each, and
 * their CPU seconds (all threads; Linux), which vary less on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopLoggingRecord } from '../test/fixtures/cloudtrail/stop-logging.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'services/cli/bin.mjs');

const RECORD = stopLoggingRecord('startup-bench-1');

/** A run that does not finish within this is reported as failed (a one-record run takes seconds). */
const RUN_TIMEOUT_MS = 60_000;

/**
 * CPU seconds (user + system) of the terminated children of this process so far, from
 * /proc/self/stat (cutime, cstime; Linux); null elsewhere. On a shared machine the CPU a run
 * needs varies less than its wall time, so both are printed.
 */
function childrenCpuS(): number | null {
  if (!existsSync('/proc/self/stat')) return null;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat(5) (cutime, cstime), counted from the state (field 3) at index 0.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

/** Wall and CPU seconds of one child process run to completion. */
function timed(args: string[], env: NodeJS.ProcessEnv): { wallS: number; cpuS: number | null } {
  const cpuBefore = childrenCpuS();
  const before = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env, encoding: 'utf8', timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' });
  const wallS = Number(process.hrtime.bigint() - before) / 1e9;
  if (r.status !== 0) {
    const why = r.signal ? `killed by ${r.signal} after ${RUN_TIMEOUT_MS / 1000} s` : `exit ${r.status}`;
    throw new Error(`${args.join(' ')} failed (${why}): ${r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 400)}`);
  }
  const cpuAfter = childrenCpuS();
  return { wallS, cpuS: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runStartupBench(args: string[]): Promise<unknown> {
  const runs = Number(/^--runs=(\d+)$/.exec(args.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 3);
  // --baseline=<dir>: another checkout, built, timed compiled in the same alternating runs (before/after).
  const baselineDir = args.find((a) => a.startsWith('--baseline='))?.slice('--baseline='.length);
  if (baselineDir && !existsSync(join(baselineDir, 'dist/services/cli/main.js'))) throw new Error(`startup bench: ${baselineDir} has no dist/ (run npm run build there)`);
  const compiled = existsSync(join(ROOT, 'dist/services/cli/main.js'));
  const dir = mkdtempSync(join(tmpdir(), 'sluice-startup-'));
  const input = join(dir, 'one.json');
  writeFileSync(input, JSON.stringify(RECORD));
  const run = ['run', '--input', input, '--format', 'ndjson'];
  const base = { ...process.env, NODE_OPTIONS: '' };
  const wall: Record<string, number[]> = { anchor: [], compiled: [], source: [], baseline: [] };
  const cpu: Record<string, number[]> = { anchor: [], compiled: [], source: [], baseline: [] };
  // A variant that fails once is not run again; its failure is printed instead of a figure.
  const failed: Record<string, string> = {};
  const measure = (key: string, args: string[], env: NodeJS.ProcessEnv): void => {
    if (failed[key]) return;
    try {
      const t = timed(args, env);
      wall[key]!.push(t.wallS);
      if (t.cpuS !== null) cpu[key]!.push(t.cpuS);
    } catch (err) {
      failed[key] = (err as Error).message;
    }
  };
  try {
    for (let i = 0; i < runs; i++) {
      measure('anchor', ['-e', '0'], base);
      if (compiled) measure('compiled', [BIN, ...run], { ...base, SLUICE_FROM_SOURCE: '' });
      if (baselineDir) measure('baseline', [join(baselineDir, 'services/cli/bin.mjs'), ...run], { ...base, SLUICE_FROM_SOURCE: '' });
      measure('source', [BIN, ...run], { ...base, SLUICE_FROM_SOURCE: '1' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (xs: Record<string, number[]>, k: string): number | null => (xs[k]!.length && !failed[k] ? Number(median(xs[k]!).toFixed(2)) : null);
  return {
    bench: 'startup',
    runs,
    one_record_run_wall_s: { compiled: m(wall, 'compiled'), source: m(wall, 'source'), bare_node_anchor: m(wall, 'anchor'), ...(baselineDir ? { baseline_compiled: m(wall, 'baseline') } : {}) },
    // CPU of all threads (the CLI and its detector worker threads): what the run costs the machine.
    one_record_run_cpu_s: { compiled: m(cpu, 'compiled'), source: m(cpu, 'source'), bare_node_anchor: m(cpu, 'anchor'), ...(baselineDir ? { baseline_compiled: m(cpu, 'baseline') } : {}) },
    ...(baselineDir ? { baseline: baselineDir } : {}),
    ...(Object.keys(failed).length ? { failed } : {}),
    compiled_available: compiled,
    note: compiled ? 'compiled = dist/ from `npm run build`' : 'no dist/: run `npm run build` first for the compiled figure',
    target_compiled_wall_s: 1.5,
  };
}
