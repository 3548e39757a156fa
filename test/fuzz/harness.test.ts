/**
 * The fuzz harness catches what it claims to: a hang (the watchdog terminates a synchronous loop and
 * names the input), a heap explosion (the worker's heap limit), and a crash that is not a
 * SluiceError (with the seed to replay it). Targets from self-test-targets.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './run.ts';

const limits = { perInputMs: 1500, heapMb: 48, budgetMs: 20_000 };

test('the fuzz harness stops a hanging input and names it', { timeout: 150_000 }, async () => {
  await assert.rejects(runFuzz('self-test:hang', 20, limits), /an input ran longer than 1500 ms \(hang\): self-test:hang seed #0 seed\.json with \[/);
});

test('the fuzz harness stops an input that exhausts the heap limit', { timeout: 150_000 }, async () => {
  await assert.rejects(runFuzz('self-test:oom', 20, { ...limits, perInputMs: 60_000 }), /worker died \(ERR_WORKER_OUT_OF_MEMORY[^)]*\) on self-test:oom seed #0 .*heap over 48 MiB/s);
});

test('the fuzz harness reports a throw that is not a SluiceError, with the seed to replay it', { timeout: 150_000 }, async () => {
  await assert.rejects(runFuzz('self-test:crash', 20, limits), /self-test:crash seed #0 seed\.json with .*: Cannot read properties of undefined.*SLUICE_FUZZ_SEED=\d+/s);
});
