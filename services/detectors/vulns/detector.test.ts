import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../core/events.ts';
import { advisories, FIXTURES, Harness, inventories, osvRecord, SBOM_FIXTURES } from './testing.ts';

const APP = new URL('sbom/python-go-app.cdx.json', FIXTURES);
const PYPI = new URL('osv/pypi-sample.jsonl', FIXTURES);
const GO = new URL('osv/go-sample.jsonl', FIXTURES);
const GHSA = new URL('osv/GHSA-rwv7-3v45-hg29.derived.json', FIXTURES);
const ALPINE = new URL('osv/ALPINE-CVE-2022-37434.json', FIXTURES);
const DIGEST = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';

const ev = (f: Finding) => f.evidences[0]!;
const summary = (fs: Finding[]) => fs.map((f) => `${f.rule} ${ev(f).package} ${ev(f).installed_versions} ${ev(f).status}`).sort();

const EXPECTED = [
  'CVE-2005-4644 trac 0.9 open',
  'CVE-2019-17545 GDAL 3.0.1 open',
  'CVE-2021-25288 pillow 8.1.0 open',
  'CVE-2022-0811 github.com/cri-o/cri-o v1.19.5 open',
  'CVE-2022-24302 Paramiko 2.10.0 open',
  'CVE-2023-23931 cryptography 39.0.0 open',
];

test('advisories then the image: one finding per vulnerable package, found with the image', () => {
  const h = new Harness();
  assert.deepEqual(h.feed([...advisories(PYPI), ...advisories(GO), ...advisories(GHSA)]), [], 'no image yet');
  const found = h.feed(inventories(APP));
  assert.deepEqual(summary(found), EXPECTED);
  assert.ok(found.every((f) => ev(f).found_by === 'image'));
  assert.equal(h.detector.stats().wholeImages, 1, 'the digest-keyed inventory is passed over');
});

test('the image then advisories: the same findings (same ids), found by the rescan', () => {
  const first = new Harness();
  first.feed([...advisories(PYPI), ...advisories(GO), ...advisories(GHSA)]);
  const byImage = first.feed(inventories(APP));
  const h = new Harness();
  assert.deepEqual(h.feed(inventories(APP)), [], 'no advisories yet');
  const found = h.feed([...advisories(PYPI), ...advisories(GO), ...advisories(GHSA)]);
  const last = new Map(found.map((f) => [f.id, f]));
  assert.deepEqual(summary([...last.values()]), EXPECTED, 'the latest version of each finding');
  assert.equal(found.length, EXPECTED.length + 1, 'pillow is reported twice: by PYSEC-2021-138, then updated when its GHSA alias arrives');
  assert.ok(found.every((f) => ev(f).found_by === 'rescan'));
  assert.deepEqual([...last.keys()].sort(), byImage.map((f) => f.id).sort(), 'ids do not depend on arrival order');
});

test('aliases: PYSEC-2021-138 and its GHSA are one finding under the CVE, rated by the stronger record', () => {
  const h = new Harness();
  const found = h.feed([...inventories(APP), ...advisories(PYPI), ...advisories(GHSA)]);
  const pillow = found.filter((f) => ev(f).package === 'pillow');
  assert.equal(new Set(pillow.map((f) => f.id)).size, 1, 'the GHSA updates the PYSEC finding, it does not add one');
  const last = pillow.at(-1)!;
  assert.equal(ev(last).advisory_ids, 'GHSA-rwv7-3v45-hg29, PYSEC-2021-138');
  assert.equal(last.severity, 'Critical', 'GHSA database_specific.severity CRITICAL');
  const v = last.vulnerabilities![0]!;
  assert.equal(v.cve?.uid, 'CVE-2021-25288');
  assert.equal(v.advisory, undefined, 'just_one: cve or advisory');
  assert.deepEqual(v.related_vulnerabilities, ['GHSA-rwv7-3v45-hg29', 'PYSEC-2021-138']);
  assert.deepEqual(v.affected_packages, [{ name: 'pillow', version: '8.1.0', purl: 'pkg:pypi/pillow@8.1.0', package_manager: 'PyPI', fixed_in_version: '8.2.0' }]);
  assert.equal(v.is_fix_available, true);
});

test('OCSF 2002 shape: header, CVSS-scored severity, the image as a resource', () => {
  const h = new Harness();
  const [gdal] = h.feed([...inventories(APP), ...advisories(PYPI)]).filter((f) => ev(f).package === 'GDAL');
  assert.ok(gdal);
  assert.equal(gdal.class_uid, 2002);
  assert.equal(gdal.type_uid, 200201);
  assert.equal(gdal.severity, 'Critical');
  assert.equal(gdal.severity_id, 5);
  assert.equal(gdal.entity.kind, 'image');
  assert.deepEqual(gdal.resources, [{ uid: DIGEST, name: 'registry.example.com/shop/api', type: 'container_image', labels: ['1.4.2'] }]);
  assert.deepEqual(gdal.vulnerabilities![0]!.cve!.cvss, [{ version: '3.1', base_score: 9.8, vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', severity: 'Critical' }]);
  assert.equal(ev(gdal).severity_source, 'cvss');
  assert.equal(ev(gdal).package_key, 'PyPI/gdal');
});

test('an advisory without a CVE is reported as an `advisory` vulnerability', () => {
  const trac = osvRecord('pypi-sample.jsonl', 'PYSEC-2005-1');
  const h = new Harness();
  const [f] = h.feed([...inventories(APP), ...advisories(Buffer.from(JSON.stringify({ ...trac, aliases: [] })))]);
  assert.equal(f?.rule, 'PYSEC-2005-1');
  assert.equal(f.vulnerabilities![0]!.cve, undefined);
  assert.equal(f.vulnerabilities![0]!.advisory?.uid, 'PYSEC-2005-1');
  assert.equal(f.severity, 'Medium', 'no CVSS and no rating: detectors.vulns.defaultSeverity');
});

test('a new advisory re-evaluates only the k images holding its package, not all N', () => {
  const h = new Harness();
  const app = inventories(APP);
  const N = 40;
  const k = 7;
  for (let i = 0; i < N; i++) {
    const digest = `sha256:${i.toString(16).padStart(64, '0')}`;
    // Every image holds trac; only the first k hold paramiko.
    const records = app.filter((r) => r.key === 'PyPI/trac' || (i < k && r.key === 'PyPI/paramiko'));
    h.feed(records.map((r) => ({ key: r.key, event: { ...r.event, image: { ...r.event.image, uid: digest, digest } } })));
  }
  const before = h.detector.stats().evaluations;
  assert.equal(before, N + k, 'one evaluation per image record');
  const found = h.feed(advisories(PYPI).filter((a) => a.key === 'PyPI/paramiko'));
  assert.equal(h.detector.stats().evaluations - before, 2 * k, 'two paramiko advisories, each re-evaluating k images');
  assert.equal(found.length, k, 'PYSEC-2022-166 affects 2.10.0 in each of the k images; PYSEC-2018-69 none');
});

test('replays and repeated records report nothing new', () => {
  const h = new Harness();
  const all = [...inventories(APP), ...advisories(PYPI), ...advisories(GO)];
  assert.ok(h.feed(all).length > 0);
  assert.deepEqual(h.feed(all), []);
  assert.equal(h.detector.stats().unchangedAdvisories, advisories(PYPI).length + advisories(GO).length);
});

test('a modified advisory that no longer covers the installed version resolves the finding', () => {
  const h = new Harness();
  h.feed([...inventories(APP), ...advisories(PYPI)]);
  const trac = osvRecord('pypi-sample.jsonl', 'PYSEC-2005-1');
  const narrowed = { ...trac, modified: '2025-01-01T00:00:00Z', affected: [{ package: { name: 'trac', ecosystem: 'PyPI' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.9' }] }] }] };
  const [resolved, ...rest] = h.feed(advisories(Buffer.from(JSON.stringify(narrowed))));
  assert.deepEqual(rest, []);
  assert.equal(ev(resolved!).status, 'resolved');
  assert.equal(ev(resolved!).reason, 'advisory no longer affects the installed version');
  assert.equal(resolved!.severity, 'Informational');
  const older = { ...trac, modified: '2020-01-01T00:00:00Z' };
  assert.deepEqual(h.feed(advisories(Buffer.from(JSON.stringify(older)))), [], 'an older copy changes nothing');
});

test('a withdrawn advisory resolves its findings; a withdrawn record never opens one', () => {
  const h = new Harness();
  const open = h.feed([...inventories(APP), ...advisories(PYPI)]).find((f) => ev(f).package === 'trac')!;
  const trac = osvRecord('pypi-sample.jsonl', 'PYSEC-2005-1');
  const [resolved] = h.feed(advisories(Buffer.from(JSON.stringify({ ...trac, modified: '2025-02-01T00:00:00Z', withdrawn: '2025-02-01T00:00:00Z' }))));
  assert.equal(resolved?.id, open.id, 'the same finding, now resolved');
  assert.equal(ev(resolved).status, 'resolved');
  assert.equal(ev(resolved).reason, 'advisory withdrawn');
  // GO-2026-6170 (lib/pq, withdrawn 2026-08-18) against lib/pq v1.10.0 inside its range.
  assert.deepEqual(h.feed(advisories(GO)).map((f) => ev(f).package), ['github.com/cri-o/cri-o']);
});

test('an image record with a fixed version resolves; one still vulnerable reports nothing new', () => {
  const h = new Harness();
  const app = inventories(APP);
  h.feed([...app, ...advisories(PYPI)]);
  const paramiko = app.find((r) => r.key === 'PyPI/paramiko')!;
  const bump = (version: string) => ({ key: paramiko.key, event: { ...paramiko.event, packages: paramiko.event.packages.map((p) => ({ ...p, version, purl: `pkg:pypi/Paramiko@${version}` })) } });
  const [resolved] = h.feed([bump('2.10.1')]);
  assert.equal(ev(resolved!).status, 'resolved');
  assert.equal(ev(resolved!).reason, 'fixed version installed');
  assert.equal(ev(resolved!).installed_versions, '2.10.1');
  const [reopened] = h.feed([bump('2.9.0')]);
  assert.equal(ev(reopened!).status, 'open');
  assert.equal(reopened!.id, resolved!.id);
});

test('GIT ranges are skipped and counted', () => {
  const h = new Harness();
  h.feed([...inventories(APP), ...advisories(PYPI)]);
  // PYSEC-2016-7 (pillow) and PYSEC-2017-8 (cryptography) are evaluated range by range; the other
  // records with GIT ranges list the installed version in `versions`, which decides first.
  assert.equal(h.detector.stats().skips.git_range, 2);
});

test('distribution advisories match the image release (Alpine zlib, osv-scanner SBOMs)', () => {
  const h = new Harness();
  h.feed(advisories(ALPINE));
  const vulnerable = h.feed(inventories(new URL('osv-scanner/alpine-zlib-16.cdx.json', SBOM_FIXTURES)));
  assert.deepEqual(summary(vulnerable), ['CVE-2022-37434 zlib 1.2.12-r1 open']);
  assert.equal(vulnerable[0]!.vulnerabilities![0]!.affected_packages![0]!.fixed_in_version, '1.2.12-r2');
  assert.deepEqual(h.feed(inventories(new URL('derived/alpine.cdx.json', SBOM_FIXTURES))), [], 'zlib 1.2.13-r0 on 3.17: fixed, and another release');
  const other = inventories(new URL('osv-scanner/alpine-zlib-16.cdx.json', SBOM_FIXTURES)).map((r) => ({ key: r.key, event: { ...r.event, image: { ...r.event.image, uid: 'sbom:other', os: { family: 'alpine', version: '3.17.2' } } } }));
  assert.deepEqual(h.feed(other), [], 'the same version on a release the advisory does not name');
});
