import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entityEventsQuery, eventsByUidQuery } from './event-query.ts';
import { clampLimit, findingsQuery, MAX_QUERY_ROWS } from './query.ts';

test('findingsQuery: FINAL, escaped values, short names match path ends, newest first with a LIMIT', () => {
  const sql = findingsQuery('sluice', { sinceMs: Date.UTC(2026, 10, 20), principals: ["al'ice"], detectors: ['posture'], minSeverityId: 4, limit: 5 });
  assert.match(sql, /^SELECT \* FROM `sluice`\.findings FINAL WHERE /);
  assert.match(sql, /date >= toDate\(toDateTime\(1795132800, 'UTC'\)\) AND time >= toDateTime\(1795132800, 'UTC'\)/);
  assert.match(sql, /principal IN \('al\\'ice'\) OR endsWith\(principal, '\/al\\'ice'\)/);
  assert.match(sql, /detector IN \('posture'\)/);
  assert.match(sql, /severity_id >= 4/);
  assert.match(sql, /ORDER BY time DESC, severity_id DESC, id LIMIT 5$/);
  assert.doesNotMatch(findingsQuery('sluice', { resources: ['arn:aws:s3:::b/k'] }), /endsWith/, 'a value with a slash matches exactly');
});

test('findingsQuery --status open: not resolved, compliance not Pass, the latest per (entity, rule)', () => {
  const sql = findingsQuery('db', { status: 'open' });
  assert.match(sql, /visitParamExtractUInt\(finding_json, 'status_id'\) != 4/);
  assert.match(sql, /extract\(finding_json, '"compliance":\\\\\{\[\^\{\}\]\*"status":"\(\[A-Za-z\]\+\)"'\) != 'Pass'/);
  assert.match(sql, /\(entity_key, rule, version\) IN \(SELECT entity_key, rule, max\(version\) FROM `db`\.findings FINAL/);
  assert.match(sql, /id NOT IN \(SELECT id FROM `db`\.findings GROUP BY id HAVING argMax/);
});

test('limits are bounded', () => {
  assert.equal(clampLimit(undefined), 100);
  assert.equal(clampLimit(0), 1);
  assert.equal(clampLimit(1e9), MAX_QUERY_ROWS);
  assert.match(findingsQuery('db', { limit: 1e9 }), new RegExp(`LIMIT ${MAX_QUERY_ROWS}$`));
});

test('event queries: entity columns per table, uid lists around the finding days, LIMIT', () => {
  const api = entityEventsQuery('db', 'api_activity', 'bob', 0, undefined, 20);
  assert.match(api, /FROM `db`\.`api_activity` FINAL WHERE/);
  assert.match(api, /principal = 'bob' OR endsWith\(principal, '\/bob'\)/);
  assert.match(api, /LIMIT 20$/);
  assert.match(entityEventsQuery('db', 'network_activity', 'ns/x', undefined, undefined, 5), /dst_identity = 'ns\/x'/);
  const byUid = eventsByUidQuery('db', 'config_state', ["u'1", 'u2'], Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 3), 10);
  assert.match(byUid, /uid IN \('u\\'1', 'u2'\)/);
  assert.match(byUid, /date >= toDate\(toDateTime\(1767225600, 'UTC'\)\)/, 'one day before');
});
