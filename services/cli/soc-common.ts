/**
 * What `sluice findings`, `timeline` and `query` share: the ClickHouse connection from the config,
 * durations (`24h`, `7d`), severity filters (`high+`), and the wrapping of query errors.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { SluiceError } from '../core/errors.ts';
import { SEVERITY } from '../core/events.ts';
import { createLogger } from '../core/logger.ts';
import { configFromFlags, type CommonFlags } from './options.ts';

export interface ClickHouseSession {
  client: ClickHouseClient;
  database: string;
  close(): Promise<void>;
}

/**
 * A client for the configured ClickHouse (CLICKHOUSE_URL, --clickhouse-url or the config file).
 * The client library is imported here, when a command opens a session, not at the CLI's start-up.
 */
export async function openClickHouse(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): Promise<ClickHouseSession> {
  const config = configFromFlags(flags, env);
  if (!config.clickhouse) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'this command reads ClickHouse: set CLICKHOUSE_URL or --clickhouse-url');
  const { storeEvents: _storeEvents, ...connection } = config.clickhouse;
  const { createClickHouseClient } = await import('../sinks/clickhouse/client.ts');
  const client = createClickHouseClient(connection, createLogger(config.log.level));
  return { client, database: config.clickhouse.database, close: () => client.close() };
}

/** Runs a read against ClickHouse; a failure becomes SLUICE_ERR_QUERY_FAILED with the server's message. */
export async function querying<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SluiceError) throw err;
    const { errorText } = await import('../sinks/clickhouse/errors.ts');
    throw new SluiceError('SLUICE_ERR_QUERY_FAILED', `${what}: ${errorText(err)}`, { cause: err });
  }
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since` / `--until`: a duration back from now (`90s`, `30m`, `24h`, `7d`, `2w`) or a UTC time
 * (`2026-11-20`, `2026-11-20T10:00:00Z`). Returns epoch ms.
 */
export function parseSince(text: string, now: number = Date.now()): number {
  const d = /^(\d+)([smhdw])$/.exec(text.trim());
  if (d) return now - Number(d[1]) * UNITS[d[2]!]!;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  const iso = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? 'Z'}`) : Number.NaN;
  if (Number.isFinite(iso)) return iso;
  throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `not a duration (30m, 24h, 7d, 2w) or a UTC date/time (2026-11-20, 2026-11-20T10:00:00Z): ${JSON.stringify(text)}`);
}

export interface SeverityFilter {
  minSeverityId?: number;
  severityIds?: number[];
}

const SEVERITY_IDS: Record<string, number> = { info: 1, informational: 1, low: 2, medium: 3, high: 4, critical: 5, fatal: 6 };

function severityId(name: string): number {
  const n = /^\d$/.test(name) ? Number(name) : SEVERITY_IDS[name.toLowerCase()];
  if (n === undefined || n < 0 || n > 6) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `unknown severity ${JSON.stringify(name)}: one of ${Object.keys(SEVERITY).join(', ').toLowerCase()} (or its id), optionally with + for "and above"`);
  }
  return n;
}

/** `high+` (high and above), `high` (exactly), `medium,high` (either). */
export function parseSeverity(text: string): SeverityFilter {
  const t = text.trim();
  if (t.endsWith('+')) return { minSeverityId: severityId(t.slice(0, -1)) };
  return { severityIds: t.split(',').map((s) => severityId(s.trim())) };
}

/** A positive integer option (`--limit`, `--max-rows`, `--interval`). */
export function positiveInt(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
