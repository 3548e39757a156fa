/**
 * How the CLI prints findings: a compact table for a person at a terminal, NDJSON (one OCSF JSON
 * finding per line, the default when stdout is not a terminal, so pipes keep working) or one JSON
 * array. Colour only on a terminal, never with NO_COLOR or --no-color (FORCE_COLOR forces it).
 */
import { once } from 'node:events';
import { styleText } from 'node:util';
import type { FindingSink } from '../core/components.ts';
import type { Finding, SeverityName } from '../core/events.ts';
import { findingToOcsf } from '../core/ocsf/index.ts';
import { SluiceError } from '../core/errors.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'ocsf'] as const;
export type OutputFormat = 'table' | 'json' | 'ndjson';

/** Most severe first. */
export const SEVERITY_ORDER: readonly SeverityName[] = ['Critical', 'High', 'Medium', 'Low', 'Informational'];

/**
 * The format to print: the one asked for (`ocsf` is NDJSON: each line is an OCSF finding), else a
 * table on a terminal and NDJSON otherwise (a pipe, a file given with --output).
 */
export function resolveFormat(asked: string | undefined, toTerminal: boolean): OutputFormat {
  if (asked === undefined) return toTerminal ? 'table' : 'ndjson';
  if (asked === 'ocsf') return 'ndjson';
  if (asked === 'table' || asked === 'json' || asked === 'ndjson') return asked;
  throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `unknown --format "${asked}"; one of ${OUTPUT_FORMATS.join(', ')}`);
}

/** Whether to colour text for this stream: not with --no-color or NO_COLOR; yes with FORCE_COLOR; else when it is a colour terminal. */
export function colorEnabled(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env, noColor = false): boolean {
  if (noColor) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  const tty = stream as NodeJS.WriteStream;
  return tty.isTTY === true && (typeof tty.hasColors !== 'function' || tty.hasColors(env));
}

type Style = Parameters<typeof styleText>[0];
const SEVERITY_STYLE: Partial<Record<string, Style>> = {
  Critical: ['bold', 'red'],
  High: 'red',
  Medium: 'yellow',
  Low: 'cyan',
  Informational: 'gray',
};

function paint(text: string, style: Style | undefined, color: boolean): string {
  return color && style ? styleText(style, text) : text;
}

function rank(severity: string): number {
  const i = SEVERITY_ORDER.indexOf(severity as SeverityName);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

/**
 * What the table shows of a finding: a Finding, or one read back from ClickHouse (`sluice findings`
 * builds it from the flat columns).
 */
export interface TableFinding {
  id: string;
  time: number;
  severity: string;
  rule: string;
  message?: string;
  finding_info?: { title?: string };
  actor?: { user?: { uid?: string | null; name?: string | null } };
  entity?: { key?: string };
}

/** Most severe first, then oldest first, then by id (stable across runs). */
export function sortFindings<F extends TableFinding>(findings: readonly F[]): F[] {
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity) || a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `2026-12-06 00:42:18` (UTC). */
export function formatTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') : '-';
}

/** Who or what the finding is about: the principal's name, else the entity key. */
export function subjectOf(f: TableFinding): string {
  return f.actor?.user?.name || f.actor?.user?.uid || f.entity?.key || '-';
}

/** The message without the title it often starts with. */
export function shortMessage(f: TableFinding): string {
  const title = f.finding_info?.title ?? '';
  let m = (f.message ?? '').replace(/\s+/g, ' ').trim();
  if (title && m.startsWith(title)) m = m.slice(title.length).replace(/^[\s:;,.-]+/, '');
  return m || title;
}

/** "mallory called X" in the mallory row is "called X". */
function withoutSubject(message: string, subject: string): string {
  return subject.length > 1 && message.startsWith(`${subject} `) ? message.slice(subject.length + 1) : message;
}

function clip(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
}

/** The severity as the table shows it (Informational is long for a column). */
function label(severity: string): string {
  return severity === 'Informational' ? 'Info' : severity;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

export interface TableOptions {
  color: boolean;
  /** Terminal width; the message column takes what is left (default 120). */
  columns?: number;
  /** Print the header line (default true; `sluice findings --follow` prints it once). */
  header?: boolean;
}

/**
 * The findings as a table: severity (coloured), time (UTC), title with its rule id, principal or
 * resource, and the message cut to the terminal width; most severe first, then by time.
 */
export function renderTable(findings: readonly TableFinding[], opts: TableOptions): string {
  if (findings.length === 0) return '';
  const width = Math.max(80, opts.columns ?? 120);
  const rows = sortFindings(findings).map((f) => ({
    severity: f.severity,
    time: formatTime(f.time),
    title: f.finding_info?.title || f.rule,
    rule: f.rule,
    subject: subjectOf(f),
    message: withoutSubject(shortMessage(f), subjectOf(f)),
  }));
  const sevW = Math.max(8, ...rows.map((r) => label(r.severity).length));
  const timeW = 19;
  // What the title, subject and message columns share; the message gets at least a third.
  const room = Math.max(60, width - (sevW + timeW + 8));
  const titleW = Math.min(Math.max(5, ...rows.map((r) => [...r.title].length)), Math.max(16, Math.floor(room * 0.36)));
  const subjW = Math.min(Math.max(20, ...rows.map((r) => [...r.subject].length)), Math.max(12, Math.floor(room * 0.22)));
  const msgW = Math.max(20, room - titleW - subjW);
  const header = [pad('SEVERITY', sevW), pad('TIME (UTC)', timeW), pad('FINDING', titleW), pad(subjW >= 20 ? 'PRINCIPAL / RESOURCE' : 'ENTITY', subjW), 'DETAILS'].join('  ');
  const lines = opts.header === false ? [] : [paint(header, 'bold', opts.color)];
  for (const r of rows) {
    lines.push(
      [
        paint(pad(label(r.severity), sevW), SEVERITY_STYLE[r.severity], opts.color),
        pad(r.time, timeW),
        pad(clip(r.title, titleW), titleW),
        pad(clip(r.subject, subjW), subjW),
        clip(r.message, msgW),
      ].join('  ').trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A sink that keeps the findings of a run in memory (once per id) to print them at the end, as a
 * table or a JSON array; counts them by severity like the NDJSON sink.
 */
export class CollectingSink implements FindingSink {
  readonly name = 'cli_output';
  private readonly byId = new Map<string, Finding>();
  readonly bySeverity = new Map<string, number>();

  async start(): Promise<void> {}

  async write(findings: readonly Finding[]): Promise<void> {
    // A finding id seen again is a redelivery or an update of the same finding (vulns re-reports a
    // vulnerability whose advisories changed): keep the latest, in first-seen order, as the
    // ClickHouse table (ReplacingMergeTree on the id) does.
    for (const f of findings) {
      const prior = this.byId.get(f.id);
      if (prior) {
        const left = (this.bySeverity.get(prior.severity) ?? 1) - 1;
        if (left > 0) this.bySeverity.set(prior.severity, left);
        else this.bySeverity.delete(prior.severity);
      }
      this.byId.set(f.id, f);
      this.bySeverity.set(f.severity, (this.bySeverity.get(f.severity) ?? 0) + 1);
    }
  }

  get findings(): Finding[] {
    return [...this.byId.values()];
  }

  async healthcheck(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Prints collected findings in the format (table or JSON array) and waits until written. */
export async function printFindings(out: NodeJS.WritableStream, findings: readonly Finding[], format: 'table' | 'json', opts: TableOptions): Promise<void> {
  const text = format === 'json' ? `${JSON.stringify(sortFindings(findings).map(findingToOcsf), null, 2)}\n` : renderTable(findings, opts);
  if (text && !out.write(text)) await once(out, 'drain');
}

/** `findings out: 12 (High 5, Medium 4, …)`, coloured like the table. */
export function severityCounts(bySeverity: ReadonlyMap<string, number>, color: boolean): string {
  const known = [...bySeverity.keys()].sort((a, b) => rank(a) - rank(b));
  return known.map((s) => `${paint(s, SEVERITY_STYLE[s], color)} ${bySeverity.get(s)}`).join(', ') || 'none';
}
