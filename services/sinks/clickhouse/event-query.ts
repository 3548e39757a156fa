import type { ClickHouseClient } from '@clickhouse/client';
import { EVENT_TABLES } from './event-rows.ts';
import { clampLimit, existingTables } from './query.ts';
import { quoteIdentifier, quoteString } from './sql.ts';

/**
 * Reads of the event tables (migration 002: api_activity, config_state, network_activity) for
 * `sluice findings show` (a finding's related events) and `sluice timeline` (an entity's events).
 * Values are escaped literals, every query has a LIMIT, tables that do not exist are skipped.
 */

export type EventTable = (typeof EVENT_TABLES)[keyof typeof EVENT_TABLES];

/** One stored event, with a one-line summary built from its flat columns. */
export interface StoredEventRow {
  source_table: EventTable;
  time: string;
  uid: string;
  entity_key: string;
  summary: string;
  /** The normalized event as stored (JSON text, raw record dropped). */
  event_json: string;
}

const SUMMARY: Record<EventTable, string> = {
  api_activity: `concat(principal, ' called ', operation, ' on ', service, if(status = '', '', concat(' (', status, if(error_code = '', '', concat(' ', error_code)), ')')), if(src_ip = '', '', concat(' from ', src_ip)))`,
  config_state: `concat(change_type, ' ', resource_type, ' ', resource_name)`,
  network_activity: `concat(src_workload, ' -> ', dst_identity, ':', toString(dst_port), '/', protocol, ' ', direction, ' ', verdict)`,
};

/** The columns an entity name is matched against, per table. */
const ENTITY_COLUMNS: Record<EventTable, readonly string[]> = {
  api_activity: ['entity_key', 'principal'],
  config_state: ['entity_key', 'resource_name'],
  network_activity: ['entity_key', 'src_workload', 'dst_identity'],
};

const TABLES = Object.values(EVENT_TABLES) as EventTable[];

function select(database: string, table: EventTable, where: readonly string[], limit: number): string {
  return (
    `SELECT '${table}' AS source_table, time, uid, entity_key, ${SUMMARY[table]} AS summary, event_json ` +
    `FROM ${quoteIdentifier(database)}.${quoteIdentifier(table)} FINAL WHERE ${where.join(' AND ')} ORDER BY time DESC, uid LIMIT ${clampLimit(limit)}`
  );
}

function timeRange(sinceMs: number | undefined, untilMs: number | undefined): string[] {
  const out: string[] = [];
  if (sinceMs !== undefined) {
    const s = Math.max(0, Math.floor(sinceMs / 1000));
    out.push(`date >= toDate(toDateTime(${s}, 'UTC'))`, `time >= toDateTime(${s}, 'UTC')`);
  }
  if (untilMs !== undefined) out.push(`time < toDateTime(${Math.max(0, Math.floor(untilMs / 1000))}, 'UTC')`);
  return out;
}

/** SQL for an entity's events in one table: the entity key or name, exact or as the last path segment. */
export function entityEventsQuery(database: string, table: EventTable, entity: string, sinceMs: number | undefined, untilMs: number | undefined, limit: number): string {
  const match = ENTITY_COLUMNS[table].flatMap((c) => [`${c} = ${quoteString(entity)}`, ...(entity.includes('/') ? [] : [`endsWith(${c}, ${quoteString(`/${entity}`)})`])]);
  return select(database, table, [...timeRange(sinceMs, untilMs), `(${match.join(' OR ')})`], limit);
}

/** SQL for events by uid in one table, within the days around [fromMs, toMs] (partition pruning). */
export function eventsByUidQuery(database: string, table: EventTable, uids: readonly string[], fromMs: number, toMs: number, limit: number): string {
  const day = 86_400_000;
  const where = [
    `date >= toDate(toDateTime(${Math.max(0, Math.floor((fromMs - day) / 1000))}, 'UTC'))`,
    `date <= toDate(toDateTime(${Math.max(0, Math.floor((toMs + day) / 1000))}, 'UTC'))`,
    `uid IN (${uids.map(quoteString).join(', ')})`,
  ];
  return select(database, table, where, limit);
}

async function run(client: ClickHouseClient, database: string, limit: number, sql: (table: EventTable) => string): Promise<StoredEventRow[]> {
  const present = await existingTables(client, database);
  const tables = TABLES.filter((t) => present.has(t));
  const parts = await Promise.all(tables.map(async (t) => (await client.query({ query: sql(t), format: 'JSONEachRow' })).json<StoredEventRow>()));
  return parts
    .flat()
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.uid < b.uid ? -1 : 1))
    .slice(0, clampLimit(limit));
}

/** The events with these uids (a finding's related events), newest first; [] when no event table exists. */
export async function eventsByUid(client: ClickHouseClient, database: string, uids: readonly string[], fromMs: number, toMs: number, limit = 100): Promise<StoredEventRow[]> {
  if (uids.length === 0) return [];
  return run(client, database, limit, (t) => eventsByUidQuery(database, t, uids, fromMs, toMs, limit));
}

/** The entity's events in all event tables that exist, newest first, at most `limit`. */
export async function entityEvents(client: ClickHouseClient, database: string, entity: string, sinceMs: number | undefined, untilMs: number | undefined, limit = 100): Promise<StoredEventRow[]> {
  return run(client, database, limit, (t) => entityEventsQuery(database, t, entity, sinceMs, untilMs, limit));
}
