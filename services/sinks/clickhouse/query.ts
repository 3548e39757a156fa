import type { ClickHouseClient } from '@clickhouse/client';
import type { FindingRow } from './rows.ts';
import { quoteIdentifier, quoteString } from './sql.ts';

/**
 * SQL for the SOC commands (`sluice findings`, `findings show`, `timeline`). Every value is a
 * literal escaped by quoteString or a validated integer (ClickHouse 18.16 has no `{p:Type}` query
 * parameters); every list query ends in a LIMIT. Findings are read with FINAL. Fields of the OCSF
 * text in `finding_json` are read with extract()/visitParamExtract*, which 18.16 has (it has no
 * JSONExtract*): the JSON is written by JSON.stringify in a fixed key order.
 */

/** Largest LIMIT any of these queries sends. */
export const MAX_QUERY_ROWS = 10_000;

export interface FindingsFilter {
  /** Findings at or after this time (epoch ms). */
  sinceMs?: number;
  /** Findings before this time (epoch ms). */
  untilMs?: number;
  /** Rows written (ingested_at) at or after this time (epoch ms): what `--follow` polls for. */
  ingestedSinceMs?: number;
  minSeverityId?: number;
  severityIds?: readonly number[];
  detectors?: readonly string[];
  rules?: readonly string[];
  /** Actor uid or principal entity key; `alice` also matches `…/alice`. */
  principals?: readonly string[];
  /** Entity key or resource uid; `name` also matches `…/name`. */
  resources?: readonly string[];
  accounts?: readonly string[];
  /**
   * `open`: not resolved (OCSF status_id 4) and, for compliance findings, the latest finding of
   * its (entity, rule) is a Fail. `all` (the default): every finding.
   */
  status?: 'open' | 'all';
  /** Rows returned, newest first; capped at MAX_QUERY_ROWS (default 100). */
  limit?: number;
}

/** The OCSF `compliance.status` of a compliance finding (`Pass`, `Fail`), '' for other classes. */
export const COMPLIANCE_STATUS_SQL = `extract(finding_json, '"compliance":\\\\{[^{}]*"status":"([A-Za-z]+)"')`;
/** The top-level OCSF `status_id` (the first key of that name in the text: it precedes every nested object). */
export const STATUS_ID_SQL = `visitParamExtractUInt(finding_json, 'status_id')`;

export function clampLimit(limit: number | undefined, fallback = 100): number {
  const n = limit === undefined || !Number.isFinite(limit) ? fallback : Math.trunc(limit);
  return Math.min(MAX_QUERY_ROWS, Math.max(1, n));
}

function seconds(ms: number): number {
  return Math.max(0, Math.floor(ms / 1000));
}

function inList(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(quoteString).join(', ')})`;
}

/** `col = v OR endsWith(col, '/v')` for each value, OR-ed: a short name matches the ARN or path that ends with it. */
function nameMatch(columns: readonly string[], values: readonly string[]): string {
  const parts: string[] = [];
  for (const c of columns) {
    parts.push(inList(c, values));
    for (const v of values) if (!v.includes('/')) parts.push(`endsWith(${c}, ${quoteString(`/${v}`)})`);
  }
  return `(${parts.join(' OR ')})`;
}

/** The WHERE conditions of a findings filter (without the latest-per-entity part of `open`). */
export function findingConditions(f: FindingsFilter): string[] {
  const where: string[] = [];
  if (f.sinceMs !== undefined) {
    where.push(`date >= toDate(toDateTime(${seconds(f.sinceMs)}, 'UTC'))`, `time >= toDateTime(${seconds(f.sinceMs)}, 'UTC')`);
  }
  if (f.untilMs !== undefined) where.push(`time < toDateTime(${seconds(f.untilMs)}, 'UTC')`);
  if (f.ingestedSinceMs !== undefined) where.push(`ingested_at >= toDateTime(${seconds(f.ingestedSinceMs)}, 'UTC')`);
  if (f.minSeverityId !== undefined) where.push(`severity_id >= ${Math.max(0, Math.trunc(f.minSeverityId))}`);
  if (f.severityIds?.length) where.push(`severity_id IN (${f.severityIds.map((n) => Math.max(0, Math.trunc(n))).join(', ')})`);
  if (f.detectors?.length) where.push(inList('detector', f.detectors));
  if (f.rules?.length) where.push(inList('rule', f.rules));
  if (f.accounts?.length) where.push(inList('account_uid', f.accounts));
  if (f.principals?.length) where.push(nameMatch(['principal', 'entity_key'], f.principals));
  if (f.resources?.length) where.push(nameMatch(['entity_key'], f.resources));
  if (f.status === 'open') where.push(`${STATUS_ID_SQL} != 4`, `${COMPLIANCE_STATUS_SQL} != 'Pass'`);
  return where;
}

/** SELECT of the filtered findings, newest first, with LIMIT. */
export function findingsQuery(database: string, f: FindingsFilter): string {
  const table = `${quoteIdentifier(database)}.findings`;
  const where = findingConditions(f);
  if (f.status === 'open') {
    // A compliance finding is open only when it is the latest of its (entity, rule): a later Pass closes it.
    const inner = findingConditions({ sinceMs: f.sinceMs, detectors: f.detectors, rules: f.rules });
    inner.push(`${COMPLIANCE_STATUS_SQL} != ''`);
    where.push(
      `(${COMPLIANCE_STATUS_SQL} = '' OR (entity_key, rule, version) IN ` +
        `(SELECT entity_key, rule, max(version) FROM ${table} FINAL WHERE ${inner.join(' AND ')} GROUP BY entity_key, rule))`,
    );
    // An id whose copies span two days (a vulnerability found, then resolved on a later day) is
    // open only if its latest copy is: FINAL dedups within a partition only.
    const window = findingConditions({ sinceMs: f.sinceMs, detectors: f.detectors, rules: f.rules });
    where.push(`id NOT IN (SELECT id FROM ${table}${window.length ? ` WHERE ${window.join(' AND ')}` : ''} GROUP BY id HAVING argMax(${STATUS_ID_SQL}, version) = 4)`);
  }
  return (
    `SELECT * FROM ${table} FINAL${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY time DESC, severity_id DESC, id LIMIT ${clampLimit(f.limit)}`
  );
}

/** The filtered findings (FINAL), newest first. */
export async function queryFindings(client: ClickHouseClient, database: string, f: FindingsFilter): Promise<FindingRow[]> {
  const rs = await client.query({ query: findingsQuery(database, f), format: 'JSONEachRow' });
  return rs.json<FindingRow>();
}

/** One finding by id (FINAL; its latest copy when copies sit in two day partitions), or undefined. */
export async function findingById(client: ClickHouseClient, database: string, id: string): Promise<FindingRow | undefined> {
  const rs = await client.query({ query: `SELECT * FROM ${quoteIdentifier(database)}.findings FINAL WHERE id = ${quoteString(id)} ORDER BY version DESC LIMIT 1`, format: 'JSONEachRow' });
  return (await rs.json<FindingRow>())[0];
}

/** The tables of the database (to tell whether the event tables exist). */
export async function existingTables(client: ClickHouseClient, database: string): Promise<Set<string>> {
  const rs = await client.query({ query: `SELECT name FROM system.tables WHERE database = ${quoteString(database)}`, format: 'JSONEachRow' });
  return new Set((await rs.json<{ name: string }>()).map((r) => r.name));
}
