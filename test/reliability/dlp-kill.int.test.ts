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
import { BUILTIN_DATA_TYPES } from '../../services/detectors/dlp/config.ts';
import { makeDecoy, makeSample, Rng } from '../../services/detectors/dlp/samples.ts';
import { chunksOf, refOf } from '../../services/detectors/dlp/testing.ts';
import { killAndCompare, type KeyedInput } from './detector-kill.ts';

const OBJECTS = 90;
const CHUNKS = 6;

function waves(): KeyedInput[][] {
  const rng = new Rng(2323);
  const out: KeyedInput[][] = Array.from({ length: CHUNKS }, () => []);
  for (let o = 0; o < OBJECTS; o++) {
    const parts: string[] = [];
    for (let i = 0; i < 12; i++) parts.push(i % 3 === 2 ? makeDecoy(rng) : makeSample(rng.pick(BUILTIN_DATA_TYPES), rng).text);
    const bytes = Buffer.from(parts.join('\n'));
    const cuts = Array.from({ length: CHUNKS - 1 }, (_, i) => Math.floor(((i + 1) * bytes.length) / CHUNKS) + rng.int(24) - 12);
    const spec = { bucket: 'dlp-kill', key: `exports/object-${o}.txt`, etag: `etag-${o}`, time: Date.UTC(2026, 2, 3) + o * 1000 };
    const chunks = chunksOf(bytes, cuts, spec);
    assert.equal(chunks.length, CHUNKS);
    // One object in three never gets its last chunk: it is still open (its scan in the state) at the end.
    for (const [i, c] of chunks.entries()) if (!(o % 3 === 0 && c.is_last)) out[i]!.push({ stream: 'object_chunk', key: refOf(spec), event: c });
  }
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
