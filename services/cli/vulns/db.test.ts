import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { loadOsvDb } from './db.ts';

const FIX = fileURLToPath(new URL('../../detectors/vulns/fixtures/osv/', import.meta.url));
const pypi = readFileSync(join(FIX, 'pypi-sample.jsonl'), 'utf8');
const records = pypi.trim().split('\n');

test('JSONL, JSONL.gz, single records, arrays and {"vulns":[...]} all load, keyed by package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-osv-db-'));
  try {
    writeFileSync(join(dir, 'a.jsonl.gz'), gzipSync(records.slice(0, 3).join('\n')));
    writeFileSync(join(dir, 'b.json'), records[3]!);
    writeFileSync(join(dir, 'c.json'), `[${records[4]},${records[5]}]`);
    writeFileSync(join(dir, 'd.json'), `{"vulns":[${records[6]},${records[7]}]}`);
    writeFileSync(join(dir, 'SOURCE-LICENSE.txt'), 'CC-BY-4.0');
    const db = loadOsvDb([dir]);
    assert.equal(db.records, 8);
    assert.deepEqual(db.errors, []);
    assert.deepEqual(db.skipped.map((s) => s.slice(dir.length + 1)), ['SOURCE-LICENSE.txt']);
    assert.deepEqual(db.byPackage.get('PyPI/pillow')!.map((a) => a.id).sort(), ['PYSEC-2016-7', 'PYSEC-2021-138']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("osv.dev's per-ecosystem zip export (one JSON record per entry)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-osv-zip-'));
  try {
    const entries = Object.fromEntries(records.map((r) => [`${(JSON.parse(r) as { id: string }).id}.json`, new TextEncoder().encode(r)]));
    mkdirSync(join(dir, 'PyPI'));
    writeFileSync(join(dir, 'PyPI', 'all.zip'), zipSync(entries));
    const db = loadOsvDb([join(dir, 'PyPI', 'all.zip')]);
    assert.equal(db.records, records.length);
    assert.ok(db.byPackage.has('PyPI/paramiko'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad records and missing paths are errors, the rest still loads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-osv-bad-'));
  try {
    writeFileSync(join(dir, 'mixed.jsonl'), `${records[0]}\n{"id":"X-1"}\nnot json\n`);
    const db = loadOsvDb([join(dir, 'mixed.jsonl'), join(dir, 'nope')]);
    assert.equal(db.records, 1);
    assert.equal(db.errors.length, 3);
    assert.match(db.errors[0]!.message, /modified is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
