import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coverageReport, loadCatalogues, loadCoverage } from './coverage.ts';
import { loadRulePacks } from './loader.ts';

const entries = loadCoverage();
const rules = loadRulePacks(['@builtin/activity']);
const report = coverageReport(entries, rules, loadCatalogues());

test('the coverage files load and name only rules the packs define', () => {
  assert.ok(entries.length > 300, `${entries.length} entries`);
  assert.deepEqual(report.unknownRules, []);
});

test('every entry of the bundled catalogues (TrailDiscover, Stratus Red Team, Panther) has a coverage entry', () => {
  const names = report.catalogues.map((c) => c.name).sort();
  assert.deepEqual(names, [...new Set(names)], 'one row per catalogue name');
  for (const n of ['stratus', 'traildiscover', 'panther-aws', 'panther-azure', 'panther-k8s', 'panther-gcp']) assert.ok(names.includes(n), `${n} is bundled`);
  for (const c of report.catalogues) assert.deepEqual(c.missing, [], `${c.name}: entries without a coverage entry`);
  const traildiscover = report.catalogues.find((c) => c.name === 'traildiscover')!;
  assert.ok(traildiscover.entries >= 380, `${traildiscover.entries} TrailDiscover events`);
});

test('every alert rule (medium or above) is listed under some behaviour', () => {
  assert.deepEqual(report.unlistedRules, []);
});

test('every source the packs cover has its coverage file', () => {
  assert.deepEqual(report.sources.map((s) => s.source).sort(), ['aws_cloudtrail', 'azure_activity', 'gcp_audit', 'k8s_audit']);
  for (const s of report.sources) assert.ok(s.covered > 0 && s.techniques.length > 0, s.source);
});

test('a bad coverage file is refused with every problem listed; an unknown rule is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-coverage-'));
  mkdirSync(join(dir, 'aws_cloudtrail'));
  writeFileSync(
    join(dir, 'aws_cloudtrail', 'bad.yaml'),
    'source: aws_cloudtrail\nentries:\n  - behaviour: x y z\n    operations: [a]\n    attack: [T12]\n    rules: none\n',
  );
  assert.throws(() => loadCoverage(dir), (e: Error) => /attack\.0/.test(e.message) && /needs a `reason`/.test(e.message));
  writeFileSync(
    join(dir, 'aws_cloudtrail', 'bad.yaml'),
    'source: aws_cloudtrail\nentries:\n  - behaviour: stop the trail\n    operations: [cloudtrail.amazonaws.com:StopLogging]\n    attack: [T1562.008]\n    catalogue: [traildiscover:cloudtrail.amazonaws.com:StopLogging]\n    rules: [aws.no.such_rule]\n',
  );
  const r = coverageReport(loadCoverage(dir), rules, [{ name: 'traildiscover', source: 't', refs: ['traildiscover:cloudtrail.amazonaws.com:StopLogging', 'traildiscover:x:Y'] }]);
  assert.equal(r.unknownRules.length, 1);
  assert.match(r.unknownRules[0]!, /aws\.no\.such_rule/);
  assert.deepEqual(r.catalogues[0]!.missing, ['traildiscover:x:Y']);
});

test('catalogue files that share one catalogue name merge into one catalogue with deduplicated refs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-catalogues-'));
  const file = (catalogue: string, source: string, ids: string[]) =>
    JSON.stringify({ catalogue, source, licence: 'Apache-2.0', entries: ids.map((id) => ({ id, name: id, severity: 'High' })) });
  writeFileSync(join(dir, 'peer-a.json'), file('peer', 'peer rules, part A', ['A.One', 'Shared']));
  writeFileSync(join(dir, 'peer-b.json'), file('peer', 'peer rules, part B', ['B.One', 'Shared']));
  writeFileSync(join(dir, 'other.json'), file('other', 'another peer', ['X']));
  const cats = loadCatalogues(dir);
  assert.deepEqual(cats.map((c) => c.name).sort(), ['other', 'peer']);
  const peer = cats.find((c) => c.name === 'peer')!;
  assert.deepEqual([...peer.refs].sort(), ['peer:A.One', 'peer:B.One', 'peer:Shared']);
  assert.match(peer.source, /part A/);
  assert.match(peer.source, /part B/);
  const r = coverageReport([], rules, cats);
  assert.equal(r.catalogues.filter((c) => c.name === 'peer').length, 1);
  assert.equal(r.catalogues.find((c) => c.name === 'peer')!.entries, 3);
});

test('a catalogue file without a catalogue name or entries is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-catalogues-'));
  writeFileSync(join(dir, 'broken.json'), JSON.stringify({ source: 's', entries: [] }));
  assert.throws(() => loadCatalogues(dir), /broken\.json/);
});
