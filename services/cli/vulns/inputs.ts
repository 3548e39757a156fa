import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isXmlText, normalizeCycloneDxXml, normalizeSbom, osvEcosystem, parsePurl, sniffSbom, sourcePackage } from '../../collectors/sbom/index.ts';
import type { ImagePackage } from '../../core/model/image-inventory.ts';

/** One package to check, with where it was read. */
export interface ScannedPackage {
  file: string;
  /** 1-based line in the file, where known (purl lists, requirements.txt, go.mod). */
  line: number | null;
  package: ImagePackage;
  /** Distribution release for OS packages (from the SBOM or the purl's distro qualifier). */
  osVersion: string | null;
}

export interface InputProblem {
  file: string;
  message: string;
}

export interface ReadInputs {
  packages: ScannedPackage[];
  errors: InputProblem[];
  /** Files inside directories that are not a known input (ignored). */
  skipped: string[];
}

/** The lockfile names read by name; anything else must be an SBOM or a purl list. */
const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'requirements.txt', 'go.mod', 'Cargo.lock', 'poetry.lock']);

function pkg(purlText: string, name: string, version: string | null): ImagePackage {
  const purl = parsePurl(purlText);
  return {
    purl: purlText,
    name,
    version,
    type: purl?.type ?? null,
    ecosystem: purl ? osvEcosystem(purl) : null,
    licenses: [],
    source_package: purl ? sourcePackage(purl) : null,
  };
}

function enc(s: string): string {
  return encodeURIComponent(s).replace(/%2F/gi, '/').replace(/%40/g, '%40');
}

/** A purl list: one purl per line, `#` comments and blank lines ignored. */
export function readPurlList(file: string, text: string): { packages: ScannedPackage[]; errors: InputProblem[] } {
  const packages: ScannedPackage[] = [];
  const errors: InputProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const p = parsePurl(line);
    if (!p) {
      errors.push({ file, message: `line ${i + 1}: not a purl: ${line.slice(0, 80)}` });
      return;
    }
    const name = p.namespace && p.type !== 'deb' && p.type !== 'apk' && p.type !== 'rpm' ? `${p.namespace}${p.type === 'maven' ? ':' : '/'}${p.name}` : p.name;
    const distro = p.qualifiers.distro ?? null;
    packages.push({ file, line: i + 1, package: pkg(line, name, p.version), osVersion: distro ? distro.replace(/^[a-z]+-/i, '') : null });
  });
  return { packages, errors };
}

/** npm package-lock.json (lockfileVersion 1, 2 and 3): every installed package with its version. */
export function readPackageLock(file: string, text: string): ScannedPackage[] {
  const doc = JSON.parse(text) as { packages?: Record<string, { version?: string; name?: string; link?: boolean }>; dependencies?: Record<string, unknown> };
  const out = new Map<string, ScannedPackage>();
  const add = (name: string, version: string) => {
    const purl = `pkg:npm/${enc(name)}@${enc(version)}`;
    if (!out.has(purl)) out.set(purl, { file, line: null, package: pkg(purl, name, version), osVersion: null });
  };
  if (doc.packages) {
    for (const [path, entry] of Object.entries(doc.packages)) {
      if (path === '' || entry.link || !entry.version) continue;
      const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      add(name, entry.version);
    }
  } else if (doc.dependencies) {
    const walk = (deps: Record<string, unknown>) => {
      for (const [name, value] of Object.entries(deps)) {
        const d = value as { version?: string; dependencies?: Record<string, unknown> };
        if (typeof d.version === 'string' && !d.version.includes(':')) add(name, d.version);
        if (d.dependencies) walk(d.dependencies);
      }
    };
    walk(doc.dependencies);
  }
  return [...out.values()];
}

/** requirements.txt: pinned requirements (`name==version`, extras and markers allowed); unpinned ones are not checkable and are skipped. */
export function readRequirements(file: string, text: string): ScannedPackage[] {
  const out: ScannedPackage[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim();
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;,\\]+)/.exec(line);
    if (!m) return;
    out.push({ file, line: i + 1, package: pkg(`pkg:pypi/${m[1]!.toLowerCase()}@${enc(m[2]!)}`, m[1]!, m[2]!), osVersion: null });
  });
  return out;
}

/** go.mod: `require` lines (single and block form) and the `go`/`toolchain` directives as stdlib. */
export function readGoMod(file: string, text: string): ScannedPackage[] {
  const out: ScannedPackage[] = [];
  let inBlock = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (/^require\s*\($/.test(line)) {
      inBlock = true;
      return;
    }
    if (inBlock && line === ')') {
      inBlock = false;
      return;
    }
    const req = inBlock ? /^(\S+)\s+(v\S+)$/.exec(line) : /^require\s+(\S+)\s+(v\S+)$/.exec(line);
    if (req) {
      out.push({ file, line: i + 1, package: pkg(`pkg:golang/${req[1]}@${req[2]}`, req[1]!, req[2]!), osVersion: null });
      return;
    }
    const tool = /^toolchain\s+go(\S+)$/.exec(line) ?? /^go\s+(\d+\.\d+(?:\.\d+)?)$/.exec(line);
    if (tool) out.push({ file, line: i + 1, package: pkg(`pkg:golang/stdlib@v${tool[1]}`, 'stdlib', `v${tool[1]}`), osVersion: null });
  });
  // A toolchain directive names the Go actually used; keep the newest stdlib entry only.
  const std = out.filter((p) => p.package.name === 'stdlib');
  return std.length > 1 ? out.filter((p) => p.package.name !== 'stdlib' || p === std[std.length - 1]) : out;
}

/** Cargo.lock and poetry.lock: `[[package]]` tables with `name` and `version`. */
export function readTomlLock(file: string, text: string, type: 'cargo' | 'pypi'): ScannedPackage[] {
  const out: ScannedPackage[] = [];
  let name: string | null = null;
  let start = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '[[package]]') {
      name = null;
      start = i + 1;
      return;
    }
    if (line.startsWith('[')) {
      name = null;
      return;
    }
    const kv = /^(name|version)\s*=\s*"([^"]*)"$/.exec(line);
    if (!kv) return;
    if (kv[1] === 'name') name = kv[2]!;
    else if (name !== null) {
      const purlName = type === 'pypi' ? name.toLowerCase() : name;
      out.push({ file, line: start, package: pkg(`pkg:${type}/${enc(purlName)}@${enc(kv[2]!)}`, name, kv[2]!), osVersion: null });
      name = null;
    }
  });
  return out;
}

/** An SBOM (CycloneDX JSON or XML, SPDX JSON) through the sbom collector's normalization. */
export function readSbom(file: string, text: string): ScannedPackage[] {
  const { event } = isXmlText(text) ? normalizeCycloneDxXml(text) : normalizeSbom(JSON.parse(text) as unknown);
  const os = event.image.os?.version ?? null;
  return event.packages.map((p) => ({ file, line: null, package: p, osVersion: os }));
}

function decode(bytes: Buffer): string {
  const raw = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return raw.toString('utf8').replace(/^\uFEFF/, '');
}

/** What a file is, by name and content; null when it is none of the inputs. */
export function inputKind(file: string, text: string): 'package-lock' | 'requirements' | 'go.mod' | 'cargo' | 'poetry' | 'sbom' | 'purls' | null {
  const name = basename(file).replace(/\.gz$/, '');
  if (name === 'package-lock.json' || name === 'npm-shrinkwrap.json') return 'package-lock';
  if (name === 'requirements.txt' || /^requirements.*\.txt$/.test(name)) return 'requirements';
  if (name === 'go.mod') return 'go.mod';
  if (name === 'Cargo.lock') return 'cargo';
  if (name === 'poetry.lock') return 'poetry';
  const head = text.trimStart();
  if (head.startsWith('<')) return 'sbom';
  if (head.startsWith('{')) {
    try {
      return sniffSbom(JSON.parse(text) as unknown) ? 'sbom' : null;
    } catch {
      return null;
    }
  }
  if (/^(?:\s*(?:#.*)?\n)*\s*pkg:/.test(text)) return 'purls';
  return null;
}

/** Reads one input file; problems are returned, not thrown. */
export function readInputFile(file: string, explicit: boolean): ReadInputs {
  let text: string;
  try {
    text = decode(readFileSync(file));
  } catch (err) {
    return { packages: [], errors: [{ file, message: `cannot read: ${(err as Error).message}` }], skipped: [] };
  }
  const kind = inputKind(file, text);
  try {
    switch (kind) {
      case 'package-lock':
        return { packages: readPackageLock(file, text), errors: [], skipped: [] };
      case 'requirements':
        return { packages: readRequirements(file, text), errors: [], skipped: [] };
      case 'go.mod':
        return { packages: readGoMod(file, text), errors: [], skipped: [] };
      case 'cargo':
        return { packages: readTomlLock(file, text, 'cargo'), errors: [], skipped: [] };
      case 'poetry':
        return { packages: readTomlLock(file, text, 'pypi'), errors: [], skipped: [] };
      case 'sbom':
        return { packages: readSbom(file, text), errors: [], skipped: [] };
      case 'purls': {
        const r = readPurlList(file, text);
        return { ...r, skipped: [] };
      }
      case null:
        return explicit
          ? { packages: [], errors: [{ file, message: 'not an SBOM (CycloneDX, SPDX JSON), purl list or known lockfile (package-lock.json, requirements.txt, go.mod, Cargo.lock, poetry.lock)' }], skipped: [] }
          : { packages: [], errors: [], skipped: [file] };
    }
  } catch (err) {
    return { packages: [], errors: [{ file, message: (err as Error).message }], skipped: [] };
  }
}

/** Reads files and directories (recursively; in directories, files that are no input are skipped). */
export function readInputs(paths: readonly string[]): ReadInputs {
  const all: ReadInputs = { packages: [], errors: [], skipped: [] };
  const visit = (path: string, explicit: boolean) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      all.errors.push({ file: path, message: 'no such file or directory' });
      return;
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (entry.startsWith('.') || entry === 'node_modules') continue;
        visit(join(path, entry), false);
      }
      return;
    }
    if (!explicit && !LOCKFILES.has(basename(path)) && !/\.(json|xml|txt|purls?|gz)$/i.test(path)) {
      all.skipped.push(path);
      return;
    }
    const r = readInputFile(path, explicit);
    all.packages.push(...r.packages);
    all.errors.push(...r.errors);
    all.skipped.push(...r.skipped);
  };
  for (const p of paths) visit(p, true);
  return all;
}
