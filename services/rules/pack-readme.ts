/**
 * The rule tables of a pack's README (`packs/<pack>/README.md`), generated from the pack so they
 * cannot drift: everything after the marker line is replaced by one table per file (id,
 * severity, windows, title) and the counts per source. `npm run docs` rewrites them; a test
 * fails when they are stale.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CompiledRule } from './compile.ts';
import { BUILTIN_PACKS_DIR, loadRulePacks } from './loader.ts';

export const TABLES_MARKER = '<!-- rule tables: generated from the pack by `npm run docs`; do not edit below -->';

function windows(r: CompiledRule): string {
  const parts: string[] = [];
  if (r.threshold) parts.push(`threshold ${r.threshold.count}${r.threshold.distinct ? ' distinct' : ''}`);
  if (r.dedup) parts.push('dedup');
  return parts.join(', ') || '–';
}

const ALERT = new Set(['medium', 'high', 'critical']);

/** The generated part of the README of the bundled pack `name`. */
export function renderPackTables(name: string): string {
  const dir = join(BUILTIN_PACKS_DIR, name);
  const rules = loadRulePacks([`@builtin/${name}`]);
  const files = [...new Set(rules.map((r) => relative(dir, r.file)))].sort();
  const bySource = new Map<string, { alerts: number; signals: number }>();
  for (const r of rules) {
    const key = (r.sources ?? ['any']).join(', ');
    const c = bySource.get(key) ?? { alerts: 0, signals: 0 };
    bySource.set(key, c);
    if (ALERT.has(r.severity)) c.alerts++;
    else c.signals++;
  }
  const out = [TABLES_MARKER, '', `${rules.length} rules. Alerts are severity medium and above; low and informational are signals.`, '', '| source | alerts | signals |', '|---|---|---|'];
  for (const [s, c] of [...bySource].sort()) out.push(`| ${s} | ${c.alerts} | ${c.signals} |`);
  for (const f of files) {
    out.push('', `## ${f}`, '', '| id | severity | windows | title |', '|---|---|---|---|');
    for (const r of rules.filter((x) => relative(dir, x.file) === f)) out.push(`| \`${r.id}\` | ${r.severity} | ${windows(r)} | ${r.title.replace(/\|/g, '\\|')} |`);
  }
  return `${out.join('\n')}\n`;
}

/** The README text with its generated part replaced (the hand-written part above the marker is kept). */
export function renderPackReadme(name: string): { path: string; text: string } {
  const path = join(BUILTIN_PACKS_DIR, name, 'README.md');
  const current = readFileSync(path, 'utf8');
  const at = current.indexOf(TABLES_MARKER);
  const head = at >= 0 ? current.slice(0, at) : `${current.trimEnd()}\n\n`;
  return { path, text: `${head}${renderPackTables(name)}` };
}
