/**
 * Metamorphic robustness of the AWS rules: every CloudTrail rule's inline tests are turned back
 * into native CloudTrail records (test/fixtures/cloudtrail-forms/render.ts), delivered in every
 * documented form (S3 file, JSON line, EventBridge, CloudWatch Logs subscription, CloudTrail Lake
 * row, Athena export, null optionals, another ARN partition, Panther enrichment) and, for Lambda and CloudFront, under
 * every API-version spelling of the operation; each rendering must give the same verdict (finding
 * or none) as the plain record. The raw records of test/fixtures/cloudtrail-forms/*.json (written
 * from the AWS docs, with their expected rule) go through the same forms.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { autoCollector } from '../collectors/auto.ts';
import { COLLECTOR_SPECS } from '../collectors/registry.ts';
import type { ApiActivity } from '../core/events.ts';
import { CLOUDTRAIL_FORMS, operationVariants, toCloudTrailRecord, type Json } from '../../test/fixtures/cloudtrail-forms/render.ts';
import type { CompiledRule } from './compile.ts';
import { ActivityRuleSet, applyWindows, emptyWindowState, loadRulePacks } from './index.ts';
import { testEvents } from './testing.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/cloudtrail-forms/', import.meta.url));
const rules = loadRulePacks(['@builtin/activity']).filter((r) => r.sources?.includes('aws_cloudtrail'));
const auto = autoCollector(COLLECTOR_SPECS);

/** The events `--source auto` makes of one rendering (throws on a dead letter: a form we cannot read is a failure). */
function collect(bytes: Buffer, name: string): ApiActivity[] {
  const out: ApiActivity[] = [];
  for (const o of auto.collect({ name, bytes })) {
    if (o.kind === 'dead_letter') throw new Error(`${name}: dead letter: ${o.reason}`);
    if (o.stream === 'activity') out.push(o.event as ApiActivity);
  }
  return out;
}

/** Findings of one rule over events, with windows, on a fresh state (as the inline-test runner does). */
function findings(rule: CompiledRule, events: readonly ApiActivity[]): number {
  const set = new ActivityRuleSet([{ ...rule, enabled: true }]);
  const state = emptyWindowState();
  let n = 0;
  for (const e of events) {
    const ev = set.evaluate(e);
    for (const r of ev.matches) if (applyWindows(r, ev.bindings!, { time: e.time, uid: e.metadata.uid }, state).emit) n++;
  }
  return n;
}

/** Each rendering of a record list: the forms, then the versioned-operation spellings (plain form). */
function renderings(records: readonly Json[]): Array<{ name: string; records: Json[]; form: (typeof CLOUDTRAIL_FORMS)[number] }> {
  const out = CLOUDTRAIL_FORMS.map((form) => ({ name: form.name, records: [...records], form }));
  const plain = CLOUDTRAIL_FORMS[0]!;
  const spellings = records.map(operationVariants);
  const count = Math.max(0, ...spellings.map((s) => s.length));
  for (let i = 0; i < count; i++) {
    const recs = records.map((r, j) => (spellings[j]![i] === undefined ? r : { ...r, eventName: spellings[j]![i] }));
    out.push({ name: `operation spelled ${String(recs[0]!.eventName)}`, records: recs, form: plain });
  }
  return out;
}

function verdicts(rule: CompiledRule, records: readonly Json[], label: string): { baseline: number; diffs: string[] } {
  const baseline = findings(rule, records.flatMap((r, i) => collect(CLOUDTRAIL_FORMS[0]!.render(r).bytes, `${label}#${i}`)));
  const diffs: string[] = [];
  for (const v of renderings(records)) {
    let got: number;
    try {
      got = findings(rule, v.records.flatMap((r, i) => collect(v.form.render(r).bytes, `${label}/${v.name}#${i}`)));
    } catch (err) {
      diffs.push(`${v.name}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (got > 0 !== baseline > 0) diffs.push(`${v.name}: ${got} finding(s), plain record ${baseline}`);
  }
  return { baseline, diffs };
}

let renderedTests = 0;
let roundTripMismatches = 0;
for (const rule of rules) {
  test(`${rule.id}: every form and spelling of its test events gets the same verdict`, () => {
    const problems: string[] = [];
    for (const t of rule.tests) {
      let records: Json[];
      try {
        records = testEvents(rule, t).map(toCloudTrailRecord);
      } catch {
        continue;
      }
      const { baseline, diffs } = verdicts(rule, records, `${rule.id}/${t.name}`);
      renderedTests++;
      // A partial test event may not survive the trip through a native record (a field the
      // normalizer derives); those count as not rendered, the forms are still compared.
      if (baseline > 0 !== t.expect) roundTripMismatches++;
      for (const d of diffs) problems.push(`test "${t.name}" (expect ${t.expect}): ${d}`);
    }
    assert.deepEqual(problems, []);
  });
}

interface FormFixture {
  name: string;
  source?: string;
  rule: string;
  expect: boolean;
  records: Json[];
}

const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
for (const file of fixtureFiles) {
  const fixtures = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as FormFixture[];
  for (const fx of fixtures) {
    test(`fixture ${file}: ${fx.name}`, () => {
      const rule = rules.find((r) => r.id === fx.rule);
      assert.ok(rule, `no CloudTrail rule ${fx.rule}`);
      const { baseline, diffs } = verdicts(rule, fx.records, `${file}/${fx.name}`);
      assert.equal(baseline > 0, fx.expect, `${fx.rule} on the plain record`);
      assert.deepEqual(diffs, []);
    });
  }
}

test('the forms were exercised', () => {
  assert.ok(rules.length > 100, `${rules.length} CloudTrail rules`);
  assert.ok(renderedTests > 500, `${renderedTests} inline tests rendered`);
  // Most inline tests survive the trip to a native record with their expected verdict.
  assert.ok(roundTripMismatches < renderedTests * 0.1, `${roundTripMismatches} of ${renderedTests} changed verdict on the round trip`);
  assert.ok(fixtureFiles.length > 0);
});
