/**
 * The least-privilege ClickHouse users of docker-compose.yml (deploy/clickhouse/users.d/sluice.xml)
 * on the harness's ClickHouse binary (18.16 here; the file uses only what 18.16 and current releases
 * share): `sluice migrate` runs as the migration user, the sink as a user without DDL rights, which
 * starts once the schema is current, writes findings, and is refused any DDL.
 * A server of its own (users.d cannot be added to the shared one), on loopback ports.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SluiceError } from '../../services/core/errors.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { ClickHouseFindingSink, createClickHouseClient } from '../../services/sinks/clickhouse/index.ts';
import { sampleFinding } from '../../services/sinks/clickhouse/fixtures.ts';
import { startClickHouseLocal, type ClickHouseLocal } from '../support/clickhouse-local.ts';

const USERS_D = fileURLToPath(new URL('../../deploy/clickhouse/users.d/sluice.xml', import.meta.url));
const BIN = fileURLToPath(new URL('../../services/cli/bin.mjs', import.meta.url));
// The development-only credentials of docker-compose.yml.
const MIGRATE = { username: 'sluice_migrate', password: 'sluice-migrate-dev-only' };
const SINK = { username: 'sluice_sink', password: 'sluice-sink-dev-only' };
const logger = silentLogger();
let ch: ClickHouseLocal;

before(async () => {
  ch = await startClickHouseLocal();
  mkdirSync(join(ch.dir, 'users.d'), { recursive: true });
  copyFileSync(USERS_D, join(ch.dir, 'users.d', 'sluice.xml'));
  await ch.restart();
});
after(() => ch?.destroy());

const sinkOf = (user: { username: string; password: string }) =>
  new ClickHouseFindingSink({
    clickhouse: { url: ch.url, ...user, database: 'sluice' },
    logger,
    sink: { flushIntervalMs: 0, retentionCheckIntervalMs: 0, retry: { attempts: 1 } },
  });

test('the sink user cannot create the schema; `sluice migrate` with the migration user does; then the sink writes but runs no DDL', async () => {
  const early = sinkOf(SINK);
  await assert.rejects(
    early.start(),
    (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_SINK_MIGRATION' && /DDL queries are prohibited|Not enough privileges/.test(e.message) && /sluice migrate/.test(e.message),
  );
  await early.close();

  const exec = promisify(execFile);
  const env = {
    PATH: process.env.PATH ?? '',
    CLICKHOUSE_URL: ch.url,
    CLICKHOUSE_USER: SINK.username,
    CLICKHOUSE_PASSWORD: SINK.password,
    CLICKHOUSE_MIGRATION_USER: MIGRATE.username,
    CLICKHOUSE_MIGRATION_PASSWORD: MIGRATE.password,
    SLUICE_LOG_LEVEL: 'info',
    SLUICE_HTTP_PORT: '0',
  };
  const { stderr } = await exec(process.execPath, [BIN, 'migrate'], { env, timeout: 90_000 });
  assert.match(stderr, /"user":"sluice_migrate"[^\n]*ClickHouse migrations applied|ClickHouse migrations applied[^\n]*"user":"sluice_migrate"/);

  const sink = sinkOf(SINK);
  try {
    await sink.start(); // the schema is current: no DDL
    await sink.write([sampleFinding({ id: 'least-privilege-1', time: Date.now() - 60_000 })]);
    const client = sink.clickhouse;
    const rs = await client.query({ query: 'SELECT count() AS n FROM sluice.findings FINAL', format: 'JSONEachRow' });
    assert.deepEqual(await rs.json(), [{ n: 1 }]);
    for (const ddl of ['DROP TABLE sluice.findings', 'CREATE TABLE sluice.x (a UInt8) ENGINE = Memory', 'CREATE DATABASE other']) {
      await assert.rejects(client.command({ query: ddl }), /DDL queries are prohibited|Not enough privileges|Access denied/, ddl);
    }
  } finally {
    await sink.close();
  }
  // The migration user reaches the Sluice database only.
  const admin = createClickHouseClient({ url: ch.url, ...MIGRATE, database: 'sluice' }, logger);
  try {
    await assert.rejects(admin.command({ query: 'CREATE TABLE IF NOT EXISTS system_other.t (a UInt8) ENGINE = Memory' }), /Access denied|Not enough privileges|doesn't exist/);
  } finally {
    await admin.close();
  }
});

test('the Grafana user reads the Sluice database, sets per-query limits, and can neither write nor run DDL', async () => {
  const GRAFANA = { username: 'sluice_grafana', password: 'sluice-grafana-dev-only' };
  const migrator = createClickHouseClient({ url: ch.url, ...MIGRATE, database: 'default' }, logger);
  const grafana = createClickHouseClient({ url: ch.url, ...GRAFANA, database: 'sluice' }, logger);
  try {
    // The schema may or may not exist yet, depending on test order: create a table of its own.
    await migrator.command({ query: 'CREATE DATABASE IF NOT EXISTS sluice' });
    await migrator.command({ query: 'CREATE TABLE IF NOT EXISTS sluice.grafana_probe (a UInt8) ENGINE = Memory' });
    await migrator.command({ query: 'INSERT INTO sluice.grafana_probe VALUES (7)' });
    const rs = await grafana.query({ query: 'SELECT a FROM sluice.grafana_probe', format: 'JSONEachRow', clickhouse_settings: { max_execution_time: 30 } });
    assert.deepEqual(await rs.json(), [{ a: 7 }], 'reads, with a per-query setting (readonly=2 allows it)');
    await assert.rejects(grafana.command({ query: 'INSERT INTO sluice.grafana_probe VALUES (8)' }), /readonly|Cannot execute query in readonly mode|Not enough privileges/, 'no INSERT');
    await assert.rejects(grafana.command({ query: 'DROP TABLE sluice.grafana_probe' }), /readonly|DDL queries are prohibited|Not enough privileges/, 'no DDL');
  } finally {
    await migrator.command({ query: 'DROP TABLE IF EXISTS sluice.grafana_probe' }).catch(() => undefined);
    await migrator.close();
    await grafana.close();
  }
});
