import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionResult } from '../../core/actions.ts';
import { ACTION_RESULT_COLUMNS, ActionResultRowError, toActionResultRow } from './action-result-rows.ts';
import { renderMigrations, serverInfoFromVersion, type ServerInfo } from './migrations.ts';

const RESULT: ActionResult = {
  action_id: 'a1b2c3',
  executor: 's3.quarantine',
  outcome: 'done',
  reason: 'quarantined s3://data/x.csv',
  steps: ['CopyObject s3://data/x.csv -> s3://q/quarantine/data/v1/x.csv', 'DeleteObject s3://data/x.csv (version v1)'],
  account: '123456789012',
  region: 'eu-west-1',
  target: { bucket: 'data', key: 'x.csv', versionId: 'v1' },
  finding_id: 'f-1',
  detector: 'dlp',
  dry_run: false,
  time: Date.UTC(2026, 11, 6, 9, 30, 15, 250),
};

function actionResultsDdl(server: ServerInfo): string {
  const m = renderMigrations({ database: 'sluice', server, retentionDays: 30 }).find((x) => x.name === 'action_results');
  assert.ok(m, 'a migration named action_results exists');
  assert.equal(m.statements.length, 1);
  return m.statements[0]!;
}

describe('action result rows', () => {
  it('maps every column, booleans as 0/1 and times as UTC text', () => {
    const row = toActionResultRow(RESULT, Date.UTC(2026, 11, 6, 9, 31, 0));
    assert.deepEqual(Object.keys(row), [...ACTION_RESULT_COLUMNS]);
    assert.equal(row.dry_run, 0);
    assert.equal(row.time, '2026-12-06 09:30:15');
    assert.equal(row.date, '2026-12-06');
    assert.equal(row.version, RESULT.time, 'the version is the result time in ms');
    assert.equal(row.ingested_at, '2026-12-06 09:31:00');
    assert.deepEqual(JSON.parse(row.target as string), RESULT.target);
    assert.deepEqual(row.steps, RESULT.steps);
    assert.deepEqual(JSON.parse(row.result_json as string), RESULT);
    const dry = toActionResultRow({ ...RESULT, outcome: 'dry_run', dry_run: true, account: null, region: null, finding_id: null, detector: null, steps: [] }, 0);
    assert.equal(dry.dry_run, 1);
    assert.deepEqual([dry.account, dry.region, dry.finding_id, dry.detector], ['', '', '', '']);
  });

  it('refuses what is not an action result, with the reason', () => {
    assert.throws(() => toActionResultRow({ ...RESULT, outcome: 'maybe' as never }, 0), (e: unknown) => e instanceof ActionResultRowError && /outcome "maybe" is not one of/.test(e.message));
    assert.throws(() => toActionResultRow({ ...RESULT, action_id: '' }, 0), /action_id is missing/);
    assert.throws(() => toActionResultRow({ ...RESULT, time: 5e12 }, 0), /time is not epoch ms/);
  });
});

describe('action_results DDL', () => {
  it('18.16: ReplacingMergeTree on (action_id, executor, outcome), plain String, no TTL', () => {
    const ddl = actionResultsDdl(serverInfoFromVersion('18.16.1'));
    assert.match(ddl, /^CREATE TABLE IF NOT EXISTS `sluice`\.action_results/);
    assert.match(ddl, /ENGINE = ReplacingMergeTree\(version\)\nPARTITION BY toYYYYMMDD\(date\)\nORDER BY \(action_id, executor, outcome\)/);
    assert.match(ddl, /outcome\s+String,/);
    for (const banned of ['TTL', 'LowCardinality', '--', '{', ';']) assert.ok(!ddl.includes(banned), `18.16 DDL contains ${banned}`);
  });

  it('current servers: LowCardinality and the retention TTL', () => {
    const ddl = actionResultsDdl(serverInfoFromVersion('24.8.4.13'));
    assert.match(ddl, /outcome\s+LowCardinality\(String\),/);
    assert.match(ddl, /TTL date \+ toIntervalDay\(30\)\nSETTINGS index_granularity = 8192, ttl_only_drop_parts = 1$/);
  });
});
