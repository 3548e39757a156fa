/**
 * `npm run build` makes a compiled Sluice that behaves like the sources: the build goes to a
 * temporary folder, then the compiled CLI (its worker threads included, which load worker.js
 * without tsx) runs the bundled CloudTrail samples and prints the same findings as the sources.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function findingIds(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { finding_info: { uid: string } }).finding_info.uid)
    .sort();
}

test('the compiled build runs the main job with the same findings as the sources, without tsx', { timeout: 600_000 }, () => {
  // Inside the repository (.sluice/ is git-ignored), so the build resolves node_modules as dist/ does.
  mkdirSync(join(root, '.sluice'), { recursive: true });
  const out = mkdtempSync(join(root, '.sluice', 'build-'));
  try {
    const build = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/build.ts'), '--out', out], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr + build.stdout);
    assert.match(build.stdout, /build: \d+ modules, \d+ runtime files and \d+ precompiled rules/);
    for (const f of ['services/cli/main.js', 'services/processor/runtime/worker.js', 'services/collectors/thread/worker.js', 'services/rules/packs/activity', 'schemas/avro/api_activity.v1.avsc']) {
      assert.ok(existsSync(join(out, f)), `${f} is in the build`);
    }
    // The embedded log, also when the test runner has started Kafka and ClickHouse for other tests.
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_FROM_SOURCE: '', NODE_OPTIONS: '' };
    for (const k of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'SCHEMA_REGISTRY_URL']) delete env[k];
    // Plain node, no --import tsx: only JavaScript can load.
    const compiled = spawnSync(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(join(out, 'services/cli/main.js'))}); process.exitCode = await main(['node', 'sluice', 'run', '--format', 'ndjson']);`], { cwd: root, env, encoding: 'utf8' });
    assert.equal(compiled.status, 0, compiled.stderr);
    const source = spawnSync(process.execPath, [join(root, 'services/cli/bin.mjs'), 'run', '--format', 'ndjson'], { cwd: root, env: { ...env, SLUICE_FROM_SOURCE: '1' }, encoding: 'utf8' });
    assert.equal(source.status, 0, source.stderr);
    const ids = findingIds(compiled.stdout);
    assert.ok(ids.length >= 10, `only ${ids.length} findings`);
    assert.deepEqual(ids, findingIds(source.stdout));
    // The collector on its own thread (collectors/thread/), compiled: worker.js, no tsx.
    const always = join(out, 'collector-thread.yaml');
    writeFileSync(always, 'collectorThread:\n  mode: always\n');
    const threaded = spawnSync(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(join(out, 'services/cli/main.js'))}); process.exitCode = await main(['node', 'sluice', 'run', '--format', 'ndjson', '-c', ${JSON.stringify(always)}]);`], { cwd: root, env, encoding: 'utf8' });
    assert.equal(threaded.status, 0, threaded.stderr);
    assert.deepEqual(findingIds(threaded.stdout), ids);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
