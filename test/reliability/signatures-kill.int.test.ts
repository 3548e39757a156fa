/**
 * Effectively-once for signatures' windows (thresholds and dedup periods, its changelogged state)
 * across a kill -9 of the processor mid-stream (issue #23), with the shipped rule pack: principals
 * fail console sign-ins four times in five, a minute apart, for 80 minutes, so
 * `aws.signin.failed_login_burst` (5 in 10 min, dedup 1 h per principal) fires and is held back by
 * its dedup period, and the windows of every principal are half full when the processor dies.
 * Compared with the detector run in-process: findings under FINAL and the window states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiActivity } from '../fixtures/events/api-activity.ts';
import { killAndCompare, type KeyedInput } from './detector-kill.ts';

const PRINCIPALS = 48;
const MINUTES = 80;
const WAVES = 8;
const T0 = Date.UTC(2026, 2, 3, 8);

function waves(): KeyedInput[][] {
  const out: KeyedInput[][] = Array.from({ length: WAVES }, () => []);
  for (let n = 0; n < MINUTES; n++) {
    for (let k = 0; k < PRINCIPALS; k++) {
      const principal = `arn:aws:iam::123456789012:user/sig-${k}`;
      const failed = (n + k) % 5 !== 0;
      const event = apiActivity({ principal, uid: `sig-${k}-${n}`, time: T0 + n * 60_000 + k, operation: 'ConsoleLogin', service: 'signin.amazonaws.com', status: failed ? 'Failure' : 'Success' });
      out[Math.floor((n * WAVES) / MINUTES)]!.push({ stream: 'activity', key: principal, event });
    }
  }
  return out;
}

test('signatures: kill -9 of the processor mid-stream, then a restart: the findings and window states of an undisturbed run', async () => {
  const r = await killAndCompare({ label: 'sigkill', detector: 'signatures', config: {}, waves: waves(), killInWave: 4 });
  // The burst rule fires in the first hour and again after its dedup period, for every principal.
  assert.ok(r.findings >= PRINCIPALS * 2, `findings: ${r.findings}`);
  assert.equal(r.states, PRINCIPALS);
});
