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
import { after, MINUTE, normalized, processOf, REAL, variant, type Rec } from '../../services/detectors/process_baseline/tests/fixtures.ts';
import { killAndCompare, type KeyedInput } from './detector-kill.ts';

const APPS = 24;
const MINUTES = 80;
const WAVES = 8;
const T0 = '2026-03-03T08:00:00.000Z';

/** The real deathstar exec (pid 1 of its container), moved to namespace ns-<k>. */
function inNamespace(record: Rec, k: number): Rec {
  const r = structuredClone(record);
  const body = (r.process_exec ?? Object.values(r).find((v) => typeof v === 'object' && v !== null && 'process' in (v as Rec))) as Rec;
  const pod = (body.process as Rec).pod as Rec;
  pod.namespace = `ns-${k}`;
  return r;
}

function waves(): KeyedInput[][] {
  const out: KeyedInput[][] = Array.from({ length: WAVES }, () => []);
  for (let n = 0; n < MINUTES; n++) {
    for (let k = 0; k < APPS; k++) {
      const server = inNamespace(REAL.starwarsExec, k);
      const parent = processOf(server);
      const time = after(T0, n * MINUTE + k);
      const records: Rec[] = [variant(server, { time, pid: 1000 + n })];
      for (const job of ['/app/bin/job-a', '/app/bin/job-b']) records.push(variant(server, { time, binary: job, containerPid: 50 + n, pid: 2000 + n, parent }));
      if (n >= 40 && n % 10 === k % 10) {
        records.push(variant(server, { time, binary: `/app/bin/job-new-${n}`, containerPid: 90, pid: 3000 + n, parent }));
        records.push(variant(server, { time, binary: '/bin/sh', args: '-c id', containerPid: 91, pid: 4000 + n, parent }));
      }
      for (const r of records) {
        const { key, event } = normalized(r);
        out[Math.floor((n * WAVES) / MINUTES)]!.push({ stream: 'process', key, event });
      }
    }
  }
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
