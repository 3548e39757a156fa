/**
 * Starts a fuzz target in a worker thread with a heap limit (memory bound: the worker dies with
 * ERR_WORKER_OUT_OF_MEMORY past it) and a watchdog (hang bound: an input still running after
 * perInputMs is named and the worker terminated, which stops even a synchronous loop).
 */
import { Worker } from 'node:worker_threads';
import type { FuzzJob, FuzzMessage, FuzzReport } from './worker.ts';

/** The fixed seed of `npm test`; SLUICE_FUZZ_SEED replays another (fast-check prints it on failure). */
export const FUZZ_SEED = Number(process.env.SLUICE_FUZZ_SEED ?? 0x51_1ce);
/** Scales every target's number of inputs (e.g. SLUICE_FUZZ_SCALE=20 for a long local run). */
export const FUZZ_SCALE = Number(process.env.SLUICE_FUZZ_SCALE ?? 1);

const STARTUP_MS = 120_000;

export interface FuzzLimits {
  /** Longest time one input may take (hard: the worker is terminated). */
  readonly perInputMs: number;
  /** Heap of the worker (old generation), MiB. */
  readonly heapMb: number;
  /** Time after which no new input is started (the inputs run so far count). */
  readonly budgetMs: number;
}

export function runFuzz(target: string, runs: number, limits: FuzzLimits): Promise<FuzzReport> {
  const job: FuzzJob = { target, seed: FUZZ_SEED, runs: Math.max(1, Math.round(runs * FUZZ_SCALE)), budgetMs: limits.budgetMs * FUZZ_SCALE };
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
    workerData: job,
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: limits.heapMb },
    stdout: false,
    stderr: false,
  });
  return new Promise<FuzzReport>((resolve, reject) => {
    let current = { index: -1, label: '(loading the target)', since: Date.now() };
    let settled = false;
    const finish = (err: Error | null, report?: FuzzReport): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      void worker.terminate();
      if (err) reject(err);
      else resolve(report!);
    };
    // Loading the modules and a target's warm-up (thread pools, rule compilation) get STARTUP_MS, inputs perInputMs.
    const watchdog = setInterval(() => {
      const bound = current.index < 0 ? STARTUP_MS : limits.perInputMs;
      if (Date.now() - current.since > bound) finish(new Error(`${target}: an input ran longer than ${bound} ms (hang): ${current.label}`));
    }, 250);
    worker.on('message', (m: FuzzMessage) => {
      if (m.type === 'progress') current = { index: m.index, label: m.label, since: Date.now() };
      else if (m.type === 'done') finish(null, m.report);
      else finish(new Error(`${target}: ${m.message}`));
    });
    worker.on('error', (err: Error & { code?: string }) =>
      finish(new Error(`${target}: the worker died (${err.code ?? err.name}: ${err.message}) on ${current.label}${err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? ` (heap over ${limits.heapMb} MiB)` : ''}`)),
    );
    worker.on('exit', (code) => finish(new Error(`${target}: the worker exited (${code}) on ${current.label}`)));
  });
}
