/**
 * `sluice findings` (list, filter, --follow), `sluice findings show <id>` and `sluice timeline
 * <entity>`: the SOC's reads of ClickHouse. SQL is built in services/sinks/clickhouse/query.ts and
 * event-query.ts (escaped literals, FINAL, LIMIT); printing is in findings-render.ts and output.ts.
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import { SluiceError } from '../core/errors.ts';
import { entityEvents, eventsByUid } from '../sinks/clickhouse/event-query.ts';
import { findingById, MAX_QUERY_ROWS, queryFindings, type FindingsFilter } from '../sinks/clickhouse/query.ts';
import type { FindingRow } from '../sinks/clickhouse/rows.ts';
import { parseDateTime } from '../sinks/clickhouse/sql.ts';
import { findingDetailJson, mergeTimeline, renderFindingDetail, renderTimeline, rowToOcsf, rowToTableFinding, timelineJson } from './findings-render.ts';
import { addCommonOptions, type CommonFlags } from './options.ts';
import { colorEnabled, renderTable, resolveFormat, sortFindings, type OutputFormat } from './output.ts';
import { collect, openClickHouse, parseSeverity, parseSince, positiveInt, querying, type ClickHouseSession } from './soc-common.ts';

export interface FindingsFlags extends CommonFlags {
  since: string;
  until?: string;
  severity?: string;
  detector?: string[];
  rule?: string[];
  principal?: string[];
  resource?: string[];
  account?: string[];
  status: string;
  limit: string;
  follow?: boolean;
  interval: string;
  format?: string;
  color?: boolean;
}

/** The filter of `sluice findings` from its flags. */
export function filterFromFlags(flags: FindingsFlags, now: number = Date.now()): FindingsFilter {
  if (flags.status !== 'open' && flags.status !== 'all') throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--status must be open or all, got ${JSON.stringify(flags.status)}`);
  return {
    ...(flags.since === 'all' ? {} : { sinceMs: parseSince(flags.since, now) }),
    ...(flags.until ? { untilMs: parseSince(flags.until, now) } : {}),
    ...(flags.severity ? parseSeverity(flags.severity) : {}),
    ...(flags.detector ? { detectors: flags.detector } : {}),
    ...(flags.rule ? { rules: flags.rule } : {}),
    ...(flags.principal ? { principals: flags.principal } : {}),
    ...(flags.resource ? { resources: flags.resource } : {}),
    ...(flags.account ? { accounts: flags.account } : {}),
    status: flags.status,
    limit: Math.min(MAX_QUERY_ROWS, positiveInt('--limit', flags.limit)),
  };
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (text && !out.write(text)) await once(out, 'drain');
}

export interface PrintOptions {
  format: OutputFormat;
  color: boolean;
  columns?: number;
  header?: boolean;
}

/** Prints stored findings: the table (most severe first), one JSON array, or NDJSON, in OCSF form. */
export async function printRows(out: NodeJS.WritableStream, rows: readonly FindingRow[], opts: PrintOptions): Promise<void> {
  if (opts.format === 'table') return write(out, renderTable(rows.map(rowToTableFinding), { color: opts.color, columns: opts.columns, header: opts.header }));
  const ordered = sortFindings(rows.map((r) => ({ ...rowToTableFinding(r), row: r }))).map((x) => rowToOcsf(x.row));
  if (opts.format === 'json') return write(out, `${JSON.stringify(ordered, null, 2)}\n`);
  return write(out, ordered.map((o) => `${JSON.stringify(o)}\n`).join(''));
}

export interface FollowOptions extends PrintOptions {
  intervalMs: number;
  signal: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Prints the matching findings, then polls every `intervalMs` for findings written since (by
 * `ingested_at`, a few seconds of overlap, ids already printed skipped) until the signal aborts.
 */
export async function followFindings(session: ClickHouseSession, filter: FindingsFilter, out: NodeJS.WritableStream, opts: FollowOptions): Promise<number> {
  const seen = new Set<string>();
  let printed = 0;
  let cursor = 0;
  const remember = (rows: readonly FindingRow[]): FindingRow[] => {
    const fresh = rows.filter((r) => !seen.has(r.id));
    for (const r of fresh) {
      seen.add(r.id);
      cursor = Math.max(cursor, parseDateTime(r.ingested_at));
    }
    if (seen.size > 100_000) for (const id of [...seen].slice(0, 50_000)) seen.delete(id);
    return fresh;
  };
  const initial = remember(await querying('findings', () => queryFindings(session.client, session.database, filter)));
  if (cursor === 0) {
    const rs = await querying('server time', () => session.client.query({ query: 'SELECT toUnixTimestamp(now()) AS now', format: 'JSONEachRow' }));
    cursor = Number((await rs.json<{ now: number | string }>())[0]?.now ?? 0) * 1000;
  }
  // The first screen oldest last like a plain `sluice findings`; later polls print in arrival order.
  await printRows(out, initial, { ...opts, header: true });
  printed += initial.length;
  let first = initial.length === 0;
  while (!opts.signal.aborted) {
    await sleep(opts.intervalMs, opts.signal);
    if (opts.signal.aborted) break;
    const rows = await querying('findings', () => queryFindings(session.client, session.database, { ...filter, ingestedSinceMs: cursor - 5_000, limit: MAX_QUERY_ROWS }));
    const fresh = remember(rows);
    if (fresh.length === 0) continue;
    await printRows(out, fresh, { ...opts, header: first });
    printed += fresh.length;
    first = false;
  }
  return printed;
}

function addFindingsFilterOptions(cmd: Command): Command {
  return cmd
    .option('--since <when>', 'findings at or after: a duration back from now (30m, 24h, 7d) or a UTC date/time; "all" for no bound', '24h')
    .option('--until <when>', 'findings before: a duration back from now or a UTC date/time')
    .option('--severity <sev>', 'high+ (high and above), high (exactly) or medium,high')
    .option('--detector <name>', 'only this detector (repeatable)', collect)
    .option('--rule <id>', 'only this rule (repeatable)', collect)
    .option('--principal <uid>', 'actor uid or principal key; a name matches an ARN or path ending in /name (repeatable)', collect)
    .option('--resource <key>', 'entity key or resource uid; a name matches a key ending in /name (repeatable)', collect)
    .option('--account <id>', 'cloud account id (repeatable)', collect)
    .option('--status <status>', 'open: not resolved, and for posture the latest result per resource and rule is a fail; all', 'all')
    .option('--limit <n>', `rows at most (newest first; up to ${MAX_QUERY_ROWS})`, '100');
}

function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('-f, --format <format>', 'table (default on a terminal), json (one array) or ndjson (default when piped; ocsf is the same): findings in OCSF form')
    .option('--no-color', 'no colours in the table (also NO_COLOR)');
}

async function withSession<T>(flags: CommonFlags, fn: (s: ClickHouseSession) => Promise<T>): Promise<T> {
  const session = await openClickHouse(flags);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

function stopSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}

export function addFindingsCommands(program: Command): void {
  const findings = addOutputOptions(
    addFindingsFilterOptions(
      addCommonOptions(program.command('findings').description('Query the findings in ClickHouse: filters, --follow for new ones; a table on a terminal, OCSF NDJSON when piped.')),
    ),
  )
    .option('--follow', 'keep polling for new findings (Ctrl-C stops)')
    .option('--interval <seconds>', 'seconds between polls with --follow', '5');
  findings.action(async (flags: FindingsFlags) => {
    const format = resolveFormat(flags.format, process.stdout.isTTY === true);
    const color = format === 'table' && colorEnabled(process.stdout, process.env, flags.color === false);
    const filter = filterFromFlags(flags);
    await withSession(flags, async (session) => {
      if (flags.follow) {
        if (format === 'json') throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow prints a stream: use --format ndjson or table');
        await followFindings(session, filter, process.stdout, { format, color, columns: process.stdout.columns, intervalMs: positiveInt('--interval', flags.interval) * 1000, signal: stopSignal() });
        return;
      }
      const rows = await querying('findings', () => queryFindings(session.client, session.database, filter));
      await printRows(process.stdout, rows, { format, color, columns: process.stdout.columns });
      if (format === 'table') process.stderr.write(`${rows.length} finding(s)${rows.length === filter.limit ? ` (the newest ${filter.limit}; --limit for more)` : ''}\n`);
    });
  });

  addOutputOptions(addCommonOptions(findings.command('show').description('One finding: its fields, evidence and the related events from the event tables.').argument('<id>', 'finding id')))
    .option('--events <n>', 'related events at most', '100')
    .action(async (id: string, _flags: CommonFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals<CommonFlags & { format?: string; color?: boolean; events: string }>();
      const format = resolveFormat(flags.format, process.stdout.isTTY === true);
      await withSession(flags, async (session) => {
        const row = await querying('finding', () => findingById(session.client, session.database, id));
        if (!row) throw new SluiceError('SLUICE_ERR_QUERY_NOT_FOUND', `no finding ${JSON.stringify(id)} in ${session.database}.findings`);
        const events = await querying('related events', () =>
          eventsByUid(session.client, session.database, row.related_event_uids, parseDateTime(row.first_seen), parseDateTime(row.last_seen), positiveInt('--events', flags.events)),
        );
        if (format === 'table') await write(process.stdout, renderFindingDetail(row, events, colorEnabled(process.stdout, process.env, flags.color === false)));
        else await write(process.stdout, `${JSON.stringify(findingDetailJson(row, events), null, format === 'json' ? 2 : undefined)}\n`);
      });
    });

  addOutputOptions(
    addCommonOptions(
      program
        .command('timeline')
        .description("An entity's events (API activity, configuration, network) and findings from ClickHouse, merged in time order.")
        .argument('<entity>', 'principal (uid, ARN or name) or resource (uid, key or name)'),
    ),
  )
    .option('--since <when>', 'from: a duration back from now (24h, 7d) or a UTC date/time', '7d')
    .option('--until <when>', 'to: a duration back from now or a UTC date/time')
    .option('--limit <n>', `entries at most (the newest; up to ${MAX_QUERY_ROWS})`, '500')
    .action(async (entity: string, flags: CommonFlags & { since: string; until?: string; limit: string; format?: string; color?: boolean }) => {
      const format = resolveFormat(flags.format, process.stdout.isTTY === true);
      const now = Date.now();
      const sinceMs = parseSince(flags.since, now);
      const untilMs = flags.until ? parseSince(flags.until, now) : undefined;
      const limit = Math.min(MAX_QUERY_ROWS, positiveInt('--limit', flags.limit));
      await withSession(flags, async (session) => {
        const [rows, events] = await Promise.all([
          querying('findings', () => queryFindings(session.client, session.database, { sinceMs, untilMs, principals: [entity], limit })),
          querying('events', () => entityEvents(session.client, session.database, entity, sinceMs, untilMs, limit)),
        ]);
        const entries = mergeTimeline(rows, events, limit);
        if (format === 'table') {
          await write(process.stdout, renderTimeline(entries, colorEnabled(process.stdout, process.env, flags.color === false), process.stdout.columns));
          process.stderr.write(`${entity}: ${rows.length} finding(s), ${events.length} event(s)\n`);
        } else if (format === 'json') await write(process.stdout, `${JSON.stringify(entries.map(timelineJson), null, 2)}\n`);
        else await write(process.stdout, entries.map((e) => `${JSON.stringify(timelineJson(e))}\n`).join(''));
      });
    });
}
