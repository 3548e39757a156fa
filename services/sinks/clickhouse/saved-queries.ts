import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clampLimit } from './query.ts';
import { quoteIdentifier, quoteString } from './sql.ts';

/**
 * The saved-query pack, `schemas/clickhouse/queries/<name>.sql`. Each file is plain ClickHouse SQL
 * with a header of `--` comments:
 *
 *   -- title: Top alerting principals
 *   -- description: Principals with the most findings ... (more `-- ` lines continue it)
 *   -- param: days UInt32 = 7  look-back window, days
 *
 * The body names tables `sluice.<table>` and takes values as `{name:Type}`, ClickHouse's own
 * query-parameter syntax, so `clickhouse-client --param_days=7 --queries-file x.sql` runs it on a
 * current server. Sluice renders it for every server, 18.16 included (which has no parameters):
 * each `{name:Type}` becomes a literal checked against its type, and `sluice.` the configured
 * database. The result is wrapped in a LIMIT.
 */

export const QUERIES_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/queries/', import.meta.url));

/** Parameter types a saved query may declare. */
export const PARAM_TYPES = ['UInt8', 'UInt16', 'UInt32', 'UInt64', 'Int32', 'Int64', 'Float64', 'String', 'Date', 'DateTime'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export interface SavedQueryParam {
  name: string;
  type: ParamType;
  /** The default, as text (a String default without its quotes). */
  default: string;
  description: string;
}

export interface SavedQuery {
  /** The file name without `.sql`. */
  name: string;
  title: string;
  description: string;
  params: SavedQueryParam[];
  /** The file's whole text. */
  text: string;
}

/** The tables a saved query may name as `sluice.<table>`; the prefix becomes the configured database. */
export const QUERY_TABLES = ['findings', 'api_activity', 'config_state', 'network_activity', 'findings_daily', 'api_activity_hourly', 'network_edges_hourly'] as const;

export class SavedQueryError extends Error {
  override readonly name = 'SavedQueryError';
}

const PARAM_LINE = /^--\s*param:\s*([a-z_][a-z0-9_]*)\s+([A-Za-z0-9]+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)\s*(.*)$/;
const PLACEHOLDER = /\{([a-z_][a-z0-9_]*):([A-Za-z0-9]+)\}/g;

/** Parses one saved query's text; throws SavedQueryError when the header is incomplete or a placeholder is undeclared. */
export function parseSavedQuery(name: string, text: string): SavedQuery {
  let title = '';
  const description: string[] = [];
  const params: SavedQueryParam[] = [];
  let last: 'description' | 'other' = 'other';
  for (const line of text.split('\n')) {
    if (!line.startsWith('--')) break;
    const p = PARAM_LINE.exec(line);
    if (p) {
      const type = p[2] as ParamType;
      if (!PARAM_TYPES.includes(type)) throw new SavedQueryError(`${name}: parameter ${p[1]} has unsupported type ${p[2]}`);
      const raw = p[3]!;
      const dflt = raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      params.push({ name: p[1]!, type, default: dflt, description: p[4]!.trim() });
      last = 'other';
      continue;
    }
    const m = /^--\s*(title|description):\s*(.*)$/.exec(line);
    if (m?.[1] === 'title') (title = m[2]!.trim()), (last = 'other');
    else if (m?.[1] === 'description') description.push(m[2]!.trim()), (last = 'description');
    else if (last === 'description' && /^--\s+\S/.test(line)) description.push(line.replace(/^--\s+/, '').trim());
    else last = 'other';
  }
  if (!title) throw new SavedQueryError(`${name}: the header has no "-- title:" line`);
  if (description.length === 0) throw new SavedQueryError(`${name}: the header has no "-- description:" line`);
  const declared = new Map(params.map((p) => [p.name, p]));
  for (const [, pname, ptype] of text.matchAll(PLACEHOLDER)) {
    const p = declared.get(pname!);
    if (!p) throw new SavedQueryError(`${name}: {${pname}:${ptype}} is not declared by a "-- param:" line`);
    if (p.type !== ptype) throw new SavedQueryError(`${name}: {${pname}:${ptype}} does not match the declared type ${p.type}`);
  }
  for (const p of params) checkValue(name, p, p.default);
  return { name, title, description: description.join(' '), params, text };
}

/** Every saved query in the directory, by name. */
export function loadSavedQueries(dir: string = QUERIES_DIR): SavedQuery[] {
  return readdirSync(dir)
    .filter((f) => /^[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => parseSavedQuery(f.slice(0, -4), readFileSync(`${dir}/${f}`, 'utf8')));
}

const INT_RANGE: Partial<Record<ParamType, readonly [bigint, bigint]>> = {
  UInt8: [0n, 255n],
  UInt16: [0n, 65_535n],
  UInt32: [0n, 4_294_967_295n],
  UInt64: [0n, 18_446_744_073_709_551_615n],
  Int32: [-2_147_483_648n, 2_147_483_647n],
  Int64: [-9_223_372_036_854_775_808n, 9_223_372_036_854_775_807n],
};

/** The SQL literal of a parameter value, or a SavedQueryError when the value is not of the type. */
export function checkValue(query: string, p: SavedQueryParam, value: string): string {
  const bad = (why: string): never => {
    throw new SavedQueryError(`${query}: parameter ${p.name} (${p.type}) ${why}: ${JSON.stringify(value)}`);
  };
  const range = INT_RANGE[p.type];
  if (range) {
    if (!/^-?\d+$/.test(value)) bad('must be an integer');
    const n = BigInt(value);
    if (n < range[0] || n > range[1]) bad(`must be between ${range[0]} and ${range[1]}`);
    return n.toString();
  }
  switch (p.type) {
    case 'Float64':
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) bad('must be a number');
      return value;
    case 'Date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) bad('must be YYYY-MM-DD');
      return `toDate(${quoteString(value)})`;
    case 'DateTime':
      if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}Z?$/.test(value)) bad('must be YYYY-MM-DD hh:mm:ss (UTC)');
      return `toDateTime(${quoteString(value.replace('T', ' ').replace(/Z$/, ''))}, 'UTC')`;
    default:
      return quoteString(value);
  }
}

export interface RenderOptions {
  database: string;
  /** `name=value` overrides of the defaults. */
  params?: Readonly<Record<string, string>>;
  /** Rows returned at most (default 1000, at most 10 000). */
  maxRows?: number;
}

/** The query as SQL for any server: literals for its parameters, the database, and a LIMIT around it. */
export function renderSavedQuery(q: SavedQuery, opts: RenderOptions): string {
  const given = opts.params ?? {};
  const declared = new Set(q.params.map((p) => p.name));
  for (const k of Object.keys(given)) {
    if (!declared.has(k)) throw new SavedQueryError(`${q.name}: no parameter ${k}; it takes ${q.params.map((p) => p.name).join(', ') || 'none'}`);
  }
  const literals = new Map(q.params.map((p) => [p.name, checkValue(q.name, p, given[p.name] ?? p.default)]));
  const db = quoteIdentifier(opts.database);
  const statement = q.text
    .split('\n')
    .filter((l) => !/^\s*--/.test(l))
    .join('\n')
    .trim()
    .replace(/;\s*$/, '');
  if (statement.includes(';')) throw new SavedQueryError(`${q.name}: a saved query is one statement`);
  // The database first, then the values: a value that looks like `sluice.findings` stays a value.
  const body = statement
    .replace(new RegExp(`\\bsluice\\.(${QUERY_TABLES.join('|')})\\b`, 'g'), (_m, table: string) => `${db}.${table}`)
    .replace(PLACEHOLDER, (_m, name: string) => literals.get(name)!);
  return `SELECT * FROM (\n${body}\n) LIMIT ${clampLimit(opts.maxRows, 1000)}`;
}

/** `k=v` pairs (repeatable --param) to a record; a value may itself contain `=`. */
export function parseParamPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new SavedQueryError(`--param takes name=value, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
