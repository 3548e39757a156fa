import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../core/errors.ts';
import { toFindingRow } from '../sinks/clickhouse/rows.ts';
import { sampleFinding } from '../sinks/clickhouse/fixtures.ts';
import { filterFromFlags, type FindingsFlags } from './findings.ts';
import { mergeTimeline, renderFindingDetail, rowToOcsf, rowToTableFinding } from './findings-render.ts';
import { renderTable } from './output.ts';
import { renderRowsTable } from './query.ts';
import { parseSeverity, parseSince } from './soc-common.ts';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

test('--since: durations back from now and UTC dates', () => {
  assert.equal(parseSince('24h', NOW), NOW - 86_400_000);
  assert.equal(parseSince('7d', NOW), NOW - 7 * 86_400_000);
  assert.equal(parseSince('30m', NOW), NOW - 1_800_000);
  assert.equal(parseSince('2026-11-20', NOW), Date.UTC(2026, 10, 20));
  assert.equal(parseSince('2026-11-20T10:00:00Z', NOW), Date.UTC(2026, 10, 20, 10));
  assert.equal(parseSince('2026-11-20 10:00', NOW), Date.UTC(2026, 10, 20, 10));
  assert.throws(() => parseSince('yesterday', NOW), (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID');
});

test('--severity: high+, exact, lists, ids', () => {
  assert.deepEqual(parseSeverity('high+'), { minSeverityId: 4 });
  assert.deepEqual(parseSeverity('High'), { severityIds: [4] });
  assert.deepEqual(parseSeverity('medium,critical'), { severityIds: [3, 5] });
  assert.deepEqual(parseSeverity('info+'), { minSeverityId: 1 });
  assert.deepEqual(parseSeverity('5'), { severityIds: [5] });
  assert.throws(() => parseSeverity('urgent'), SluiceError);
});

test('the flags become a filter', () => {
  const flags: FindingsFlags = { since: '24h', severity: 'high+', principal: ['alice'], account: ['1'], status: 'open', limit: '50', interval: '5' };
  assert.deepEqual(filterFromFlags(flags, NOW), { sinceMs: NOW - 86_400_000, minSeverityId: 4, principals: ['alice'], accounts: ['1'], status: 'open', limit: 50 });
  assert.equal(filterFromFlags({ ...flags, since: 'all' }, NOW).sinceMs, undefined);
  assert.throws(() => filterFromFlags({ ...flags, status: 'closed' }, NOW), SluiceError);
  assert.throws(() => filterFromFlags({ ...flags, limit: '0' }, NOW), SluiceError);
});

test('a stored row prints in the run table and as the OCSF it holds', () => {
  const f = sampleFinding();
  const row = toFindingRow(f, NOW);
  const t = rowToTableFinding(row);
  assert.equal(t.actor?.user?.name, 'alice', 'the name from the OCSF evidence');
  assert.equal(renderTable([t], { color: false, columns: 120 }), renderTable([f], { color: false, columns: 120 }), 'the same table as sluice run');
  const o = rowToOcsf(row);
  assert.equal(o.class_uid, 2004);
  assert.deepEqual((o.metadata as { uid: string }).uid, f.id);
  const detail = renderFindingDetail(row, [], false);
  assert.match(detail, /ATT&CK\s+T1562\.008 \(Defense Evasion\)/);
  assert.match(detail, /Related events \(0 of 2 found in the event tables\)\n {2}not stored: evt-1, evt-2/);
});

test('the timeline merges events and findings oldest first and keeps the newest', () => {
  const f = toFindingRow(sampleFinding({ time: NOW }), NOW);
  const ev = (uid: string, time: string) => ({ source_table: 'api_activity' as const, time, uid, entity_key: 'k', summary: uid, event_json: '{}' });
  const merged = mergeTimeline([f], [ev('late', '2026-12-06 13:00:00'), ev('same', '2026-12-06 12:00:00'), ev('early', '2026-12-01 00:00:00')], 3);
  assert.deepEqual(merged.map((e) => e.id), ['same', f.id, 'late'], 'the event before the finding it caused; the oldest dropped');
});

test('query results as a table', () => {
  assert.equal(renderRowsTable([{ a: 'x', list: ['p', 'q'], n: 1 }]), 'A  LIST  N\nx  p, q  1\n');
  assert.equal(renderRowsTable([]), '');
});
