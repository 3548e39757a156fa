/**
 * Effectively-once for posture across a kill -9 of the processor mid-stream (issue #23): a
 * resource's failing rules are its changelogged state and its findings and remediation actions are
 * transitions of it, so the restarted processor must give exactly the findings, states and action
 * ids of the detector run in-process. CloudFormation stacks (through the config_files collector)
 * change version by version: a security group whose SSH and RDP ingress open to the world and close
 * again on different rhythms (CIS AWS 5.2 / 5.3 rules failing and resolving), and a bucket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killAndCompare } from './detector-kill.ts';
import { postureWave } from './detector-inputs.ts';

const STACKS = 100;
const WAVES = 8;

/** Version w of every stack in wave w (detector-inputs.ts postureWave). */
const waves = () => Array.from({ length: WAVES }, (_, w) => postureWave(STACKS, w));

test('posture: kill -9 of the processor mid-stream, then a restart: the findings, failing-rule states and action ids of an undisturbed run', async () => {
  const r = await killAndCompare({ label: 'postkill', detector: 'posture', config: {}, waves: waves(), killInWave: 4, sideOutputs: ['actions'] });
  // Every stack's SSH rule fails and resolves several times over the eight versions.
  assert.ok(r.findings >= STACKS * 4, `findings: ${r.findings}`);
  assert.ok(r.sideOutputs > 0, 'remediation actions were emitted');
});
