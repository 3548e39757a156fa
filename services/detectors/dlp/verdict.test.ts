import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../core/events.ts';
import { makeSample, Rng } from './samples.ts';
import { chunksOf, testDetector } from './testing.ts';
import { matchPolicies, riskScore } from './verdict.ts';

const rng = new Rng(77);
const cards = Array.from({ length: 3 }, () => makeSample('payment_card', rng).text).join('\n');
const key = makeSample('private_key', rng).text;
const emails = Array.from({ length: 2 }, () => makeSample('email', rng).text).join('\n');
const bytes = Buffer.from(`export\n${cards}\n${emails}\n${key}\nend\n`, 'latin1');

const verdictOf = (fs: Finding[]): Finding => {
  const v = fs.find((f) => f.rule === 'object_verdict');
  assert.ok(v, 'verdict emitted');
  return v;
};

test('verdict: counts per type, highest severity, risk score, OCSF 2006, state deleted', () => {
  const d = testDetector();
  const out = d.run(chunksOf(bytes, [100, 200, 300], { key: 'exports/x.csv', etag: 'abc' }));
  const v = verdictOf(out);
  assert.equal(out.at(-1), v, 'the verdict comes last, with the last chunk');
  assert.equal(v.class_uid as number, 2006);
  assert.equal(v.type_uid as number, 200601);
  assert.equal(v.category_uid, 2);
  assert.equal(v.severity, 'Critical');
  assert.equal(v.count, 6);
  const counts = Object.fromEntries(v.evidences.filter((e) => 'count' in e).map((e) => [e.data_type, e.count]));
  assert.deepEqual(counts, { payment_card: 3, email: 2, private_key: 1 });
  const risk = (v as Finding & { risk_score: number }).risk_score;
  assert.equal(risk, riskScore({ payment_card: 3, email: 2, private_key: 1 }, { payment_card: 4, email: 2, private_key: 5 }));
  assert.ok(risk >= 80 && risk <= 100);
  assert.deepEqual(v.finding_info.related_events, [{ uid: 's3://bucket/exports/x.csv@abc#0' }, { uid: 's3://bucket/exports/x.csv@abc#3' }]);
  assert.equal(d.state.size, 0);
  // Deterministic ids: a replay gives the same ids.
  const again = testDetector().run(chunksOf(bytes, [150, 250], { key: 'exports/x.csv', etag: 'abc' }));
  assert.deepEqual(again.map((f) => f.id).sort(), out.map((f) => f.id).sort());
});

test('policies: matching ones emit action events with deterministic ids; nothing is deleted by the detector', () => {
  const policies = [
    { name: 'alert-any', action: 'alert' as const },
    { name: 'quarantine-cards', action: 'quarantine' as const, dataTypes: ['payment_card'], minCount: 3 },
    { name: 'delete-many-cards', action: 'delete' as const, dataTypes: ['payment_card'], minCount: 10 },
    { name: 'delete-keys', action: 'delete' as const, dataTypes: ['private_key'], minSeverity: 'Critical' as const, minRiskScore: 80 },
    { name: 'phones', action: 'alert' as const, dataTypes: ['phone'] },
  ];
  const d = testDetector({ policies });
  const out = d.run(chunksOf(bytes, [64], { key: 'exports/y.csv', etag: 'e1' }));
  const v = verdictOf(out);
  const acts = d.emitted.map((a) => [a.value.policy, a.value.action]);
  assert.deepEqual(acts, [['alert-any', 'alert'], ['quarantine-cards', 'quarantine'], ['delete-keys', 'delete']]);
  for (const a of d.emitted) {
    assert.equal(a.stream, 'actions');
    assert.equal(a.key, 's3://bucket/exports/y.csv');
    assert.equal(a.value.finding_id, v.id);
    assert.deepEqual(a.value.object, { ref: 's3://bucket/exports/y.csv', store: 's3', bucket: 'bucket', key: 'exports/y.csv', version_id: null, etag: 'e1' });
    assert.match(String(a.value.reason), new RegExp(`^policy ${String(a.value.policy)}: `));
  }
  assert.match(v.message, /actions: alert \(alert-any\), quarantine \(quarantine-cards\), delete \(delete-keys\)/);
  const d2 = testDetector({ policies });
  d2.run(chunksOf(bytes, [64], { key: 'exports/y.csv', etag: 'e1' }));
  assert.deepEqual(d2.emitted.map((a) => a.value.id), d.emitted.map((a) => a.value.id));
  assert.equal(new Set(d.emitted.map((a) => a.value.id)).size, 3);
});

test('verdict modes: clean objects and skipped objects', () => {
  const clean = Buffer.from('nothing to see here\n'.repeat(10));
  assert.deepEqual(testDetector().run(chunksOf(clean, [50], { key: 'clean.txt' })), [], 'default: no verdict for a clean object');
  const all = testDetector({ verdicts: 'all' }).run(chunksOf(clean, [50], { key: 'clean.txt' }));
  assert.equal(all.length, 1);
  assert.equal(all[0]!.severity, 'Informational');
  assert.match(all[0]!.message, /no sensitive data found/);
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)]);
  const skipped = testDetector().run(chunksOf(png, [40], { key: 'img.png', contentType: 'image/png' }));
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!.message, /not scanned: binary content \(image\/png\)/);
  assert.equal(testDetector({ verdicts: 'findings' }).run(chunksOf(png, [40], { key: 'img.png', contentType: 'image/png' })).length, 0);
});

test('maxFindingsPerObject caps per-match findings; the verdict still counts all', () => {
  const d = testDetector({ maxFindingsPerObject: 1 });
  const out = d.run(chunksOf(bytes, [], { key: 'z.csv' }));
  assert.equal(out.filter((f) => f.rule !== 'object_verdict').length, 1);
  const v = verdictOf(out);
  assert.equal(v.count, 6);
  assert.equal(v.evidences.find((e) => 'findings_not_emitted' in e)?.findings_not_emitted, 5);
});

test('risk score and policy matching, directly', () => {
  assert.equal(riskScore({}, {}), 0);
  assert.equal(riskScore({ email: 1 }, { email: 2 }), 17); // Low 15 + 5 log10(2)
  assert.ok(riskScore({ email: 1000 }, { email: 2 }) <= 30);
  assert.equal(riskScore({ a: 1, b: 1, c: 1, d: 1, e: 1 }, { a: 5 }), 94); // Critical 80 + 5 log10(6) + diversity 10
  const p = { name: 'p', action: 'alert' as const, dataTypes: ['email'], minCount: 2, minSeverity: 'Low' as const, minRiskScore: 0 };
  assert.equal(matchPolicies([p], { email: 1 }, { email: 2 }, 20).length, 0);
  assert.equal(matchPolicies([p], { email: 2 }, { email: 2 }, 20).length, 1);
  assert.equal(matchPolicies([{ ...p, minSeverity: 'High' }], { email: 2 }, { email: 2 }, 20).length, 0);
  assert.equal(matchPolicies([{ ...p, minRiskScore: 50 }], { email: 2 }, { email: 2 }, 20).length, 0);
});
