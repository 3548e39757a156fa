import { after, before, describe, it } from 'node:test';
import { findingToOcsf } from '../../core/ocsf/index.ts';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { ClickHouseClient } from '@clickhouse/client';
import { SluiceError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { createClickHouseClient, type ClickHouseConnection } from './client.ts';
import { detectServer, migrate, type ServerInfo } from './migrations.ts';
import { countFindings, findingPartitions, findingsById } from './queries.ts';
import { dropPartitionsOlderThan } from './retention.ts';
import { ClickHouseFindingSink } from './sink.ts';
import { encodeRow, toFindingRow } from './rows.ts';
import { sampleFinding } from './fixtures.ts';
import { quoteIdentifier, quoteString } from './sql.ts';
import { readFileSync } from 'node:fs';
import type { StreamEvents } from '../../core/streams.ts';
import { hubbleFlowsSpec } from '../../collectors/hubble_flows/index.ts';
import { apiActivity } from '../../../test/fixtures/events/api-activity.ts';

const URL_ENV = process.env.CLICKHOUSE_URL;
const DAY = 86_400_000;
const logger = silentLogger();
const database = `sluice_it_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

function connection(url: string, db = database): ClickHouseConnection {
  return { url, username: process.env.CLICKHOUSE_USER ?? 'default', password: process.env.CLICKHOUSE_PASSWORD ?? '', database: db };
}

/** A local TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/** Index ids are UUID-like; keep them unique per test. */
function id(n: number, tag: string): string {
  return `${tag}-${String(n).padStart(6, '0')}`;
}

describe('ClickHouse findings sink (integration)', () => {
  let client: ClickHouseClient;
  let server: ServerInfo;
  let sink: ClickHouseFindingSink;

  before(async () => {
    assert.ok(
      URL_ENV,
      'CLICKHOUSE_URL is not set. Run the integration tests via `npm test` (it starts ClickHouse), ' +
        'or start a server and set CLICKHOUSE_URL, e.g. CLICKHOUSE_URL=http://127.0.0.1:18200.',
    );
    client = createClickHouseClient(connection(URL_ENV), logger);
    server = await detectServer(client);
    sink = new ClickHouseFindingSink({ clickhouse: connection(URL_ENV), logger, sink: { flushIntervalMs: 0, retentionCheckIntervalMs: 0 } });
  });

  after(async () => {
    await sink?.close();
    if (client) {
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` }).catch(() => undefined);
      await client.close();
    }
  });

  it('migrations are idempotent, also when run concurrently', async () => {
    const second = createClickHouseClient(connection(URL_ENV!), logger);
    try {
      const [a, b] = await Promise.all([migrate(client, database, server), migrate(second, database, server)]);
      const both = [...a.applied, ...b.applied];
      assert.deepEqual([...new Set(both)].sort(), [1, 2, 3], 'every migration applied by one runner or both (DDL is IF NOT EXISTS)');
      const again = await migrate(client, database, server);
      assert.deepEqual(again, { applied: [], alreadyApplied: [1, 2, 3] });
      await sink.start(); // runs them once more, through the sink
      assert.equal(sink.serverInfo?.version, server.version);
    } finally {
      await second.close();
    }
    const rs = await client.query({ query: `SELECT DISTINCT version FROM ${quoteIdentifier(database)}.schema_migrations ORDER BY version`, format: 'JSONEachRow' });
    assert.deepEqual(await rs.json(), [{ version: 1 }, { version: 2 }, { version: 3 }]);
    const tables = await client.query({
      query: `SELECT name, engine, engine_full FROM system.tables WHERE database = ${quoteString(database)} ORDER BY name`,
      format: 'JSONEachRow',
    });
    const rows = await tables.json<{ name: string; engine: string; engine_full?: string }>();
    assert.deepEqual(
      rows.map((r) => [r.name, r.engine]),
      [
        ['action_results', 'ReplacingMergeTree'],
        ['api_activity', 'ReplacingMergeTree'],
        ['api_activity_hourly', 'SummingMergeTree'],
        ['api_activity_hourly_mv', 'MaterializedView'],
        ['config_state', 'ReplacingMergeTree'],
        ['findings', 'ReplacingMergeTree'],
        ['findings_daily', 'SummingMergeTree'],
        ['findings_daily_mv', 'MaterializedView'],
        ['network_activity', 'ReplacingMergeTree'],
        ['network_edges_hourly', 'SummingMergeTree'],
        ['network_edges_hourly_mv', 'MaterializedView'],
        ['schema_migrations', 'ReplacingMergeTree'],
      ],
    );
    const findings = rows.find((r) => r.name === 'findings');
    if (server.supportsTtl) assert.match(findings?.engine_full ?? '', /TTL/);
    else if (findings?.engine_full !== undefined) assert.doesNotMatch(findings.engine_full, /TTL/);
  });

  it('a finding written twice is one row when read with FINAL; the higher version wins', async () => {
    const table = `${quoteIdentifier(database)}.findings`;
    // Keep the copies apart until read, so the test shows FINAL doing the dedup (not a lucky merge).
    await client.command({ query: `SYSTEM STOP MERGES ${table}` });
    const base = Date.now() - 2 * 60_000;
    const f1 = sampleFinding({ id: id(1, 'dup'), time: base });
    await sink.write([f1]);
    await sink.write([f1, f1]);
    const newer = sampleFinding({ id: id(1, 'dup'), time: base, count: 7 });
    newer.finding_info = { ...newer.finding_info, last_seen_time: base + 60_000 };
    await sink.write([newer]);
    await sink.write([f1]); // an older copy arriving late does not win

    const raw = await client.query({ query: `SELECT count() AS n FROM ${table} WHERE id = ${quoteString(id(1, 'dup'))}`, format: 'JSONEachRow' });
    assert.deepEqual(await raw.json(), [{ n: 5 }], 'all five copies are stored');
    const rows = await findingsById(client, database, [id(1, 'dup'), 'no-such-id']);
    await client.command({ query: `SYSTEM START MERGES ${table}` });
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row?.count, 7);
    assert.equal(row?.version, base + 60_000);
    assert.equal(typeof row?.version, 'number', 'UInt64 arrives as a number');
    assert.deepEqual(JSON.parse(row!.finding_json), JSON.parse(JSON.stringify(findingToOcsf(newer))));
    assert.equal(await countFindings(client, database, { detector: 'sensitive_operation', sinceMs: base - 1000 }), 1);
  });

  it('stores text that needs escaping intact', async () => {
    const nasty = "quote ' backslash \\ newline \n tab \t nul \u0000 emoji \uD83D\uDE00 lone \uD800 end";
    const f = sampleFinding({ id: id(1, "esc'id\\"), time: Date.now() - 60_000, message: nasty });
    await sink.write([f]);
    const [row] = await findingsById(client, database, [f.id]);
    assert.equal(row?.id, f.id);
    assert.equal(row?.message, nasty.replace('\uD800', '\uFFFD'));
  });

  it('findings of different days land in different partitions, and old ones can be dropped', async () => {
    const now = Date.now();
    const ages = [200, 120, 95, 1, 0];
    const findings = ages.map((d, i) => sampleFinding({ id: id(i, 'part'), time: now - d * DAY }));
    await sink.write(findings);
    const dayIds = new Set(findings.map((f) => new Date(f.time).toISOString().slice(0, 10).replaceAll('-', '')));
    const partitions = (await findingPartitions(client, database)).map((p) => p.partition);
    for (const d of dayIds) assert.ok(partitions.includes(d), `partition ${d} exists (have ${partitions.join(', ')})`);

    const rs = await client.query({
      query: `SELECT DISTINCT partition_id FROM system.parts WHERE database = ${quoteString(database)} AND table = 'findings' AND active AND partition_id IN (${[...dayIds].map(quoteString).join(', ')})`,
      format: 'JSONEachRow',
    });
    assert.equal((await rs.json()).length, dayIds.size);

    const dropped = await dropPartitionsOlderThan(client, database, 90);
    const expected = findings.filter((f) => f.time < now - 90 * DAY - DAY).map((f) => new Date(f.time).toISOString().slice(0, 10).replaceAll('-', ''));
    for (const d of expected) assert.ok(dropped.includes(d), `dropped ${d}`);
    assert.equal(dropped.length, 3);
    const left = await findingsById(client, database, findings.map((f) => f.id));
    assert.deepEqual(left.map((r) => r.id).sort(), [id(3, 'part'), id(4, 'part')]);
    assert.deepEqual(await dropPartitionsOlderThan(client, database, 90), [], 'idempotent');
  });

  it('splits large writes into INSERTs of maxRows and merges concurrent small writes', async () => {
    const small = new ClickHouseFindingSink({ clickhouse: connection(URL_ENV!), logger, sink: { maxRows: 10, flushIntervalMs: 50 } });
    try {
      const t = Date.now() - 30_000;
      await small.write(Array.from({ length: 25 }, (_, i) => sampleFinding({ id: id(i, 'batch'), time: t })));
      assert.equal(small.stats().inserts, 3);
      await Promise.all(Array.from({ length: 5 }, (_, i) => small.write([sampleFinding({ id: id(100 + i, 'batch'), time: t })])));
      assert.equal(small.stats().inserts, 4, 'five concurrent writes went in one INSERT');
      assert.equal(small.stats().rowsWritten, 30);
      assert.equal(await countFindings(client, database, { sinceMs: t - 1000, untilMs: t + 1000 }), 30);
      await small.healthcheck();
    } finally {
      await small.close();
    }
    await assert.rejects(small.write([sampleFinding()]), (err: unknown) => err instanceof SluiceError && !err.retriable);
  });

  it('splits by maxBytes, and close() sends what is still waiting', async () => {
    const t = Date.now() - 20_000;
    const rowBytes = Buffer.byteLength(encodeRow(toFindingRow(sampleFinding({ id: id(0, 'bytes'), time: t }))));
    // Room for one row per INSERT, not two.
    const maxBytes = Math.floor(rowBytes * 1.5);
    const lingering = new ClickHouseFindingSink({ clickhouse: connection(URL_ENV!), logger, sink: { maxBytes, flushIntervalMs: 60_000 } });
    const pending = lingering.write(Array.from({ length: 3 }, (_, i) => sampleFinding({ id: id(i, 'bytes'), time: t })));
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    // Two rows do not fit in maxBytes, so each is its own INSERT; they are sent at once because the queue is over maxBytes.
    await pending;
    assert.equal(lingering.stats().inserts, 3);
    const late = lingering.write([sampleFinding({ id: id(9, 'bytes'), time: t })]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lingering.stats().inserts, 3, 'a small write lingers for flushIntervalMs');
    await lingering.close();
    await late;
    assert.ok(settled);
    assert.equal(lingering.stats().inserts, 4);
    assert.equal((await findingsById(client, database, [id(9, 'bytes')])).length, 1);
  });

  it('a schema error fails at once, not retriable', async () => {
    const unmigrated = new ClickHouseFindingSink({
      clickhouse: connection(URL_ENV!, `${database}_missing`),
      logger,
      sink: { flushIntervalMs: 0, retry: { attempts: 5, initialBackoffMs: 1000, maxBackoffMs: 1000 } },
    });
    try {
      const t0 = Date.now();
      await assert.rejects(unmigrated.write([sampleFinding()]), (err: unknown) => {
        assert.ok(err instanceof SluiceError);
        assert.equal(err.code, 'SLUICE_ERR_SINK_WRITE');
        assert.equal(err.retriable, false);
        assert.equal(err.details.attempts, 1);
        return true;
      });
      assert.ok(Date.now() - t0 < 900, 'no backoff waited');
      assert.equal(unmigrated.stats().retries, 0);
    } finally {
      await unmigrated.close();
    }
  });

  it('an unreachable server fails with SLUICE_ERR_SINK_WRITE, retriable, after bounded retries', async () => {
    const port = await closedPort();
    const down = new ClickHouseFindingSink({
      clickhouse: connection(`http://127.0.0.1:${port}`),
      logger,
      sink: { flushIntervalMs: 0, requestTimeoutMs: 1000, retry: { attempts: 3, initialBackoffMs: 20, maxBackoffMs: 50 } },
    });
    try {
      const t0 = Date.now();
      await assert.rejects(down.write([sampleFinding()]), (err: unknown) => {
        assert.ok(err instanceof SluiceError, String(err));
        assert.equal(err.code, 'SLUICE_ERR_SINK_WRITE');
        assert.equal(err.retriable, true);
        assert.equal(err.details.attempts, 3);
        assert.equal(err.details.errorKind, 'ECONNREFUSED');
        return true;
      });
      const elapsed = Date.now() - t0;
      assert.ok(elapsed < 3000, `bounded: ${elapsed} ms`);
      assert.equal(down.stats().retries, 2);
      assert.equal(down.stats().insertsFailed, 1);
      await assert.rejects(down.healthcheck(), (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_SINK_WRITE' && err.retriable);
      await assert.rejects(down.start(), (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_SINK_MIGRATION' && err.retriable);
    } finally {
      await down.close();
    }
  });
});

describe('ClickHouse event tables and rollups (integration)', () => {
  const db = `${database}_ev`;
  let client: ClickHouseClient;
  let sink: ClickHouseFindingSink;

  before(async () => {
    assert.ok(URL_ENV, 'CLICKHOUSE_URL is not set: run via `npm test`');
    client = createClickHouseClient(connection(URL_ENV, db), logger);
    sink = new ClickHouseFindingSink({ clickhouse: connection(URL_ENV, db), logger, sink: { flushIntervalMs: 0, retentionCheckIntervalMs: 0 } });
    await sink.start();
  });

  after(async () => {
    await sink?.close();
    if (client) {
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(db)}` }).catch(() => undefined);
      await client.close();
    }
  });

  const count = async (sql: string): Promise<number> => {
    const rs = await client.query({ query: sql, format: 'JSONEachRow' });
    return Number((await rs.json<{ n: string | number }>())[0]?.n ?? 0);
  };

  it('stores each class in its table, once under FINAL when a batch is written twice; rollups count inserts', async () => {
    const activity = [0, 1, 2].map((i) => ({
      key: 'arn:aws:iam::123456789012:user/alice',
      event: apiActivity({ principal: 'arn:aws:iam::123456789012:user/alice', uid: `ev-${i}`, operation: i === 2 ? 'DeleteTrail' : 'ListBuckets' }),
    }));
    await sink.writeEvents('activity', activity);
    await sink.writeEvents('activity', activity); // a redelivered batch
    assert.equal(await count(`SELECT count() AS n FROM ${quoteIdentifier(db)}.api_activity FINAL`), 3);
    assert.equal(await count(`SELECT count() AS n FROM ${quoteIdentifier(db)}.api_activity FINAL WHERE entity_key = 'arn:aws:iam::123456789012:user/alice' AND operation = 'DeleteTrail'`), 1);
    assert.equal(await count(`SELECT sum(events) AS n FROM ${quoteIdentifier(db)}.api_activity_hourly`), 6, 'the rollup counts inserted rows');

    const flows = [...hubbleFlowsSpec.create({}).collect({ name: 'f.jsonl', bytes: readFileSync(new URL('../../../test/fixtures/hubble_flows/basic-sample-10-flows.jsonl', import.meta.url)) })]
      .filter((o) => o.kind === 'event')
      .map((o) => ({ key: (o as { key: string }).key, event: (o as { event: StreamEvents['flow'] }).event }));
    assert.ok(flows.length > 0);
    await sink.writeEvents('flow', flows);
    assert.equal(await count(`SELECT count() AS n FROM ${quoteIdentifier(db)}.network_activity FINAL`), flows.length);
    assert.equal(await count(`SELECT sum(flows) AS n FROM ${quoteIdentifier(db)}.network_edges_hourly`), flows.length);
    assert.equal(await count(`SELECT count() AS n FROM ${quoteIdentifier(db)}.network_activity WHERE match(dst_identity, '^[0-9.]+$')`), 0, 'peers are identities, never bare IPs');

    await sink.write([sampleFinding({ id: 'ev-f1' })]);
    assert.equal(await count(`SELECT sum(findings) AS n FROM ${quoteIdentifier(db)}.findings_daily`), 1);
  });

  it('ignores streams that have no table', async () => {
    await sink.writeEvents('advisory', [{ key: 'k', event: {} as StreamEvents['advisory'] }]);
  });
});
