import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyRequire } from '../core/lazy-require.ts';
import type { OperationPatterns } from './check.ts';
import { RuleFileSchema, RuleSchema, type RuleDoc } from './schema.ts';

/**
 * The bundled rule packs, parsed, validated and CEL-checked at build time (`npm run build`), so
 * that a process (and each of its worker threads) loads JSON instead of parsing and validating
 * ~500 rules of YAML, inline tests included. The file exists only in the compiled build (dist/);
 * from source, the packs are read from their YAML.
 */
export const PRECOMPILED_PACKS_FILE = fileURLToPath(new URL('./packs.compiled.json', import.meta.url));

export interface PrecompiledRule {
  /** Line of the rule in its YAML file, for messages. */
  readonly line: number;
  /** The validated rule, without its inline tests. */
  readonly doc: RuleDoc;
  /** The index keys computed from the condition at build time (CompiledRule.operations / services). */
  readonly operations: readonly string[] | null;
  readonly services: readonly string[] | null;
  /** CompiledRule.operationPatterns (absent in files built before it existed). */
  readonly operationPatterns?: OperationPatterns | null;
}

/** What the build takes from the full compile of each rule. */
export interface CompiledFacts {
  readonly line: number;
  readonly operations: ReadonlySet<string> | null;
  readonly services: ReadonlySet<string> | null;
  readonly operationPatterns: OperationPatterns | null;
}

export interface PrecompiledPacks {
  /** Pack files by path relative to the packs folder (`activity/aws/iam.yaml`). */
  readonly files: Readonly<Record<string, readonly PrecompiledRule[]>>;
}

/** The YAML parser, needed by precompilePacks only (the build): loading the artefact does not load it. */
const yaml = lazyRequire<typeof import('yaml')>(import.meta.url, 'yaml');

let cached: PrecompiledPacks | null | undefined;

/** The precompiled packs of the build, or null when running from source. */
export function precompiledPacks(): PrecompiledPacks | null {
  if (cached === undefined) cached = existsSync(PRECOMPILED_PACKS_FILE) ? (JSON.parse(readFileSync(PRECOMPILED_PACKS_FILE, 'utf8')) as PrecompiledPacks) : null;
  return cached;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? yamlFiles(join(dir, d.name)) : /\.ya?ml$/.test(d.name) ? [join(dir, d.name)] : []))
    .sort();
}

/**
 * Builds the precompiled form of the packs under `packsDir`. `facts` holds each rule's line and
 * index keys from the full compile (parse, type check, plan), which the caller has run and found
 * without problems; the documents are validated again by the schema here.
 */
export function precompilePacks(packsDir: string, facts: ReadonlyMap<string, CompiledFacts>): PrecompiledPacks {
  const files: Record<string, PrecompiledRule[]> = {};
  for (const f of yamlFiles(packsDir)) {
    const top = RuleFileSchema.parse(yaml().parse(readFileSync(f, 'utf8')));
    files[relative(packsDir, f)] = top.rules.map((raw) => {
      const doc = RuleSchema.parse(raw);
      const f = facts.get(doc.id);
      if (!f) throw new Error(`precompile: rule ${doc.id} is not in the compiled packs`);
      const list = (s: ReadonlySet<string> | null): string[] | null => (s ? [...s].sort() : null);
      return { line: f.line, doc: { ...doc, tests: [] }, operations: list(f.operations), services: list(f.services), operationPatterns: f.operationPatterns };
    });
  }
  return { files };
}
