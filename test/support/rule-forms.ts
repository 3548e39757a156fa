/**
 * The shared part of the metamorphic form tests of the activity packs
 * (services/rules/robustness-aws.test.ts, robustness-k8s.test.ts): events made of one rendering
 * by `--source auto`, and the registration of one test per rule (its inline tests turned into
 * native records and compared across the source's forms), one per written fixture, and a check
 * that the forms were exercised. What a form is and how verdicts are compared stays in each test.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { autoCollector } from '../../services/collectors/auto.ts';
import { COLLECTOR_SPECS } from '../../services/collectors/registry.ts';
import type { ApiActivity } from '../../services/core/events.ts';
import type { CompiledRule } from '../../services/rules/compile.ts';
import { activityFindings, testEvents } from '../../services/rules/testing.ts';

export type Json = Record<string, unknown>;

const auto = autoCollector(COLLECTOR_SPECS);

/** The events `--source auto` makes of one rendering (throws on a dead letter: a form we cannot read is a failure). */
export function collectActivity(bytes: Buffer, name: string): ApiActivity[] {
  const out: ApiActivity[] = [];
  for (const o of auto.collect({ name, bytes })) {
    if (o.kind === 'dead_letter') throw new Error(`${name}: dead letter: ${o.reason}`);
    if (o.stream === 'activity') out.push(o.event as ApiActivity);
  }
  return out;
}

/** Findings of one rule over events, with windows, on a fresh state (as the inline-test runner does). */
export function ruleFindings(rule: CompiledRule, events: readonly ApiActivity[]): number {
  return activityFindings(rule, events).findings;
}

/** One written fixture: native records with the rule they must (or must not) fire. */
interface FormFixture {
  name: string;
  source?: string;
  rule: string;
  expect: boolean;
  records: Json[];
}

/** What registerFormTests needs from a source's form test. */
export interface FormTestOptions {
  /** The source's rules. */
  rules: readonly CompiledRule[];
  /** A test event back to the source's native record. */
  toRecord(event: ApiActivity): Json;
  /** Findings on the plain records (`baseline`) and the forms whose verdict differs from it. */
  verdicts(rule: CompiledRule, records: readonly Json[], label: string): { baseline: number; diffs: string[] };
  /** Folder of the written fixtures (`*.json`, arrays of FormFixture). */
  fixturesDir: string;
  /** In messages: "CloudTrail", "Kubernetes". */
  sourceName: string;
  /** In messages: what a plain record is ("record", "Event"). */
  plainName: string;
  /** Least numbers of rules and of inline tests rendered for the run to count. */
  minRules: number;
  minRendered: number;
}

/** Registers the per-rule, per-fixture and coverage tests of one source. */
export function registerFormTests(o: FormTestOptions): void {
  let renderedTests = 0;
  let roundTripMismatches = 0;
  for (const rule of o.rules) {
    test(`${rule.id}: every form and spelling of its test events gets the same verdict`, () => {
      const problems: string[] = [];
      for (const t of rule.tests) {
        let records: Json[];
        try {
          records = testEvents(rule, t).map(o.toRecord);
        } catch {
          continue;
        }
        const { baseline, diffs } = o.verdicts(rule, records, `${rule.id}/${t.name}`);
        renderedTests++;
        // A partial test event may not survive the trip through a native record (a field the
        // normalizer derives); those count as not rendered, the forms are still compared.
        if (baseline > 0 !== t.expect) roundTripMismatches++;
        for (const d of diffs) problems.push(`test "${t.name}" (expect ${t.expect}): ${d}`);
      }
      assert.deepEqual(problems, []);
    });
  }

  const fixtureFiles = readdirSync(o.fixturesDir).filter((f) => f.endsWith('.json'));
  for (const file of fixtureFiles) {
    const fixtures = JSON.parse(readFileSync(join(o.fixturesDir, file), 'utf8')) as FormFixture[];
    for (const fx of fixtures) {
      test(`fixture ${file}: ${fx.name}`, () => {
        const rule = o.rules.find((r) => r.id === fx.rule);
        assert.ok(rule, `no ${o.sourceName} rule ${fx.rule}`);
        const { baseline, diffs } = o.verdicts(rule, fx.records, `${file}/${fx.name}`);
        assert.equal(baseline > 0, fx.expect, `${fx.rule} on the plain ${o.plainName}`);
        assert.deepEqual(diffs, []);
      });
    }
  }

  test('the forms were exercised', () => {
    assert.ok(o.rules.length > o.minRules, `${o.rules.length} ${o.sourceName} rules`);
    assert.ok(renderedTests > o.minRendered, `${renderedTests} inline tests rendered`);
    // Most inline tests survive the trip to a native record with their expected verdict.
    assert.ok(roundTripMismatches < renderedTests * 0.1, `${roundTripMismatches} of ${renderedTests} changed verdict on the round trip`);
    assert.ok(fixtureFiles.length > 0);
  });
}
