import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { ALREADY_EXISTS_CODES, classifyError, clickHouseErrorCode, errorText } from './errors.ts';
import { quoteIdentifier, quoteString } from './sql.ts';

/** Where the DDL templates live: schemas/clickhouse/NNN_name.sql. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/', import.meta.url));

/** First release where TTL, LowCardinality (without the experimental flag), skip indexes and the rest are all GA. */
export const MODERN_SERVER = { major: 20, minor: 3 } as const;

export interface ServerInfo {
  /** As reported by `SELECT version()`, e.g. "18.16.1" or "24.8.4.13". */
  version: string;
  major: number;
  minor: number;
  patch: number;
  /** Table TTL (`TTL date + toIntervalDay(n)`); 18.16 has none. */
  supportsTtl: boolean;
  /** LowCardinality(String) without `allow_experimental_low_cardinality_type`. */
  supportsLowCardinality: boolean;
  /** Data-skipping indexes (minmax, bloom_filter) without an experimental flag. */
  supportsSkipIndexes: boolean;
  /** `{name:Type}` query parameters. */
  supportsQueryParams: boolean;
  supportsDateTime64: boolean;
  /** JSONExtract*; older servers only have visitParamExtract*. */
  supportsJsonExtract: boolean;
}

/** Server features from its version string. Unparseable versions are treated as modern. */
export function serverInfoFromVersion(version: string): ServerInfo {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  const major = m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
  const minor = m ? Number(m[2]) : 0;
  const patch = m && m[3] !== undefined ? Number(m[3]) : 0;
  const modern = major > MODERN_SERVER.major || (major === MODERN_SERVER.major && minor >= MODERN_SERVER.minor);
  return {
    version: version.trim(),
    major,
    minor,
    patch,
    supportsTtl: modern,
    supportsLowCardinality: modern,
    supportsSkipIndexes: modern,
    supportsQueryParams: modern,
    supportsDateTime64: modern,
    supportsJsonExtract: modern,
  };
}

/** Asks the server its version (`SELECT version()`); works on every ClickHouse release. */
export async function detectServer(client: ClickHouseClient): Promise<ServerInfo> {
  const rs = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
  const rows = await rs.json<{ version: string }>();
  const version = rows[0]?.version;
  if (typeof version !== 'string') throw new Error('SELECT version() returned no row');
  return serverInfoFromVersion(version);
}

export interface RenderContext {
  database: string;
  server: ServerInfo;
  /** Days of the table TTL, on servers that have TTL. */
  retentionDays: number;
}

const FEATURES: Record<string, (s: ServerInfo) => boolean> = {
  ttl: (s) => s.supportsTtl,
  lowcardinality: (s) => s.supportsLowCardinality,
  skip_indexes: (s) => s.supportsSkipIndexes,
};

/**
 * Renders one template into its statements. Template syntax:
 * `{db}`, `{string_lc}`, `{retention_days}`; lines `--@if FEATURE`, `--@else`, `--@end` (not nested);
 * other `--` comment lines are dropped; a statement ends at a line ending in `;`.
 */
export function renderTemplate(template: string, ctx: RenderContext): string[] {
  if (!Number.isInteger(ctx.retentionDays) || ctx.retentionDays < 1) throw new TypeError(`retentionDays must be a positive integer, got ${ctx.retentionDays}`);
  const vars: Record<string, string> = {
    db: quoteIdentifier(ctx.database),
    string_lc: ctx.server.supportsLowCardinality ? 'LowCardinality(String)' : 'String',
    retention_days: String(ctx.retentionDays),
  };
  const kept: string[] = [];
  let block: { keep: boolean } | undefined;
  for (const [i, line] of template.split(/\r?\n/).entries()) {
    const directive = /^\s*--@(if|else|end)\b\s*(\S*)\s*$/.exec(line);
    if (directive) {
      const [, word, feature] = directive;
      if (word === 'if') {
        if (block) throw new Error(`line ${i + 1}: nested --@if`);
        const test = FEATURES[feature ?? ''];
        if (!test) throw new Error(`line ${i + 1}: unknown feature ${JSON.stringify(feature)} (known: ${Object.keys(FEATURES).join(', ')})`);
        block = { keep: test(ctx.server) };
      } else if (word === 'else') {
        if (!block) throw new Error(`line ${i + 1}: --@else without --@if`);
        block = { keep: !block.keep };
      } else {
        if (!block) throw new Error(`line ${i + 1}: --@end without --@if`);
        block = undefined;
      }
      continue;
    }
    if (block && !block.keep) continue;
    if (/^\s*--/.test(line)) continue;
    kept.push(
      line.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
        const v = vars[name];
        if (v === undefined) throw new Error(`line ${i + 1}: unknown placeholder ${whole}`);
        return v;
      }),
    );
  }
  if (block) throw new Error('--@if without --@end');
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of kept) {
    if (current.length === 0 && line.trim() === '') continue;
    if (/;\s*$/.test(line)) {
      current.push(line.replace(/;\s*$/, ''));
      const stmt = current.join('\n').trim();
      if (stmt) statements.push(stmt);
      current = [];
    } else {
      current.push(line);
    }
  }
  const rest = current.join('\n').trim();
  if (rest) statements.push(rest);
  return statements;
}

export interface MigrationFile {
  /** From the file name prefix: 001_findings.sql is version 1. Version 0 is the bootstrap. */
  version: number;
  name: string;
  template: string;
  /** sha256 of the template text, recorded when applied. */
  checksum: string;
}

/** Reads NNN_name.sql files in version order. */
export function loadMigrationFiles(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) continue;
    const template = readFileSync(`${dir.replace(/\/?$/, '/')}${file}`, 'utf8');
    files.push({ version: Number(m[1]), name: m[2]!, template, checksum: createHash('sha256').update(template).digest('hex') });
  }
  const versions = files.map((f) => f.version);
  if (new Set(versions).size !== versions.length) throw new Error(`duplicate migration versions in ${dir}`);
  if (files[0]?.version !== 0) throw new Error(`${dir} has no 000_bootstrap.sql`);
  return files;
}

export interface RenderedMigration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** All migrations rendered for one server; element 0 is the bootstrap (database and schema_migrations). */
export function renderMigrations(ctx: RenderContext, dir?: string): RenderedMigration[] {
  return loadMigrationFiles(dir).map((f) => ({ version: f.version, name: f.name, checksum: f.checksum, statements: renderTemplate(f.template, ctx) }));
}

export interface MigrateOptions {
  retentionDays?: number;
  dir?: string;
  logger?: Logger;
}

export interface MigrateResult {
  /** Versions this call applied (ran and recorded). */
  applied: number[];
  /** Versions already recorded before this call. */
  alreadyApplied: number[];
}

async function runDdl(client: ClickHouseClient, statement: string): Promise<void> {
  try {
    await client.command({ query: statement });
  } catch (err) {
    // Two processes creating the same table at once: the loser may get "already exists" despite IF NOT EXISTS.
    const code = clickHouseErrorCode(err);
    if (code !== undefined && ALREADY_EXISTS_CODES.has(code)) return;
    throw err;
  }
}

function migrationError(message: string, err: unknown, details: Record<string, unknown>): SluiceError {
  const cls = classifyError(err);
  // 392 QUERY_IS_PROHIBITED (allow_ddl=0), 497 ACCESS_DENIED (RBAC), 291 DATABASE_ACCESS_DENIED.
  const denied = /DDL queries are prohibited|Not enough privileges|ACCESS_DENIED|Access denied/i.test(errorText(err));
  const hint = denied ? ' (this ClickHouse user may not change the schema: run `sluice migrate` with the migration user, clickhouse.migration / CLICKHOUSE_MIGRATION_USER, before the sink starts)' : '';
  return new SluiceError('SLUICE_ERR_SINK_MIGRATION', `${message}: ${errorText(err)}${hint}`, {
    cause: err,
    retriable: cls.retriable,
    details: { ...details, errorKind: cls.kind },
  });
}

async function readRecorded(client: ClickHouseClient, db: string): Promise<Map<number, string>> {
  const rs = await client.query({ query: `SELECT DISTINCT version, checksum FROM ${db}.schema_migrations`, format: 'JSONEachRow' });
  const rows = await rs.json<{ version: number | string; checksum: string }>();
  return new Map(rows.map((r) => [Number(r.version), r.checksum]));
}

/**
 * Brings `database` to the latest schema. Every statement is idempotent (IF NOT EXISTS), and a
 * migration is recorded in `{db}.schema_migrations` after its statements ran, so running this
 * twice, or from two processes at once, is safe. Throws SluiceError SLUICE_ERR_SINK_MIGRATION,
 * retriable when the cause was (e.g. the server was unreachable).
 */
export async function migrate(client: ClickHouseClient, database: string, serverInfo: ServerInfo, options: MigrateOptions = {}): Promise<MigrateResult> {
  const db = quoteIdentifier(database);
  const rendered = renderMigrations({ database, server: serverInfo, retentionDays: options.retentionDays ?? 90 }, options.dir);
  const [bootstrap, ...migrations] = rendered;
  // A schema that is already current needs no DDL at all: a sink user without DDL rights
  // (allow_ddl=0, or no CREATE grant) starts as long as `sluice migrate` ran before it.
  const before = await readRecorded(client, db).catch(() => undefined);
  let recorded: Map<number, string>;
  if (before && migrations.every((m) => before.has(m.version))) {
    recorded = before;
  } else {
    for (const statement of bootstrap?.statements ?? []) {
      try {
        await runDdl(client, statement);
      } catch (err) {
        throw migrationError('bootstrap of the ClickHouse schema failed', err, { database, statement });
      }
    }
    try {
      recorded = await readRecorded(client, db);
    } catch (err) {
      throw migrationError('reading applied ClickHouse migrations failed', err, { database });
    }
  }

  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    const done = recorded.get(m.version);
    if (done !== undefined) {
      result.alreadyApplied.push(m.version);
      if (done !== m.checksum) {
        options.logger?.warn({ database, version: m.version, name: m.name }, 'ClickHouse migration file changed after it was applied; the change is not applied to existing tables');
      }
      continue;
    }
    for (const statement of m.statements) {
      try {
        await runDdl(client, statement);
      } catch (err) {
        throw migrationError(`ClickHouse migration ${m.version} (${m.name}) failed`, err, { database, version: m.version, statement });
      }
    }
    try {
      await client.command({
        query:
          `INSERT INTO ${db}.schema_migrations (version, name, checksum, server_version, applied_at) VALUES ` +
          `(${m.version}, ${quoteString(m.name)}, ${quoteString(m.checksum)}, ${quoteString(serverInfo.version)}, now())`,
      });
    } catch (err) {
      throw migrationError(`recording ClickHouse migration ${m.version} failed`, err, { database, version: m.version });
    }
    result.applied.push(m.version);
    options.logger?.info({ database, version: m.version, name: m.name, server: serverInfo.version }, 'applied ClickHouse migration');
  }
  return result;
}
