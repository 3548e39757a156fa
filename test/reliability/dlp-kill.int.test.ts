/**
 * Effectively-once for dlp across a kill -9 of the processor mid-stream (issue #23): an object's
 * scan (buffered tails, counts, matches so far) is its changelogged state, and its chunks share its
 * key, so the restarted processor must give exactly the findings, object states and action ids of
 * the detector run in-process. Objects of synthetic sensitive data (cards, SSNs, IBANs, keys...,
 * from samples.ts's seeded generator) and decoys, cut into six chunks at random borders, so that
 * values straddle chunk borders; wave n carries chunk n of every object, so every object is half
 * scanned when the processor dies. A policy quarantines objects with a High finding (action ids
 * compared), and one object in three never gets its last chunk, so open scans are compared too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killAndCompare, type KeyedInput } from './detector-kill.ts';
import { dlpObjects } from './detector-inputs.ts';

const OBJECTS = 90;
const CHUNKS = 6;

/** Wave n carries chunk n of every object (detector-inputs.ts dlpObjects). */
function waves(): KeyedInput[][] {
  const out: KeyedInput[][] = Array.from({ length: CHUNKS }, () => []);
  for (const chunks of dlpObjects(OBJECTS, CHUNKS)) for (const [i, c] of chunks.entries()) out[i]!.push(c);
  return out;
}

test('dlp: kill -9 of the processor mid-object, then a restart: the findings, object states and action ids of an undisturbed run', async () => {
  // A policy: every object with a finding of High or above is to be quarantined (an action per object verdict).
  const config = { policies: [{ name: 'quarantine-high', action: 'quarantine', minSeverity: 'High' }] };
  const r = await killAndCompare({ label: 'dlpkill', detector: 'dlp', config, waves: waves(), killInWave: 3, sideOutputs: ['actions'] });
  assert.ok(r.findings >= OBJECTS, `findings: ${r.findings}`);
  assert.equal(r.states, OBJECTS / 3, 'the objects still open keep their scan');
  assert.ok(r.sideOutputs > 0, 'quarantine actions were emitted');
});
