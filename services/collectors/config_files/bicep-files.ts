/**
 * The files a `.bicep` template needs beside it, for `sluice scan` when a template is named on its
 * own: its local modules (`module m './x.bicep'`, not registry ones) and its parameters files
 * (`<name>.bicepparam`, `<name>.parameters.json`, and the `.bicepparam` files of its folder, one of
 * which may name it with `using`). Only paths that exist are returned. Reads the folder listing;
 * the reader itself (bicep.ts) stays pure.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isBicepParamName } from './bicep.ts';

const MODULE_PATH = /^\s*module\s+[A-Za-z_][A-Za-z0-9_]*\s+'([^'$]+)'/gm;

/** Local module paths a template names (registry `br:` / `ts:` modules left out), as written. */
export function bicepModulePaths(text: string): string[] {
  return [...text.matchAll(MODULE_PATH)].map((m) => m[1]!).filter((p) => !/^(br|ts)[:/]/i.test(p) && /\.bicep$/i.test(p));
}

/** Existing files a template at `file` refers to or is parameterized by. */
export function bicepCompanionPaths(file: string, text: string): string[] {
  const dir = dirname(file);
  const base = file.replace(/\.bicep$/i, '');
  const out = new Set<string>();
  const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();
  for (const rel of bicepModulePaths(text)) {
    const p = join(dir, rel);
    if (isFile(p)) out.add(p);
  }
  for (const p of [`${base}.bicepparam`, `${base}.parameters.json`]) if (isFile(p)) out.add(p);
  try {
    for (const n of readdirSync(dir)) if (isBicepParamName(n) && isFile(join(dir, n))) out.add(join(dir, n));
  } catch {
    // an unreadable folder: the template is read with its defaults
  }
  return [...out];
}
