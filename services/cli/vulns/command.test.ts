import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vulnsScan, type VulnScanOptions } from './command.ts';

const FIX = fileURLToPath(new URL('../../detectors/vulns/fixtures/', import.meta.url));
const APP = join(FIX, 'sbom/python-go-app.cdx.json');
const DB = [join(FIX, 'osv')];

function run(inputs: string[], opts: Partial<VulnScanOptions> = {}): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = vulnsScan(inputs, { db: DB, format: 'text', failOn: 'High', defaultSeverity: 'Medium', ...opts }, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

test('json: one line per (package, advisory) with the purl and the OSV id; exit 1 at the threshold', () => {
  const r = run([APP], { format: 'json' });
  assert.equal(r.code, 1, 'GDAL (CVSS 9.8) and pillow (GHSA CRITICAL) reach High');
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { purl: string; id: string; vulnerability: string });
  assert.deepEqual(lines.map((l) => `${l.purl} ${l.id}`).sort(), [
    'pkg:golang/github.com/cri-o/cri-o@v1.19.5 GO-2022-0354',
    'pkg:pypi/GDAL@3.0.1 PYSEC-2019-241',
    'pkg:pypi/Paramiko@2.10.0 PYSEC-2022-166',
    'pkg:pypi/cryptography@39.0.0 PYSEC-2023-11',
    'pkg:pypi/pillow@8.1.0 GHSA-rwv7-3v45-hg29',
    'pkg:pypi/pillow@8.1.0 PYSEC-2021-138',
    'pkg:pypi/trac@0.9 PYSEC-2005-1',
  ]);
  assert.equal(new Set(lines.filter((l) => l.purl.startsWith('pkg:pypi/pillow')).map((l) => l.vulnerability)).size, 1, 'both pillow records are one vulnerability');
  assert.match(r.err, /6 vulnerabilities \(Critical 2, Medium 4\) in 9 package\(s\)/);
});

test('exit codes: 0 below the threshold or clean, 2 on an unreadable input or database', () => {
  assert.equal(run([APP], { failOn: 'Critical' }).code, 1);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-vulns-scan-'));
  try {
    writeFileSync(join(dir, 'requirements.txt'), 'requests==2.31.0\nparamiko==2.10.1\n');
    assert.equal(run([join(dir, 'requirements.txt')]).code, 0, 'nothing vulnerable');
    writeFileSync(join(dir, 'requirements-prod.txt'), 'paramiko==2.10.0\n');
    const medium = run([join(dir, 'requirements-prod.txt')]);
    assert.equal(medium.code, 0, 'Medium is below the default High');
    assert.match(medium.out, /CVE-2022-24302 +Paramiko|CVE-2022-24302 +paramiko/);
    assert.equal(run([join(dir, 'requirements-prod.txt')], { failOn: 'Medium' }).code, 1);
    writeFileSync(join(dir, 'junk.json'), '{"a":1}');
    assert.equal(run([join(dir, 'junk.json')]).code, 2);
    assert.equal(run([join(dir, 'requirements-prod.txt')], { db: [join(dir, 'missing-db')] }).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sarif: one rule per vulnerability, one result per vulnerable package', () => {
  const r = run([APP], { format: 'sarif' });
  const log = JSON.parse(r.out) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string; properties: { severity: string; tags: string[] } }> } }; results: Array<{ ruleId: string; level: string; locations: Array<{ logicalLocations: Array<{ fullyQualifiedName: string }> }> }> }> };
  assert.equal(log.version, '2.1.0');
  const run0 = log.runs[0]!;
  assert.deepEqual(run0.tool.driver.rules.map((x) => x.id), ['CVE-2005-4644', 'CVE-2019-17545', 'CVE-2021-25288', 'CVE-2022-0811', 'CVE-2022-24302', 'CVE-2023-23931']);
  assert.equal(run0.results.length, 6);
  const pillow = run0.results.find((x) => x.ruleId === 'CVE-2021-25288')!;
  assert.equal(pillow.level, 'error');
  assert.equal(pillow.locations[0]!.logicalLocations[0]!.fullyQualifiedName, 'pkg:pypi/pillow@8.1.0');
  assert.deepEqual(run0.tool.driver.rules.find((x) => x.id === 'CVE-2021-25288')!.properties.tags, ['security', 'GHSA-rwv7-3v45-hg29', 'PYSEC-2021-138']);
});

test('the osv-scanner SBOMs (Alpine, Debian) with an Alpine advisory: release-aware', () => {
  const sboms = fileURLToPath(new URL('../../../test/fixtures/sbom/', import.meta.url));
  const r = run([join(sboms, 'osv-scanner/alpine-zlib-16.cdx.json'), join(sboms, 'derived/alpine.cdx.json')], { format: 'json' });
  assert.deepEqual(r.out.trim().split('\n').map((l) => (JSON.parse(l) as { id: string; purl: string }).purl), ['pkg:apk/alpine/zlib@1.2.12-r1?arch=x86_64&distro=3.22.0&origin=zlib']);
});
