import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../core/errors.ts';
import { lazyRequire } from '../core/lazy-require.ts';
import { compileRule, type CompiledRule } from './compile.ts';
import { precompiledPacks } from './precompiled.ts';
import { RuleFileSchema, RuleSchema } from './schema.ts';

/**
 * The YAML parser, required when rule files are parsed (from source, or packs that are not bundled):
 * a compiled process that loads only the bundled packs (precompiled.ts), such as a detector
 * worker thread, never loads it.
 */
const yaml = lazyRequire<typeof import('yaml')>(import.meta.url, 'yaml');

/** The folder of the packs shipped with Sluice (services/rules/packs). */
export const BUILTIN_PACKS_DIR = fileURLToPath(new URL('./packs/', import.meta.url));

/** `@builtin/<name>` names a bundled pack (services/rules/packs/<name>); anything else is a path (relative to the working directory). */
export function resolvePackDir(spec: string): string {
  const m = /^@builtin\/([a-z0-9_-]+)$/.exec(spec);
  return m ? join(BUILTIN_PACKS_DIR, m[1]!) : resolve(spec);
}

/** One problem found while loading rules. */
export interface RuleProblem {
  file: string;
  line: number | null;
  rule: string | null;
  problem: string;
}

/** A rule file's text, for loading rules that are not on disk (tests, the Sigma importer). */
export interface RuleSource {
  file: string;
  text: string;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...yamlFiles(p));
    else if (d.isFile() && /\.ya?ml$/.test(d.name)) out.push(p);
  }
  return out.sort();
}

/** Formats problems as one message, one per line: `file:line rule <id>: problem`. */
export function formatProblems(problems: readonly RuleProblem[]): string {
  return problems
    .map((p) => `${p.file}${p.line !== null ? `:${p.line}` : ''}${p.rule ? ` rule ${p.rule}` : ''}: ${p.problem}`)
    .join('\n');
}

/**
 * Parses, validates and compiles rule files. Returns the rules and every problem found (YAML
 * syntax with its line, schema errors, CEL errors, duplicate ids); never throws on bad rules.
 */
export function compileRuleSources(sources: readonly RuleSource[]): { rules: CompiledRule[]; problems: RuleProblem[] } {
  const rules: CompiledRule[] = [];
  const problems: RuleProblem[] = [];
  const seen = new Map<string, string>();
  for (const { file, text } of sources) {
    const { LineCounter, parseDocument, isNode } = yaml();
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        problems.push({ file, line: e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line, rule: null, problem: `YAML error: ${e.message.split('\n')[0]}` });
      }
      continue;
    }
    const lineOf = (path: ReadonlyArray<string | number>): number | null => {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
      }
      return null;
    };
    const top = RuleFileSchema.safeParse(doc.toJS());
    if (!top.success) {
      for (const i of top.error.issues) problems.push({ file, line: lineOf(i.path as Array<string | number>), rule: null, problem: `${i.path.join('.') || 'file'}: ${i.message}` });
      continue;
    }
    top.data.rules.forEach((raw, index) => {
      const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : null;
      const at = lineOf(['rules', index]);
      const parsed = RuleSchema.safeParse(raw);
      if (!parsed.success) {
        for (const i of parsed.error.issues) {
          const path = i.path as Array<string | number>;
          problems.push({ file, line: lineOf(['rules', index, ...path]), rule: id ?? `#${index}`, problem: `${path.join('.') || 'rule'}: ${i.message}` });
        }
        return;
      }
      const r = compileRule(parsed.data, { file, line: at ?? 1 });
      if (r.rule === null) {
        for (const p of r.problems) {
          const field = /^(condition|dedup\.key|threshold\.key|threshold\.distinct|dedup\.period|threshold\.window|applies_to\.classes)\b/.exec(p)?.[1];
          problems.push({ file, line: field ? (lineOf(['rules', index, ...field.split('.')]) ?? at) : at, rule: parsed.data.id, problem: p });
        }
        return;
      }
      const dup = seen.get(r.rule.id);
      if (dup !== undefined) {
        problems.push({ file, line: at, rule: r.rule.id, problem: `duplicate rule id (also in ${dup})` });
        return;
      }
      seen.set(r.rule.id, `${file}:${at ?? 1}`);
      rules.push(r.rule);
    });
  }
  return { rules, problems };
}

/**
 * Loads every `*.yaml` / `*.yml` file under the given pack directories (recursively, in name
 * order) and compiles its rules. Disabled rules (`enabled: false`) are compiled but left out.
 * Throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem (file, line, rule id) when any
 * directory is missing or empty or any rule is bad. File names in messages are relative to the
 * working directory when they are under it, absolute otherwise.
 */
export function loadRulePacks(dirs: readonly string[]): CompiledRule[] {
  const sources: RuleSource[] = [];
  const problems: RuleProblem[] = [];
  const prebuilt: CompiledRule[] = [];
  const pre = precompiledPacks();
  for (const spec of dirs) {
    const dir = resolvePackDir(spec);
    const builtin = /^@builtin\/([a-z0-9_-]+)$/.exec(spec)?.[1];
    const prefiles = pre && builtin ? Object.entries(pre.files).filter(([f]) => f.startsWith(`${builtin}/`)) : [];
    if (prefiles.length > 0) {
      // The compiled build: rules checked at build time, no YAML to parse (see precompiled.ts).
      for (const [f, entries] of prefiles) {
        const rel = relative(process.cwd(), join(BUILTIN_PACKS_DIR, f));
        for (const { line, doc, operations, services, operationPatterns } of entries) {
          const r = compileRule(doc, { file: rel && !rel.startsWith('..') ? rel : join(BUILTIN_PACKS_DIR, f), line }, { prechecked: { operations, services, operationPatterns: operationPatterns ?? null } });
          if (r.rule) prebuilt.push(r.rule);
          else for (const p of r.problems) problems.push({ file: f, line, rule: doc.id, problem: p });
        }
      }
      continue;
    }
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push({ file: spec, line: null, rule: null, problem: 'rule pack directory does not exist' });
      continue;
    }
    const files = yamlFiles(dir);
    if (files.length === 0) problems.push({ file: spec, line: null, rule: null, problem: 'rule pack directory holds no .yaml files' });
    for (const f of files) {
      const rel = relative(process.cwd(), f);
      sources.push({ file: rel && !rel.startsWith('..') ? rel : f, text: readFileSync(f, 'utf8') });
    }
  }
  const compiled = compileRuleSources(sources);
  problems.push(...compiled.problems);
  const seen = new Set(prebuilt.map((r) => r.id));
  for (const r of compiled.rules) if (seen.has(r.id)) problems.push({ file: r.file, line: r.line, rule: r.id, problem: 'duplicate rule id (also in a bundled pack)' });
  if (problems.length > 0) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `rule packs are invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${formatProblems(problems)}`, {
      details: { problems },
    });
  }
  return [...prebuilt, ...compiled.rules].filter((r) => r.enabled);
}
