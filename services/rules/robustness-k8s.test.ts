/**
 * Metamorphic robustness of the Kubernetes rules: every k8s_audit rule's inline tests are turned
 * back into audit.k8s.io/v1 Events (test/fixtures/k8s-forms/render.ts) and delivered in every
 * documented form (Event line, EventList, v1beta1, EKS via CloudWatch Logs, AKS diagnostics, AKS
 * table row); each must give the same verdict as the plain Event. The GKE Cloud Audit Logs form
 * cannot carry requestURI, annotations, groups or impersonatedUser, so it is compared with the plain Event without
 * them. The raw Events of test/fixtures/k8s-forms/*.json (written from the Kubernetes, EKS, GKE
 * and AKS docs, with their expected rule) go through the same forms.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { autoCollector } from '../collectors/auto.ts';
import { COLLECTOR_SPECS } from '../collectors/registry.ts';
import type { ApiActivity } from '../core/events.ts';
import { gkeEntry, K8S_FORMS, toK8sEvent, type Json } from '../../test/fixtures/k8s-forms/render.ts';
import type { CompiledRule } from './compile.ts';
import { ActivityRuleSet, applyWindows, emptyWindowState, loadRulePacks } from './index.ts';
import { testEvents } from './testing.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/k8s-forms/', import.meta.url));
const rules = loadRulePacks(['@builtin/activity']).filter((r) => r.sources?.includes('k8s_audit'));
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

/** The Event without what GKE's form cannot hold. */
function gkeComparable(ev: Json): Json {
  const { requestURI: _u, annotations: _a, impersonatedUser: _i, ...rest } = ev;
  const user = { ...((ev.user ?? {}) as Json) };
  delete user.groups;
  delete user.extra;
  delete user.uid;
  return { ...rest, user };
}

function verdicts(rule: CompiledRule, records: readonly Json[], label: string): { baseline: number; diffs: string[] } {
  const run = (bytesOf: (ev: Json) => Buffer, recs: readonly Json[], name: string): number =>
    findings(rule, recs.flatMap((r, i) => collect(bytesOf(r), `${label}/${name}#${i}`)));
  const plain = K8S_FORMS[0]!.render;
  const baseline = run(plain, records, 'plain');
  const diffs: string[] = [];
  const compare = (name: string, want: number, f: () => number): void => {
    try {
      const got = f();
      if (got > 0 !== want > 0) diffs.push(`${name}: ${got} finding(s), plain Event ${want}`);
    } catch (err) {
      diffs.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const form of K8S_FORMS) compare(form.name, baseline, () => run(form.render, records, form.name));
  // GKE logs non-resource requests (/healthz, /version) under other methods: only resource requests are rendered.
  if (records.some((r) => r.objectRef === undefined)) return { baseline, diffs };
  const lossy = records.map(gkeComparable);
  const reduced = run(plain, lossy, 'reduced');
  compare('GKE Cloud Audit Logs entry', reduced, () => run((ev) => Buffer.from(JSON.stringify(gkeEntry(ev))), lossy, 'gke'));
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
        records = testEvents(rule, t).map(toK8sEvent);
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
      assert.ok(rule, `no Kubernetes rule ${fx.rule}`);
      const { baseline, diffs } = verdicts(rule, fx.records, `${file}/${fx.name}`);
      assert.equal(baseline > 0, fx.expect, `${fx.rule} on the plain Event`);
      assert.deepEqual(diffs, []);
    });
  }
}

test('the forms were exercised', () => {
  assert.ok(rules.length > 40, `${rules.length} Kubernetes rules`);
  assert.ok(renderedTests > 150, `${renderedTests} inline tests rendered`);
  // Most inline tests survive the trip to a native record with their expected verdict.
  assert.ok(roundTripMismatches < renderedTests * 0.1, `${roundTripMismatches} of ${renderedTests} changed verdict on the round trip`);
  assert.ok(fixtureFiles.length > 0);
});
