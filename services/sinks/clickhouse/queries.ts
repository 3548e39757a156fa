import type { ClickHouseClient } from '@clickhouse/client';
import type { FindingRow } from './rows.ts';
import { quoteIdentifier, quoteString } from './sql.ts';

/**
 * Typed reads of `{db}.findings`. All use FINAL, so each finding id counts once even before the
 * background merges have removed the duplicates. Values are escaped into the SQL text (18.16
 * has no query parameters); the database must be a plain identifier.
 */

/** A row as read back: UInt64 `version` arrives as a number (output_format_json_quote_64bit_integers = 0). */
export type StoredFindingRow = FindingRow;

/** The stored rows of these finding ids (one per id, deduplicated with FINAL), ordered by id. */
export async function findingsById(client: ClickHouseClient, database: string, ids: readonly string[]): Promise<StoredFindingRow[]> {
  if (ids.length === 0) return [];
  const rs = await client.query({
    query: `SELECT * FROM ${quoteIdentifier(database)}.findings FINAL WHERE id IN (${ids.map(quoteString).join(', ')}) ORDER BY id`,
    format: 'JSONEachRow',
  });
  return rs.json<StoredFindingRow>();
}

export interface CountFindingsFilter {
  /** Only findings at or after this time (epoch ms). */
  sinceMs?: number;
  /** Only findings before this time (epoch ms). */
  untilMs?: number;
  detector?: string;
  minSeverityId?: number;
}

/** Distinct findings (FINAL), optionally filtered. */
export async function countFindings(client: ClickHouseClient, database: string, filter: CountFindingsFilter = {}): Promise<number> {
  const where: string[] = [];
  if (filter.sinceMs !== undefined) where.push(`time >= toDateTime(${Math.floor(filter.sinceMs / 1000)}, 'UTC')`);
  if (filter.untilMs !== undefined) where.push(`time < toDateTime(${Math.floor(filter.untilMs / 1000)}, 'UTC')`);
  if (filter.detector !== undefined) where.push(`detector = ${quoteString(filter.detector)}`);
  if (filter.minSeverityId !== undefined) where.push(`severity_id >= ${Math.max(0, Math.trunc(filter.minSeverityId))}`);
  const rs = await client.query({
    query: `SELECT count() AS n FROM ${quoteIdentifier(database)}.findings FINAL${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ n: number | string }>();
  return Number(rows[0]?.n ?? 0);
}

export interface CountBy {
  key: string;
  findings: number;
}

/** Distinct findings per detector (FINAL), most first: a quick SOC overview. */
export async function countFindingsByDetector(client: ClickHouseClient, database: string): Promise<CountBy[]> {
  const rs = await client.query({
    query: `SELECT detector AS key, count() AS findings FROM ${quoteIdentifier(database)}.findings FINAL GROUP BY detector ORDER BY findings DESC, key`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ key: string; findings: number | string }>();
  return rows.map((r) => ({ key: r.key, findings: Number(r.findings) }));
}

export interface PartitionInfo {
  /** YYYYMMDD */
  partition: string;
  rows: number;
  parts: number;
}

/** Active partitions of the findings table, from system.parts (rows counted before dedup). */
export async function findingPartitions(client: ClickHouseClient, database: string): Promise<PartitionInfo[]> {
  const rs = await client.query({
    query:
      `SELECT partition_id AS partition, sum(rows) AS rows, count() AS parts FROM system.parts ` +
      `WHERE database = ${quoteString(database)} AND table = 'findings' AND active GROUP BY partition_id ORDER BY partition_id`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ partition: string; rows: number | string; parts: number | string }>();
  return rows.map((r) => ({ partition: r.partition, rows: Number(r.rows), parts: Number(r.parts) }));
}
