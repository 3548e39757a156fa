import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, formatReport, runActivityEval } from './eval.ts';
import type { Detector } from '../../services/core/components.ts';
import type { ApiActivity, Finding } from '../../services/core/events.ts';

// A small stream (500 principals, 40 days): learning shortened to fit it.
const SMALL = { seed: 3, principals: 500, accounts: 3, days: 40, events: 60_000, perKind: 2, learnDays: 5 };
const CONFIG = { learning: { minDays: 3 }, population: { minEvents: 200, minPrincipals: 10 } };

// A toy "signature" detector: any failed ConsoleLogin.
const seen = new Set<string>();
const toy: Detector<ApiActivity> = {
  name: 'toy_signature',
  process(e, meta): Finding[] {
    if (e.api.operation !== 'ConsoleLogin' || e.status_id !== 2 || seen.has(meta.key)) return [];
    seen.add(meta.key);
    const id = `toy-${e.metadata.uid}`;
    return [{
      id, class_uid: 2004, category_uid: 2, activity_id: 1, type_uid: 200401, time: e.time, severity_id: 3, severity: 'Medium', message: 'failed login',
      metadata: { version: '1.3.0', product: { name: 'Sluice', vendor_name: 'Sluice' }, uid: id },
      finding_info: { uid: id, title: 't', desc: 'd', analytic: { uid: 'toy', name: 'toy', type: 'Rule' }, attacks: [], first_seen_time: e.time, last_seen_time: e.time, related_events: [{ uid: e.metadata.uid }] },
      detector: 'toy_signature', rule: 'toy', entity: { kind: 'principal', key: meta.key }, count: 1, evidences: [], cloud: e.cloud,
    }];
  },
};

// One evaluation shared by the tests below (about a second).
let shared: ReturnType<typeof evaluate> | undefined;
const result = (): ReturnType<typeof evaluate> => (shared ??= evaluate(SMALL, CONFIG, [toy], 0));

test('a small generated run reaches the recall target (>= 0.95) on all kinds', async () => {
  const r = await result();
  const pa = r.detectors[0]!;
  assert.equal(pa.detector, 'principal_anomaly');
  assert.ok(pa.kinds.length >= 8);
  assert.ok(pa.attacks >= 16);
  assert.ok(pa.recall >= 0.95, `recall ${pa.recall}: missed ${pa.kinds.flatMap((k) => k.missed).join(' | ')}`);
  assert.ok(r.benignEventsAfterLearning > 0);
  assert.match(formatReport(r), /principal_anomaly: recall/);
});

test('extra detectors are scored beside principal_anomaly, and the union is reported', async () => {
  const r = await result();
  assert.equal(r.detectors.length, 2);
  const t = r.detectors[1]!;
  assert.equal(t.detector, 'toy_signature');
  assert.equal(t.kinds.find((k) => k.kind === 'brute_force_login')!.recall, 1);
  assert.ok(r.combined.detected >= r.detectors[0]!.attacksDetected);
});

test('runActivityEval rejects unknown arguments', async () => {
  await assert.rejects(runActivityEval(['--nope=1']), /unknown argument "--nope=1"/);
});
