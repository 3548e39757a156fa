/**
 * Sluice's Grafana dashboards, as data. `npm run dashboards` writes them to
 * `deploy/grafana/dashboards/<uid>.json`, which Grafana provisions (deploy/grafana/provisioning/).
 *
 * Every panel reads ClickHouse through the official data source plugin
 * (grafana-clickhouse-datasource) with raw SQL:
 * - tables named `${database}.<table>`: `database` is a dashboard variable (default `sluice`);
 * - the time picker through the plugin's macros `$__timeFilter(col)` and `$__interval_s`, which
 *   expand to `toDateTime(<unix s>)` comparisons and a number of seconds: both run on ClickHouse
 *   18.16 as on current releases ($__timeInterval would not: it expands to toStartOfInterval,
 *   which 18.16 lacks);
 * - the saved-query pack (schemas/clickhouse/queries/) reused as is, rendered with its defaults,
 *   so a table panel and `sluice query <name>` give the same answer.
 * test/integration/grafana-dashboards.int.test.ts runs every panel's SQL on the test ClickHouse.
 */
import { loadSavedQueries, renderSavedQuery } from '../../services/sinks/clickhouse/saved-queries.ts';

export const DATASOURCE = { type: 'grafana-clickhouse-datasource', uid: 'sluice-clickhouse' } as const;

type PanelKind = 'timeseries' | 'table' | 'stat' | 'barchart';

export interface PanelSpec {
  title: string;
  kind: PanelKind;
  description: string;
  sql: string;
  /** Grid width out of 24 (default 12). */
  width?: number;
  height?: number;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  panels: PanelSpec[];
}

/** The placeholder a saved query is rendered with, then swapped for the dashboard variable. */
const DB_PLACEHOLDER = 'sluice_grafana_database';

/** A saved query of the pack as a table panel (its defaults, e.g. the last 30 days). */
function saved(name: string, width = 24): PanelSpec {
  const q = loadSavedQueries().find((x) => x.name === name);
  if (!q) throw new Error(`no saved query ${name} in schemas/clickhouse/queries/`);
  const sql = renderSavedQuery(q, { database: DB_PLACEHOLDER, maxRows: 500 }).replaceAll(`\`${DB_PLACEHOLDER}\``, '`${database}`');
  return { title: q.title, kind: 'table', description: `${q.description} Saved query \`${q.name}\` with its defaults (\`sluice query ${q.name}\`).`, sql, width };
}

/** Buckets `col` to the panel's interval; works on 18.16 (no toStartOfInterval there). */
const bucket = (col: string): string => `toDateTime(intDiv(toUInt32(${col}), $__interval_s) * $__interval_s)`;

const findings: DashboardSpec = {
  uid: 'sluice-findings',
  title: 'Sluice: findings',
  description: 'What the detectors found in the selected time range: alerts are severity Medium and above, signals below.',
  tags: ['sluice', 'soc'],
  panels: [
    {
      title: 'Alerts (Medium and above)',
      kind: 'stat',
      width: 6,
      description: 'Distinct findings of severity Medium or above in the time range.',
      sql: 'SELECT uniqExact(id) AS alerts FROM `${database}`.findings FINAL WHERE $__timeFilter(time) AND severity_id >= 3',
    },
    {
      title: 'Signals (Low and Informational)',
      kind: 'stat',
      width: 6,
      description: 'Distinct findings below Medium in the time range: stored for hunting and correlation.',
      sql: 'SELECT uniqExact(id) AS signals FROM `${database}`.findings FINAL WHERE $__timeFilter(time) AND severity_id < 3',
    },
    {
      title: 'Principals with alerts',
      kind: 'stat',
      width: 6,
      description: 'Distinct principals named by an alert in the time range.',
      sql: "SELECT uniqExact(principal) AS principals FROM `${database}`.findings FINAL WHERE $__timeFilter(time) AND severity_id >= 3 AND principal != ''",
    },
    {
      title: 'Detectors reporting',
      kind: 'stat',
      width: 6,
      description: 'Detectors that wrote at least one finding in the time range.',
      sql: 'SELECT uniqExact(detector) AS detectors FROM `${database}`.findings FINAL WHERE $__timeFilter(time)',
    },
    {
      title: 'Findings over time by severity',
      kind: 'timeseries',
      width: 24,
      description: 'Distinct findings per interval and severity.',
      sql: `SELECT ${bucket('time')} AS interval_start, severity, uniqExact(id) AS findings FROM \`\${database}\`.findings FINAL WHERE $__timeFilter(time) GROUP BY interval_start, severity ORDER BY interval_start`,
    },
    {
      title: 'Top rules',
      kind: 'table',
      description: 'The rules with the most findings in the time range, with their worst severity and how many principals and entities they named.',
      sql: 'SELECT rule, any(detector) AS detector, any(title) AS title, max(severity_id) AS worst_severity_id, uniqExact(id) AS findings, uniqExact(principal) AS principals, uniqExact(entity_key) AS entities FROM `${database}`.findings FINAL WHERE $__timeFilter(time) GROUP BY rule ORDER BY findings DESC, rule LIMIT 20',
    },
    {
      title: 'Latest alerts',
      kind: 'table',
      description: 'The 100 most recent alerts in the time range. `sluice findings show <id>` prints one with its evidence and related events.',
      sql: 'SELECT time, severity, rule, principal, entity_key, message, id FROM `${database}`.findings FINAL WHERE $__timeFilter(time) AND severity_id >= 3 ORDER BY time DESC LIMIT 100',
    },
    saved('top_alerting_principals'),
    saved('findings_by_tactic_per_day'),
  ],
};

const exposure: DashboardSpec = {
  uid: 'sluice-exposure',
  title: 'Sluice: posture, data and vulnerabilities',
  description: 'Open posture failures and new public exposures, sensitive data found in object stores, and vulnerable container images.',
  tags: ['sluice', 'posture', 'dlp', 'vulnerabilities'],
  panels: [
    {
      title: 'Posture results over time',
      kind: 'timeseries',
      width: 24,
      description: 'Compliance findings per interval by result (Fail, Pass) from the posture detector.',
      sql: `SELECT ${bucket('time')} AS interval_start, extract(finding_json, '"compliance":\\\\{[^{}]*"status":"([A-Za-z]+)"') AS result, uniqExact(id) AS findings FROM \`\${database}\`.findings FINAL WHERE $__timeFilter(time) AND detector = 'posture' GROUP BY interval_start, result HAVING result != '' ORDER BY interval_start`,
    },
    saved('open_posture_failures', 12),
    saved('new_public_exposures', 12),
    {
      title: 'Sensitive data found over time',
      kind: 'timeseries',
      width: 24,
      description: 'DLP findings per interval by data type (OCSF data_security.detection_pattern).',
      sql: `SELECT ${bucket('time')} AS interval_start, extract(finding_json, '"detection_pattern":"([^"]*)"') AS data_type, uniqExact(id) AS findings FROM \`\${database}\`.findings FINAL WHERE $__timeFilter(time) AND detector = 'dlp' GROUP BY interval_start, data_type HAVING data_type NOT IN ('', 'object_verdict') ORDER BY interval_start`,
    },
    saved('dlp_objects_by_data_type', 12),
    {
      title: 'Open vulnerabilities by severity',
      kind: 'barchart',
      width: 12,
      description: 'Vulnerability findings of the vulns detector whose latest copy is not Resolved, by severity.',
      sql: "SELECT latest_severity AS severity, count() AS open_vulnerabilities FROM (SELECT id, argMax(severity, version) AS latest_severity, argMax(severity_id, version) AS sev, argMax(finding_json, version) AS j FROM `${database}`.findings WHERE detector = 'vulns' GROUP BY id HAVING visitParamExtractUInt(j, 'status_id') != 4) GROUP BY latest_severity ORDER BY max(sev) DESC",
    },
    saved('vulnerable_running_images'),
  ],
};

const network: DashboardSpec = {
  uid: 'sluice-network',
  title: 'Sluice: workload network',
  description: 'Container network flows by workload identity (namespace and workload, never IP): volumes, verdicts and new edges.',
  tags: ['sluice', 'network'],
  panels: [
    {
      title: 'Flows over time by verdict',
      kind: 'timeseries',
      width: 24,
      description: 'Network flows per interval by verdict (Hubble FORWARDED, DROPPED, ...; VPC flow logs ACCEPT, REJECT).',
      sql: `SELECT ${bucket('time')} AS interval_start, verdict, count() AS flows FROM \`\${database}\`.network_activity FINAL WHERE $__timeFilter(time) GROUP BY interval_start, verdict ORDER BY interval_start`,
    },
    {
      title: 'Busiest edges',
      kind: 'table',
      description: 'Workload-to-destination edges with the most flows in the time range (hourly rollup: a redelivered batch counts twice).',
      sql: 'SELECT src_workload, dst_identity, dst_port, protocol, sum(flows) AS flows, sum(bytes) AS bytes FROM `${database}`.network_edges_hourly WHERE $__timeFilter(hour) GROUP BY src_workload, dst_identity, dst_port, protocol ORDER BY flows DESC LIMIT 50',
    },
    {
      title: 'Dropped flows by source workload',
      kind: 'table',
      description: 'Flows dropped or rejected in the time range (Hubble DROPPED or ERROR, VPC flow logs REJECT), by source workload and destination.',
      sql: "SELECT src_namespace, src_workload, dst_identity, dst_port, count() AS dropped, max(time) AS last_seen FROM `${database}`.network_activity FINAL WHERE $__timeFilter(time) AND upper(verdict) IN ('DROPPED', 'ERROR', 'REJECT') GROUP BY src_namespace, src_workload, dst_identity, dst_port ORDER BY dropped DESC LIMIT 50",
    },
    saved('new_network_edges_per_namespace'),
  ],
};

const pipeline: DashboardSpec = {
  uid: 'sluice-pipeline',
  title: 'Sluice: pipeline health',
  description:
    'What reaches ClickHouse: rows written per class and source, ingest delay, findings per detector, and the last row of each source. Kafka consumer lag, dead letters and sink retries are OpenTelemetry metrics (docs/telemetry.md), exported by the OTel collector to your metrics backend.',
  tags: ['sluice', 'operations'],
  panels: [
    {
      title: 'Rows written per interval by class',
      kind: 'timeseries',
      width: 24,
      description: 'Events written to the event tables per interval of their ingest time.',
      sql: [
        `SELECT ${bucket('ingested_at')} AS interval_start, 'api_activity' AS class, count() AS rows FROM \`\${database}\`.api_activity WHERE $__timeFilter(ingested_at) GROUP BY interval_start`,
        `SELECT ${bucket('ingested_at')} AS interval_start, 'config_state' AS class, count() AS rows FROM \`\${database}\`.config_state WHERE $__timeFilter(ingested_at) GROUP BY interval_start`,
        `SELECT ${bucket('ingested_at')} AS interval_start, 'network_activity' AS class, count() AS rows FROM \`\${database}\`.network_activity WHERE $__timeFilter(ingested_at) GROUP BY interval_start`,
        `SELECT ${bucket('ingested_at')} AS interval_start, 'findings' AS class, count() AS rows FROM \`\${database}\`.findings WHERE $__timeFilter(ingested_at) GROUP BY interval_start`,
      ].join('\nUNION ALL\n'),
    },
    {
      title: 'Ingest delay (event time to ClickHouse), seconds',
      kind: 'table',
      description: 'Per class: median and 95th percentile of ingested_at minus the event time, for rows written in the time range. A growing delay means the pipeline is behind (or a collector is replaying old files).',
      sql: [
        "SELECT 'api_activity' AS class, quantile(0.5)(toInt64(ingested_at) - toInt64(time)) AS p50_s, quantile(0.95)(toInt64(ingested_at) - toInt64(time)) AS p95_s, count() AS rows FROM `${database}`.api_activity WHERE $__timeFilter(ingested_at)",
        "SELECT 'config_state' AS class, quantile(0.5)(toInt64(ingested_at) - toInt64(time)) AS p50_s, quantile(0.95)(toInt64(ingested_at) - toInt64(time)) AS p95_s, count() AS rows FROM `${database}`.config_state WHERE $__timeFilter(ingested_at)",
        "SELECT 'network_activity' AS class, quantile(0.5)(toInt64(ingested_at) - toInt64(time)) AS p50_s, quantile(0.95)(toInt64(ingested_at) - toInt64(time)) AS p95_s, count() AS rows FROM `${database}`.network_activity WHERE $__timeFilter(ingested_at)",
      ].join('\nUNION ALL\n'),
    },
    {
      title: 'Last row per source',
      kind: 'table',
      description: 'The newest row of each product (collector source) in the activity table and of each config source: a source that stops sending shows here first.',
      sql: [
        "SELECT 'api_activity' AS class, product AS source, max(ingested_at) AS last_written, max(time) AS last_event_time, count() AS rows FROM `${database}`.api_activity WHERE $__timeFilter(ingested_at) GROUP BY product",
        "SELECT 'config_state' AS class, source, max(ingested_at) AS last_written, max(time) AS last_event_time, count() AS rows FROM `${database}`.config_state WHERE $__timeFilter(ingested_at) GROUP BY source",
      ].join('\nUNION ALL\n'),
    },
    {
      title: 'Findings written per interval by detector',
      kind: 'timeseries',
      width: 24,
      description: 'Finding rows written per interval by detector (every copy: an updated finding is written again).',
      sql: `SELECT ${bucket('ingested_at')} AS interval_start, detector, count() AS rows FROM \`\${database}\`.findings WHERE $__timeFilter(ingested_at) GROUP BY interval_start, detector ORDER BY interval_start`,
    },
  ],
};

export const DASHBOARDS: readonly DashboardSpec[] = [findings, exposure, network, pipeline];

const QUERY_TYPE: Record<PanelKind, 'timeSeries' | 'table'> = { timeseries: 'timeSeries', table: 'table', stat: 'table', barchart: 'table' };

/** A dashboard as Grafana's JSON model (schemaVersion 39, Grafana 10.4 and later). */
export function dashboardJson(d: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = d.panels.map((p, i) => {
    const w = p.width ?? 12;
    const h = p.height ?? (p.kind === 'stat' ? 4 : 9);
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return {
      id: i + 1,
      type: p.kind,
      title: p.title,
      description: p.description,
      datasource: DATASOURCE,
      gridPos,
      targets: [{ refId: 'A', datasource: DATASOURCE, editorType: 'sql', queryType: QUERY_TYPE[p.kind], format: p.kind === 'timeseries' ? 0 : 1, rawSql: p.sql }],
      options: {},
      fieldConfig: { defaults: {}, overrides: [] },
    };
  });
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: d.tags,
    editable: true,
    schemaVersion: 39,
    version: 1,
    timezone: 'utc',
    refresh: '1m',
    time: { from: 'now-24h', to: 'now' },
    templating: {
      list: [
        {
          name: 'database',
          label: 'ClickHouse database',
          type: 'constant',
          query: 'sluice',
          hide: 2,
          description: 'The database Sluice writes to (CLICKHOUSE_DATABASE); edit the dashboard variable if yours differs.',
        },
      ],
    },
    panels,
  };
}

/** The files `npm run dashboards` writes: name -> text. */
export function dashboardFiles(): Map<string, string> {
  return new Map(DASHBOARDS.map((d) => [`${d.uid}.json`, `${JSON.stringify(dashboardJson(d), null, 2)}\n`]));
}
