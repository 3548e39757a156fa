/**
 * Everything Sluice emits is valid OCSF 1.8.0, checked against the official compiled schema
 * (schemas/ocsf/): the OCSF form of every event the collectors make from the repository's
 * fixtures, of every event in the rule packs' inline tests, and of the findings those tests raise.
 * (The test runner also sets SLUICE_OCSF_ASSERT=1, so every finding any test writes to a sink,
 * and every event any collector test checks, is validated on the spot.)
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { collectorFor } from '../../services/cli/collectors.ts';
import { normalizeFiles } from '../../services/cli/normalize.ts';
import type { EventMeta } from '../../services/core/components.ts';
import type { ConfigState } from '../../services/core/model/config-state.ts';
import { apiActivityToOcsf, findingToOcsf, ocsfProblems, type OcsfProblem } from '../../services/core/ocsf/index.ts';
import { postureFinding } from '../../services/detectors/posture/finding.ts';
import { toFinding } from '../../services/detectors/signatures/finding.ts';
import { applyWindows, emptyWindowState, ActivityRuleSet } from '../../services/rules/index.ts';
import { BUILTIN_PACKS_DIR, compileRuleSources } from '../../services/rules/loader.ts';
import { testEvents } from '../../services/rules/testing.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

/** Fixture folder -> collector type, and the fewest OCSF events it must yield (so the check cannot pass on nothing). */
const SOURCES: ReadonlyArray<readonly [string, string, number]> = [
  ['cloudtrail', 'aws_cloudtrail', 100],
  ['azure_activity', 'azure_activity', 10],
  ['gcp_audit', 'gcp_audit', 20],
  ['k8s_audit', 'k8s_audit', 20],
  ['aws_config', 'aws_config', 20],
  ['config_files', 'config_files', 60],
  ['hubble_flows', 'hubble_flows', 40],
  ['tetragon', 'tetragon', 5],
  ['vpc_flow_logs', 'vpc_flow_logs', 10],
];

function describe(problems: readonly OcsfProblem[]): string {
  return problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join('; ');
}

for (const [dir, type, min] of SOURCES) {
  test(`${type}: the OCSF form of every event normalized from test/fixtures/${dir} is valid OCSF 1.8.0`, async () => {
    const lines: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    await normalizeFiles(collectorFor(type), [join(FIXTURES, dir)], out, undefined, undefined, 'ocsf');
    assert.ok(lines.length >= min, `only ${lines.length} events from ${dir}`);
    for (const line of lines) {
      const e = JSON.parse(line) as { class_uid: number; metadata: { uid: string } };
      const problems = ocsfProblems(e);
      assert.deepEqual(problems, [], `${dir} event ${e.metadata.uid} (class ${e.class_uid}): ${describe(problems)}`);
    }
  });
}

function yamlFiles(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((x) => {
    const p = join(d, x.name);
    return x.isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(x.name) ? [p] : [];
  });
}

const { rules } = compileRuleSources(yamlFiles(BUILTIN_PACKS_DIR).sort().map((f) => ({ file: relative(BUILTIN_PACKS_DIR, f), text: readFileSync(f, 'utf8') })));
const META: EventMeta = { key: 'test-key', topic: 'sluice.activity.v1', partition: 0, offset: '0' };

test('rule packs: every inline test event in OCSF form, and every finding it raises, is valid OCSF 1.8.0', () => {
  let events = 0;
  let findings = 0;
  for (const rule of rules.filter((r) => r.input === 'activity')) {
    const set = new ActivityRuleSet([{ ...rule, enabled: true }]);
    for (const t of rule.tests) {
      const state = emptyWindowState();
      for (const e of testEvents(rule, t)) {
        events++;
        const ep = ocsfProblems(apiActivityToOcsf(e));
        assert.deepEqual(ep, [], `${rule.id} / ${t.name}: event: ${describe(ep)}`);
        const ev = set.evaluate(e);
        for (const r of ev.matches) {
          const d = applyWindows(r, ev.bindings!, { time: e.time, uid: e.metadata.uid }, state);
          if (!d.emit) continue;
          findings++;
          const fp = ocsfProblems(findingToOcsf(toFinding(rule, rule.severity, e, META, d)));
          assert.deepEqual(fp, [], `${rule.id} / ${t.name}: finding: ${describe(fp)}`);
        }
      }
    }
  }
  assert.ok(events > 1000 && findings > 400, `only ${events} events and ${findings} findings`);
});

test('posture rules: the Compliance Finding (2003) of every resource rule, failing and resolved, is valid OCSF 1.8.0', () => {
  const resourceRules = rules.filter((r) => r.input === 'resource');
  assert.ok(resourceRules.length > 50, `only ${resourceRules.length} resource rules`);
  for (const rule of resourceRules) {
    const e: ConfigState = {
      class_uid: 5023,
      category_uid: 5,
      activity_id: 2,
      type_uid: 502302,
      time: 1_700_000_000_000,
      metadata: { uid: `cfg-${rule.id}`, version: '1.8.0', product_name: 'Config', vendor_name: 'AWS', log_name: null, original_time: '', source: 'aws_config' },
      resource: { uid: 'arn:aws:s3:::bucket', type: 'AWS::S3::Bucket', name: 'bucket', account_uid: '123456789012', region: 'us-east-1', tags: [] },
      change_type: 'update',
      source: 'aws_config',
      configuration: '{}',
      configuration_hash: null,
      status: null,
      relationships: [],
      location: null,
      unmapped: '{}',
      raw_data: null,
    };
    for (const status of ['fail', 'pass'] as const) {
      const o = findingToOcsf(postureFinding(rule, status, e, META, status === 'fail' ? 'the condition holds' : 'resolved'));
      const p = ocsfProblems(o);
      assert.deepEqual(p, [], `${rule.id} ${status}: ${describe(p)}`);
      assert.equal((o.compliance as { status: string }).status, status === 'fail' ? 'Fail' : 'Pass');
    }
  }
});

test('the fixture folders this test reads exist', () => {
  for (const [dir] of SOURCES) assert.ok(existsSync(join(FIXTURES, dir)), dir);
});
