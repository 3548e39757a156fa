/**
 * Robustness of the GCP pack to the forms Cloud Audit Logs entries arrive in.
 *
 * GCP rules do not depend on the Compute Engine API version the caller used: `v1.`, `beta.` and
 * `alpha.compute.*` method names are one operation (gcp_audit canonicalMethod). Every inline test
 * of the GCP pack that feeds a raw LogEntry with a `v1.compute.*` method is re-run with the beta
 * and alpha spellings and must give the same verdict; and no rule may name only a `beta.`/`alpha.`
 * spelling, which the normalizer never emits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulePacks } from './loader.ts';
import { activityFindings, normalizeTestRecord, runRuleTest, testEvents } from './testing.ts';
import type { RuleTestCase } from './schema.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { collectorSpec } from '../collectors/registry.ts';
import type { ApiActivity } from '../core/events.ts';
import type { CompiledRule } from './compile.ts';
import { BUILTIN_PACKS_DIR, compileRuleSources } from './loader.ts';
import { GCP_VARIANTS, logEntryOf, type Variant } from '../../test/fixtures/gcp-forms/variants.ts';
import { pgetPath } from './helpers.ts';

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
        if (!r.ok) failures.push(`${rule.id} / ${t.name} (${version}): ${r.message || 'verdict changed'}`);
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

test('pget reads a protobuf field by its JSON name or its proto name (an exact name wins)', () => {
  assert.equal(pgetPath({ request: { source_ranges: ['0.0.0.0/0'] } }, 'request.sourceRanges.0'), '0.0.0.0/0');
  assert.equal(pgetPath({ request: { sourceRanges: ['::/0'] } }, 'request.source_ranges.0'), '::/0');
  assert.equal(pgetPath({ a: { logConfig: { enable: false }, log_config: { enable: true } } }, 'a.logConfig.enable'), false, 'exact name first');
  assert.equal(pgetPath({ a: { IPProtocol: 'tcp' } }, 'a.ipProtocol'), 'tcp');
  assert.equal(pgetPath({ a: { sourceRanges: 1 } }, 'a.sourceRange'), null, 'a different name does not match');
  assert.equal(pgetPath('text', 'a'), null);
});

/*
 * Metamorphic robustness across the documented forms (test/fixtures/gcp-forms/variants.ts): every
 * inline test of every GCP rule is rendered as a raw LogEntry (the record of a `record:` test; the
 * entry an `event:` test stands for, built by logEntryOf), then in each documented form and
 * variant, normalized by the gcp_audit collector and replayed through the rule: the answer (finding
 * or none, and the finding count when the test names one) must be the inline test's on every form.
 * A test whose canonical rendering does not give the inline answer cannot be rendered mechanically:
 * it is listed, and bounded, so the check cannot silently become empty.
 */
const collector = collectorSpec('gcp_audit')!;

function normalizeBytes(bytes: string): ApiActivity {
  const outs = [...collector.create().collect({ name: 'variant', bytes: Buffer.from(bytes) })];
  const events = outs.filter((o) => o.kind === 'event');
  if (events.length !== 1 || outs.length !== 1) throw new Error(outs.map((o) => (o.kind === 'dead_letter' ? `dead letter: ${o.reason}` : o.kind)).join('; ') || 'no output');
  return events[0]!.event as ApiActivity;
}

/** Findings of the rule over the events on a fresh window state; a condition error is a failure. */
function findingsOf(rule: CompiledRule, events: ApiActivity[]): number {
  const { findings, errors } = activityFindings(rule, events);
  if (errors.length > 0) throw new Error(`condition error: ${errors[0]}`);
  return findings;
}

/** The answer of the rule on the test's records rendered by v: true/false (matches the inline test), null (not applicable). */
function runVariant(rule: CompiledRule, t: RuleTestCase, originals: ApiActivity[], recs: Record<string, unknown>[], v: Variant): [boolean | null, string] {
  const rendered = recs.map((r) => v.render(r));
  if (v.name !== 'jsonl' && rendered.every((b) => b === null)) return [null, 'not applicable'];
  try {
    const events = rendered.map((b, i) => {
      const e = normalizeBytes(b ?? JSON.stringify(recs[i]));
      return { ...e, time: originals[i]!.time, metadata: { ...e.metadata, uid: originals[i]!.metadata.uid } };
    });
    const n = findingsOf(rule, events);
    return [(n > 0) === t.expect && (t.findings === undefined || t.findings === n), `${n} finding(s)`];
  } catch (err) {
    return [false, err instanceof Error ? err.message : String(err)];
  }
}

/** The normalized fields rules read, compared across forms. */
function signature(e: ApiActivity): string {
  const u = JSON.parse(e.unmapped) as Record<string, unknown>;
  return JSON.stringify({
    time: e.time, activity_id: e.activity_id, status_id: e.status_id, status_code: e.status_code === '0' ? null : e.status_code,
    operation: e.api.operation, version: e.api.version, service: e.api.service_name, principal: e.actor.user.uid, type: e.actor.user.type,
    account: e.actor.user.account_uid, key: e.actor.user.credential_uid, invoked_by: e.actor.invoked_by, log: e.metadata.log_name,
    project: e.cloud.account_uid, region: e.cloud.region, ip: e.src_endpoint, ua: e.user_agent,
    resources: e.resources.map((r) => [r.uid?.replace(/^\/\/[^/]+\//, ''), r.type, r.name]), audit_log: u.audit_log ?? null,
  });
}

const gcpPack = (() => {
  const dir = join(BUILTIN_PACKS_DIR, 'activity', 'gcp');
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
  const { rules: compiled, problems } = compileRuleSources(files.map((f) => ({ file: relative(BUILTIN_PACKS_DIR, f), text: readFileSync(f, 'utf8') })));
  assert.deepEqual(problems, []);
  return compiled.filter((r) => r.sources?.includes('gcp_audit'));
})();

test('every documented form of a GCP entry normalizes to the same event fields', () => {
  const diffs: string[] = [];
  let compared = 0;
  for (const rule of gcpPack) {
    for (const t of rule.tests) {
      for (const e of testEvents(rule, t)) {
        const rec = logEntryOf(e);
        if (rec === null) continue;
        const base = signature(normalizeBytes(`${JSON.stringify(rec)}\n`));
        for (const v of GCP_VARIANTS) {
          if (v.name === 'snake-case-structs' || v.name === 'camel-case-structs' || v.name.startsWith('policy-delta') || v.name === 'prerelease-method') continue; // payload structs only / api.version differs
          const b = v.render(rec);
          if (b === null) continue;
          compared++;
          let got: string;
          try {
            got = signature(normalizeBytes(b));
          } catch (err) {
            got = String(err);
          }
          if (got !== base) diffs.push(`${rule.id} / ${t.name} / ${v.name}: ${got} != ${base}`);
        }
      }
    }
  }
  assert.ok(compared > 500, `${compared} renderings compared`);
  assert.deepEqual(diffs.slice(0, 10), []);
});

test('every GCP rule gives its inline answer on every documented form of its test entries', () => {
  const failures: string[] = [];
  const unrenderable: string[] = [];
  const perVariant = new Map<string, number>(GCP_VARIANTS.map((v) => [v.name, 0]));
  let cases = 0;
  for (const rule of gcpPack) {
    for (const t of rule.tests) {
      const originals = testEvents(rule, t);
      const recs = originals.map(logEntryOf);
      if (recs.some((r) => r === null)) continue;
      const records = recs as Record<string, unknown>[];
      const [base, why] = runVariant(rule, t, originals, records, GCP_VARIANTS[0]!);
      if (base !== true) {
        unrenderable.push(`${rule.id} / ${t.name}: ${why}`);
        continue;
      }
      cases++;
      for (const v of GCP_VARIANTS) {
        const [ok, note] = runVariant(rule, t, originals, records, v);
        if (ok === null) continue;
        perVariant.set(v.name, perVariant.get(v.name)! + 1);
        if (!ok) failures.push(`${rule.id} / ${t.name} [${v.name}]: ${note}`);
      }
    }
  }
  assert.ok(cases >= 230, `${cases} inline tests rendered`);
  assert.ok(unrenderable.length <= 5, `not renderable as entries:\n${unrenderable.join('\n')}`);
  for (const [name, n] of perVariant) if (!['status-details', 'policy-delta-in-serviceData', 'principal-subject-too', 'no-project-label'].includes(name)) assert.ok(n > 0, `variant ${name} never applied`);
  assert.deepEqual(failures, []);
});

test('a pre-release gRPC method is the operation of its major version, the version called in api.version', () => {
  const methods = new Set(gcpPack.flatMap((r) => [...r.condition.matchAll(/'(google\.[a-z0-9_.]+?)\.(v\d+)\.([A-Z][A-Za-z0-9_.]+)'/g)].map((m) => [m[1]!, m[2]!, m[3]!].join('|'))));
  assert.ok(methods.size >= 50, `${methods.size} gRPC methods named`);
  for (const key of methods) {
    const [pkg, major, rpc] = key.split('|') as [string, string, string];
    for (const pre of ['beta1', 'beta', 'alpha', 'p1beta1', 'beta4']) {
      const e = normalizeTestRecord(
        { protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', methodName: `${pkg}.${major}${pre}.${rpc}`, authenticationInfo: { principalEmail: 'a@example.com' } }, insertId: 'x', timestamp: '2024-06-01T12:00:00Z', logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity' },
        'gcp_audit',
      );
      assert.equal(e.api.operation, `${pkg}.${major}.${rpc}`);
      assert.equal(e.api.version, `${major}${pre}`);
    }
  }
});

test('no rule names a pre-release method (the normalizer emits the major version only)', () => {
  const dead = gcpPack.flatMap((r) =>
    [...r.condition.matchAll(/'((?:google\.[a-z0-9_.]+?\.v\d+(?:p\d+)?(?:alpha|beta)\d*\.[A-Za-z]|(?:beta|alpha)\.compute\.|(?:v2beta|alpha)\.deploymentmanager\.)[^']*)'/g)].map((m) => `${r.id}: ${m[1]}`),
  );
  assert.deepEqual(dead, []);
});
