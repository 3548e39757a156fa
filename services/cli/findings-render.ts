/**
 * How `sluice findings`, `findings show` and `timeline` print what they read from ClickHouse: the
 * findings table of output.ts (built from the flat columns), the OCSF JSON (finding_json parsed),
 * a finding's detail with its evidence and related events, and the merged timeline.
 */
import { styleText } from 'node:util';
import { eventToOcsf } from '../core/ocsf/index.ts';
import type { FindingRow } from '../sinks/clickhouse/rows.ts';
import type { StoredEventRow } from '../sinks/clickhouse/event-query.ts';
import { parseDateTime } from '../sinks/clickhouse/sql.ts';
import { shortMessage, type TableFinding } from './output.ts';

/** A JSON value as parsed from the stored text. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

function parseObject(text: string): JsonObject | undefined {
  try {
    const v = JSON.parse(text) as JsonValue;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function at(o: JsonValue | undefined, ...path: Array<string | number>): JsonValue | undefined {
  let cur: JsonValue | undefined = o;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? (typeof k === 'number' ? cur[k] : undefined) : cur[String(k)];
  }
  return cur;
}

function text(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** The stored finding in OCSF form: finding_json parsed (the flat columns if the text is not JSON). */
export function rowToOcsf(row: FindingRow): JsonObject {
  return parseObject(row.finding_json) ?? { metadata: { uid: row.id }, severity_id: row.severity_id, severity: row.severity, message: row.message, time: parseDateTime(row.time) };
}

/** What the findings table shows of a stored finding; the principal's name comes from the OCSF evidence. */
export function rowToTableFinding(row: FindingRow): TableFinding {
  const ocsf = parseObject(row.finding_json);
  const name = text(at(ocsf, 'evidences', 0, 'actor', 'user', 'name'));
  return {
    id: row.id,
    time: parseDateTime(row.time),
    severity: row.severity,
    rule: row.rule,
    message: row.message,
    finding_info: { title: row.title },
    ...(row.principal ? { actor: { user: { uid: row.principal, name: name ?? null } } } : {}),
    entity: { key: row.entity_key },
  };
}

/** A stored event in OCSF form when it is one of the OCSF classes, else as stored. */
export function eventToJson(e: StoredEventRow): JsonObject {
  const stored = parseObject(e.event_json) ?? {};
  try {
    const ocsf = eventToOcsf(stored);
    if (ocsf) return JSON.parse(JSON.stringify(ocsf)) as JsonObject;
  } catch {
    // an event stored by an older Sluice, or without its raw record: print it as stored
  }
  return stored;
}

function paint(s: string, style: Parameters<typeof styleText>[0], color: boolean): string {
  return color ? styleText(style, s) : s;
}

function field(label: string, value: string | undefined, color: boolean): string {
  return value ? `${paint(label.padEnd(12), 'bold', color)} ${value}\n` : '';
}

function indent(block: string, by = '  '): string {
  return block.split('\n').map((l) => (l ? by + l : l)).join('\n');
}

/** `sluice findings show` in a terminal: the finding's fields, its evidence, then its related events. */
export function renderFindingDetail(row: FindingRow, events: readonly StoredEventRow[], color: boolean): string {
  const o = rowToOcsf(row);
  const attacks = (at(o, 'finding_info', 'attacks') as JsonValue[] | undefined) ?? [];
  const attackText = attacks
    .map((a) => `${text(at(a, 'sub_technique', 'uid')) ?? text(at(a, 'technique', 'uid')) ?? '?'}${text(at(a, 'tactic', 'name')) ? ` (${text(at(a, 'tactic', 'name'))})` : ''}`)
    .join(', ');
  const compliance = text(at(o, 'compliance', 'status'));
  const standards = ((at(o, 'compliance', 'requirements') as JsonValue[] | undefined) ?? []).map((s) => text(s)).filter(Boolean).join('; ');
  const evidence = at(o, 'evidences') ?? at(o, 'unmapped', 'sluice', 'evidences');
  const vulns = at(o, 'vulnerabilities');
  let out = '';
  out += field('Finding', row.id, color);
  out += field('Title', `${row.title} (rule ${row.rule}, detector ${row.detector})`, color);
  out += field('Severity', row.severity, color);
  out += field('Time (UTC)', `${row.time}  first seen ${row.first_seen}, last seen ${row.last_seen}, count ${row.count}`, color);
  out += field('Status', [text(at(o, 'status')), compliance ? `compliance ${compliance}` : undefined].filter(Boolean).join(', '), color);
  out += field('Entity', `${row.entity_kind} ${row.entity_key}`, color);
  out += field('Principal', row.principal || undefined, color);
  out += field('Cloud', [row.provider, row.account_uid, row.region].filter(Boolean).join(' / ') || undefined, color);
  out += field('ATT&CK', attackText || undefined, color);
  out += field('Benchmarks', standards || undefined, color);
  out += field('Message', row.message, color);
  out += field('Description', text(at(o, 'finding_info', 'desc')), color);
  out += field('Remediation', text(at(o, 'remediation', 'desc')), color);
  if (Array.isArray(vulns) && vulns.length > 0) out += `${paint('Vulnerabilities', 'bold', color)}\n${indent(JSON.stringify(vulns, null, 2))}\n`;
  if (evidence !== undefined) out += `${paint('Evidence', 'bold', color)}\n${indent(JSON.stringify(evidence, null, 2))}\n`;
  const related = row.related_event_uids.length;
  out += `${paint(`Related events (${events.length} of ${related} found in the event tables)`, 'bold', color)}\n`;
  for (const e of [...events].reverse()) out += `  ${e.time}  ${e.source_table.padEnd(16)}  ${e.summary}  [${e.uid}]\n`;
  const missing = row.related_event_uids.filter((u) => !events.some((e) => e.uid === u));
  if (missing.length > 0) out += `  not stored: ${missing.join(', ')}\n`;
  return out;
}

/** `sluice findings show --format json|ndjson`: the OCSF finding and its related events. */
export function findingDetailJson(row: FindingRow, events: readonly StoredEventRow[]): JsonObject {
  return {
    finding: rowToOcsf(row),
    related_events: [...events].reverse().map((e) => ({ table: e.source_table, time: e.time, uid: e.uid, event: eventToJson(e) })),
  };
}

/** One entry of a timeline: a finding or an event. */
export interface TimelineEntry {
  time: number;
  kind: 'finding' | 'event';
  /** `findings` or the event table. */
  source: string;
  id: string;
  severity?: string;
  summary: string;
  data: () => JsonObject;
}

/** The entity's findings and events merged oldest first; with more than `limit`, the newest `limit`. */
export function mergeTimeline(findings: readonly FindingRow[], events: readonly StoredEventRow[], limit: number): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...findings.map((r) => ({ time: parseDateTime(r.time), kind: 'finding' as const, source: 'findings', id: r.id, severity: r.severity, summary: `${r.title}: ${shortMessage(rowToTableFinding(r))}`, data: () => rowToOcsf(r) })),
    ...events.map((e) => ({ time: parseDateTime(e.time), kind: 'event' as const, source: e.source_table, id: e.uid, summary: e.summary, data: () => eventToJson(e) })),
  ];
  entries.sort((a, b) => a.time - b.time || (a.kind === b.kind ? (a.id < b.id ? -1 : 1) : a.kind === 'event' ? -1 : 1));
  return entries.slice(Math.max(0, entries.length - limit));
}

const SEVERITY_STYLE: Record<string, Parameters<typeof styleText>[0]> = { Critical: ['bold', 'red'], High: 'red', Medium: 'yellow', Low: 'cyan', Informational: 'gray' };

/** The timeline as a table: time, what (event table or finding severity), summary cut to the width. */
export function renderTimeline(entries: readonly TimelineEntry[], color: boolean, columns = 120): string {
  if (entries.length === 0) return '';
  const width = Math.max(80, columns) - 19 - 16 - 4;
  const lines = [paint(`${'TIME (UTC)'.padEnd(19)}  ${'WHAT'.padEnd(16)}  SUMMARY`, 'bold', color)];
  for (const e of entries) {
    const what = e.kind === 'finding' ? `finding ${e.severity === 'Informational' ? 'Info' : e.severity ?? ''}` : e.source;
    const styled = e.kind === 'finding' ? paint(what.padEnd(16), SEVERITY_STYLE[e.severity ?? ''] ?? 'bold', color) : what.padEnd(16);
    const chars = [...e.summary.replace(/\s+/g, ' ')];
    const summary = chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : chars.join('');
    lines.push(`${new Date(e.time).toISOString().slice(0, 19).replace('T', ' ')}  ${styled}  ${summary}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The timeline entry as JSON: time as ISO text, the finding in OCSF form or the event. */
export function timelineJson(e: TimelineEntry): JsonObject {
  return { time: new Date(e.time).toISOString(), kind: e.kind, source: e.source, id: e.id, ...(e.severity ? { severity: e.severity } : {}), summary: e.summary, data: e.data() };
}
