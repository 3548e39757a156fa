/**
 * Effectively-once for vulns across a kill -9 of the processor mid-stream (issue #23): a package's
 * advisories and images are its changelogged state, so the restarted processor must give exactly
 * the finding ids and package states of the detector run in-process. The recorded SBOM
 * (python-go-app.cdx.json, through the sbom collector) is cloned into many images; the OSV
 * advisories of the fixtures (pypi, go) come between two sets of images, so both the image path and
 * the rescan path raise findings. The processor dies while the second set of images is in flight.
 * One stream per wave: which of an image and an advisory of one package comes first is then the
 * same in both runs (the README's exception (2) does not arise); finding times of rescans are the
 * processing time (exception (1)), so ids are compared, not rows' times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killAndCompare } from './detector-kill.ts';
import { vulnAdvisories as osv, vulnImages as images, vulnStateMasked as masked } from './detector-inputs.ts';

const IMAGES = 40;

test('vulns: kill -9 of the processor mid-stream, then a restart: the finding ids and package states of an undisturbed run', async () => {
  const waves = [images(0, IMAGES / 2), osv('pypi-sample.jsonl'), images(IMAGES / 2, IMAGES), [...osv('go-sample.jsonl'), ...osv('GHSA-rwv7-3v45-hg29.derived.json')]];
  const r = await killAndCompare({ label: 'vulnkill', detector: 'vulns', config: {}, waves, killInWave: 2, compareState: (key, got, want) => assert.deepEqual(masked(got), masked(want), `state of ${key}`) });
  // The pipeline test's six vulnerabilities, for every image.
  assert.ok(r.findings >= IMAGES * 6, `findings: ${r.findings}`);
});
