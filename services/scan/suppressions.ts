/**
 * Suppressions of `sluice scan`: the ways a team says "we know, and here is why" without losing
 * the finding. Every suppressed violation stays in the report (JSON `suppressed`, SARIF results
 * with `suppressions`, a line in the text output); only the exit code and the summary ignore it.
 *
 * In the source, on the resource they apply to:
 * - a comment `# sluice:skip=<rule>[,<rule>...] <reason>` (also `// sluice:skip=...`) in YAML,
 *   HCL or any format with comments: inside the resource's block, or in the comment lines just
 *   above the line where the resource starts;
 * - Kubernetes: an annotation `sluice.dev/skip` (or `sluice.dev/skip-<anything>`, for more than
 *   one) whose value is `<rule>[,<rule>...] <reason>`;
 * - CloudFormation: `Metadata: { sluice: { skip: [ { rule: <rule>, reason: <reason> } ] } }` on
 *   the resource (`id`/`comment` are accepted for `rule`/`reason`, as other scanners spell them).
 * Outside the source: `--skip-rule <rule>` and a baseline file (`--baseline`, written by
 * `--create-baseline`), which suppresses the violations it lists by rule, file (relative to the
 * source root) and resource name, so that line moves do not revive them.
 * A rule may be a glob (`posture.aws.s3.*`); matching is linear-time (rules/helpers compileGlob).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { compileGlob } from '../rules/helpers.ts';
import type { SuppressedViolation, Suppression, Violation } from './report.ts';

export type { SuppressedViolation, Suppression, SuppressionKind } from './report.ts';

/** One skip: the rule patterns it names and why. */
interface Skip {
  rules: string[];
  suppression: Suppression;
}

const SKIP_COMMENT = /(?:^|\s)(?:#|\/\/)\s*sluice:skip=([A-Za-z0-9._*?-]+(?:,[A-Za-z0-9._*?-]+)*)(?:[ \t]+(.*?))?\s*$/;
const COMMENT_ONLY = /^\s*(?:#|\/\/)/;
const ANNOTATION = /^sluice\.dev\/skip(?:-[A-Za-z0-9._-]+)?$/;

const matches = (pattern: string, rule: string): boolean => (pattern.includes('*') || pattern.includes('?') ? compileGlob(pattern, false).test(rule) : pattern === rule);

/** `<rules> <reason>` as written in a comment or an annotation value. */
function parseSkipText(text: string): { rules: string[]; reason: string } | null {
  const m = /^\s*([A-Za-z0-9._*?-]+(?:\s*,\s*[A-Za-z0-9._*?-]+)*)(?:\s+(.*?))?\s*$/.exec(text);
  if (!m) return null;
  return { rules: m[1]!.split(',').map((r) => r.trim()).filter(Boolean), reason: m[2] ?? '' };
}

/**
 * The skip comments of one file, each attached to the start line of the resource it applies to:
 * the resource that starts right after the comment (only comments or blank lines between), else
 * the resource whose block holds the comment (the nearest start line above it).
 */
export function commentSkips(file: string, text: string, resourceLines: readonly number[]): Map<number, Skip[]> {
  const out = new Map<number, Skip[]>();
  if (!text.includes('sluice:skip=')) return out;
  const starts = [...new Set(resourceLines)].sort((a, b) => a - b);
  if (starts.length === 0) return out;
  const startSet = new Set(starts);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = SKIP_COMMENT.exec(lines[i]!);
    if (!m) continue;
    const lineNo = i + 1;
    let target: number | undefined;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      if (startSet.has(j + 1) && !COMMENT_ONLY.test(l)) {
        target = j + 1;
        break;
      }
      if (l.trim() !== '' && !COMMENT_ONLY.test(l) && l.trim() !== '---') break;
    }
    if (target === undefined) target = starts.findLast((s) => s <= lineNo);
    if (target === undefined) continue;
    const skip: Skip = { rules: m[1]!.split(','), suppression: { kind: 'comment', justification: m[2] ?? '', source: `${file}:${lineNo}` } };
    out.set(target, [...(out.get(target) ?? []), skip]);
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Skips written on the resource itself: Kubernetes annotations, CloudFormation Metadata. */
export function resourceSkips(configuration: unknown, unmapped: unknown): Skip[] {
  const out: Skip[] = [];
  const annotations = isObj(configuration) && isObj(configuration.metadata) ? configuration.metadata.annotations : undefined;
  if (isObj(annotations)) {
    for (const [key, value] of Object.entries(annotations)) {
      if (!ANNOTATION.test(key) || typeof value !== 'string') continue;
      const parsed = parseSkipText(value);
      if (parsed) out.push({ rules: parsed.rules, suppression: { kind: 'annotation', justification: parsed.reason, source: `metadata.annotations["${key}"]` } });
    }
  }
  const sluiceMeta = isObj(unmapped) && isObj(unmapped.Metadata) ? unmapped.Metadata.sluice : undefined;
  const list = isObj(sluiceMeta) ? sluiceMeta.skip : undefined;
  if (Array.isArray(list)) {
    list.forEach((item, i) => {
      if (!isObj(item)) return;
      const rule = typeof item.rule === 'string' ? item.rule : typeof item.id === 'string' ? item.id : null;
      const reason = typeof item.reason === 'string' ? item.reason : typeof item.comment === 'string' ? item.comment : '';
      if (rule) out.push({ rules: [rule], suppression: { kind: 'metadata', justification: reason, source: `Metadata.sluice.skip[${i}]` } });
    });
  }
  return out;
}

/** The first skip that names the rule, if any. */
export function findSkip(skips: readonly Skip[], rule: string): Suppression | undefined {
  return skips.find((s) => s.rules.some((p) => matches(p, rule)))?.suppression;
}

/** Whether a rule id is kept by `--rule` patterns (none: every rule). */
export function ruleSelected(rule: string, only: readonly string[]): boolean {
  return only.length === 0 || only.some((p) => matches(p, rule));
}

/** `--skip-rule` patterns as skips. */
export function skipRuleSkips(patterns: readonly string[]): Skip[] {
  return patterns.map((p) => ({ rules: [p], suppression: { kind: 'skip_rule', justification: 'skipped on the command line', source: `--skip-rule ${p}` } }));
}

// ---- baselines --------------------------------------------------------------------------------

/** A baseline file: the violations accepted when it was written. */
export interface BaselineFile {
  tool: 'sluice scan';
  version: 1;
  created: string;
  /** Files are relative to the source root (--src-root, default the git work tree). */
  entries: Array<{ rule: string; file: string; resource: string }>;
}

export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

const key = (rule: string, file: string, resource: string): string => `${rule}\u0000${file}\u0000${resource}`;

/** The baseline identity of a violation: rule, file relative to the source root, resource name. */
export function baselineEntry(v: Violation, srcRoot: string, cwd: string): { rule: string; file: string; resource: string } {
  const abs = isAbsolute(v.file) ? v.file : resolve(cwd, v.file);
  return { rule: v.rule, file: relative(srcRoot, abs).split('\\').join('/'), resource: v.resource_name ?? v.resource };
}

/** Reads a baseline file; throws BaselineError with the reason when it is not one. */
export function readBaseline(path: string): BaselineFile {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new BaselineError(`cannot read the baseline ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const entries = isObj(doc) ? doc.entries : undefined;
  if (!isObj(doc) || doc.tool !== 'sluice scan' || doc.version !== 1 || !Array.isArray(entries)) {
    throw new BaselineError(`${path} is not a sluice scan baseline (written by --create-baseline: {"tool":"sluice scan","version":1,"entries":[...]})`);
  }
  for (const e of entries) {
    if (!isObj(e) || typeof e.rule !== 'string' || typeof e.file !== 'string' || typeof e.resource !== 'string') throw new BaselineError(`${path}: every entry needs rule, file and resource strings`);
  }
  return doc as unknown as BaselineFile;
}

/** Writes the violations as a baseline (sorted, one entry per identity). */
export function writeBaseline(path: string, violations: readonly Violation[], srcRoot: string, cwd: string, now: Date = new Date()): BaselineFile {
  const seen = new Map<string, BaselineFile['entries'][number]>();
  for (const v of violations) {
    const e = baselineEntry(v, srcRoot, cwd);
    seen.set(key(e.rule, e.file, e.resource), e);
  }
  const entries = [...seen.values()].sort((a, b) => a.file.localeCompare(b.file) || a.resource.localeCompare(b.resource) || a.rule.localeCompare(b.rule));
  const doc: BaselineFile = { tool: 'sluice scan', version: 1, created: now.toISOString(), entries };
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
  return doc;
}

/** Splits violations into those still reported and those the baseline accepts. */
export function applyBaseline(violations: readonly Violation[], baseline: BaselineFile, baselinePath: string, srcRoot: string, cwd: string): { kept: Violation[]; suppressed: SuppressedViolation[] } {
  const known = new Set(baseline.entries.map((e) => key(e.rule, e.file, e.resource)));
  const kept: Violation[] = [];
  const suppressed: SuppressedViolation[] = [];
  for (const v of violations) {
    const e = baselineEntry(v, srcRoot, cwd);
    if (known.has(key(e.rule, e.file, e.resource))) suppressed.push({ ...v, suppression: { kind: 'baseline', justification: `accepted in the baseline of ${baseline.created}`, source: baselinePath } });
    else kept.push(v);
  }
  return { kept, suppressed };
}
