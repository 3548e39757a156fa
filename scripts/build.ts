/**
 * `npm run build`: compiles services/ to JavaScript in dist/ (tsc, imports rewritten from .ts to
 * .js), bundles the packages made of many small modules into dist/vendor/ (VENDORED below),
 * copies the runtime files that are not TypeScript (rule packs, coverage, bundled samples)
 * beside the compiled modules, and links dist/schemas and dist/package.json to the repository's,
 * so that every path a module resolves from import.meta.url works the same compiled and from
 * source. services/cli/bin.mjs then runs dist/ (SLUICE_FROM_SOURCE=1 runs the sources through tsx).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILTIN_PACKS_DIR, compileRuleSources, formatProblems } from '../services/rules/loader.ts';
import { precompilePacks } from '../services/rules/precompiled.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** `--out <dir>` builds elsewhere (the build test does); default dist/. */
const outArg = process.argv.indexOf('--out');
const dist = outArg > 0 && process.argv[outArg + 1] ? resolve(process.argv[outArg + 1]!) : join(root, 'dist');
const started = Date.now();

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', dist], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('build: tsc failed');
  process.exit(r.status ?? 1);
}

/** Runtime files that are not TypeScript: everything but sources, tests, fixtures and docs. */
function copyAssets(dir: string): number {
  let n = 0;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) {
      if (d.name === 'fixtures' || d.name === 'tests') continue;
      n += copyAssets(p);
    } else if (d.isFile() && !/\.(ts|md)$/.test(d.name)) {
      const to = join(dist, relative(root, p));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(p, to);
      n++;
    }
  }
  return n;
}
const assets = copyAssets(join(root, 'services'));
for (const name of ['schemas', 'package.json']) {
  if (!existsSync(join(dist, name))) symlinkSync(relative(dist, join(root, name)), join(dist, name));
}

/**
 * Packages that come as many small modules, whose loading costs more than their code, loaded by
 * every thread (each detector worker thread included: zod, about 95 modules, and the CEL runtime
 * with protobuf and RE2, about 130) or by the main thread before `sluice run` can start its
 * detector threads (the YAML parser, 72 modules; fast-xml-parser; dockerfile-ast). They are
 * bundled into dist/vendor/ with esbuild (the version tsx uses to run the sources, so no second copy),
 * one entry per import specifier, their shared code in common chunks (one copy of each package
 * per thread, as before), and the compiled modules import those files instead (`npm run bench --
 * startup`). The sources still import the packages. A CommonJS package (`cjs`) is re-exported by
 * the names its exports have when required. The build fails if an entry lacks a name its package
 * exports, or if a compiled module imports a vendored package's default export.
 */
const VENDORED: ReadonlyArray<{ specifier: string; file: string; cjs?: true }> = [
  { specifier: 'zod', file: 'zod' },
  { specifier: '@bufbuild/cel', file: 'cel' },
  { specifier: '@bufbuild/cel/ext', file: 'cel-ext' },
  { specifier: '@bufbuild/re2', file: 're2' },
  { specifier: 'fast-xml-parser', file: 'fast-xml-parser' },
  { specifier: 'yaml', file: 'yaml', cjs: true },
  { specifier: 'dockerfile-ast', file: 'dockerfile-ast', cjs: true },
];

async function vendorPackages(): Promise<number> {
  const vendorDir = join(dist, 'vendor');
  const entriesDir = join(vendorDir, 'entries');
  mkdirSync(entriesDir, { recursive: true });
  const requireHere = createRequire(import.meta.url);
  const entryPoints: Record<string, string> = {};
  for (const { specifier, file, cjs } of VENDORED) {
    entryPoints[file] = join(entriesDir, `${file}.js`);
    const names = cjs ? Object.keys(requireHere(specifier) as object).filter((k) => k !== 'default' && k !== '__esModule' && /^[A-Za-z_$][\w$]*$/.test(k)) : [];
    writeFileSync(entryPoints[file], cjs ? `import * as m from '${specifier}';\nexport const { ${names.join(', ')} } = m;\n` : `export * from '${specifier}';\n`);
  }
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints,
    outdir: vendorDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    legalComments: 'inline',
    // CommonJS code inside an ES module bundle calls require() (node: built-ins).
    banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
  });
  rmSync(entriesDir, { recursive: true });
  for (const { specifier, file } of VENDORED) {
    const [original, bundled] = await Promise.all([import(specifier) as Promise<Record<string, unknown>>, import(pathToFileURL(join(vendorDir, `${file}.js`)).href) as Promise<Record<string, unknown>>]);
    const missing = Object.keys(original).filter((k) => k !== 'default' && !(k in bundled));
    if (missing.length > 0) throw new Error(`build: dist/vendor/${file}.js does not export ${missing.join(', ')} of ${specifier}`);
  }
  // Rewrite the compiled modules' imports of the vendored packages (tsc emits them as `from '<specifier>'`).
  const bySpecifier = new Map(VENDORED.map((v) => [v.specifier, v.file]));
  const rewrite = (dir: string): number => {
    let n = 0;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) n += rewrite(p);
      else if (d.name.endsWith('.js')) {
        const text = readFileSync(p, 'utf8');
        const out = text.replace(/(\bimport\s+([^'"]*?)\s*from\s*|\bexport\s+[^'"]*?\s*from\s*|\bimport\s*\(\s*)'([^']+)'/g, (m: string, lead: string, clause: string | undefined, spec: string) => {
          const file = bySpecifier.get(spec);
          if (file === undefined) return m;
          if (clause && /^[A-Za-z_$][\w$]*\s*(,|$)/.test(clause)) throw new Error(`build: ${relative(dist, p)} imports the default export of ${spec}, which dist/vendor/${file}.js does not have`);
          n++;
          const rel = relative(dirname(p), join(vendorDir, `${file}.js`));
          return `${lead}'${rel.startsWith('.') ? rel : `./${rel}`}'`;
        });
        if (out !== text) writeFileSync(p, out);
      }
    }
    return n;
  };
  return rewrite(join(dist, 'services'));
}
const vendored = await vendorPackages();

// The bundled rule packs, compiled and checked once here (services/rules/precompiled.ts).
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? yamlFiles(join(dir, d.name)) : /\.ya?ml$/.test(d.name) ? [join(dir, d.name)] : []));
}
const packFiles = yamlFiles(BUILTIN_PACKS_DIR).sort();
const { rules, problems } = compileRuleSources(packFiles.map((f) => ({ file: relative(BUILTIN_PACKS_DIR, f), text: readFileSync(f, 'utf8') })));
if (problems.length > 0) {
  console.error(`build: the bundled rule packs have problems:\n${formatProblems(problems)}`);
  process.exit(1);
}
const precompiled = precompilePacks(BUILTIN_PACKS_DIR, new Map(rules.map((r) => [r.id, r])));
writeFileSync(join(dist, 'services/rules/packs.compiled.json'), JSON.stringify(precompiled));
writeFileSync(join(dist, 'BUILD'), `${new Date().toISOString()}\n`);
const countJs = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, d) => n + (d.isDirectory() ? countJs(join(dir, d.name)) : d.name.endsWith('.js') ? 1 : 0), 0);
const js = countJs(join(dist, 'services'));
console.log(`build: ${js} modules, ${assets} runtime files and ${rules.length} precompiled rules in ${relative(root, dist) || dist}; ${VENDORED.map((v) => v.specifier).join(', ')} bundled in vendor/ (${vendored} imports) (${((Date.now() - started) / 1000).toFixed(1)} s)`);

