/**
 * Unit tests of the engine: helpers, windows, the rule set index and the inline-test runner.
 * (One file, so the suite starts one process for them.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCelError, parse, plan } from '@bufbuild/cel';
import { RULE_ENV } from './env.ts';
import { globRegExp, inCidr, isPrivateIp, isPublicIp, network, policyAllowsAll, policyIsPublic } from './helpers.ts';
import { buildTestEvent, testEvents, runRuleTests, TEST_TIME } from './testing.ts';
import { activityBindings } from './view.ts';
import { compileRuleSources, loadRulePacks } from './loader.ts';
import { applyWindows, emptyWindowState, isEmptyState, type WindowDecision, type WindowState } from './windows.ts';
import type { CompiledRule } from './compile.ts';
import { ActivityRuleSet } from './ruleset.ts';

// ---- helpers ----
/** Evaluates CEL against a k8s/aws test event, as rules do. */
function cel(expr: string, partial: Record<string, unknown> = {}, source = 'aws_cloudtrail'): unknown {
  const r = plan(RULE_ENV, parse(expr))(activityBindings(buildTestEvent(partial, source)) as never);
  return isCelError(r) ? `error: ${r.message}` : r;
}

test('inCidr: IPv4, IPv6, lists, bare addresses and non-addresses', () => {
  assert.equal(inCidr('10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(inCidr('11.1.2.3', '10.0.0.0/8'), false);
  assert.equal(inCidr('2001:db8::5', '2001:db8::/32'), true);
  assert.equal(inCidr('10.1.2.3', ['192.168.0.0/16', '10.1.2.3']), true);
  assert.equal(inCidr('ec2.amazonaws.com', '0.0.0.0/0'), false);
  assert.equal(inCidr(null, '0.0.0.0/0'), false);
  assert.equal(inCidr('10.1.2.3', 'not-a-cidr'), false);
});

test('network: /24 for IPv4, /48 for IPv6, empty for anything else', () => {
  assert.equal(network('203.0.113.77'), '203.0.113.0/24');
  assert.equal(network('2001:db8:1:2::5'), '2001:db8:1::/48');
  assert.equal(network('2600:1f18::1'), '2600:1f18:0::/48');
  assert.equal(network('::ffff:192.0.2.1'), '192.0.2.0/24');
  assert.equal(network('::ffff:c000:0201'), '192.0.2.0/24');
  assert.equal(network('fe80::1%eth0'), 'fe80:0:0::/48');
  assert.equal(network('2a02:fa06:3caf:aa::1'), network('2a02:fa06:3caf:bb::9'));
  assert.notEqual(network('2a02:fa06:3caf::1'), network('2a02:fa06:3cb0::1'));
  for (const v of ['ec2.amazonaws.com', 'AWS Internal', '', null, 42]) assert.equal(network(v), '', String(v));
});

test('isPublicIp / isPrivateIp', () => {
  for (const ip of ['8.8.8.8', '45.33.32.156', '2600:1f18::1']) assert.equal(isPublicIp(ip), true, ip);
  for (const ip of ['10.0.0.1', '172.20.1.15', '192.168.10.20', '127.0.0.1', '169.254.169.254', '100.64.1.1', '198.51.100.7', '::1', 'fd00::1', 'AWS Internal', null]) {
    assert.equal(isPublicIp(ip), false, String(ip));
  }
  assert.equal(isPrivateIp('172.31.255.255'), true);
  assert.equal(isPrivateIp('172.32.0.1'), false);
});

test('glob: * and ?, escapes, anchoring, case', () => {
  assert.equal(globRegExp('Create*Key', false).test('CreateAccessKey'), true);
  assert.equal(globRegExp('Create*Key', false).test('CreateAccessKeys'), false);
  assert.equal(globRegExp('a?c', false).test('abc'), true);
  assert.equal(globRegExp('a\\*c', false).test('a*c'), true);
  assert.equal(globRegExp('a\\*c', false).test('abc'), false);
  assert.equal(globRegExp('*.EXE', true).test('cmd.exe'), true);
  assert.equal(globRegExp('a.b', false).test('axb'), false);
});

test('policyIsPublic: principal forms and conditions', () => {
  const stmt = (s: Record<string, unknown>) => JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', ...s }] });
  assert.equal(policyIsPublic(stmt({ Principal: '*' })), true);
  assert.equal(policyIsPublic(stmt({ Principal: { AWS: '*' } })), true);
  assert.equal(policyIsPublic(stmt({ Principal: { AWS: ['arn:aws:iam::1:root', '*'] } })), true);
  assert.equal(policyIsPublic(stmt({ Principal: { Service: 'cloudtrail.amazonaws.com' } })), false);
  assert.equal(policyIsPublic(stmt({ Principal: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })), false);
  assert.equal(policyIsPublic(stmt({ Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } })), true);
  assert.equal(policyIsPublic(JSON.stringify({ Statement: { Effect: 'Deny', Principal: '*' } })), false);
  assert.equal(policyIsPublic('not json'), false);
  assert.equal(policyIsPublic(null), false);
});

test('policyAllowsAll', () => {
  assert.equal(policyAllowsAll('{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'), true);
  assert.equal(policyAllowsAll('{"Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"*"}]}'), false);
  assert.equal(policyAllowsAll('{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::x"}]}'), false);
});

test('get: paths through maps and lists, defaults, list-form paths, missing steps give null', () => {
  const e = { unmapped: { requestParameters: { items: [{ a: 1 }, { 'x.y': 'dotted' }] } } };
  assert.equal(cel("get(event.unmapped, 'requestParameters.items.0.a') == 1", e), true);
  assert.equal(cel("get(event.unmapped, ['requestParameters', 'items', '1', 'x.y'])", e), 'dotted');
  assert.equal(cel("get(event.unmapped, 'requestParameters.nope.deeper') == null", e), true);
  assert.equal(cel("get(event.unmapped, 'requestParameters.nope', 'dflt')", e), 'dflt');
  assert.equal(cel("event.unmapped.requestParameters.nope == 1", e), 'error: field not found: nope');
});

test('json, toJson, values, str, lower, containsAny', () => {
  assert.equal(cel(`json('{"a":[1,2]}').a[1] == 2`), true);
  assert.equal(cel(`json('nope') == null`), true);
  assert.equal(cel(`toJson(json('{"a":1}'))`), '{"a":1}');
  assert.equal(cel(`size(values(null)) == 0 && size(values('x')) == 1 && size(values(['a', 'b'])) == 2`), true);
  assert.equal(cel(`str(null) == '' && str(12) == '12' && str(true) == 'true' && lower('AbC') == 'abc'`), true);
  assert.equal(cel(`containsAny(event.user_agent, ['BOTO3', 'aws-cli'])`, { user_agent: 'aws-cli/2.15.0' }), true);
  assert.equal(cel(`containsAny(event.user_agent, ['boto3'])`, { user_agent: null }), false);
});

test('k8sRef and k8sPodSpec read native and GKE bodies', () => {
  const pod = {
    api: { operation: 'create', service_name: 'k8s:apps/deployments' },
    resources: [{ uid: 'apps/namespaces/shop/deployments/web', type: 'deployments', name: 'web' }],
    unmapped: { requestObject: { kind: 'Deployment', spec: { template: { spec: { hostNetwork: true, initContainers: [{ name: 'i' }], containers: [{ name: 'c' }] } } } } },
  };
  assert.equal(cel("k8sRef(event, 'namespace') + '|' + k8sRef(event, 'resource') + '|' + k8sRef(event, 'apiGroup') + '|' + k8sRef(event, 'name')", pod, 'k8s_audit'), 'shop|deployments|apps|web');
  assert.equal(cel("get(k8sPodSpec(event), 'hostNetwork') == true && size(k8sContainers(event)) == 2", pod, 'k8s_audit'), true);
  const gke = { api: { operation: 'create', service_name: 'k8s:core/pods/exec' }, unmapped: { protoPayload: { request: { metadata: { namespace: 'ns1' }, spec: { hostPID: true } } } } };
  assert.equal(cel("k8sRef(event, 'subresource') == 'exec' && k8sRef(event, 'apiGroup') == '' && k8sRef(event, 'namespace') == 'ns1'", gke, 'k8s_audit'), true);
  assert.equal(cel("get(k8sPodSpec(event), 'hostPID') == true", gke, 'k8s_audit'), true);
  assert.equal(cel('k8sPodSpec(event) == null', { api: { operation: 'get', service_name: 'k8s:core/pods' } }, 'k8s_audit'), true);
});

test('unmapped is parsed only when a rule reads it', () => {
  const e = buildTestEvent({ api: { operation: 'X', service_name: 'y' } }, 'aws_cloudtrail');
  let parses = 0;
  const text = e.unmapped;
  Object.defineProperty(e, 'unmapped', { get: () => (parses++, text) });
  const b = activityBindings(e);
  plan(RULE_ENV, parse("event.api.operation == 'X'"))(b as never);
  assert.equal(parses, 0);
  plan(RULE_ENV, parse("has(event.unmapped.x)"))(b as never);
  plan(RULE_ENV, parse("has(event.unmapped.y)"))(b as never);
  assert.equal(parses, 1);
});

// ---- windows ----
function compile(extra: string): CompiledRule {
  const text = `rules:\n  - id: t.w\n    title: t\n    description: d\n    severity: low\n    applies_to: { sources: [aws_cloudtrail] }\n    condition: 'true'\n${extra}`;
  const { rules, problems } = compileRuleSources([{ file: 'w.yaml', text }]);
  assert.deepEqual(problems, []);
  return rules[0]!;
}

const MIN = 60_000;
function feed(rule: CompiledRule, state: WindowState, steps: Array<{ t: number; uid: string; ip?: string; key?: string }>): WindowDecision[] {
  return steps.map(({ t, uid, ip, key }) => {
    const e = buildTestEvent({ time: t, metadata: { uid }, src_endpoint: { ip: ip ?? '203.0.113.1' }, unmapped: { k: key ?? 'a' } }, 'aws_cloudtrail');
    return applyWindows(rule, activityBindings(e), { time: t, uid }, state);
  });
}
const emitted = (ds: WindowDecision[]): boolean[] => ds.map((d) => d.emit);

test('a stateless rule emits every match with the event uid as id part', () => {
  const rule = compile('');
  const state = emptyWindowState();
  const [d] = feed(rule, state, [{ t: 0, uid: 'e1' }]);
  assert.deepEqual(d, { emit: true, idParts: ['e1'], count: 1, firstSeen: 0, lastSeen: 0, related: ['e1'], thresholdKey: null, dedupKey: null });
  assert.ok(isEmptyState(state));
});

test('threshold: fires on the Nth match inside the sliding window, then starts over', () => {
  const rule = compile('    threshold: { count: 3, window: 10m }\n');
  const state = emptyWindowState();
  const ds = feed(rule, state, [
    { t: 0, uid: 'a' },
    { t: 11 * MIN, uid: 'b' }, // a has left the window
    { t: 12 * MIN, uid: 'c' },
    { t: 13 * MIN, uid: 'd' }, // b, c, d within 10 minutes: fire
    { t: 14 * MIN, uid: 'e' }, // starts over
  ]);
  assert.deepEqual(emitted(ds), [false, false, false, true, false]);
  const fire = ds[3] as Extract<WindowDecision, { emit: true }>;
  assert.deepEqual(fire.idParts, ['threshold', '', String(11 * MIN)]);
  assert.deepEqual(fire.related, ['b', 'c', 'd']);
  assert.equal(fire.count, 3);
  assert.equal(fire.firstSeen, 11 * MIN);
  assert.equal(fire.lastSeen, 13 * MIN);
});

test('threshold keyed by a CEL expression keeps separate windows inside one state', () => {
  const rule = compile("    threshold: { count: 2, window: 10m, key: 'event.src_endpoint.ip' }\n");
  const state = emptyWindowState();
  const ds = feed(rule, state, [
    { t: 0, uid: 'a', ip: '1.1.1.1' },
    { t: 1, uid: 'b', ip: '2.2.2.2' },
    { t: 2, uid: 'c', ip: '1.1.1.1' },
  ]);
  assert.deepEqual(emitted(ds), [false, false, true]);
  assert.equal((ds[2] as Extract<WindowDecision, { emit: true }>).thresholdKey, '1.1.1.1');
  assert.deepEqual(Object.keys(state.slots), ['t\u0000t.w\u00002.2.2.2']);
});

test('threshold with distinct counts values, not events', () => {
  const rule = compile("    threshold: { count: 3, window: 10m, distinct: \"get(event.unmapped, 'k')\" }\n");
  const state = emptyWindowState();
  const ds = feed(rule, state, [
    { t: 0, uid: '1', key: 'x' },
    { t: 1, uid: '2', key: 'x' },
    { t: 2, uid: '3', key: 'y' },
    { t: 3, uid: '4', key: 'y' },
    { t: 4, uid: '5', key: 'z' },
  ]);
  assert.deepEqual(emitted(ds), [false, false, false, false, true]);
});

test('dedup: one finding per key per period, id from key and period start', () => {
  const rule = compile("    dedup: { key: 'event.src_endpoint.ip', period: 1h }\n");
  const state = emptyWindowState();
  const ds = feed(rule, state, [
    { t: 0, uid: 'a', ip: '1.1.1.1' },
    { t: 10 * MIN, uid: 'b', ip: '1.1.1.1' },
    { t: 20 * MIN, uid: 'c', ip: '2.2.2.2' },
    { t: 61 * MIN, uid: 'd', ip: '1.1.1.1' },
  ]);
  assert.deepEqual(emitted(ds), [true, false, true, true]);
  assert.deepEqual((ds[0] as Extract<WindowDecision, { emit: true }>).idParts, ['dedup', '1.1.1.1', '0']);
  assert.deepEqual((ds[3] as Extract<WindowDecision, { emit: true }>).idParts, ['dedup', '1.1.1.1', String(61 * MIN)]);
  assert.deepEqual(ds[1], { emit: false, reason: 'deduplicated' });
});

test('threshold then dedup: a second burst inside the dedup period is held back', () => {
  const rule = compile("    threshold: { count: 2, window: 5m }\n    dedup: { key: \"'all'\", period: 1h }\n");
  const state = emptyWindowState();
  const ds = feed(rule, state, [0, 1, 2, 3, 70 * MIN, 71 * MIN].map((m, i) => ({ t: m * (m < 10 ? MIN : 1), uid: `u${i}` })));
  assert.deepEqual(emitted(ds), [false, true, false, false, false, true]);
});

test('state is bounded: expired slots go, then the ones expiring first', () => {
  const rule = compile("    dedup: { key: \"get(event.unmapped, 'k')\", period: 1h }\n");
  const state = emptyWindowState();
  const steps = Array.from({ length: 300 }, (_, i) => ({ t: i * 1000, uid: `u${i}`, key: `k${i}` }));
  feed(rule, state, steps);
  assert.equal(Object.keys(state.slots).length, 256);
  assert.ok(!(`d\u0000t.w\u0000k0` in state.slots));
  assert.ok(`d\u0000t.w\u0000k299` in state.slots);
  feed(rule, state, [{ t: 10 * 60 * MIN, uid: 'late', key: 'k-late' }]);
  assert.deepEqual(Object.keys(state.slots), ['d\u0000t.w\u0000k-late']);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(state)));
});

// ---- ruleset ----
const TEXT = `rules:
  - id: t.by_op
    title: t
    description: d
    severity: low
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.operation in ['StopLogging', 'DeleteTrail'] && event.status_id == 1
  - id: t.by_lower_op
    title: t
    description: d
    severity: low
    applies_to: { sources: [aws_cloudtrail, k8s_audit] }
    condition: lower(event.api.operation) == 'create' || event.api.operation.lowerAscii() == 'stoplogging'
  - id: t.by_service
    title: t
    description: d
    severity: low
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.service_name == 'cloudtrail.amazonaws.com' && event.api.operation.startsWith('Stop')
  - id: t.always
    title: t
    description: d
    severity: low
    applies_to: { classes: [6003] }
    condition: event.actor.user.type == 'Root'
  - id: t.by_pattern
    title: t
    description: d
    severity: low
    applies_to: { sources: [azure_activity] }
    condition: event.status_id == 1 && (event.api.operation == 'MICROSOFT.AUTHORIZATION/LOCKS/DELETE' || event.api.operation.endsWith('/PROVIDERS/MICROSOFT.AUTHORIZATION/LOCKS/DELETE') || lower(event.api.operation).startsWith('microsoft.insights/'))
`;

test('the index keys rules by source, operation (case-insensitive) and service', () => {
  const { rules } = compileRuleSources([{ file: 'r.yaml', text: TEXT }]);
  const set = new ActivityRuleSet(rules);
  const ids = (partial: Record<string, unknown>, source = 'aws_cloudtrail') => set.candidates(buildTestEvent(partial, source)).map((r) => r.id);
  assert.deepEqual(ids({ api: { operation: 'StopLogging', service_name: 'cloudtrail.amazonaws.com' } }), ['t.by_op', 't.by_lower_op', 't.by_service', 't.always']);
  assert.deepEqual(ids({ api: { operation: 'stoplogging', service_name: 's3.amazonaws.com' } }), ['t.by_op', 't.by_lower_op', 't.always']);
  assert.deepEqual(ids({ api: { operation: 'ListBuckets', service_name: 's3.amazonaws.com' } }), ['t.always']);
  assert.deepEqual(ids({ api: { operation: 'create', service_name: 'k8s:core/pods' } }, 'k8s_audit'), ['t.by_lower_op', 't.always']);
  assert.deepEqual(ids({ api: { operation: 'DeleteTrail', service_name: 'cloudtrail.amazonaws.com' } }, 'azure_activity'), ['t.always']);
  // Operation patterns: exact values, suffixes and prefixes, compared lower-cased.
  const azure = (operation: string) => ids({ api: { operation, service_name: 'MICROSOFT.AUTHORIZATION' } }, 'azure_activity');
  assert.deepEqual(azure('MICROSOFT.AUTHORIZATION/LOCKS/DELETE'), ['t.always', 't.by_pattern']);
  assert.deepEqual(azure('MICROSOFT.RESOURCES/SUBSCRIPTIONS/RESOURCEGROUPS/PROVIDERS/MICROSOFT.AUTHORIZATION/LOCKS/DELETE'), ['t.always', 't.by_pattern']);
  assert.deepEqual(azure('Microsoft.Insights/ActivityLogAlerts/Delete'), ['t.always', 't.by_pattern']);
  assert.deepEqual(azure('MICROSOFT.AUTHORIZATION/LOCKS/WRITE'), ['t.always']);
  const rule = rules.find((r) => r.id === 't.by_pattern')!;
  assert.equal(rule.operations, null);
  assert.deepEqual(rule.operationPatterns, {
    exact: ['microsoft.authorization/locks/delete'],
    prefix: ['microsoft.insights/'],
    suffix: ['/providers/microsoft.authorization/locks/delete'],
    contains: [],
  });
});

test('the index never hides a match: on every test event of the bundled pack, indexed evaluation equals evaluating every rule', () => {
  const rules = loadRulePacks(['@builtin/activity']);
  const set = new ActivityRuleSet(rules);
  let events = 0;
  let matched = 0;
  for (const rule of rules) {
    for (const t of rule.tests) {
      for (const e of testEvents(rule, t).slice(0, 3)) {
        events++;
        const indexed = set.evaluate(e).matches.map((r) => r.id).sort();
        const b = activityBindings(e);
        const brute = rules.filter((r) => (r.sources === null || r.sources.includes(e.metadata.source)) && r.test(b) === true).map((r) => r.id).sort();
        assert.deepEqual(indexed, brute, `${rule.id} / ${t.name}`);
        matched += indexed.length;
      }
    }
  }
  assert.ok(events > 400 && matched > 200, `${events} events, ${matched} matches`);
});

test('evaluation errors are reported per rule, not thrown', () => {
  const { rules } = compileRuleSources([
    { file: 'e.yaml', text: "rules:\n  - id: t.err\n    title: t\n    description: d\n    severity: low\n    applies_to: { sources: [aws_cloudtrail] }\n    condition: event.unmapped.requestParameters.x == 1\n" },
  ]);
  const ev = new ActivityRuleSet(rules).evaluate(buildTestEvent({ api: { operation: 'X', service_name: 'y' } }, 'aws_cloudtrail'));
  assert.deepEqual(ev.matches, []);
  assert.equal(ev.errors.length, 1);
  assert.match(ev.errors[0]!.error, /requestParameters/);
});

// ---- testing ----
test('buildTestEvent: defaults per source, deep merge, derived status and type, serialized unmapped', () => {
  const e = buildTestEvent({ status: 'Failure', activity_id: 4, api: { operation: 'DeleteTrail' }, unmapped: { requestParameters: { name: 't' } } }, 'aws_cloudtrail');
  assert.equal(e.status_id, 2);
  assert.equal(e.type_uid, 600304);
  assert.equal(e.api.operation, 'DeleteTrail');
  assert.equal(e.api.service_name, 'unknown');
  assert.equal(e.cloud.provider, 'AWS');
  assert.equal(e.metadata.source, 'aws_cloudtrail');
  assert.equal(e.time, TEST_TIME);
  assert.deepEqual(JSON.parse(e.unmapped), { requestParameters: { name: 't' } });
  assert.equal(buildTestEvent({}, 'k8s_audit').cloud.provider, 'Kubernetes');
  assert.equal(buildTestEvent({ status_id: 0 }, 'azure_activity').status, 'Unknown');
});

test('buildTestEvent: a field the event does not have is an error (typos do not pass silently)', () => {
  assert.throws(() => buildTestEvent({ api: { operaton: 'X' } }, 'aws_cloudtrail'), /no field api\.operaton/);
  assert.throws(() => buildTestEvent({ uid: 'x' }, 'aws_cloudtrail'), /no field uid/);
  assert.doesNotThrow(() => buildTestEvent({ unmapped: { anything: { goes: 1 } } }, 'aws_cloudtrail'));
});

const RULE = `rules:
  - id: t.burst
    title: t
    description: d
    severity: low
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.operation == 'GetObject'
    threshold: { count: 3, window: 1m, distinct: "get(event.unmapped, 'k')" }
    tests:
      - { name: distinct keys, expect: true, findings: 1, repeat: 3, interval: 10s, event: { api: { operation: GetObject }, unmapped: { k: 'key-{i}' } } }
      - { name: same key, expect: true, repeat: 3, event: { api: { operation: GetObject }, unmapped: { k: same } } }
      - { name: record, expect: false, record: { eventName: GetObject, eventSource: s3.amazonaws.com, eventTime: '2024-01-01T00:00:00Z' } }
      - { name: bad record, expect: false, record: { nothing: here } }
`;

test('repeat numbers uids, times and {i}; failures say why', () => {
  const { rules, problems } = compileRuleSources([{ file: 't.yaml', text: RULE }]);
  assert.deepEqual(problems, []);
  const rule = rules[0]!;
  const evs = testEvents(rule, rule.tests[0]!);
  assert.deepEqual(evs.map((e) => e.metadata.uid), ['test-event-0#0', 'test-event-0#1', 'test-event-0#2']);
  assert.deepEqual(evs.map((e) => e.time - TEST_TIME), [0, 10_000, 20_000]);
  assert.deepEqual(evs.map((e) => JSON.parse(e.unmapped).k), ['key-0', 'key-1', 'key-2']);
  const results = runRuleTests(rule);
  assert.deepEqual(results.map((r) => r.ok), [true, false, true, false]);
  assert.match(results[1]!.message, /expected a finding, got 0 over 3 event\(s\)/);
  assert.match(results[3]!.message, /could not build the test events: .*not a CloudTrail event/);
});
