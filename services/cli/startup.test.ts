import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Start-up cost of the CLI: importing main.ts (what every command, `--help` included, loads) and
 * reading every component spec must not load the heavy dependencies that only some commands or
 * components use; those are imported when a command runs or a component is built. A child process
 * records every module its ESM loader loads (a load hook) while it imports the given modules.
 */
const HEAVY = [
  'kafkajs',
  '@clickhouse/client',
  'fastify',
  '@aws-sdk/',
  '@opentelemetry/sdk-',
  '@bufbuild/cel',
  '@bufbuild/re2',
  'semver',
  'ae-cvss-calculator',
  'piscina',
  'avsc',
  'fflate',
];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HOOK = `let port; export function initialize(data) { port = data.port; } export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;

/** The URLs of the modules loaded while importing `modules` (paths relative to the repository). */
function loadedBy(modules: readonly string[], after = ''): string[] {
  const script = `
    import { createRequire, register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    import { pathToFileURL } from 'node:url';
    const { port1, port2 } = new MessageChannel();
    const seen = [];
    port1.on('message', (url) => seen.push(url));
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), { data: { port: port2 }, transferList: [port2] });
    const loaded = [];
    for (const m of ${JSON.stringify(modules)}) loaded.push(await import(pathToFileURL(m).href));
    ${after}
    await new Promise((resolve) => setTimeout(resolve, 100));
    port1.close();
    // Packages required from CommonJS (core/lazy-require.ts) may bypass the hook: the require cache has them.
    const required = Object.keys(createRequire(import.meta.url).cache).map((f) => pathToFileURL(f).href);
    process.stdout.write(JSON.stringify([...seen, ...required]));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

const heavyIn = (urls: readonly string[]): string[] => [...new Set(urls.flatMap((u) => HEAVY.filter((h) => u.includes(`/node_modules/${h}`))))];

test('importing the CLI and every component spec loads none of the heavy dependencies', () => {
  const urls = loadedBy(['services/cli/main.ts', 'services/cli/config.ts', 'services/collectors/registry.ts', 'services/detectors/registry.ts', 'services/sinks/registry.ts']);
  assert.ok(urls.some((u) => u.includes('/services/detectors/signatures/spec.ts')), 'the hook saw the specs load');
  assert.deepEqual(heavyIn(urls), []);
  assert.ok(!urls.some((u) => u.endsWith('/services/detectors/signatures/detector.ts')), 'no detector implementation is loaded with its spec');
});

test('a detector spec loads its implementation when asked', () => {
  // The probe above would pass if it saw nothing heavy at all: here the same hook sees signatures' dependencies arrive with load().
  const urls = loadedBy(['services/detectors/signatures/spec.ts'], `
    const seenBefore = await new Promise((resolve) => setTimeout(() => resolve([...seen]), 100));
    if (seenBefore.some((u) => u.endsWith('/services/detectors/signatures/detector.ts'))) throw new Error('the spec loaded its implementation on import');
    await loaded[0].signaturesSpec.load();
  `);
  assert.ok(urls.some((u) => u.endsWith('/services/detectors/signatures/detector.ts')));
  assert.deepEqual(heavyIn(urls).sort(), ['@bufbuild/cel', '@bufbuild/re2']);
});

/**
 * A detector worker thread loads the enabled detectors' implementations; what only some events
 * need is required on first use (core/lazy-require.ts): the vulns detector's SemVer, PEP 440 and
 * CVSS libraries, and the YAML parser of the rule loader (a compiled thread reads the precompiled
 * packs, services/rules/precompiled.ts).
 */
test('detector implementations load the version, CVSS and YAML libraries only when they are used', () => {
  const LAZY = ['semver', '@renovatebot/pep440', 'ae-cvss-calculator', 'yaml'];
  const lazyIn = (urls: readonly string[]): string[] => [...new Set(urls.flatMap((u) => LAZY.filter((h) => u.includes(`/node_modules/${h}/`))))].sort();
  const loaded = loadedBy(['services/detectors/vulns/detector.ts', 'services/detectors/signatures/detector.ts']);
  assert.ok(loaded.some((u) => u.endsWith('/services/detectors/vulns/detector.ts')));
  assert.deepEqual(lazyIn(loaded), []);
  // The same probe sees them arrive on first use.
  const used = loadedBy(['services/detectors/vulns/severity.ts', 'services/detectors/vulns/versions/semver.ts', 'services/detectors/vulns/versions/pep440.ts', 'services/rules/loader.ts'], `
    if (loaded[0].scoreCvss('CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')?.score !== 9.8) throw new Error('CVSS score');
    if (loaded[1].compareSemver('1.2.3', '1.10.0') !== -1) throw new Error('semver order');
    if (loaded[2].comparePep440('1.0rc1', '1.0') !== -1) throw new Error('PEP 440 order');
    if (loaded[3].compileRuleSources([{ file: 'x.yaml', text: 'rules: [' }]).problems.length === 0) throw new Error('YAML error not reported');
  `);
  assert.deepEqual(lazyIn(used), ['@renovatebot/pep440', 'ae-cvss-calculator', 'semver', 'yaml']);
});
