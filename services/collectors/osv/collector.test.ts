import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { CollectorOutput } from '../../core/components.ts';
import { OCSF_VERSION } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Advisory } from '../../core/model/advisory.ts';
import { GO_FILE, osvRecord, osvRecords, PYPI_FILE, readBytes } from '../../../test/fixtures/osv/load.ts';
import { normalizeOsv, OsvConfigSchema, osvCollector, osvSpec, parseRfc3339 } from './index.ts';
import { assertCollectorSpec, assertConfigProblems, assertFieldsDocumented, assertOnlyRejects, avroRoundTrip, splitOutputs, type SplitOutputs } from '../../../test/fixtures/collector-kit.ts';
import { assertSniffs } from '../../../test/fixtures/hubble_flows/sniff-samples.ts';

// Expected values below were written from reading the records (see test/fixtures/osv/SOURCE.md).

const assertAvroRoundTrip = avroRoundTrip<Advisory>('advisory.v1');
const split = (outputs: Iterable<CollectorOutput>): SplitOutputs<'advisory'> => splitOutputs(outputs, 'advisory');

describe('osv collector on the fixture records (7 Go, 6 PyPI)', () => {
  const collector = osvCollector();
  const go = split(collector.collect({ name: 'go.jsonl', bytes: readBytes(GO_FILE) }));
  const pypi = split(collector.collect({ name: 'pypi.jsonl', bytes: readBytes(PYPI_FILE) }));

  it('normalizes every record: one event per affected package', () => {
    assert.deepEqual([...go.rejects, ...pypi.rejects], []);
    // Go: 1 + 1 + 1 + 2 (GO-2023-2170) + 4 (GO-2025-3377) + 1 (GO-2025-3825, one package 4 times) + 1
    assert.equal(go.events.length, 11);
    assert.equal(pypi.events.length, 6);
    assert.deepEqual(
      go.events.map((e) => [e.position, e.key]),
      [
        ['go.jsonl#0', 'Go/github.com/cri-o/cri-o'],
        ['go.jsonl#1', 'Go/github.com/Masterminds/goutils'],
        ['go.jsonl#2', 'Go/github.com/runatlantis/atlantis'],
        ['go.jsonl#3', 'Go/k8s.io/kubernetes'],
        ['go.jsonl#3', 'Go/k8s.io/mount-utils'],
        ['go.jsonl#4', 'Go/github.com/mattermost/mattermost-server'],
        ['go.jsonl#4', 'Go/github.com/mattermost/mattermost-server/v5'],
        ['go.jsonl#4', 'Go/github.com/mattermost/mattermost-server/v6'],
        ['go.jsonl#4', 'Go/github.com/mattermost/mattermost/server/v8'],
        ['go.jsonl#5', 'Go/github.com/goharbor/harbor'],
        ['go.jsonl#6', 'Go/github.com/lib/pq'],
      ],
    );
    assert.deepEqual(pypi.events.map((e) => e.key), ['PyPI/trac', 'PyPI/gdal', 'PyPI/indy-node', 'PyPI/aiohttp', 'PyPI/exotel', 'PyPI/langchain']);
  });

  it('every event round-trips through the Avro schema', () => {
    for (const e of [...go.events, ...pypi.events]) assertAvroRoundTrip(e.event, `${e.position} ${e.key}`);
  });

  it('reads a {"vulns":[…]} envelope (osv.dev API), a JSON array, one pretty-printed record, and gzip', () => {
    const records = osvRecords();
    const all = split(collector.collect({ name: 'api', bytes: Buffer.from(JSON.stringify({ vulns: records })) }));
    assert.equal(all.events.length, 17);
    const arr = split(collector.collect({ name: 'arr', bytes: gzipSync(Buffer.from(JSON.stringify(records))) }));
    assert.deepEqual(arr.events.map((e) => e.event.metadata.uid), all.events.map((e) => e.event.metadata.uid));
    const one = split(collector.collect({ name: 'PYSEC-2005-1.json', bytes: Buffer.from(JSON.stringify(osvRecord('PYSEC-2005-1'), null, 2)) }));
    assert.deepEqual(one.events.map((e) => [e.position, e.key]), [['PYSEC-2005-1.json#0', 'PyPI/trac']]);
  });
});

describe('normalizeOsv field by field', () => {
  it('PYSEC-2019-241: gdal, GIT and ECOSYSTEM ranges, CVSS severity', () => {
    const [a, ...rest] = normalizeOsv(osvRecord('PYSEC-2019-241'));
    assert.equal(rest.length, 0);
    const e = a!.event;
    assert.equal(a!.key, 'PyPI/gdal');
    assert.deepEqual(e.metadata, {
      uid: 'PYSEC-2019-241@2023-11-13T19:19:43.892449Z#PyPI/gdal',
      version: OCSF_VERSION,
      product_name: 'PyPI Advisory Database',
      vendor_name: 'OSV',
      log_name: 'PYSEC',
      original_time: '2023-11-13T19:19:43.892449Z',
      source: 'osv',
    });
    assert.equal(e.time, Date.UTC(2023, 10, 13, 19, 19, 43, 892));
    assert.equal(e.id, 'PYSEC-2019-241');
    assert.equal(e.published, '2019-10-14T02:15:00Z');
    assert.equal(e.withdrawn, null);
    assert.equal(e.schema_version, null);
    assert.deepEqual(e.aliases, ['CVE-2019-17545']);
    assert.equal(e.summary, null);
    assert.deepEqual(e.severity, [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }]);
    assert.deepEqual(e.package, { ecosystem: 'PyPI', name: 'gdal', purl: 'pkg:pypi/gdal' });
    assert.equal(e.affected.length, 1);
    assert.deepEqual(e.affected[0]!.ranges, [
      {
        type: 'GIT',
        repo: 'https://github.com/OSGeo/gdal',
        events: [
          { introduced: '0', fixed: null, last_affected: null, limit: null },
          { introduced: null, fixed: '148115fcc40f1651a5d15fa34c9a8c528e7147bb', last_affected: null, limit: null },
        ],
      },
      {
        type: 'ECOSYSTEM',
        repo: null,
        events: [
          { introduced: '0', fixed: null, last_affected: null, limit: null },
          { introduced: null, fixed: '3.0.2', last_affected: null, limit: null },
        ],
      },
    ]);
    assert.equal(e.affected[0]!.versions.length, 32);
    assert.equal(e.references.length, 15);
    assert.deepEqual(e.affected_packages, ['PyPI/gdal']);
    assert.deepEqual(e.truncated_fields, []);
    assert.equal(e.unmapped, '{}');
    assert.deepEqual(JSON.parse(e.raw_data ?? 'null'), osvRecord('PYSEC-2019-241'));
  });

  it('GO-2022-0411: Go zero modified -> time from published; ecosystem_specific and database_specific as JSON text', () => {
    const [a] = normalizeOsv(osvRecord('GO-2022-0411'));
    const e = a!.event;
    assert.equal(e.modified, '0001-01-01T00:00:00Z');
    assert.equal(e.time, Date.UTC(2022, 6, 1, 20, 8, 24));
    assert.equal(e.metadata.uid, 'GO-2022-0411@0001-01-01T00:00:00Z#Go/github.com/Masterminds/goutils');
    assert.equal(e.metadata.product_name, 'Go Vulnerability Database');
    assert.equal(e.schema_version, '1.3.1');
    assert.deepEqual(e.aliases, ['CVE-2021-4238', 'GHSA-3839-6r69-m497', 'GHSA-xg2h-wx96-xgxr']);
    assert.equal(e.summary, 'Insufficient randomness in github.com/Masterminds/goutils');
    assert.deepEqual(JSON.parse(e.affected[0]!.ecosystem_specific ?? 'null'), {
      imports: [{ path: 'github.com/Masterminds/goutils', symbols: ['CryptoRandomAlphaNumeric', 'RandomAlphaNumeric'] }],
    });
    assert.equal(e.affected[0]!.database_specific, null);
    assert.deepEqual(JSON.parse(e.database_specific ?? 'null'), { url: 'https://pkg.go.dev/vuln/GO-2022-0411', review_status: 'REVIEWED' });
  });

  it('GO-2022-0354: modified and published both zero -> time null', () => {
    assert.equal(normalizeOsv(osvRecord('GO-2022-0354'))[0]!.event.time, null);
  });

  it('GO-2023-2170 splits into k8s.io/kubernetes and k8s.io/mount-utils, each with its own affected entry', () => {
    const out = normalizeOsv(osvRecord('GO-2023-2170'));
    assert.deepEqual(out.map((o) => o.key), ['Go/k8s.io/kubernetes', 'Go/k8s.io/mount-utils']);
    for (const o of out) {
      assert.deepEqual(o.event.affected_packages, ['Go/k8s.io/kubernetes', 'Go/k8s.io/mount-utils']);
      assert.equal(o.event.affected.length, 1);
      assert.equal(o.event.affected[0]!.package?.name, o.event.package.name);
      assert.equal(o.event.metadata.uid, `GO-2023-2170@0001-01-01T00:00:00Z#${o.key}`);
      assert.equal(o.event.references.length, 14);
    }
    assert.equal(out[1]!.event.affected[0]!.ranges[0]!.events[1]!.fixed, '0.24.17');
  });

  it('GO-2025-3825 names github.com/goharbor/harbor four times: one event holding the four entries in order', () => {
    const out = normalizeOsv(osvRecord('GO-2025-3825'));
    assert.equal(out.length, 1);
    const e = out[0]!.event;
    assert.equal(e.affected.length, 4);
    assert.deepEqual(
      e.affected.map((a) => a.ranges[0]!.events.map((ev) => ev.introduced ?? `<${ev.fixed}`)),
      [['0'], ['0'], ['2.12.0-rc1+incompatible', '<2.12.4-rc1+incompatible'], ['2.13.0-rc1+incompatible', '<2.13.1-rc1+incompatible']],
    );
    assert.deepEqual(JSON.parse(e.affected[1]!.ecosystem_specific ?? 'null'), { custom_ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.4.0-rc1.1' }] }] });
  });

  it('GO-2026-6170 is withdrawn; GO-2022-0534 keeps its credits in unmapped', () => {
    assert.equal(normalizeOsv(osvRecord('GO-2026-6170'))[0]!.event.withdrawn, '2026-08-18T20:22:49Z');
    assert.deepEqual(JSON.parse(normalizeOsv(osvRecord('GO-2022-0534'))[0]!.event.unmapped), { credits: [{ name: 'cedws' }] });
  });

  it('caps details, versions and references, naming what was cut', () => {
    const [a] = normalizeOsv(osvRecord('PYSEC-2020-47'), { detailsMaxChars: 100, maxVersions: 200, maxReferences: 2 });
    const e = a!.event;
    assert.equal(e.details?.length, 100);
    assert.equal(e.affected[0]!.versions.length, 200);
    assert.equal(e.references.length, 2);
    assert.deepEqual(e.truncated_fields, ['details', 'references', 'affected[0].versions']);
    const [full] = normalizeOsv(osvRecord('PYSEC-2020-47'));
    assert.equal(full!.event.affected[0]!.versions.length, 412);
    assert.deepEqual(full!.event.truncated_fields, []);
  });

  it('package-less entries (GIT only) ride along with every package; none at all is rejected', () => {
    const rec = structuredClone(osvRecord('GO-2023-2170')) as { affected: unknown[] };
    rec.affected.splice(1, 0, { ranges: [{ type: 'GIT', repo: 'https://github.com/kubernetes/kubernetes', events: [{ introduced: '0' }, { limit: 'abc' }] }] });
    const out = normalizeOsv(rec);
    assert.deepEqual(out.map((o) => o.event.affected.map((a) => a.package?.name ?? 'GIT')), [
      ['k8s.io/kubernetes', 'GIT'],
      ['GIT', 'k8s.io/mount-utils'],
    ]);
    assert.equal(out[0]!.event.affected[1]!.ranges[0]!.events[1]!.limit, 'abc');
    assert.throws(() => normalizeOsv({ ...rec, affected: [rec.affected[1]] }), /no affected entry names a package/);
  });
});

describe('osv bad records', () => {
  it('names the field', () => {
    const good = osvRecord('PYSEC-2005-1');
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^not an OSV record: id is missing; modified is missing$/],
      [{ ...good, modified: 'last week' }, /^not an OSV record: modified "last week" is not an RFC 3339 date-time$/],
      [{ ...good, id: 'has spaces in it' }, /^not an OSV record: id "has spaces in it" is not an OSV id$/],
      [{ ...good, affected: [] }, /^not an OSV advisory of a package: affected is missing or empty$/],
      [{ ...good, affected: [{ package: { name: 'trac' } }] }, /^affected\[0\].package must have an ecosystem and a name$/],
      [{ ...good, affected: [{ package: { ecosystem: 'PyPI', name: 'trac' }, versions: [1] }] }, /^affected\[0\].versions\[0\] must be a string, got a number$/],
      [{ ...good, affected: [{ package: { ecosystem: 'PyPI', name: 'trac' }, ranges: [{ events: [] }] }] }, /^affected\[0\].ranges\[0\].type is missing$/],
      [{ ...good, aliases: 'CVE-2005-4644' }, /^aliases must be an array, got a string$/],
      [{ ...good, references: [{ url: 'x' }] }, /^references\[0\] must have a type and a url$/],
      [{ ...good, published: 1136005200 }, /^published must be a string, got a number$/],
    ];
    for (const [rec, reason] of cases) {
      assert.throws(() => normalizeOsv(rec), (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_INPUT_MALFORMED' && reason.test(err.message), String(reason));
    }
  });

  it('a bad line is dead-lettered with its line and position, the others go through', () => {
    const lines = readFileSync(PYPI_FILE, 'utf8').split('\n').filter(Boolean);
    const text = [lines[0], lines[1]!.slice(0, 200), '{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":5}', lines[2]].join('\n');
    const out = [...osvCollector().collect({ name: 'p.jsonl', bytes: Buffer.from(text) })];
    assert.deepEqual(
      out.map((o) => (o.kind === 'event' ? [o.position, o.key] : [o.position, o.reason.replace(/JSON: .*/, 'JSON')])),
      [
        ['p.jsonl#0', 'PyPI/trac'],
        ['p.jsonl#1', 'line 2: not valid JSON'],
        ['p.jsonl#2', 'line 3: affected must be an array, got a number'],
        ['p.jsonl#3', 'PyPI/indy-node'],
      ],
    );
  });

  it('never throws, whatever the bytes', () => {
    assertOnlyRejects(osvCollector(), [
      Buffer.from('{"vulns": {}}'),
      Buffer.from(JSON.stringify({ id: 'A-1', modified: '2024-02-30T00:00:00Z', affected: [] })),
      Buffer.from(JSON.stringify({ id: 'A-1', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'x', name: 'y' }, severity: [{ type: 1 }] }] })),
    ]);
  });

  it('parseRfc3339 accepts year 1 and fractions, rejects impossible dates', () => {
    assert.equal(parseRfc3339('0001-01-01T00:00:00Z'), -62135596800000);
    assert.equal(parseRfc3339('2021-07-16T01:31:33.917972Z'), Date.UTC(2021, 6, 16, 1, 31, 33, 917));
    assert.equal(parseRfc3339('2021-07-16T03:31:33+02:00'), Date.UTC(2021, 6, 16, 1, 31, 33));
    assert.equal(parseRfc3339('2021-02-30T00:00:00Z'), null);
    assert.equal(parseRfc3339('2021-07-16'), null);
  });
});

describe('osv config, spec and sniff', () => {
  it('defaults, rejects unknown keys, documents every field', () => {
    const cfg = OsvConfigSchema.parse({});
    assert.deepEqual([cfg.detailsMaxChars, cfg.maxVersions, cfg.maxReferences], [8192, 1000, 100]);
    assertConfigProblems(() => osvCollector({ maxVersions: -1, bogus: true } as never), ['maxVersions', 'bogus']);
    assertFieldsDocumented(OsvConfigSchema);
  });

  it('exposes its spec', () => {
    assertCollectorSpec(osvSpec, 'osv', ['advisory']);
    assert.equal(osvSpec.create({ maxVersions: 10 }).type, 'osv');
  });

  it('sniffs true for its own records, false for CloudTrail, Azure, K8s audit, AWS Config, Hubble, VPC, SBOM and OSV records', () => {
    assertSniffs(osvSpec, 'osv');
  });
});
