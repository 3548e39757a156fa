import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadMigrationFiles, renderMigrations, renderTemplate, serverInfoFromVersion, type ServerInfo } from './migrations.ts';

const OLD = serverInfoFromVersion('18.16.1');
const NEW = serverInfoFromVersion('24.8.4.13');

function findingsDdl(server: ServerInfo, retentionDays = 90): string {
  const all = renderMigrations({ database: 'sluice', server, retentionDays });
  const m = all.find((x) => x.version === 1);
  assert.ok(m, 'migration 001 exists');
  assert.equal(m.statements.length, 1);
  return m.statements[0]!;
}

describe('serverInfoFromVersion', () => {
  it('parses versions and sets features', () => {
    assert.deepEqual(
      { ...OLD },
      {
        version: '18.16.1',
        major: 18,
        minor: 16,
        patch: 1,
        supportsTtl: false,
        supportsLowCardinality: false,
        supportsSkipIndexes: false,
        supportsQueryParams: false,
        supportsDateTime64: false,
        supportsJsonExtract: false,
      },
    );
    assert.equal(NEW.major, 24);
    assert.equal(NEW.supportsTtl, true);
    assert.equal(NEW.supportsLowCardinality, true);
    assert.equal(serverInfoFromVersion('20.3.1.1').supportsTtl, true);
    assert.equal(serverInfoFromVersion('20.2.9').supportsTtl, false);
    assert.equal(serverInfoFromVersion('19.17.6.36').supportsTtl, false);
    assert.equal(serverInfoFromVersion('25.10.1.1').supportsTtl, true);
  });
});

describe('DDL rendering', () => {
  it('has a bootstrap (version 0) and numbered migrations', () => {
    const files = loadMigrationFiles();
    assert.equal(files[0]?.version, 0);
    assert.equal(files[1]?.version, 1);
    assert.match(files[1]!.checksum, /^[0-9a-f]{64}$/);
    const [bootstrap] = renderMigrations({ database: 'sluice', server: OLD, retentionDays: 90 });
    assert.deepEqual(
      bootstrap!.statements.map((s) => s.split('\n')[0]),
      ['CREATE DATABASE IF NOT EXISTS `sluice`', 'CREATE TABLE IF NOT EXISTS `sluice`.schema_migrations'],
    );
  });

  it('old servers (18.16): plain String, no TTL, no skip indexes, no comments', () => {
    const ddl = findingsDdl(OLD);
    assert.match(ddl, /^CREATE TABLE IF NOT EXISTS `sluice`\.findings/);
    assert.match(ddl, /ENGINE = ReplacingMergeTree\(version\)/);
    assert.match(ddl, /PARTITION BY toYYYYMMDD\(date\)/);
    assert.match(ddl, /ORDER BY id\n/);
    assert.match(ddl, /severity\s+String,/);
    assert.match(ddl, /time\s+DateTime\('UTC'\),/);
    assert.match(ddl, /related_event_uids Array\(String\)/);
    assert.match(ddl, /SETTINGS index_granularity = 8192$/);
    for (const banned of ['TTL', 'LowCardinality', 'INDEX', 'DateTime64', '--', '{', ';']) assert.ok(!ddl.includes(banned), `old DDL contains ${banned}`);
  });

  it('new servers: LowCardinality, skip indexes and the retention TTL', () => {
    const ddl = findingsDdl(NEW, 30);
    assert.match(ddl, /severity\s+LowCardinality\(String\),/);
    assert.match(ddl, /entity_key\s+String,/);
    assert.match(ddl, /INDEX idx_time time TYPE minmax GRANULARITY 4/);
    assert.match(ddl, /TTL date \+ toIntervalDay\(30\)\nSETTINGS index_granularity = 8192, ttl_only_drop_parts = 1$/);
    assert.ok(!ddl.includes('--') && !ddl.includes('{') && !ddl.includes(';'));
  });

  it('template directives and placeholders', () => {
    const t = 'SELECT 1 FROM {db}.t\n--@if ttl\nA\n--@else\nB\n--@end\n;\n-- comment\nSELECT {retention_days};\n';
    assert.deepEqual(renderTemplate(t, { database: 'd', server: OLD, retentionDays: 7 }), ['SELECT 1 FROM `d`.t\nB', 'SELECT 7']);
    assert.deepEqual(renderTemplate(t, { database: 'd', server: NEW, retentionDays: 7 }), ['SELECT 1 FROM `d`.t\nA', 'SELECT 7']);
    assert.throws(() => renderTemplate('{nope}', { database: 'd', server: NEW, retentionDays: 7 }), /unknown placeholder/);
    assert.throws(() => renderTemplate('--@if wings\n--@end', { database: 'd', server: NEW, retentionDays: 7 }), /unknown feature/);
    assert.throws(() => renderTemplate('--@if ttl\n', { database: 'd', server: NEW, retentionDays: 7 }), /without --@end/);
    assert.throws(() => renderTemplate('x', { database: 'bad-name', server: NEW, retentionDays: 7 }), TypeError);
  });
});
