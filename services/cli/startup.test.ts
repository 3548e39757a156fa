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
    import { register } from 'node:module';
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
    process.stdout.write(JSON.stringify(seen));
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
  // The probe above would pass if it saw nothing heavy at all: here the same hook sees vulns' dependencies arrive with load().
  const urls = loadedBy(['services/detectors/vulns/spec.ts'], `
    const seenBefore = await new Promise((resolve) => setTimeout(() => resolve([...seen]), 100));
    if (seenBefore.some((u) => u.endsWith('/services/detectors/vulns/detector.ts'))) throw new Error('the spec loaded its implementation on import');
    await loaded[0].vulnsSpec.load();
  `);
  assert.ok(urls.some((u) => u.endsWith('/services/detectors/vulns/detector.ts')));
  assert.deepEqual(heavyIn(urls).sort(), ['ae-cvss-calculator', 'semver']);
});
