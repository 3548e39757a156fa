/**
 * `sluice query <name> --param k=v`: runs a saved query of schemas/clickhouse/queries/ against
 * ClickHouse (parameters rendered as checked literals, so 18.16 runs them too; see
 * services/sinks/clickhouse/saved-queries.ts). `--list` lists them, `--sql` prints the SQL.
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import { SluiceError } from '../core/errors.ts';
import { loadSavedQueries, parseParamPairs, renderSavedQuery, SavedQueryError, type SavedQuery } from '../sinks/clickhouse/saved-queries.ts';
import { MAX_QUERY_ROWS } from '../sinks/clickhouse/query.ts';
import { addCommonOptions, configFromFlags, type CommonFlags } from './options.ts';
import { resolveFormat } from './output.ts';
import { collect, openClickHouse, positiveInt, querying, type ClickHouseSession } from './soc-common.ts';

export type QueryRow = Record<string, unknown>;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(cell).join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Rows as an aligned text table, each cell cut at `maxCell` characters. */
export function renderRowsTable(rows: readonly QueryRow[], maxCell = 60): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!);
  const clip = (s: string): string => ([...s].length > maxCell ? `${[...s].slice(0, maxCell - 1).join('')}…` : s);
  const cells = rows.map((r) => cols.map((c) => clip(cell(r[c]).replace(/\s+/g, ' '))));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => [...r[i]!].length)));
  const line = (vals: readonly string[]): string => vals.map((v, i) => v + ' '.repeat(widths[i]! - [...v].length)).join('  ').trimEnd();
  return `${[line(cols.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n')}\n`;
}

/** `--list`: each query with its title, description and parameters. */
export function renderQueryList(queries: readonly SavedQuery[]): string {
  return queries
    .map((q) => {
      const params = q.params.map((p) => `    --param ${p.name}=${p.default === '' ? "''" : p.default}  (${p.type}) ${p.description}`).join('\n');
      return `${q.name}  ${q.title}\n    ${q.description}\n${params}\n`;
    })
    .join('\n');
}

/** Finds the saved query by name, or SLUICE_ERR_QUERY_NOT_FOUND. */
export function savedQuery(name: string, queries: readonly SavedQuery[] = loadSavedQueries()): SavedQuery {
  const q = queries.find((x) => x.name === name);
  if (!q) throw new SluiceError('SLUICE_ERR_QUERY_NOT_FOUND', `no saved query ${JSON.stringify(name)}; sluice query --list shows them: ${queries.map((x) => x.name).join(', ')}`);
  return q;
}

/** The rendered SQL, with a bad --param as SLUICE_ERR_CONFIG_INVALID. */
export function savedQuerySql(q: SavedQuery, database: string, params: readonly string[], maxRows: number): string {
  try {
    return renderSavedQuery(q, { database, params: parseParamPairs(params), maxRows });
  } catch (err) {
    if (err instanceof SavedQueryError) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', err.message);
    throw err;
  }
}

/** Runs a saved query; rows as JSON objects. */
export async function runSavedQuery(session: ClickHouseSession, q: SavedQuery, params: readonly string[], maxRows: number): Promise<QueryRow[]> {
  const sql = savedQuerySql(q, session.database, params, maxRows);
  return querying(`query ${q.name}`, async () => (await session.client.query({ query: sql, format: 'JSONEachRow' })).json<QueryRow>());
}

async function write(text: string): Promise<void> {
  if (text && !process.stdout.write(text)) await once(process.stdout, 'drain');
}

export function addQueryCommand(program: Command): void {
  addCommonOptions(
    program
      .command('query')
      .description('Run a saved query of schemas/clickhouse/queries/ against ClickHouse (sluice query --list shows them).')
      .argument('[name]', 'saved query name (the file name without .sql)'),
  )
    .option('-l, --list', 'list the saved queries with their parameters')
    .option('-p, --param <name=value>', 'a parameter (repeatable); the others keep their defaults', collect)
    .option('--max-rows <n>', `rows at most (up to ${MAX_QUERY_ROWS})`, '1000')
    .option('--sql', 'print the SQL as it would be sent (for this server version and database) instead of running it')
    .option('-f, --format <format>', 'table (default on a terminal), json or ndjson (default when piped)')
    .action(async (name: string | undefined, flags: CommonFlags & { list?: boolean; param?: string[]; maxRows: string; sql?: boolean; format?: string }) => {
      const queries = loadSavedQueries();
      if (flags.list || !name) {
        await write(renderQueryList(queries));
        return;
      }
      const q = savedQuery(name, queries);
      const maxRows = Math.min(MAX_QUERY_ROWS, positiveInt('--max-rows', flags.maxRows));
      const format = resolveFormat(flags.format, process.stdout.isTTY === true);
      if (flags.sql) {
        const database = configFromFlags(flags).clickhouse?.database ?? 'sluice';
        await write(`${savedQuerySql(q, database, flags.param ?? [], maxRows)}\n`);
        return;
      }
      const session = await openClickHouse(flags);
      try {
        const rows = await runSavedQuery(session, q, flags.param ?? [], maxRows);
        if (format === 'table') {
          await write(renderRowsTable(rows));
          process.stderr.write(`${q.title}: ${rows.length} row(s)\n`);
        } else if (format === 'json') await write(`${JSON.stringify(rows, null, 2)}\n`);
        else await write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      } finally {
        await session.close();
      }
    });
}
