/**
 * Effectively-once for process_baseline (its per-application changelogged state: learned binaries,
 * parents, entrypoints, discovery, novel binaries) across a kill -9 of the processor mid-stream
 * (issue #23). Real Tetragon process_exec records (test/fixtures/tetragon/), one application per
 * namespace: each runs its server and two jobs it starts for 40 minutes (discovery ends after 30),
 * then the server starts a job nobody saw (new_binary) and a shell (shell_from_server), again and
 * again across the waves. Compared with the detector run in-process: findings under FINAL and the
 * application states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MINUTE } from '../../services/detectors/process_baseline/tests/fixtures.ts';
import { killAndCompare, type KeyedInput } from './detector-kill.ts';
import { processMinutes } from './detector-inputs.ts';

const APPS = 24;
const MINUTES = 80;
const WAVES = 8;

/** Ten minutes per wave (detector-inputs.ts processMinutes). */
function waves(): KeyedInput[][] {
  const out: KeyedInput[][] = Array.from({ length: WAVES }, () => []);
  for (const [n, records] of processMinutes(APPS, MINUTES).entries()) out[Math.floor((n * WAVES) / MINUTES)]!.push(...records);
  return out;
}

test('process_baseline: kill -9 of the processor mid-stream, then a restart: the findings and application states of an undisturbed run', async () => {
  const r = await killAndCompare({
    label: 'prockill',
    detector: 'process_baseline',
    config: { discovery: { maxMs: 30 * MINUTE, stableMs: 0, minMs: 0 } },
    waves: waves(),
    killInWave: 5,
  });
  // After discovery each application reports its new jobs and shells (and its discovery end).
  assert.ok(r.findings >= APPS * 3, `findings: ${r.findings}`);
  assert.equal(r.states, APPS);
});
