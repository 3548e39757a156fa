import type { ClickHouseClient } from '@clickhouse/client';
import { formatDate, quoteIdentifier, quoteString } from './sql.ts';

const DAY_MS = 86_400_000;

export interface DropPartitionsOptions {
  /** The clock, for tests. Default Date.now(). */
  now?: number;
  /** Table in the database; default `findings`. */
  table?: string;
}

/**
 * Drops the daily partitions of `{database}.findings` whose UTC day is more than `days` days
 * before today, and returns their ids (YYYYMMDD), oldest first. Same cut-off as the table TTL on
 * new servers (`date + toIntervalDay(days)`), and the way to enforce retention on servers without
 * TTL (18.16): run it on a schedule. Works on every version: it reads system.parts and uses
 * `DROP PARTITION ID`. Dropping a whole partition is cheap (no rewrite) and idempotent.
 */
export async function dropPartitionsOlderThan(client: ClickHouseClient, database: string, days: number, options: DropPartitionsOptions = {}): Promise<string[]> {
  if (!Number.isInteger(days) || days < 0) throw new TypeError(`days must be a non-negative integer, got ${days}`);
  const table = options.table ?? 'findings';
  const target = `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
  const cutoff = formatDate((options.now ?? Date.now()) - days * DAY_MS).replaceAll('-', '');
  const rs = await client.query({
    query: `SELECT DISTINCT partition_id FROM system.parts WHERE database = ${quoteString(database)} AND table = ${quoteString(table)} AND active ORDER BY partition_id`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ partition_id: string }>();
  const old = rows.map((r) => r.partition_id).filter((id) => /^\d{8}$/.test(id) && id < cutoff);
  for (const id of old) {
    await client.command({ query: `ALTER TABLE ${target} DROP PARTITION ID ${quoteString(id)}` });
  }
  return old;
}
