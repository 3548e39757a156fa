/**
 * `npm run build`: compiles services/ to JavaScript in dist/ (tsc, imports rewritten from .ts to
 * .js), copies the runtime files that are not TypeScript (rule packs, coverage, bundled samples)
 * beside the compiled modules, and links dist/schemas and dist/package.json to the repository's,
 * so that every path a module resolves from import.meta.url works the same compiled and from
 * source. services/cli/bin.mjs then runs dist/ (SLUICE_FROM_SOURCE=1 runs the sources through tsx).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
console.log(`build: ${js} modules, ${assets} runtime files and ${rules.length} precompiled rules in ${relative(root, dist) || dist} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

