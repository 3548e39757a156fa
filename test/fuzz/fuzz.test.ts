/**
 * The fuzz suite of every external input (issue 21): collectors' records, IaC files, SBOMs, Sigma
 * rules, config files and scan-server request bodies, each mutated from the seeds in
 * test/fuzz/corpus/ with a fixed seed (fast-check). Each target runs in a worker thread with a heap
 * limit and a per-input watchdog, and must: never throw anything but a SluiceError with a documented
 * code, reject every bad input with a dead letter or a clear error, finish each input within
 * PER_INPUT_MS and stay under HEAP_MB. Each target stops starting inputs after its budget (the
 * inputs run so far count, in the same order from the fixed seed), so the suite takes about 45 s
 * even on a busy machine; SLUICE_FUZZ_SCALE=N runs N
 * times as many inputs, SLUICE_FUZZ_SEED=<n> another sequence, SLUICE_FUZZ_SAVE=1 saves a failing
 * input into the corpus.
 * The older garbage test (test/collectors/fuzz.test.ts) feeds every collector truncated, random and
 * wrong-source records; this suite mutates valid ones, so that the mappers see near-valid input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './run.ts';

const PER_INPUT_MS = 10_000;
const HEAP_MB = 512;

const PLAN: Array<{ target: string; runs: number; budgetMs: number }> = [
  { target: 'collectors', runs: 1000, budgetMs: 10_000 },
  { target: 'iac', runs: 300, budgetMs: 6_000 },
  { target: 'sbom', runs: 200, budgetMs: 4_000 },
  { target: 'sigma', runs: 200, budgetMs: 4_000 },
  { target: 'config', runs: 200, budgetMs: 4_000 },
  { target: 'scan-server', runs: 50, budgetMs: 6_000 },
];

for (const { target, runs, budgetMs } of PLAN) {
  test(`fuzz ${target}: ${runs} mutated inputs, no crash, no hang over ${PER_INPUT_MS} ms, heap under ${HEAP_MB} MiB, every rejection clear`, { timeout: budgetMs + 60_000 }, async () => {
    const report = await runFuzz(target, runs, { perInputMs: PER_INPUT_MS, heapMb: HEAP_MB, budgetMs });
    process.stderr.write(`fuzz ${JSON.stringify(report)}\n`);
    assert.ok(report.inputs > report.seeds, `${target}: some mutated inputs ran (${report.inputs})`);
    assert.ok(report.peakHeapMb < HEAP_MB, `${target}: heap ${report.peakHeapMb} MiB`);
    assert.ok(report.slowestMs < PER_INPUT_MS, `${target}: slowest input ${report.slowestMs} ms: ${report.slowestLabel}`);
  });
}
