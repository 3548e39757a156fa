/**
 * GCP rules do not depend on the Compute Engine API version the caller used: `v1.`, `beta.` and
 * `alpha.compute.*` method names are one operation (gcp_audit canonicalMethod). Every inline test
 * of the GCP pack that feeds a raw LogEntry with a `v1.compute.*` method is re-run with the beta
 * and alpha spellings and must give the same verdict; and no rule may name only a `beta.`/`alpha.`
 * spelling, which the normalizer never emits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulePacks } from './loader.ts';
import { normalizeTestRecord, runRuleTest } from './testing.ts';
import type { RuleTestCase } from './schema.ts';

const rules = loadRulePacks(['@builtin/activity']).filter((r) => r.sources?.includes('gcp_audit'));

function withMethodVersion(record: unknown, version: string): unknown {
  const text = JSON.stringify(record);
  return JSON.parse(text.replace(/"methodName":"v1\.compute\./g, `"methodName":"${version}.compute.`)) as unknown;
}

test('the GCP pack is loaded and has raw-record tests of compute methods', () => {
  assert.ok(rules.length > 50, `${rules.length} GCP rules`);
  const compute = rules.flatMap((r) => r.tests.filter((t) => JSON.stringify(t.record ?? t.records ?? null).includes('"methodName":"v1.compute.')));
  assert.ok(compute.length >= 1, `${compute.length} raw-record tests with v1.compute methods`);
});

test('every compute method a GCP rule names reaches the rule from all three API versions', () => {
  const methods = new Set(rules.flatMap((r) => [...r.condition.matchAll(/'v1\.(compute\.[A-Za-z0-9_.]+)'/g)].map((m) => m[1]!)));
  assert.ok(methods.size >= 20, `${methods.size} compute methods named`);
  for (const m of methods) {
    for (const version of ['v1', 'beta', 'alpha']) {
      const e = normalizeTestRecord(
        { protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', serviceName: 'compute.googleapis.com', methodName: `${version}.${m}`, authenticationInfo: { principalEmail: 'a@example.com' } }, insertId: 'x', timestamp: '2024-06-01T12:00:00Z', logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity' },
        'gcp_audit',
      );
      assert.equal(e.api.operation, `v1.${m}`);
      assert.equal(e.api.version, version);
    }
  }
});

test('beta and alpha spellings of a compute method give the verdict of the v1 spelling', () => {
  const failures: string[] = [];
  let checked = 0;
  for (const rule of rules) {
    for (const t of rule.tests) {
      const raw = JSON.stringify(t.record ?? t.records ?? null);
      if (!raw.includes('"methodName":"v1.compute.')) continue;
      for (const version of ['beta', 'alpha']) {
        const variant: RuleTestCase = t.record ? { ...t, record: withMethodVersion(t.record, version) as RuleTestCase['record'] } : { ...t, records: withMethodVersion(t.records, version) as RuleTestCase['records'] };
        const r = runRuleTest(rule, variant);
        checked++;
        if (!r.ok) failures.push(`${rule.id} / ${t.name} (${version}): ${r.detail ?? 'verdict changed'}`);
      }
    }
  }
  assert.ok(checked > 0);
  assert.deepEqual(failures, []);
});

test('no rule names a beta or alpha compute method without its v1 spelling (the normalizer emits v1 only)', () => {
  const dead: string[] = [];
  for (const rule of rules) {
    for (const m of rule.condition.matchAll(/'(beta|alpha)\.(compute\.[A-Za-z0-9_.]+)'/g)) {
      if (!rule.condition.includes(`'v1.${m[2]}'`)) dead.push(`${rule.id}: ${m[0]}`);
    }
  }
  assert.deepEqual(dead, []);
});
