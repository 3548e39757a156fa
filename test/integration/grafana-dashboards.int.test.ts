// Every panel of the Grafana dashboards (deploy/grafana/) runs on the test ClickHouse (18.16 in the
// harness) over the SOC fixture, with the data source plugin's macros expanded the way
// grafana-clickhouse-datasource documents them (pkg/macros: $__timeFilter(c) -> c >= toDateTime(from)
// AND c <= toDateTime(to); $__fromTime/$__toTime -> toDateTime(s); $__interval_s -> whole seconds)
// and the dashboard variable ${database} set to the test database. Each panel must return rows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClickHouseClient } from '@clickhouse/client';
import { silentLogger } from '../../services/core/logger.ts';
import { createClickHouseClient } from '../../services/sinks/clickhouse/client.ts';
import { detectServer, migrate } from '../../services/sinks/clickhouse/migrations.ts';
import { quoteIdentifier } from '../../services/sinks/clickhouse/sql.ts';
import { DASHBOARDS, type PanelSpec } from '../../deploy/grafana/dashboards.ts';
import { DAY, HOUR, loadSocFixture, socFixture } from '../fixtures/soc.ts';

const URL_ENV = process.env.CLICKHOUSE_URL;
const database = `sluice_grafana_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
const now = Date.now();

/** The plugin's macro expansion for a time range [fromMs, toMs] and an interval. */
export function expandMacros(sql: string, fromMs: number, toMs: number, intervalSeconds: number, vars: Record<string, string>): string {
  const dt = (ms: number): string => `toDateTime(${Math.floor(ms / 1000)})`;
  const out = sql
    .replace(/\$__timeFilter\(\s*([^)]+?)\s*\)/g, (_m, col: string) => `${col} >= ${dt(fromMs)} AND ${col} <= ${dt(toMs)}`)
    .replace(/\$__fromTime\b/g, dt(fromMs))
    .replace(/\$__toTime\b/g, dt(toMs))
    .replace(/\$__interval_s\b/g, String(Math.max(1, Math.floor(intervalSeconds))))
    .replace(/\$\{([a-z_]+)\}/g, (m, name: string) => vars[name] ?? m);
  const left = /\$__[a-zA-Z_]+|\$\{[a-z_]+\}/.exec(out);
  if (left) throw new Error(`unexpanded ${left[0]}`);
  return out;
}

describe('Grafana dashboards on ClickHouse (integration, SOC fixture)', () => {
  let client: ClickHouseClient;

  before(async () => {
    assert.ok(URL_ENV, 'CLICKHOUSE_URL is not set: run via `node --import tsx test/run.ts grafana` (it starts ClickHouse)');
    client = createClickHouseClient({ url: URL_ENV, username: process.env.CLICKHOUSE_USER ?? 'default', password: process.env.CLICKHOUSE_PASSWORD ?? '', database }, silentLogger());
    await migrate(client, database, await detectServer(client));
    const fixture = socFixture(now);
    // One dropped flow, for the panel of dropped flows.
    fixture.events.network_activity = fixture.events.network_activity.map((r) => (r.uid === 'f-5' ? { ...r, verdict: 'DROPPED' } : r));
    await loadSocFixture(client, database, fixture, now);
  });

  after(async () => {
    if (client) {
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` }).catch(() => undefined);
      await client.close();
    }
  });

  const run = async (p: PanelSpec, fromMs: number): Promise<Record<string, unknown>[]> => {
    const sql = expandMacros(p.sql, fromMs, now + HOUR, 3600, { database });
    const rs = await client.query({ query: sql, format: 'JSONEachRow' });
    return rs.json<Record<string, unknown>>();
  };

  for (const d of DASHBOARDS) {
    for (const p of d.panels) {
      it(`${d.uid}: "${p.title}" runs and returns rows over the last 30 days`, async () => {
        const rows = await run(p, now - 30 * DAY);
        assert.ok(rows.length > 0, `no rows for ${p.title}`);
      });
    }
  }

  it('the time picker narrows the panels that follow it (the last 90 minutes hold fewer alerts than 30 days)', async () => {
    const alerts = DASHBOARDS.find((d) => d.uid === 'sluice-findings')!.panels.find((p) => p.title.startsWith('Alerts'))!;
    const wide = await run(alerts, now - 30 * DAY);
    const narrow = await run(alerts, now - 90 * 60_000);
    // Medium+ within 30 days, each id once under FINAL: 3 detections, 4 posture failures, 3 DLP and
    // 2 open vulnerabilities; vul-fixed's latest copy is Resolved (Informational), det-alice-old is Low.
    assert.equal(Number(wide[0]!.alerts), 12);
    // The last 90 minutes hold only the posture pass and the resolved vulnerability, both below Medium.
    assert.equal(Number(narrow[0]!.alerts), 0);
  });
});
