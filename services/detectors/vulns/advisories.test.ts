import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupByAlias, isNewer, relatedIds } from './advisories.ts';
import { releaseMatches } from './release.ts';

test('advisories naming each other form one group, named by the CVE', () => {
  const groups = groupByAlias([
    { id: 'PYSEC-2021-1', aliases: ['CVE-2021-1234', 'GHSA-aaaa-bbbb-cccc'] },
    { id: 'GHSA-aaaa-bbbb-cccc', aliases: ['CVE-2021-1234'] },
    { id: 'GO-2022-0001', aliases: ['GHSA-zzzz-yyyy-xxxx'] },
    { id: 'GHSA-zzzz-yyyy-xxxx', aliases: [] },
    { id: 'OSV-2020-5', aliases: [] },
  ]);
  assert.deepEqual([...groups.keys()].sort(), ['CVE-2021-1234', 'GHSA-zzzz-yyyy-xxxx', 'OSV-2020-5']);
  assert.deepEqual(groups.get('CVE-2021-1234')!.map((a) => a.id), ['PYSEC-2021-1', 'GHSA-aaaa-bbbb-cccc']);
  assert.deepEqual(relatedIds('CVE-2021-1234', groups.get('CVE-2021-1234')!), ['GHSA-aaaa-bbbb-cccc', 'PYSEC-2021-1']);
});

test('the group id does not depend on arrival order', () => {
  const a = { id: 'GO-2022-0001', aliases: ['GHSA-zzzz-yyyy-xxxx'] };
  const b = { id: 'GHSA-zzzz-yyyy-xxxx', aliases: ['GO-2022-0001'] };
  assert.deepEqual([...groupByAlias([a, b]).keys()], [...groupByAlias([b, a]).keys()]);
  assert.deepEqual([...groupByAlias([a]).keys()], ['GHSA-zzzz-yyyy-xxxx']);
});

test('newer by modified time, or by withdrawal at the same time', () => {
  assert.equal(isNewer({ modified: '2024-01-02T00:00:00Z', withdrawn: null }, { modified: '2024-01-01T00:00:00Z', withdrawn: null }), true);
  assert.equal(isNewer({ modified: '2024-01-01T00:00:00Z', withdrawn: null }, { modified: '2024-01-02T00:00:00Z', withdrawn: null }), false);
  assert.equal(isNewer({ modified: '2024-01-01T00:00:00Z', withdrawn: null }, { modified: '2024-01-01T00:00:00.000Z', withdrawn: null }), false);
  assert.equal(isNewer({ modified: '2024-01-01T00:00:00Z', withdrawn: '2024-01-01T00:00:00Z' }, { modified: '2024-01-01T00:00:00Z', withdrawn: null }), true);
  assert.equal(isNewer({ modified: '2024-01-01T00:00:00Z', withdrawn: null }, undefined), true);
});

test('distribution releases', () => {
  assert.equal(releaseMatches('Debian:12', '12'), true);
  assert.equal(releaseMatches('Debian:12', 'bookworm'), true);
  assert.equal(releaseMatches('Debian:11', '12.4'), false);
  assert.equal(releaseMatches('Alpine:v3.18', '3.18.4'), true);
  assert.equal(releaseMatches('Alpine:v3.18', '3.17.2'), false);
  assert.equal(releaseMatches('Ubuntu:22.04:LTS', '22.04'), true);
  assert.equal(releaseMatches('Ubuntu:20.04:LTS', '22.04'), false);
  assert.equal(releaseMatches('Debian:12', null), true, 'unknown image release');
  assert.equal(releaseMatches('PyPI', '3.18'), true, 'no release in the ecosystem');
});
