import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchmarkCounts, formatBenchmarks, splitStandard } from './coverage.ts';
import type { CompiledRule } from './compile.ts';
import { loadRulePacks } from './loader.ts';

/** Just what benchmarkCounts reads of a compiled rule. */
function rule(id: string, input: 'activity' | 'resource', compliance: Array<[string, string]>): CompiledRule {
  return { id, input, compliance: compliance.map(([standard, control]) => ({ standard, control })) } as unknown as CompiledRule;
}

test('splitStandard separates a trailing version and keeps a standard without one whole', () => {
  assert.deepEqual(splitStandard('CIS AWS Foundations 3.0.0'), ['CIS AWS Foundations', '3.0.0']);
  assert.deepEqual(splitStandard('NSA/CISA Kubernetes Hardening 1.2'), ['NSA/CISA Kubernetes Hardening', '1.2']);
  assert.deepEqual(splitStandard('AWS FSBP'), ['AWS FSBP', null]);
  assert.deepEqual(splitStandard('Pod Security Standards baseline'), ['Pod Security Standards baseline', null]);
});

test('benchmarkCounts counts each resource rule once per benchmark, across versions, and leaves activity rules out', () => {
  const counts = benchmarkCounts([
    rule('a', 'resource', [['CIS AWS Foundations 3.0.0', '1.4'], ['AWS FSBP', 'IAM.4'], ['CIS AWS Foundations 3.0.0', '1.5']]),
    rule('b', 'resource', [['CIS AWS Foundations 1.5.0', '3.4'], ['AWS FSBP', 'CloudTrail.5']]),
    rule('c', 'resource', [['AWS FSBP', 'IAM.4']]),
    rule('d', 'resource', []),
    rule('e', 'activity', [['CIS AWS Foundations 3.0.0', '4.1']]),
  ]);
  assert.deepEqual(counts, [
    { benchmark: 'AWS FSBP', versions: [], rules: 3, controls: 2 },
    { benchmark: 'CIS AWS Foundations', versions: ['1.5.0', '3.0.0'], rules: 2, controls: 3 },
  ]);
  const text = formatBenchmarks(counts, 4);
  assert.match(text, /4 resource rules/);
  assert.match(text, /^ {2}CIS AWS Foundations +2 +3 {2}1\.5\.0, 3\.0\.0$/m);
});

test('the bundled posture pack maps rules to the CIS AWS, CIS Kubernetes and Pod Security benchmarks', () => {
  const posture = loadRulePacks(['@builtin/posture']).filter((r) => r.input === 'resource');
  const counts = new Map(benchmarkCounts(posture).map((c) => [c.benchmark, c.rules]));
  for (const b of ['CIS AWS Foundations', 'AWS FSBP', 'CIS Kubernetes', 'Pod Security Standards baseline']) assert.ok((counts.get(b) ?? 0) > 0, `${b}: ${counts.get(b)}`);
  // Every count is bounded by the pack: no rule is counted twice within one benchmark.
  for (const [b, n] of counts) assert.ok(n <= posture.length, `${b}: ${n} > ${posture.length}`);
});

test('sluice rules coverage prints the per-benchmark table (text) and posture.benchmarks (json)', async () => {
  const { execFile } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const bin = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));
  const run = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => execFile(process.execPath, [bin, 'rules', 'coverage', ...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, SLUICE_FROM_SOURCE: '1' } }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
  const text = await run(['--summary']);
  assert.match(text, /^Posture rules per benchmark \(\d+ resource rules;/m);
  assert.match(text, /^ {2}CIS AWS Foundations +\d+ +\d+ {2}[\d., ]+$/m);
  const json = JSON.parse(await run(['--format', 'json'])) as { posture: { rules: number; benchmarks: Array<{ benchmark: string; rules: number }> } };
  assert.ok(json.posture.rules > 0);
  assert.deepEqual(json.posture.benchmarks, benchmarkCounts(loadRulePacks(['@builtin/posture']).filter((r) => r.input === 'resource')));
});
