// The Grafana dashboards (deploy/grafana/): the JSON files are what dashboards.ts generates, every
// panel names the provisioned data source and fits the grid, and the SQL uses only the macros the
// integration test expands. Their SQL runs on ClickHouse in test/integration/grafana-dashboards.int.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DASHBOARDS, DATASOURCE, dashboardJson } from '../deploy/grafana/dashboards.ts';
import { staleDashboards } from '../deploy/grafana/build.ts';

test('the dashboard files are current (npm run dashboards)', () => {
  assert.deepEqual(staleDashboards(), []);
});

test('the provisioned data source is the one every panel names', () => {
  const doc = parse(readFileSync(new URL('../deploy/grafana/provisioning/datasources/clickhouse.yaml', import.meta.url), 'utf8')) as { datasources: Array<{ uid: string; type: string; jsonData: { username: string }; secureJsonData: { password: string } }> };
  const ds = doc.datasources[0]!;
  assert.equal(ds.uid, DATASOURCE.uid);
  assert.equal(ds.type, DATASOURCE.type);
  assert.match(ds.secureJsonData.password, /^\$\{[A-Z_]+\}$/, 'the password comes from the environment');
});

test('every panel: unique id, inside the 24-column grid without overlap, one SQL target on the data source', () => {
  const uids = new Set<string>();
  for (const d of DASHBOARDS) {
    assert.ok(!uids.has(d.uid), d.uid);
    uids.add(d.uid);
    const json = dashboardJson(d) as { panels: Array<{ id: number; gridPos: { x: number; y: number; w: number; h: number }; targets: Array<{ rawSql: string; datasource: unknown }> }> };
    const ids = json.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    const cells = new Set<string>();
    for (const p of json.panels) {
      assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${d.uid} panel ${p.id} leaves the grid`);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`;
          assert.ok(!cells.has(cell), `${d.uid} panel ${p.id} overlaps another at ${cell}`);
          cells.add(cell);
        }
      }
      assert.equal(p.targets.length, 1);
      assert.deepEqual(p.targets[0]!.datasource, DATASOURCE);
      const macros = [...p.targets[0]!.rawSql.matchAll(/\$__([a-zA-Z_]+)/g)].map((m) => m[1]);
      for (const m of macros) assert.ok(['timeFilter', 'interval_s', 'fromTime', 'toTime'].includes(m!), `${d.uid} panel ${p.id} uses $__${m}`);
      assert.doesNotMatch(p.targets[0]!.rawSql, /\bsluice\.[a-z_]+/, 'tables are named through ${database}');
    }
  }
});
