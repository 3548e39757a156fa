import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileRuleSources, formatProblems } from '../loader.ts';
import { ActivityRuleSet } from '../ruleset.ts';
import { buildTestEvent } from '../testing.ts';
import { importSigma } from './index.ts';
import { parseCondition } from './condition.ts';
import type { ApiActivity } from '../../core/events.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const ALL = ['cloudtrail_logging.yml', 'cloudtrail_modifiers.yml', 'azure_nsg.yml', 'k8s_exec.yml', 'unsupported.yml'].map(fixture);

function load(files: string[]): { set: ActivityRuleSet; ids: string[]; report: ReturnType<typeof importSigma>['report'] } {
  const { yaml, report } = importSigma(files);
  const { rules, problems } = compileRuleSources([{ file: 'imported.yaml', text: yaml }]);
  assert.equal(problems.length, 0, formatProblems(problems));
  return { set: new ActivityRuleSet(rules), ids: rules.map((r) => r.id), report };
}

const matches = (set: ActivityRuleSet, e: ApiActivity): string[] => set.evaluate(e).matches.map((r) => r.id);

test('the supported fixtures convert into rules the loader compiles, one per Sigma document', () => {
  const { ids } = load(ALL);
  assert.deepEqual(ids.sort(), [
    'sigma.azure_key_vault_deleted',
    'sigma.cloudtrail_trail_stopped_or_deleted',
    'sigma.kubernetes_exec_by_a_person',
    'sigma.kubernetes_privileged_pod_keyword',
    'sigma.network_security_group_rule_changed',
    'sigma.suspicious_console_activity_mix',
  ]);
});

test('every unsupported construct is reported with its reason, never dropped silently', () => {
  const { report } = importSigma([fixture('unsupported.yml')]);
  const skipped = report.filter((r) => r.problem.startsWith('not converted'));
  assert.equal(skipped.length, 6);
  const text = skipped.map((r) => `${r.rule}: ${r.problem}`).join('\n');
  for (const expected of ['aggregation', '|base64offset', 'logsource', '"filter"', 'timeframe', 'RE2']) assert.match(text, new RegExp(expected.replace(/[|]/g, '\\|')));
  assert.ok(skipped.every((r) => r.file.includes('unsupported.yml#')));
});

test('metadata: level, ATT&CK tags with the tactic, URL references only, false positives in the description', () => {
  const { yaml, report } = importSigma([fixture('cloudtrail_logging.yml')]);
  assert.match(yaml, /severity: high/);
  assert.match(yaml, /TA0005:T1562\.008/);
  assert.match(yaml, /https:\/\/docs\.aws\.amazon\.com/);
  assert.doesNotMatch(yaml, /internal wiki page/);
  assert.match(yaml, /False positives: Planned trail migrations/);
  assert.ok(report.some((r) => r.problem.includes('not URLs')));
});

test('CloudTrail: lists, endswith filter, case-insensitive values', () => {
  const { set } = load([fixture('cloudtrail_logging.yml')]);
  const id = 'sigma.cloudtrail_trail_stopped_or_deleted';
  const ev = (operation: string, uid = 'arn:aws:iam::111122223333:user/mallory') =>
    buildTestEvent({ api: { operation, service_name: 'cloudtrail.amazonaws.com' }, actor: { user: { uid } } }, 'aws_cloudtrail');
  assert.deepEqual(matches(set, ev('StopLogging')), [id]);
  assert.deepEqual(matches(set, ev('deletetrail')), [id]);
  assert.deepEqual(matches(set, ev('StartLogging')), []);
  assert.deepEqual(matches(set, ev('StopLogging', 'arn:aws:sts::111122223333:assumed-role/x:role/trail-automation')), []);
});

test('CloudTrail: contains|all, cidr, re, wildcards, null, exists and 1 of selection_*', () => {
  const { set } = load([fixture('cloudtrail_modifiers.yml')]);
  const id = 'sigma.suspicious_console_activity_mix';
  const base = { api: { operation: 'ListBuckets', service_name: 's3.amazonaws.com' } };
  // selection_policy: Put* and a policy name holding both words
  assert.deepEqual(matches(set, buildTestEvent({ api: { operation: 'PutUserPolicy', service_name: 'iam.amazonaws.com' }, unmapped: { requestParameters: { policyName: 'TEMP-Admin-1' } } }, 'aws_cloudtrail')), [id]);
  assert.deepEqual(matches(set, buildTestEvent({ api: { operation: 'PutUserPolicy', service_name: 'iam.amazonaws.com' }, unmapped: { requestParameters: { policyName: 'admin-only' } } }, 'aws_cloudtrail')), []);
  // selection_ip: address in the CIDR and a CLI v2 user agent
  assert.deepEqual(matches(set, buildTestEvent({ ...base, src_endpoint: { ip: '203.0.113.9' }, user_agent: 'aws-cli/2.15.0' }, 'aws_cloudtrail')), [id]);
  assert.deepEqual(matches(set, buildTestEvent({ ...base, src_endpoint: { ip: '198.51.100.9' }, user_agent: 'aws-cli/2.15.0' }, 'aws_cloudtrail')), []);
  assert.deepEqual(matches(set, buildTestEvent({ ...base, src_endpoint: { ip: '203.0.113.9' }, user_agent: 'aws-cli/1.18.0' }, 'aws_cloudtrail')), []);
  // selection_glob: Create*Key without an error code
  assert.deepEqual(matches(set, buildTestEvent({ api: { operation: 'CreateAccessKey', service_name: 'iam.amazonaws.com' } }, 'aws_cloudtrail')), [id]);
  assert.deepEqual(matches(set, buildTestEvent({ status: 'Failure', status_code: 'AccessDenied', api: { operation: 'CreateAccessKey', service_name: 'iam.amazonaws.com' } }, 'aws_cloudtrail')), []);
  // filter_service: invokedBy present
  assert.deepEqual(matches(set, buildTestEvent({ actor: { invoked_by: 'cloudformation.amazonaws.com' }, api: { operation: 'CreateAccessKey', service_name: 'iam.amazonaws.com' } }, 'aws_cloudtrail')), []);
});

test('Azure: upper-cased operations match lower-case Sigma values; all of them', () => {
  const { set } = load([fixture('azure_nsg.yml')]);
  const ev = (operation: string) => buildTestEvent({ api: { operation, service_name: 'MICROSOFT.NETWORK' } }, 'azure_activity');
  assert.deepEqual(matches(set, ev('MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE')), ['sigma.network_security_group_rule_changed']);
  assert.deepEqual(matches(set, ev('MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/READ')), []);
  assert.deepEqual(matches(set, ev('MICROSOFT.KEYVAULT/VAULTS/DELETE')), ['sigma.azure_key_vault_deleted']);
});

test('Kubernetes: objectRef fields, list-of-maps filter and keywords over the raw record', () => {
  const { set } = load([fixture('k8s_exec.yml')]);
  const exec = (uid: string, ns: string) =>
    buildTestEvent(
      { actor: { user: { uid, name: uid } }, api: { operation: 'create', service_name: 'k8s:core/pods/exec' }, resources: [{ uid: `core/namespaces/${ns}/pods/p`, type: 'pods', name: 'p' }] },
      'k8s_audit',
    );
  assert.deepEqual(matches(set, exec('alice@example.com', 'shop')), ['sigma.kubernetes_exec_by_a_person']);
  assert.deepEqual(matches(set, exec('system:serviceaccount:ci:runner', 'shop')), []);
  assert.deepEqual(matches(set, exec('alice@example.com', 'kube-system')), []);
  const pod = buildTestEvent({ api: { operation: 'create', service_name: 'k8s:core/pods' }, raw_data: { requestObject: { spec: { containers: [{ securityContext: { privileged: true } }] } } } }, 'k8s_audit');
  assert.deepEqual(matches(set, pod), ['sigma.kubernetes_privileged_pod_keyword']);
});

test('condition parser: precedence, parentheses, quantifiers and errors', () => {
  assert.deepEqual(parseCondition('a or b and not c'), {
    kind: 'or',
    operands: [{ kind: 'ref', name: 'a' }, { kind: 'and', operands: [{ kind: 'ref', name: 'b' }, { kind: 'not', operand: { kind: 'ref', name: 'c' } }] }],
  });
  assert.deepEqual(parseCondition('(a or b) and all of sel*'), {
    kind: 'and',
    operands: [{ kind: 'or', operands: [{ kind: 'ref', name: 'a' }, { kind: 'ref', name: 'b' }] }, { kind: 'of', quantifier: 'all', pattern: 'sel*' }],
  });
  assert.deepEqual(parseCondition('1 of them'), { kind: 'of', quantifier: 'one', pattern: 'them' });
  assert.throws(() => parseCondition('(a or b'), /not closed/);
  assert.throws(() => parseCondition('a and'), /ends too early/);
  assert.throws(() => parseCondition('2 of sel*'), /not supported/);
  assert.throws(() => parseCondition('a | count() > 3'), /aggregation/);
});

test('a file that cannot be read or parsed is reported', () => {
  const { report, yaml } = importSigma(['/nonexistent/rule.yml']);
  assert.equal(report.length, 1);
  assert.match(report[0]!.problem, /cannot read/);
  assert.match(yaml, /No rule could be converted/);
});
