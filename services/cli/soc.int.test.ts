// `sluice findings`, `findings show`, `timeline` and every saved query of schemas/clickhouse/queries/,
// against the test harness's ClickHouse (Debian's 18.16) on the fixture of test/fixtures/soc.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { silentLogger } from '../core/logger.ts';
import { createClickHouseClient } from '../sinks/clickhouse/client.ts';
import { entityEvents, eventsByUid } from '../sinks/clickhouse/event-query.ts';
import { detectServer, migrate } from '../sinks/clickhouse/migrations.ts';
import { findingById, queryFindings } from '../sinks/clickhouse/query.ts';
import { loadSavedQueries } from '../sinks/clickhouse/saved-queries.ts';
import { quoteIdentifier } from '../sinks/clickhouse/sql.ts';
import { ALICE, DAY, HOUR, loadSocFixture, socFixture } from '../../test/fixtures/soc.ts';
import { followFindings } from './findings.ts';
import { runSavedQuery, type QueryRow } from './query.ts';
import type { ClickHouseSession } from './soc-common.ts';

const URL_ENV = process.env.CLICKHOUSE_URL;
const database = `sluice_soc_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
const now = Date.now();
const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env, CLICKHOUSE_URL: URL_ENV, CLICKHOUSE_DATABASE: database, NO_COLOR: '1' };
  return run(process.execPath, [BIN, ...args], { env, maxBuffer: 16 << 20 });
}

const ids = (rows: ReadonlyArray<{ id: string }>): string[] => rows.map((r) => r.id).sort();
const sorted = (v: unknown): string[] => [...(v as string[])].sort();

describe('SOC reads of ClickHouse (integration, fixture data)', () => {
  let client: ClickHouseClient;
  let session: ClickHouseSession;

  before(async () => {
    assert.ok(URL_ENV, 'CLICKHOUSE_URL is not set: run via `node --import tsx test/run.ts soc.int` (it starts ClickHouse)');
    client = createClickHouseClient({ url: URL_ENV, username: process.env.CLICKHOUSE_USER ?? 'default', password: process.env.CLICKHOUSE_PASSWORD ?? '', database }, silentLogger());
    await migrate(client, database, await detectServer(client));
    await loadSocFixture(client, database, socFixture(now), now);
    session = { client, database, close: async () => {} };
  });

  after(async () => {
    if (client) {
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` }).catch(() => undefined);
      await client.close();
    }
  });

  it('filters by time, severity, principal (short name), detector, account and rule', async () => {
    const all = await queryFindings(client, database, { sinceMs: now - 7 * DAY });
    assert.ok(!ids(all).includes('pos-sg-old'), 'older than the window');
    assert.deepEqual(ids(await queryFindings(client, database, { sinceMs: now - DAY, principals: ['alice'] })), ['det-alice-1', 'det-alice-2']);
    assert.deepEqual(ids(await queryFindings(client, database, { sinceMs: now - 7 * DAY, principals: [ALICE], minSeverityId: 3 })), ['det-alice-1', 'det-alice-2']);
    assert.deepEqual(ids(await queryFindings(client, database, { minSeverityId: 5 })), ['det-bob-1', 'vul-shop']);
    assert.deepEqual(ids(await queryFindings(client, database, { detectors: ['dlp'], resources: ['keys.txt'] })), ['dlp-3']);
    assert.deepEqual(ids(await queryFindings(client, database, { accounts: ['222222222222'], detectors: ['posture'] })), ['pos-acl-fail', 'pos-acl-pass', 'pos-logging']);
    assert.deepEqual(ids(await queryFindings(client, database, { rules: ["x' OR 1=1 --"] })), [], 'a quote in a value stays a value');
    assert.equal((await queryFindings(client, database, { limit: 3 })).length, 3);
  });

  it('--status open: a later pass closes a posture failure, a resolved vulnerability is not open', async () => {
    const open = ids(await queryFindings(client, database, { status: 'open', sinceMs: now - 30 * DAY }));
    for (const gone of ['pos-acl-fail', 'pos-acl-pass', 'vul-fixed']) assert.ok(!open.includes(gone), gone);
    for (const kept of ['pos-public-new', 'pos-sg-old', 'pos-logging', 'vul-shop', 'det-alice-1']) assert.ok(open.includes(kept), kept);
  });

  it('show: the latest copy of a finding and its related events from the event tables', async () => {
    const row = await findingById(client, database, 'vul-fixed');
    assert.equal(row?.severity, 'Informational', 'the resolved copy is the latest');
    const det = await findingById(client, database, 'det-alice-1');
    assert.ok(det);
    const events = await eventsByUid(client, database, det.related_event_uids, now - DAY, now);
    assert.deepEqual(events.map((e) => e.uid), ['evt-alice-1']);
    assert.match(events[0]!.summary, /called StopLogging on cloudtrail\.amazonaws\.com/);
    assert.equal(await findingById(client, database, 'nope'), undefined);
  });

  it('timeline events: by principal name in api_activity, by workload in network_activity and config_state', async () => {
    const alice = await entityEvents(client, database, 'alice', now - 7 * DAY, undefined, 100);
    assert.deepEqual(alice.map((e) => e.uid), ['evt-alice-1', 'evt-alice-2', 'evt-alice-4'], 'newest first, within 7 days');
    const api = await entityEvents(client, database, 'prod/shop/Deployment/api', now - 7 * DAY, undefined, 100);
    assert.deepEqual(api.map((e) => `${e.source_table}:${e.uid}`).sort(), ['config_state:cfg-1', 'network_activity:f-1', 'network_activity:f-2', 'network_activity:f-3', 'network_activity:f-4']);
  });

  it('the CLI: findings as a table and as OCSF NDJSON, show --format json, timeline, query', async () => {
    const table = await cli('findings', '--since', '7d', '--severity', 'high+', '--format', 'table');
    assert.match(table.stdout, /^SEVERITY\s+TIME \(UTC\)/);
    assert.match(table.stdout, /Critical\s+\S+ \S+\s+Title of cloudtrail_stop\s+bob/);
    const nd = await cli('findings', '--principal', 'alice', '--since', '30d');
    const ocsf = nd.stdout.trim().split('\n').map((l) => JSON.parse(l) as { metadata: { uid: string }; finding_info: { attacks?: unknown[] } });
    assert.deepEqual(ocsf.map((o) => o.metadata.uid), ['det-alice-1', 'det-alice-2', 'det-alice-old'], 'piped: NDJSON in OCSF form, most severe first');
    const show = JSON.parse((await cli('findings', 'show', 'det-alice-1', '--format', 'json')).stdout) as { finding: { metadata: { uid: string } }; related_events: Array<{ uid: string; event: { class_uid: number } }> };
    assert.equal(show.finding.metadata.uid, 'det-alice-1');
    assert.deepEqual(show.related_events.map((e) => [e.uid, e.event.class_uid]), [['evt-alice-1', 6003]]);
    const tl = (await cli('timeline', 'alice', '--since', '30d')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; id: string; time: string });
    assert.deepEqual(tl.map((e) => e.id), ['evt-alice-3', 'det-alice-old', 'evt-alice-4', 'evt-alice-2', 'det-alice-2', 'evt-alice-1', 'det-alice-1'], 'events and findings in time order');
    const q = await cli('query', 'top_alerting_principals', '--param', 'days=30', '--format', 'json');
    assert.deepEqual((JSON.parse(q.stdout) as QueryRow[]).map((r) => r.principal), [ALICE, 'arn:aws:iam::222222222222:user/bob']);
    await assert.rejects(cli('findings', 'show', 'missing'), (err: { code?: number; stderr?: string }) => err.code === 1 && /SLUICE_ERR_QUERY_NOT_FOUND/.test(err.stderr ?? ''));
    await assert.rejects(cli('query', 'top_alerting_principals', '--param', 'days=-1'), (err: { code?: number; stderr?: string }) => err.code === 2 && /SLUICE_ERR_CONFIG_INVALID/.test(err.stderr ?? ''));
  });

  describe('the saved-query pack on 18.16', () => {
    const q = (name: string, params: string[] = []): Promise<QueryRow[]> => runSavedQuery(session, loadSavedQueries().find((x) => x.name === name)!, params, 1000);

    it('every query runs with its defaults', async () => {
      for (const saved of loadSavedQueries()) await q(saved.name);
    });

    it('top_alerting_principals', async () => {
      const rows = await q('top_alerting_principals', ['days=7']);
      assert.deepEqual(rows.map((r) => [r.principal, r.findings, r.rules, r.worst_severity]), [
        [ALICE, 3, 3, 'High'],
        ['arn:aws:iam::222222222222:user/bob', 1, 1, 'Critical'],
      ]);
      assert.deepEqual((await q('top_alerting_principals', ['days=7', 'min_severity_id=5'])).map((r) => r.principal), ['arn:aws:iam::222222222222:user/bob']);
    });

    it('new_public_exposures: a new failure that still fails; not one failing before the window, not one fixed', async () => {
      const rows = await q('new_public_exposures');
      assert.deepEqual(rows.map((r) => [r.resource, r.rule, r.account_uid]), [['arn:aws:s3:::public-new', 'posture.aws.s3.policy_public', '111111111111']]);
      const wider = await q('new_public_exposures', ['days=15']);
      assert.deepEqual(wider.map((r) => r.rule).sort(), ['posture.aws.ec2.sg_ssh_open_to_world', 'posture.aws.s3.policy_public']);
    });

    it('first_seen_operations: operations new in the window, not ones seen in the baseline', async () => {
      const rows = await q('first_seen_operations');
      assert.deepEqual(rows.map((r) => [r.principal, r.operation]), [
        [ALICE, 'StopLogging'],
        [ALICE, 'CreateUser'],
      ]);
      assert.deepEqual((await q('first_seen_operations', ['days=3', `principal=arn:aws:iam::222222222222:user/bob`])).map((r) => r.operation), ['GetObject']);
    });

    it('findings_by_tactic_per_day', async () => {
      const rows = await q('findings_by_tactic_per_day', ['days=7']);
      const key = (r: QueryRow): string => `${String(r.tactic)}:${String(r.findings)}`;
      const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
      const today = day(now - 2 * HOUR);
      // det-alice-1 (2 h ago) and det-bob-1 (5 h ago) are both Defense Evasion: one day or two, depending on the hour the test runs.
      // det-alice-2 (3 h ago, Persistence) is on today's date unless the test runs between 02:00 and 03:00 UTC.
      const evasion = day(now - 5 * HOUR) === today ? 2 : 1;
      const persistence = day(now - 3 * HOUR) === today ? ['Persistence:1'] : [];
      assert.deepEqual(rows.filter((r) => r.day === today).map(key).sort(), [`Defense Evasion:${evasion}`, ...persistence], 'TA0003 is Persistence; two techniques of one tactic count once');
      assert.deepEqual(sorted(rows.find((r) => r.tactic === 'Persistence')!.techniques), ['T1098', 'T1136.003']);
      assert.ok(rows.some((r) => r.tactic === 'Initial Access'));
    });

    it('open_posture_failures per account and benchmark', async () => {
      const rows = await q('open_posture_failures');
      assert.deepEqual(rows.map((r) => [r.account_uid, r.benchmark, r.open_failures]), [
        ['111111111111', 'CIS AWS Foundations 3.0.0', 2],
        ['111111111111', 'AWS FSBP', 1],
        ['222222222222', '(none)', 1],
      ]);
    });

    it('dlp_objects_by_data_type', async () => {
      const rows = await q('dlp_objects_by_data_type');
      assert.deepEqual(rows.map((r) => [r.data_type, r.category, r.objects, r.buckets]), [
        ['credit_card', 'Financial', 2, 1],
        ['aws_access_key', 'Security', 1, 1],
      ]);
      assert.deepEqual(sorted(rows[0]!.example_objects), ['hr-exports/payroll/2026-10.csv', 'hr-exports/payroll/2026-11.csv']);
    });

    it('vulnerable_running_images: open vulnerabilities of images a workload references', async () => {
      const rows = await q('vulnerable_running_images');
      assert.deepEqual(rows.map((r) => [r.image, r.open_vulnerabilities, r.vulnerabilities]), [['registry.example/shop/api', 1, ['CVE-2026-0001']]], 'CVE-2026-0003 is resolved; tools/idle is not running');
      const all = await q('vulnerable_running_images', ['running_only=0']);
      assert.deepEqual(all.map((r) => r.image).sort(), ['registry.example/shop/api', 'registry.example/tools/idle']);
    });

    it('new_network_edges_per_namespace', async () => {
      const rows = await q('new_network_edges_per_namespace');
      assert.deepEqual(rows.map((r) => [r.namespace, r.new_edges]), [
        ['shop', 2],
        ['ops', 1],
      ]);
      assert.deepEqual(sorted(rows[0]!.examples), ['prod/shop/Deployment/api -> evil.example.com:443/tcp', 'prod/shop/Deployment/web -> prod/shop/Deployment/api:8080/tcp']);
      assert.deepEqual((await q('new_network_edges_per_namespace', ['namespace=ops'])).map((r) => r.namespace), ['ops']);
    });
  });
  // Last: it writes a finding of its own.
  it('--follow prints the matching findings, then only new ones as they are written', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const ac = new AbortController();
    const following = followFindings(session, { principals: ['carol'] }, out, { format: 'ndjson', color: false, intervalMs: 200, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(text, '', 'nothing for carol yet');
    const later = Date.now();
    const carol = socFixture(later).findings.find((f) => f.id === 'det-bob-1')!;
    const fresh = { ...carol, id: 'det-carol-1', metadata: { ...carol.metadata, uid: 'det-carol-1' }, finding_info: { ...carol.finding_info, uid: 'det-carol-1' }, actor: { user: { uid: 'arn:aws:iam::222222222222:user/carol', name: 'carol', type: 'IAMUser' } } };
    await loadSocFixture(client, database, { findings: [fresh], events: { api_activity: [], config_state: [], network_activity: [] } }, later);
    for (let i = 0; i < 50 && !text.includes('det-carol-1'); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    ac.abort();
    assert.equal(await following, 1);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { metadata: { uid: string }; class_uid: number });
    assert.deepEqual(lines.map((l) => l.metadata.uid), ['det-carol-1'], 'printed once, in OCSF form');
    assert.equal(lines[0]!.class_uid, 2004);
  });
});
