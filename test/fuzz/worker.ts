/**
 * Runs one fuzz target in a worker thread (test/fuzz/run.ts starts it with a heap limit and a
 * watchdog): fast-check with a fixed seed generates the inputs (the unmutated seeds first), the
 * target checks each one, and progress is posted before every input so that a hang names it.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { CORPUS_DIR, syntaxOf } from './corpus.ts';
import { materialize, mutationArb, type Mutation } from './mutate.ts';
import { TARGETS } from './targets.ts';
import { SELF_TEST_TARGETS } from './self-test-targets.ts';

export interface FuzzJob {
  readonly target: string;
  readonly seed: number;
  readonly runs: number;
  readonly budgetMs: number;
}

export type FuzzMessage =
  | { type: 'progress'; index: number; label: string }
  | { type: 'done'; report: FuzzReport }
  | { type: 'failed'; message: string };

export interface FuzzReport {
  readonly target: string;
  readonly seeds: number;
  readonly inputs: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly slowestMs: number;
  readonly slowestLabel: string;
  readonly peakHeapMb: number;
  readonly interrupted: boolean;
}

async function main(job: FuzzJob): Promise<FuzzReport> {
  const target = TARGETS[job.target] ?? SELF_TEST_TARGETS[job.target];
  if (!target) throw new Error(`unknown fuzz target ${job.target}`);
  const seeds = await target.seeds();
  const seedBytes = seeds.map((s) => s.bytes);
  const counts = { accepted: 0, rejected: 0, inputs: 0 };
  let slowest = { ms: 0, label: '' };
  let peakHeap = 0;
  let index = 0;

  const runOne = async (seed: number, mutations: readonly Mutation[]): Promise<boolean> => {
    const bytes = materialize(seedBytes, { seed, mutations });
    const label = `${job.target} seed #${seed} ${seeds[seed]!.name} with ${mutations.length ? JSON.stringify(mutations).slice(0, 300) : 'no mutation'} (${bytes.length} bytes)`;
    parentPort!.postMessage({ type: 'progress', index: index++, label } satisfies FuzzMessage);
    const t0 = performance.now();
    try {
      counts[await target.check({ name: seeds[seed]!.name, bytes }, seed)]++;
    } catch (err) {
      if (process.env.SLUICE_FUZZ_SAVE === '1') {
        const file = join(CORPUS_DIR, job.target, `found-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}${extname(seeds[seed]!.name)}`);
        writeFileSync(file, bytes);
      }
      throw new Error(`${label}: ${(err as Error).message}`);
    }
    counts.inputs++;
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, label };
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    return true;
  };

  parentPort!.postMessage({ type: 'progress', index: -1, label: `${job.target} warm-up` } satisfies FuzzMessage);
  await target.warmUp?.();
  // The corpus itself, unmutated: every seed must pass.
  for (let i = 0; i < seeds.length; i++) await runOne(i, []);

  const arb = fc.nat({ max: seeds.length - 1 }).chain((seed) => fc.record({ seed: fc.constant(seed), mutations: fc.array(mutationArb(syntaxOf(seeds[seed]!.name)), { minLength: 1, maxLength: 4 }) }));
  const result = await fc.check(
    fc.asyncProperty(arb, (input) => runOne(input.seed, input.mutations)),
    { seed: job.seed, numRuns: job.runs, endOnFailure: true, interruptAfterTimeLimit: job.budgetMs, markInterruptAsFailure: false },
  );
  await target.close?.();
  if (result.failed) {
    throw new Error(`${(result.errorInstance as Error | undefined)?.message ?? String(result.errorInstance)}\n(reproduce: SLUICE_FUZZ_SEED=${result.seed}, path ${result.counterexamplePath})`);
  }
  return {
    target: job.target,
    seeds: seeds.length,
    ...counts,
    slowestMs: Math.round(slowest.ms),
    slowestLabel: slowest.label,
    peakHeapMb: Math.round(peakHeap / 1024 / 1024),
    interrupted: result.interrupted,
  };
}

if (parentPort && workerData) {
  main(workerData as FuzzJob).then(
    (report) => parentPort!.postMessage({ type: 'done', report } satisfies FuzzMessage),
    (err: unknown) => parentPort!.postMessage({ type: 'failed', message: (err as Error)?.stack ?? String(err) } satisfies FuzzMessage),
  );
}
