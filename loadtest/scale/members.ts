/**
 * One processor member: `sluice processor --config <file>` in a child process (the real CLI, as
 * deployed), its resident memory from /proc, and a hard kill if it does not stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MemberRun } from './result.ts';

const BIN = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
const COMPILED = fileURLToPath(new URL('../../dist/services/cli/main.js', import.meta.url));

/** What `sluice` runs: the compiled build when `npm run build` made it (and SLUICE_FROM_SOURCE is not 1), else the sources through tsx. */
export function processorBuild(fromSource: boolean): 'compiled' | 'source' {
  return fromSource || process.env.SLUICE_FROM_SOURCE === '1' || !existsSync(COMPILED) ? 'source' : 'compiled';
}

export interface Member {
  proc: ChildProcess;
  /** Resolves once the role logged that it is consuming. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  gone(): boolean;
  /** Last lines of its stderr. */
  tail(): string;
  /** Resident set size in MB (the process and its worker threads), or null once it has exited. */
  rssMb(): number | null;
  /** The processor's counters as it logged them when stopping ('processor stopping'), or null before that. */
  finalStats(): MemberStats | null;
  stop(): Promise<number | null>;
}

/** The part of the processor's stats (ProcessorStats) the report uses. */
export interface MemberStats {
  batches: number;
  eventsIn: number;
  stageSeconds: Record<string, number>;
}

/** The stats of a 'processor stopping' log line (pino JSON), or null for any other line. */
export function parseStoppingLine(line: string): MemberStats | null {
  if (!line.includes('"processor stopping"')) return null;
  try {
    const o = JSON.parse(line) as { msg?: unknown; batches?: unknown; eventsIn?: unknown; stageSeconds?: unknown };
    if (o.msg !== 'processor stopping' || typeof o.batches !== 'number' || typeof o.eventsIn !== 'number' || typeof o.stageSeconds !== 'object' || o.stageSeconds === null) return null;
    const stageSeconds = Object.fromEntries(Object.entries(o.stageSeconds).filter((e): e is [string, number] => typeof e[1] === 'number'));
    return { batches: o.batches, eventsIn: o.eventsIn, stageSeconds };
  } catch {
    return null;
  }
}

/** Mean milliseconds per partition batch of each step, from a member's final stats. */
export function batchSteps(stats: MemberStats | null): NonNullable<MemberRun['batchSteps']>[number] {
  if (!stats || stats.batches === 0) return null;
  const msPerBatch = Object.fromEntries(Object.entries(stats.stageSeconds).map(([k, sec]) => [k, Math.round((sec * 10_000) / stats.batches) / 10]));
  return { batches: stats.batches, eventsPerBatch: Math.round((stats.eventsIn * 10) / stats.batches) / 10, msPerBatch };
}

/** RSS of a process in MB from /proc/<pid>/status (VmRSS), or null. */
export function rssOf(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export function startMember(configFile: string, fromSource: boolean): Member {
  const env = { ...process.env };
  if (fromSource) env.SLUICE_FROM_SOURCE = '1';
  // The driver's service variables would override the config file.
  delete env.KAFKA_BROKERS;
  delete env.CLICKHOUSE_URL;
  const proc = spawn(process.execPath, [BIN, 'processor', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const lines: string[] = [];
  let partial = '';
  let stats: MemberStats | null = null;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  proc.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    if (text.includes('processor consuming')) markReady();
    const whole = (partial + text).split('\n');
    partial = whole.pop() ?? '';
    for (const line of whole) stats = parseStoppingLine(line) ?? stats;
    lines.push(...text.split('\n').filter(Boolean));
    if (lines.length > 30) lines.splice(0, lines.length - 30);
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  return {
    proc,
    ready,
    exited,
    gone,
    tail: () => lines.join('\n'),
    rssMb: () => (gone() || proc.pid === undefined ? null : rssOf(proc.pid)),
    finalStats: () => stats ?? parseStoppingLine(partial),
    async stop() {
      if (gone()) return proc.exitCode;
      proc.kill('SIGTERM');
      const hard = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(hard);
      return code;
    },
  };
}
