/**
 * process_baseline throughput on one thread (the detector called in-process, as a processor worker
 * thread calls it) and the bytes of state per application. The events are built from a real
 * Tetragon process_exec (test/fixtures/tetragon/, normalized by the tetragon collector): each
 * application runs an entrypoint server (pid 1 of its container) and a set of binaries started by
 * it, by cron or by a shell script, over many pods, pids and two versions. A learning pass, then a
 * monitoring pass of the same activity two days later (timed separately; it should raise
 * nothing), then one injected shell spawned by each application's server (it should be reported).
 *
 * Export: runProcessBench(args) (the lead wires it into `npm run bench -- flows`).
 * Options: --applications=N (2000) --events=N (300000) --binaries=N per application (24) --seed=N (1)
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { normalizeTetragonProcess } from '../../services/collectors/tetragon/process.ts';
import type { ProcessEntity, ProcessEvent } from '../../services/core/model/process-event.ts';
import { processKey } from '../../services/core/model/process-event.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { ProcessBaselineConfig } from '../../services/detectors/process_baseline/config.ts';
import { ProcessBaselineDetector } from '../../services/detectors/process_baseline/detector.ts';
import type { ProcessBaselineState } from '../../services/detectors/process_baseline/state.ts';

const DAY = 86_400_000;

function opt(args: string[], name: string, def: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.slice(name.length + 3)) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const forceGc: (() => void) | null = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
})();

function gc(): void {
  forceGc?.();
  forceGc?.();
}

/** The real template: nc started by sh in the elasticsearch pod (its 7th record). */
function template(): ProcessEvent {
  const line = readFileSync(new URL('../../test/fixtures/tetragon/security-observability-process.jsonl', import.meta.url), 'utf8').split('\n')[6]!;
  return normalizeTetragonProcess(JSON.parse(line) as Record<string, unknown>, 'process_exec').event;
}

const TOOLS = ['/usr/bin/cat', '/bin/ls', '/usr/bin/env', '/usr/bin/date', '/usr/bin/gzip', '/usr/bin/find', '/usr/bin/sed', '/usr/bin/awk', '/usr/bin/tar', '/usr/bin/grep', '/usr/bin/sort', '/usr/bin/logrotate'];

function entity(binary: string, args: string | null, pid: number, cpid: number | null): ProcessEntity {
  const name = binary.slice(binary.lastIndexOf('/') + 1);
  return { binary, name, args, cwd: '/app/', uid: 1000, exec_id: `bench:${pid}`, pid, container_pid: cpid, start_time: null, flags: 'execve clone' };
}

/** Builds `count` events over `apps` applications, time-ordered from `start` over a day. */
function generate(base: ProcessEvent, apps: number, perApp: number, count: number, start: number, seed: number): Array<{ key: string; event: ProcessEvent }> {
  const rnd = prng(seed);
  const out: Array<{ key: string; event: ProcessEvent }> = [];
  const step = DAY / count;
  let pid = 100_000;
  for (let i = 0; i < count; i++) {
    const a = Math.floor(rnd() * apps);
    const v = rnd() < 0.5 ? '1.4.0' : '1.5.0';
    const app = `svc-${a}`;
    const server = `/app/bin/${app}-server`;
    const b = Math.floor(rnd() * perApp);
    // Binary b of the application: the server itself (pid 1), a script, or a tool started by the script.
    const binary = b === 0 ? server : b === 1 ? '/app/bin/maintenance.sh' : b - 2 < TOOLS.length ? TOOLS[b - 2]! : `/app/bin/${app}-task-${b}`;
    const parent = b === 0 ? entity('/usr/bin/containerd-shim-runc-v2', null, 900, null) : b === 1 ? entity('/usr/sbin/crond', '-f', 5000 + a, 5) : entity('/app/bin/maintenance.sh', null, 6000 + a, 9);
    const w = base.workload!;
    const event: ProcessEvent = {
      ...base,
      time: Math.floor(start + i * step),
      metadata: { ...base.metadata, uid: `bench-${seed}-${i}` },
      process: entity(binary, b === 0 ? '--port 8080' : '-q', pid++, b === 0 ? 1 : 10 + (pid % 50)),
      parent,
      workload: { ...w, namespace: `ns-${a % 40}`, name: `${app}-v${v[2]}`, pod: `${app}-v${v[2]}-7d9f-${pid % 7}`, app, app_version: v, image_repository: `registry.example.com/${app}`, image_version: v },
      raw_data: null,
    };
    out.push({ key: processKey(event), event });
  }
  return out;
}

export interface ProcessBenchResult {
  bench: 'process';
  options: { applications: number; events: number; binaries: number; seed: number };
  threads: 1;
  learnEventsPerSec: number;
  monitorEventsPerSec: number;
  applications: number;
  binaries: number;
  jsonBytesPerApplication: number;
  heapBytesPerApplication: number | null;
  alertsOnReplay: number;
  injectedShells: number;
  injectedReported: number;
}

/** Runs the bench on this thread and returns its figures. */
export function runProcessBench(args: string[] = []): ProcessBenchResult {
  const options = { applications: opt(args, 'applications', 2000), events: opt(args, 'events', 300_000), binaries: opt(args, 'binaries', 24), seed: opt(args, 'seed', 1) };
  const base = template();
  const start = Date.UTC(2025, 0, 6);
  const events = generate(base, options.applications, options.binaries, options.events, start, options.seed);
  const state = new MemoryKeyedState<ProcessBaselineState>();
  const detector = new ProcessBaselineDetector(ProcessBaselineConfig.parse({ enabled: true, discovery: { maxMs: DAY + DAY / 2, stableMs: 0 } }), { state });
  let offset = 0;
  const meta = (key: string) => ({ key, topic: 'bench', partition: 0, offset: String(offset++) });
  // Warm-up (not timed): the same code on a throwaway detector, so the JIT has compiled it.
  const warm = new ProcessBaselineDetector(ProcessBaselineConfig.parse({ enabled: true }), { state: new MemoryKeyedState<ProcessBaselineState>() });
  for (const e of events.slice(0, Math.min(events.length, 50_000))) warm.process(e.event, meta(e.key));
  gc();
  const t0 = performance.now();
  for (const e of events) detector.process(e.event, meta(e.key));
  const t1 = performance.now();
  for (const e of events) e.event.time += 2 * DAY;
  let alerts = 0;
  const t2 = performance.now();
  for (const e of events) for (const f of detector.process(e.event, meta(e.key))) if (f.severity !== 'Informational') alerts++;
  const t3 = performance.now();
  // One shell per application, spawned by its server (pid 1).
  let reported = 0;
  const apps = new Map<string, ProcessEvent>();
  for (const e of events) if (e.event.process.container_pid === 1 && !apps.has(e.key)) apps.set(e.key, e.event);
  for (const [key, server] of apps) {
    const shell: ProcessEvent = { ...server, time: server.time + 60_000, metadata: { ...server.metadata, uid: `inject-${key}` }, process: entity('/bin/sh', '-c id', 1, 77), parent: server.process };
    for (const f of detector.process(shell, meta(key))) if (f.rule === 'process_baseline.shell_from_server') reported++;
  }
  const stats = detector.stats({ scan: true });
  gc();
  const withState = process.memoryUsage().heapUsed;
  for (const key of [...state.keys()]) state.delete(key);
  gc();
  const heap = withState - process.memoryUsage().heapUsed;
  return {
    bench: 'process',
    options,
    threads: 1,
    learnEventsPerSec: Math.round(events.length / ((t1 - t0) / 1000)),
    monitorEventsPerSec: Math.round(events.length / ((t3 - t2) / 1000)),
    applications: stats.applications,
    binaries: stats.scan!.binaries,
    jsonBytesPerApplication: Math.round(stats.scan!.stateBytes / Math.max(1, stats.applications)),
    heapBytesPerApplication: forceGc ? Math.round(heap / Math.max(1, stats.applications)) : null,
    alertsOnReplay: alerts,
    injectedShells: apps.size,
    injectedReported: reported,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(runProcessBench(process.argv.slice(2)), null, 2)}\n`);
}
