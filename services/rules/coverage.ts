/**
 * Coverage of the rule packs against the public catalogues of attacker behaviour, kept as data in
 * `coverage/<source>/*.yaml`: each entry names a behaviour, the operations that express it, its
 * ATT&CK techniques, its catalogue references (`traildiscover:<eventSource>:<eventName>`,
 * `stratus:<technique>`, `falco:<rule>`, ...) and the rules that cover it, or `none` with the
 * reason. `sluice rules coverage` prints it; the tests check every referenced rule exists and
 * every entry of the bundled catalogues (`coverage/catalogues/`) has an entry. It also prints the
 * posture rules' count per benchmark (benchmarkCounts), read from their `compliance` mappings.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SluiceError } from '../core/errors.ts';
import { lazyRequire } from '../core/lazy-require.ts';
import type { CompiledRule } from './compile.ts';

/** Required when coverage files are read: the rule engine's other users (detector threads) do not load it. */
const yaml = lazyRequire<typeof import('yaml')>(import.meta.url, 'yaml');

export const COVERAGE_DIR = fileURLToPath(new URL('./coverage/', import.meta.url));
export const CATALOGUES_DIR = join(COVERAGE_DIR, 'catalogues');
/** Posture rules against a peer's policy list (coverage/posture/README.md): another format, read by its own loader. */
export const POSTURE_COVERAGE_DIR = join(COVERAGE_DIR, 'posture');

export const COVERAGE_SOURCES = ['aws_cloudtrail', 'azure_activity', 'k8s_audit', 'gcp_audit'] as const;
export type CoverageSource = (typeof COVERAGE_SOURCES)[number];

const Technique = z.string().regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id such as T1098 or T1098.001');
const CatalogueRef = z.string().regex(/^[a-z0-9-]+:.+$/, '<catalogue>:<id>, e.g. traildiscover:iam.amazonaws.com:CreateUser');

export const CoverageEntry = z
  .strictObject({
    behaviour: z.string().min(3),
    operations: z.array(z.string().min(1)).min(1),
    attack: z.array(Technique).default([]),
    catalogue: z.array(CatalogueRef).default([]),
    rules: z.union([z.literal('none'), z.array(z.string().min(3)).min(1)]),
    reason: z.string().min(10).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.rules === 'none' && !e.reason) ctx.addIssue({ code: 'custom', message: 'an entry with `rules: none` needs a `reason`' });
  });
export type CoverageEntry = z.output<typeof CoverageEntry>;

export const CoverageFile = z.strictObject({
  source: z.enum(COVERAGE_SOURCES),
  entries: z.array(CoverageEntry).min(1),
});

export interface LoadedEntry extends CoverageEntry {
  source: CoverageSource;
  /** `file:index` of the entry, for messages. */
  where: string;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort();
}

/** Every coverage entry under `dir` (default: the bundled coverage); throws listing every problem. */
export function loadCoverage(dir: string = COVERAGE_DIR): LoadedEntry[] {
  const problems: string[] = [];
  const out: LoadedEntry[] = [];
  for (const file of yamlFiles(dir)) {
    if (file.startsWith(CATALOGUES_DIR) || file.startsWith(POSTURE_COVERAGE_DIR)) continue;
    const rel = file.slice(dir.length).replace(/^\//, '');
    let doc: unknown;
    try {
      doc = yaml().parse(readFileSync(file, 'utf8'));
    } catch (err) {
      problems.push(`${rel}: not valid YAML: ${(err as Error).message.split('\n', 1)[0]}`);
      continue;
    }
    const parsed = CoverageFile.safeParse(doc);
    if (!parsed.success) {
      for (const i of parsed.error.issues) problems.push(`${rel}: ${i.path.join('.') || '(root)'}: ${i.message}`);
      continue;
    }
    parsed.data.entries.forEach((e, i) => out.push({ ...e, source: parsed.data.source, where: `${rel}:entries.${i}` }));
  }
  if (problems.length > 0) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `invalid coverage files (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      details: { problems },
    });
  }
  return out;
}

/** A bundled catalogue: its name and the reference of each of its entries. */
export interface Catalogue {
  name: string;
  source: string;
  refs: string[];
}

/**
 * The catalogues in `coverage/catalogues/*.json` (TrailDiscover, Stratus Red Team, Panther...).
 * Files that share one `catalogue` name (a peer catalogue split by area, e.g. `panther-aws-identity.json`
 * and `panther-aws-infrastructure.json`) merge into one catalogue: their sources are joined and their
 * refs deduplicated.
 */
export function loadCatalogues(dir: string = CATALOGUES_DIR): Catalogue[] {
  const byName = new Map<string, { sources: string[]; refs: Set<string> }>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { catalogue: string; source: string; entries: Array<Record<string, string>> };
    if (typeof doc.catalogue !== 'string' || !Array.isArray(doc.entries)) {
      throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `catalogue file ${name}: needs a string \`catalogue\` and an \`entries\` array`, { details: { file: name } });
    }
    const refs = doc.entries.map((e) => (doc.catalogue === 'traildiscover' ? `traildiscover:${e.eventSource}:${e.eventName}` : `${doc.catalogue}:${e.id}`));
    const cat = byName.get(doc.catalogue) ?? { sources: [], refs: new Set<string>() };
    if (!cat.sources.includes(doc.source)) cat.sources.push(doc.source);
    for (const r of refs) cat.refs.add(r);
    byName.set(doc.catalogue, cat);
  }
  return [...byName].map(([name, c]) => ({ name, source: c.sources.join('; '), refs: [...c.refs] }));
}

export interface SourceCoverage {
  source: CoverageSource;
  entries: number;
  covered: number;
  /** Covered by at least one alert rule (severity medium or above). */
  alerting: number;
  none: number;
  techniques: string[];
  /** Entries with no rule: behaviour and reason. */
  gaps: Array<{ behaviour: string; reason: string }>;
}

export interface CoverageReport {
  sources: SourceCoverage[];
  catalogues: Array<{ name: string; source: string; entries: number; withEntry: number; covered: number; missing: string[] }>;
  /** Rule ids named by an entry that no pack defines. */
  unknownRules: string[];
  /** Alert rules (medium or above) of the packs that no entry names. */
  unlistedRules: string[];
}

const ALERT = new Set(['medium', 'high', 'critical']);

/** Joins the entries with the compiled rules and the catalogues. */
export function coverageReport(entries: readonly LoadedEntry[], rules: readonly CompiledRule[], catalogues: readonly Catalogue[]): CoverageReport {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const named = new Set<string>();
  const unknown = new Set<string>();
  const sources: SourceCoverage[] = [];
  for (const source of COVERAGE_SOURCES) {
    const mine = entries.filter((e) => e.source === source);
    if (mine.length === 0) continue;
    const s: SourceCoverage = { source, entries: mine.length, covered: 0, alerting: 0, none: 0, techniques: [], gaps: [] };
    const techniques = new Set<string>();
    for (const e of mine) {
      if (e.rules === 'none') {
        s.none++;
        s.gaps.push({ behaviour: e.behaviour, reason: e.reason ?? '' });
        continue;
      }
      s.covered++;
      for (const t of e.attack) techniques.add(t);
      let alerts = false;
      for (const id of e.rules) {
        named.add(id);
        const r = byId.get(id);
        if (!r) unknown.add(`${id} (${e.where})`);
        else if (ALERT.has(r.severity)) alerts = true;
      }
      if (alerts) s.alerting++;
    }
    s.techniques = [...techniques].sort();
    sources.push(s);
  }
  const refsWithEntry = new Map<string, LoadedEntry[]>();
  for (const e of entries) for (const ref of e.catalogue) refsWithEntry.set(ref, [...(refsWithEntry.get(ref) ?? []), e]);
  const cats = catalogues.map((c) => {
    const missing = c.refs.filter((r) => !refsWithEntry.has(r));
    const covered = c.refs.filter((r) => (refsWithEntry.get(r) ?? []).some((e) => e.rules !== 'none')).length;
    return { name: c.name, source: c.source, entries: c.refs.length, withEntry: c.refs.length - missing.length, covered, missing };
  });
  const unlisted = rules.filter((r) => r.input === 'activity' && ALERT.has(r.severity) && !named.has(r.id)).map((r) => r.id).sort();
  return { sources, catalogues: cats, unknownRules: [...unknown].sort(), unlistedRules: unlisted };
}

/** The report as text, for `sluice rules coverage`. */
export function formatCoverage(report: CoverageReport, opts: { entries?: readonly LoadedEntry[]; rules?: readonly CompiledRule[] } = {}): string {
  const lines: string[] = [];
  if (opts.entries) {
    const severity = new Map((opts.rules ?? []).map((r) => [r.id, r.severity]));
    for (const source of COVERAGE_SOURCES) {
      const mine = opts.entries.filter((e) => e.source === source);
      if (mine.length === 0) continue;
      lines.push(`== ${source} (${mine.length} entries)`);
      for (const e of mine) {
        const rules = e.rules === 'none' ? `none: ${e.reason ?? ''}` : e.rules.map((id) => `${id} (${severity.get(id) ?? 'unknown rule'})`).join(', ');
        lines.push(`  ${e.behaviour} [${e.attack.join(', ') || '-'}] -> ${rules}`);
      }
    }
    lines.push('');
  }
  lines.push('Coverage of the activity rule packs (entries: behaviours from the catalogues; covered: with a rule; alerting: with a medium+ rule)');
  lines.push(`  ${'source'.padEnd(16)} ${'entries'.padStart(7)} ${'covered'.padStart(8)} ${'alerting'.padStart(8)} ${'none'.padStart(5)}  ATT&CK techniques covered`);
  for (const s of report.sources) {
    lines.push(`  ${s.source.padEnd(16)} ${String(s.entries).padStart(7)} ${String(s.covered).padStart(8)} ${String(s.alerting).padStart(8)} ${String(s.none).padStart(5)}  ${s.techniques.length}`);
  }
  lines.push('Catalogues:');
  for (const c of report.catalogues) {
    lines.push(`  ${c.name.padEnd(16)} ${c.withEntry}/${c.entries} with an entry, ${c.covered} covered by a rule  (${c.source})`);
    for (const m of c.missing) lines.push(`    no entry: ${m}`);
  }
  if (report.unknownRules.length > 0) lines.push(`Entries naming rules no pack defines: ${report.unknownRules.join(', ')}`);
  if (report.unlistedRules.length > 0) lines.push(`Alert rules no entry names (${report.unlistedRules.length}): ${report.unlistedRules.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** One benchmark (a compliance `standard` without its version) and the posture rules mapped to it. */
export interface BenchmarkCount {
  /** The standard as the rules name it, version left out: `CIS AWS Foundations`, `AWS FSBP`, `Pod Security Standards baseline`. */
  benchmark: string;
  /** The versions the rules cite, e.g. ['1.5.0', '3.0.0']. */
  versions: string[];
  /** Distinct resource rules mapped to at least one of its controls. */
  rules: number;
  /** Distinct controls those rules check. */
  controls: number;
}

/** `CIS AWS Foundations 3.0.0` -> [`CIS AWS Foundations`, `3.0.0`]; a standard without a trailing version stays whole. */
export function splitStandard(standard: string): [string, string | null] {
  const m = /^(.*\S)\s+v?(\d+(?:\.\d+)*)$/.exec(standard.trim());
  return m ? [m[1]!, m[2]!] : [standard.trim(), null];
}

/**
 * The posture (resource) rules' count per benchmark, read from their `compliance` mappings: a rule
 * counts once per benchmark however many of its controls it names; rules of other inputs are left
 * out. Sorted by rule count, then name.
 */
export function benchmarkCounts(rules: readonly CompiledRule[]): BenchmarkCount[] {
  const by = new Map<string, { versions: Set<string>; rules: Set<string>; controls: Set<string> }>();
  for (const r of rules) {
    if (r.input !== 'resource') continue;
    for (const c of r.compliance) {
      const [benchmark, version] = splitStandard(c.standard);
      let b = by.get(benchmark);
      if (!b) by.set(benchmark, (b = { versions: new Set(), rules: new Set(), controls: new Set() }));
      if (version) b.versions.add(version);
      b.rules.add(r.id);
      b.controls.add(`${version ?? ''}:${c.control}`);
    }
  }
  return [...by]
    .map(([benchmark, b]) => ({ benchmark, versions: [...b.versions].sort((x, y) => x.localeCompare(y, 'en', { numeric: true })), rules: b.rules.size, controls: b.controls.size }))
    .sort((a, b) => b.rules - a.rules || a.benchmark.localeCompare(b.benchmark));
}

/** The per-benchmark table as text, for `sluice rules coverage`. */
export function formatBenchmarks(counts: readonly BenchmarkCount[], postureRules: number): string {
  const width = Math.max(9, ...counts.map((c) => c.benchmark.length));
  const lines = [`Posture rules per benchmark (${postureRules} resource rules; a rule mapped to several benchmarks counts in each)`];
  lines.push(`  ${'benchmark'.padEnd(width)} ${'rules'.padStart(5)} ${'controls'.padStart(8)}  versions`);
  for (const c of counts) lines.push(`  ${c.benchmark.padEnd(width)} ${String(c.rules).padStart(5)} ${String(c.controls).padStart(8)}  ${c.versions.join(', ') || '-'}`);
  return `${lines.join('\n')}\n`;
}
