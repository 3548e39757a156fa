import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cvssSeverity, databaseRating, rateAdvisory, scoreCvss } from './severity.ts';

test('CVSS vectors are scored (FIRST examples) and rated', () => {
  assert.deepEqual(scoreCvss('CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), { version: '3.1', score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' });
  assert.equal(scoreCvss('CVSS_V3', 'CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N')?.score, 3.1);
  assert.equal(scoreCvss('CVSS_V4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')?.score, 9.3);
  assert.equal(scoreCvss('CVSS_V2', 'AV:N/AC:L/Au:N/C:P/I:P/A:P')?.score, 7.5);
  assert.equal(scoreCvss('CVSS_V3', 'not a vector'), null);
  assert.deepEqual([0, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(cvssSeverity), ['Informational', 'Low', 'Medium', 'Medium', 'High', 'High', 'Critical', 'Critical']);
});

test('the newest CVSS version wins; then the database rating; then the fallback', () => {
  const both = rateAdvisory(
    [
      { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N' },
    ],
    [],
    'Medium',
  );
  assert.equal(both.cvss?.version, '4.0');
  assert.equal(both.source, 'cvss');
  assert.deepEqual(rateAdvisory([], [null, '{"severity":"MODERATE","cwe_ids":[]}'], 'Low'), { severity: 'Medium', source: 'database', cvss: null });
  assert.deepEqual(rateAdvisory([{ type: 'Ubuntu', score: 'high' }], [], 'Low'), { severity: 'High', source: 'database', cvss: null });
  assert.deepEqual(rateAdvisory([], ['{"url":"https://pkg.go.dev/vuln/GO-2022-0354"}'], 'Medium'), { severity: 'Medium', source: 'none', cvss: null });
  assert.equal(databaseRating(['not json', '{"severity":"LOW"}']), 'Low');
});
