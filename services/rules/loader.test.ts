import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SluiceError } from '../core/errors.ts';
import { compileRuleSources, loadRulePacks, resolvePackDir, BUILTIN_PACKS_DIR } from './loader.ts';
import { wrap } from './view.ts';

const GOOD = `rules:
  - id: t.stop_logging
    title: Logging stopped
    description: d
    severity: high
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.operation == 'StopLogging' && event.status_id == 1
    mitre: [TA0005:T1562.008, T1078]
`;

function rule(id: string, extra: string): string {
  return `  - id: ${id}\n    title: t\n    description: d\n    severity: low\n    applies_to: { sources: [aws_cloudtrail] }\n${extra}`;
}

const problemsOf = (text: string): string[] =>
  compileRuleSources([{ file: 'p.yaml', text }]).problems.map((p) => `${p.line ?? '-'} ${p.rule ?? '-'}: ${p.problem}`);

test('a good rule compiles: severity, MITRE with and without tactic, operation index', () => {
  const { rules, problems } = compileRuleSources([{ file: 'p.yaml', text: GOOD }]);
  assert.deepEqual(problems, []);
  const r = rules[0]!;
  assert.equal(r.id, 't.stop_logging');
  assert.deepEqual(r.mitre, [{ technique_uid: 'T1562.008', tactic: 'TA0005' }, { technique_uid: 'T1078' }]);
  assert.deepEqual([...(r.operations ?? [])], ['stoplogging']);
  assert.equal(r.line, 2);
});

test('YAML syntax errors name the line', () => {
  const p = problemsOf('rules:\n  - id: x\n    title: [unclosed\n');
  assert.equal(p.length, 1);
  assert.match(p[0]!, /^\d+ -: YAML error/);
});

test('schema problems name the rule, the field and its line', () => {
  const p = problemsOf("rules:\n  - id: t.a\n    title: t\n    description: d\n    severity: extreme\n    applies_to: { sources: [aws_cloudtrail] }\n    condition: 'true'\n");
  assert.ok(p.some((x) => /^5 t\.a: severity: Invalid option/.test(x)), p.join('\n'));
  const missing = problemsOf('rules:\n  - id: t.b\n    title: t\n    severity: low\n    applies_to: { sources: [aws_cloudtrail] }\n    condition: "true"\n');
  assert.ok(missing.some((x) => / t\.b: description: /.test(x)), missing.join('\n'));
  const unknownKey = problemsOf(`rules:\n${rule('t.c', "    condition: 'true'\n    severty: high\n")}`);
  assert.ok(unknownKey.some((x) => /Unrecognized key.*severty/.test(x)), unknownKey.join('\n'));
});

test('CEL problems: syntax, unknown field, unknown function, wrong arity, literal type, bad CIDR, other input, non-boolean', () => {
  const cases: Array<[string, RegExp]> = [
    ["event.api.operation == ", /CEL syntax error/],
    ["event.api.operaton == 'x'", /event\.api has no field "operaton"/],
    ["nosuch(event.api.operation)", /unknown function "nosuch"/],
    ["glob(event.api.operation)", /glob\(…\) with 1 argument\(s\) does not exist/],
    ["event.status_id == '1'", /event\.status_id is a number, compared with a string literal/],
    ["event.api.operation in [1, 2]", /is a string, but the list holds a number literal/],
    ["inCidr(event.src_endpoint.ip, '10.0.0.0/33')", /"10\.0\.0\.0\/33" is not a CIDR/],
    ["resource.kind == 'Bucket'", /"resource" is the variable of resource rules/],
    ["event.api.operation", /must be a boolean expression; it gives a string/],
    ["event.api.operation == null", /is never null/],
    ["event.time.startsWith('1')", /startsWith\(\) needs a string/],
    ["event.api.operation.matches('(unclosed')", /is not a valid RE2 pattern/],
  ];
  for (const [cond, re] of cases) {
    const p = problemsOf(`rules:\n${rule('t.cel', `    condition: ${JSON.stringify(cond)}\n`)}`);
    assert.ok(p.some((x) => re.test(x) && x.startsWith('7 t.cel: condition:')), `${cond}\n${p.join('\n')}`);
  }
});

test('dedup and threshold expressions are checked too, and windows are bounded', () => {
  const p = problemsOf(`rules:\n${rule('t.w', "    condition: 'true'\n    dedup: { key: 'event.nope', period: 60d }\n    threshold: { count: 3, window: 1h, distinct: 'foo(1)' }\n")}`);
  assert.ok(p.some((x) => /dedup\.key: event has no field "nope"/.test(x)), p.join('\n'));
  assert.ok(p.some((x) => /threshold\.distinct: unknown function "foo"/.test(x)), p.join('\n'));
  assert.ok(p.some((x) => /dedup\.period must be between 1s and 30d/.test(x)), p.join('\n'));
});

test('inline tests are validated: exactly one of event/events/record/records', () => {
  const p = problemsOf(`rules:\n${rule('t.t', "    condition: 'true'\n    tests:\n      - { name: both, expect: true, event: {}, record: {} }\n")}`);
  assert.ok(p.some((x) => /exactly one of event, events, record, records/.test(x)), p.join('\n'));
});

test('duplicate ids across files are reported with both places', () => {
  const { problems } = compileRuleSources([
    { file: 'a.yaml', text: GOOD },
    { file: 'b.yaml', text: GOOD },
  ]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.file, 'b.yaml');
  assert.match(problems[0]!.problem, /duplicate rule id \(also in a\.yaml:2\)/);
});

test('loadRulePacks throws SLUICE_ERR_CONFIG_INVALID listing every problem; disabled rules are left out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-rules-'));
  try {
    mkdirSync(join(dir, 'aws'));
    writeFileSync(join(dir, 'aws', 'good.yaml'), GOOD + rule('t.off', "    condition: 'true'\n    enabled: false\n"));
    assert.deepEqual(loadRulePacks([dir]).map((r) => r.id), ['t.stop_logging']);
    writeFileSync(join(dir, 'aws', 'bad.yml'), `rules:\n${rule('t.bad', "    condition: 'event.x == 1'\n")}`);
    assert.throws(
      () => loadRulePacks([dir, join(dir, 'missing')]),
      (err: unknown) => {
        assert.ok(err instanceof SluiceError);
        assert.equal(err.code, 'SLUICE_ERR_CONFIG_INVALID');
        assert.match(err.message, /2 problems/);
        assert.match(err.message, /bad\.yml:7 rule t\.bad: condition: event has no field "x"/);
        assert.match(err.message, /missing: rule pack directory does not exist/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('@builtin/<name> names a bundled pack', () => {
  assert.equal(resolvePackDir('@builtin/activity'), join(BUILTIN_PACKS_DIR, 'activity'));
  assert.notEqual(resolvePackDir('./activity'), join(BUILTIN_PACKS_DIR, 'activity'));
});

test('a resource (posture) rule binds `resource`, may not read `event`, and evaluates on a configuration object', () => {
  const head = "rules:\n  - id: t.bucket_public\n    title: t\n    description: d\n    severity: high\n    applies_to: { input: resource, classes: [5002] }\n";
  const { rules, problems } = compileRuleSources([{ file: 'r.yaml', text: `${head}    condition: \"get(resource, 'configuration.acl') == 'public-read'\"\n` }]);
  assert.deepEqual(problems, []);
  const r = rules[0]!;
  assert.equal(r.input, 'resource');
  assert.equal(r.test({ resource: wrap({ configuration: { acl: 'public-read' } }) }), true);
  assert.equal(r.test({ resource: wrap({ configuration: { acl: 'private' } }) }), false);
  const bad = compileRuleSources([{ file: 'r.yaml', text: `${head}    condition: \"event.api.operation == 'x'\"\n` }]).problems;
  assert.match(bad[0]!.problem, /"event" is the variable of activity rules; resource rules read resource/);
});

test('the precompiled form keeps every index key, operation patterns included, and the rules answer the same', async () => {
  const { precompilePacks } = await import('./precompiled.ts');
  const { compileRule } = await import('./compile.ts');
  const { readdirSync, readFileSync } = await import('node:fs');
  const { relative } = await import('node:path');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : /\.ya?ml$/.test(d.name) ? [join(dir, d.name)] : []));
  const activity = join(BUILTIN_PACKS_DIR, 'activity');
  const { rules } = compileRuleSources(files(activity).map((f) => ({ file: relative(activity, f), text: readFileSync(f, 'utf8') })));
  const byId = new Map(rules.map((r) => [r.id, r]));
  const pre = precompilePacks(activity, byId);
  let patterned = 0;
  for (const entries of Object.values(pre.files)) {
    for (const e of JSON.parse(JSON.stringify(entries)) as typeof entries) {
      const full = byId.get(e.doc.id)!;
      const r = compileRule(e.doc, { file: 'x', line: e.line }, { prechecked: { operations: e.operations, services: e.services, operationPatterns: e.operationPatterns ?? null } }).rule!;
      assert.deepEqual(r.operations, full.operations, e.doc.id);
      assert.deepEqual(r.services, full.services, e.doc.id);
      assert.deepEqual(r.operationPatterns, full.operationPatterns, e.doc.id);
      if (r.operationPatterns !== null) patterned++;
    }
  }
  assert.ok(patterned >= 3, `only ${patterned} rules keyed by operation patterns`);
});
