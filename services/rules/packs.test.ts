/**
 * The inline tests of every rule in services/rules/packs, one node:test test per rule, so a
 * failure names the rule (panther-analysis style: each rule carries its examples).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BUILTIN_PACKS_DIR, compileRuleSources, formatProblems } from './loader.ts';
import { runRuleTests } from './testing.ts';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(d.name) ? [p] : [];
  });
}

const files = yamlFiles(BUILTIN_PACKS_DIR).sort();
const { rules, problems } = compileRuleSources(files.map((f) => ({ file: relative(BUILTIN_PACKS_DIR, f), text: readFileSync(f, 'utf8') })));

test('every bundled rule pack file loads without problems', () => {
  assert.equal(problems.length, 0, formatProblems(problems));
});

test('the activity pack has at least 120 rules across CloudTrail, Azure Activity and Kubernetes audit', () => {
  const activity = rules.filter((r) => r.file.startsWith('activity/'));
  assert.ok(activity.length >= 120, `only ${activity.length} rules`);
  for (const source of ['aws_cloudtrail', 'azure_activity', 'k8s_audit']) {
    assert.ok(activity.filter((r) => r.sources?.includes(source)).length >= 20, `fewer than 20 rules for ${source}`);
  }
});

for (const rule of rules) {
  test(`rule ${rule.id} (${rule.file}:${rule.line})`, () => {
    assert.ok(rule.tests.some((t) => t.expect), 'needs at least one test with expect: true');
    assert.ok(rule.tests.some((t) => !t.expect), 'needs at least one test with expect: false');
    const failed = runRuleTests(rule).filter((r) => !r.ok);
    assert.deepEqual(failed.map((f) => `${f.test}: ${f.message}`), []);
  });
}
