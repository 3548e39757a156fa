import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DetectorContext, EventMeta, SideOutput } from '../../core/components.ts';
import { ManualClock } from '../../core/clock.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { SluiceError } from '../../core/errors.ts';
import { parseAction } from '../../remediation/requests.ts';
import { compileRuleSources, loadRulePacks, type WindowState } from '../../rules/index.ts';
import { normalizeTestRecord } from '../../rules/testing.ts';
import { SignaturesConfig, SignaturesDetector } from './index.ts';
import { chooseKey } from './key-actions.ts';

const RULES = `rules:
  - id: t.key_created
    title: Access key created
    description: A key was created.
    severity: high
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.operation == 'CreateAccessKey' && event.status_id == 1
  - id: t.secrets_listed
    title: Secrets listed
    description: Secrets were listed.
    severity: medium
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.operation == 'ListSecrets'
  - id: t.other
    title: Trail stopped
    description: Not listed for actions.
    severity: high
    applies_to: { sources: [aws_cloudtrail] }
    condition: event.api.operation == 'ListSecrets'
`;
const rules = compileRuleSources([{ file: 't.yaml', text: RULES }]).rules;
const meta: EventMeta = { key: 'p', topic: 'sluice.activity.v1', partition: 0, offset: '0' };

function make(actions: string[]): { d: SignaturesDetector; emitted: SideOutput[] } {
  const emitted: SideOutput[] = [];
  const ctx: DetectorContext<WindowState> = { clock: new ManualClock(0), state: new MemoryKeyedState<WindowState>(), emit: (o) => emitted.push(o) };
  return { d: new SignaturesDetector(SignaturesConfig.parse({ actions: { deactivateAccessKey: actions } }), ctx, rules), emitted };
}

const base = { eventVersion: '1.08', eventTime: '2024-05-01T10:00:00Z', awsRegion: 'us-east-1', sourceIPAddress: '203.0.113.7', recipientAccountId: '111122223333' };
const mallory = { type: 'IAMUser', principalId: 'AIDAEXAMPLE000000001', arn: 'arn:aws:iam::111122223333:user/mallory', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLE000000099', userName: 'mallory' };
const createKey = normalizeTestRecord(
  { ...base, eventID: 'e-1', eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey', userIdentity: mallory, requestParameters: { userName: 'ci-deployer' }, responseElements: { accessKey: { accessKeyId: 'AKIAEXAMPLE000000002', status: 'Active', userName: 'ci-deployer', createDate: 'May 1, 2024 10:00:00 AM' } } },
  'aws_cloudtrail',
);
const listSecrets = (identity: Record<string, unknown>) =>
  normalizeTestRecord({ ...base, eventID: 'e-2', eventSource: 'secretsmanager.amazonaws.com', eventName: 'ListSecrets', userIdentity: identity, requestParameters: null, responseElements: null }, 'aws_cloudtrail');

test('a listed rule on CreateAccessKey asks to deactivate the new key, in the form the remediator parses', () => {
  const { d, emitted } = make(['t.key_created']);
  const [f] = d.process(createKey, meta);
  assert.ok(f);
  assert.equal(emitted.length, 1);
  const a = emitted[0]!;
  assert.equal(a.stream, 'actions');
  assert.equal(a.value.action, 'deactivate_access_key');
  assert.deepEqual(a.value.target, { access_key_id: 'AKIAEXAMPLE000000002', user_name: 'ci-deployer' });
  assert.equal(a.value.finding_id, f.id);
  const parsed = parseAction(a.value);
  assert.equal(parsed.kind, 'executable');
  if (parsed.kind === 'executable') {
    assert.deepEqual(parsed.action.request, { kind: 'iam.deactivate_access_key', target: { userName: 'ci-deployer', accessKeyId: 'AKIAEXAMPLE000000002' } });
    assert.equal(parsed.action.account, '111122223333');
  }
  // Deterministic: a replay of the same event asks for the same action id.
  const again = make(['t.key_created']);
  again.d.process(createKey, meta);
  assert.equal(again.emitted[0]!.value.id, a.value.id);
});

test('other findings: the caller\'s long-term key; unlisted rules and temporary credentials get no action', () => {
  const { d, emitted } = make(['t.secrets_listed']);
  assert.equal(d.process(listSecrets(mallory), meta).length, 2);
  assert.equal(emitted.length, 1, 'only the listed rule asks');
  assert.deepEqual(emitted[0]!.value.target, { access_key_id: 'AKIAEXAMPLE000000099', user_name: 'mallory' });

  const role = { type: 'AssumedRole', principalId: 'AROAEXAMPLE:s', arn: 'arn:aws:sts::111122223333:assumed-role/r/s', accountId: '111122223333', accessKeyId: 'ASIAEXAMPLE000000001', sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/r', userName: 'r' } } };
  const root = { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLE000000055' };
  d.process(listSecrets(role), meta);
  d.process(listSecrets(root), meta);
  assert.equal(emitted.length, 1, 'no action for a role session or a root key');
  const st = d.stats();
  assert.equal(st.actions, 1);
  assert.equal(Object.values(st.actionsSkipped).reduce((a, b) => a + b, 0), 2);
  assert.ok(Object.keys(st.actionsSkipped).some((k) => k.includes('root')));
});

test('UpdateAccessKey to Active: the reactivated key; to Inactive: the caller is not the subject', () => {
  const up = (status: string) =>
    normalizeTestRecord({ ...base, eventID: `u-${status}`, eventSource: 'iam.amazonaws.com', eventName: 'UpdateAccessKey', userIdentity: mallory, requestParameters: { accessKeyId: 'AKIAEXAMPLE000000003', status } }, 'aws_cloudtrail');
  assert.deepEqual(chooseKey(up('Active')), { key: 'AKIAEXAMPLE000000003', userName: 'mallory', which: 'created' });
  assert.deepEqual(chooseKey(up('Inactive')), { key: 'AKIAEXAMPLE000000099', userName: 'mallory', which: 'caller' });
});

test('an unknown rule id in actions.deactivateAccessKey is a config error; the shipped pack names its key rules', () => {
  assert.throws(() => make(['t.nope']), (e: unknown) => e instanceof SluiceError && /actions\.deactivateAccessKey: no rule "t\.nope"/.test(e.message));
  const pack = loadRulePacks(['@builtin/activity']);
  const emitted: SideOutput[] = [];
  const d = new SignaturesDetector(
    SignaturesConfig.parse({ actions: { deactivateAccessKey: ['aws.iam.access_key_created_for_other_user'] } }),
    { clock: new ManualClock(0), state: new MemoryKeyedState<WindowState>(), emit: (o) => emitted.push(o) },
    pack,
  );
  assert.ok(d.process(createKey, meta).some((f) => f.rule === 'aws.iam.access_key_created_for_other_user'));
  assert.equal(emitted.length, 1);
  assert.equal((emitted[0]!.value.target as { access_key_id: string }).access_key_id, 'AKIAEXAMPLE000000002');
});
