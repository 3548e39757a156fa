/**
 * The seeds corpus: test/fuzz/corpus/<target>/ holds hand-written seeds (tricky shapes the fixtures
 * lack) and `fixtures.txt`, a list of repository files that are seeds too (one path a line, `#`
 * comments). A failing input found by the fuzz suite is saved next to them as `found-<hash>.<ext>`
 * when SLUICE_FUZZ_SAVE=1, so that it is replayed unmutated on every later run.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Syntax } from './mutate.ts';

export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
}

export function corpus(target: string): Seed[] {
  const dir = join(CORPUS_DIR, target);
  if (!existsSync(dir)) throw new Error(`no seeds corpus for ${target} (${dir})`);
  const seeds: Seed[] = [];
  for (const f of readdirSync(dir).sort()) {
    const path = join(dir, f);
    if (f === 'fixtures.txt') {
      for (const line of readFileSync(path, 'utf8').split('\n').map((l) => l.trim())) {
        if (!line || line.startsWith('#')) continue;
        const file = join(ROOT, line);
        if (!existsSync(file)) throw new Error(`corpus/${target}/fixtures.txt: ${line} does not exist`);
        seeds.push({ name: basename(line), bytes: readFileSync(file) });
      }
    } else if (f !== 'README.md' && statSync(path).isFile()) {
      seeds.push({ name: f, bytes: readFileSync(path) });
    }
  }
  return seeds;
}

/** The syntax a seed is written in, from its name, for the dictionary of its mutations. */
export function syntaxOf(name: string): Syntax {
  const ext = extname(name.replace(/\.gz$/, '')).toLowerCase();
  if (ext === '.json' || ext === '.jsonl' || ext === '.ndjson') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.xml') return 'xml';
  if (ext === '.tf' || ext === '.tfvars' || ext === '.hcl') return 'hcl';
  return 'text';
}
