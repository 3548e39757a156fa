import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSavedQueries, parseParamPairs, parseSavedQuery, renderSavedQuery, SavedQueryError } from './saved-queries.ts';

const EXPECTED = [
  'dlp_objects_by_data_type',
  'findings_by_tactic_per_day',
  'first_seen_operations',
  'new_network_edges_per_namespace',
  'new_public_exposures',
  'open_posture_failures',
  'top_alerting_principals',
  'vulnerable_running_images',
];

test('the pack: every query has a title, a description, typed parameters with defaults, and uses each one', () => {
  const queries = loadSavedQueries();
  assert.deepEqual(queries.map((q) => q.name), EXPECTED);
  for (const q of queries) {
    assert.ok(q.title.length > 5 && q.description.length > 30, q.name);
    assert.ok(q.params.some((p) => p.name === 'limit'), `${q.name} takes a limit`);
    for (const p of q.params) {
      assert.ok(p.description, `${q.name}.${p.name} is described`);
      assert.ok(q.text.includes(`{${p.name}:${p.type}}`), `${q.name} uses ${p.name}`);
    }
    assert.match(q.text, /\bsluice\.(findings|api_activity|config_state|network_activity)\b/, `${q.name} names its tables sluice.<table>`);
    assert.doesNotMatch(q.text, /JSONExtract/, `${q.name}: 18.16 has no JSONExtract*`);
  }
});

test('rendering: literals for the parameters, the database, a LIMIT around the query; no placeholder left', () => {
  for (const q of loadSavedQueries()) {
    const sql = renderSavedQuery(q, { database: 'soc_db', maxRows: 50 });
    assert.doesNotMatch(sql, /\{[a-z_]+:[A-Za-z0-9]+\}/, q.name);
    assert.doesNotMatch(sql, /\bsluice\.(findings|api_activity|config_state|network_activity)\b/, q.name);
    assert.match(sql, /`soc_db`\./);
    assert.match(sql, /\n\) LIMIT 50$/);
    assert.doesNotMatch(sql, /;/);
  }
  const q = loadSavedQueries().find((x) => x.name === 'first_seen_operations')!;
  const sql = renderSavedQuery(q, { database: 'sluice', params: { principal: "o'brien\\", days: '3' } });
  assert.match(sql, /principal = 'o\\'brien\\\\'/, 'a String is quoted and escaped');
  assert.match(sql, /now\(\) - 3 \* 86400/);
});

test('parameters are checked against their type; unknown ones are refused', () => {
  const q = loadSavedQueries().find((x) => x.name === 'top_alerting_principals')!;
  const bad = (params: Record<string, string>): void => assert.throws(() => renderSavedQuery(q, { database: 'sluice', params }), SavedQueryError);
  bad({ days: '-1' });
  bad({ days: '7; DROP TABLE x' });
  bad({ min_severity_id: '256' });
  bad({ nope: '1' });
  assert.throws(() => renderSavedQuery(q, { database: 'bad-name' }), TypeError);
  assert.deepEqual(parseParamPairs(['a=1', 'b=x=y', 'c=']), { a: '1', b: 'x=y', c: '' });
  assert.throws(() => parseParamPairs(['novalue']), SavedQueryError);
});

test('the header parser: continuation lines, quoted defaults, Date and DateTime; undeclared placeholders refused', () => {
  const q = parseSavedQuery(
    't',
    [
      '-- title: T',
      '-- description: first line',
      '--   second line',
      "-- param: who String = 'a b'  the name",
      '-- param: day Date = 2026-01-02  a day',
      '-- param: at DateTime = 2026-01-02T03:04:05Z  a time',
      'SELECT {who:String}, {day:Date}, {at:DateTime} FROM sluice.findings',
    ].join('\n'),
  );
  assert.equal(q.description, 'first line second line');
  assert.deepEqual(q.params.map((p) => [p.name, p.type, p.default]), [
    ['who', 'String', 'a b'],
    ['day', 'Date', '2026-01-02'],
    ['at', 'DateTime', '2026-01-02T03:04:05Z'],
  ]);
  assert.match(renderSavedQuery(q, { database: 'x' }), /SELECT 'a b', toDate\('2026-01-02'\), toDateTime\('2026-01-02 03:04:05', 'UTC'\) FROM `x`\.findings/);
  assert.throws(() => parseSavedQuery('u', '-- title: T\n-- description: d\nSELECT {x:UInt8}'), /not declared/);
  assert.throws(() => parseSavedQuery('u', '-- title: T\n-- description: d\n-- param: x UInt8 = 1 x\nSELECT {x:String}'), /does not match/);
  assert.throws(() => parseSavedQuery('u', '-- description: d\nSELECT 1'), /title/);
});
