import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CollectorOutput } from '../../core/components.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { PostureConfig } from '../../detectors/posture/config.ts';
import { PostureDetector, type PostureState } from '../../detectors/posture/detector.ts';
import { awsAccountCollector, awsAccountSpec, sniffAwsAccount } from './index.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../test/fixtures/aws_account/${name}`, import.meta.url));
const NOW = Date.parse('2026-11-20T06:30:00Z');

function collect(name: string, bytes: Buffer, config: Record<string, unknown> = {}): CollectorOutput[] {
  return [...awsAccountCollector(config, { now: () => NOW }).collect({ name, bytes })];
}
const events = (outs: CollectorOutput[]): ConfigState[] => outs.flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));

/** Failing posture rules per resource name. */
function failing(states: readonly ConfigState[]): Map<string, string[]> {
  const d = new PostureDetector(PostureConfig.parse({ enabled: true }), { state: new MemoryKeyedState<PostureState>(), emit: () => {} });
  const out = new Map<string, string[]>();
  states.forEach((e, i) => {
    for (const f of d.process(e, { key: e.resource.uid, topic: 'config', partition: 0, offset: String(i) })) out.set(e.resource.name ?? e.resource.uid, [...(out.get(e.resource.name ?? e.resource.uid) ?? []), f.rule!].sort());
  });
  return out;
}

test('the credential report CLI response: one item per row, RFC 4180 quoting read, the account from the rows\' ARNs', () => {
  const outs = collect('report.json', fixture('credential-report.json'));
  const es = events(outs);
  assert.equal(es.length, 5, outs.map((o) => (o.kind === 'dead_letter' ? o.reason : '')).join(' '));
  assert.deepEqual(es.map((e) => e.resource.name), ['<root_account>', 'alice', 'bob', 'ci-deploy', 'legacy,svc']);
  const root = es[0]!;
  assert.equal(root.resource.type, 'AWS::IAM::UserCredentials');
  assert.equal(root.resource.uid, '111122223333/AWS::IAM::UserCredentials/root');
  assert.equal(root.resource.account_uid, '111122223333');
  assert.equal(root.source, 'aws_config');
  assert.equal(root.metadata.source, 'aws_account');
  assert.equal(root.metadata.log_name, 'GetCredentialReport');
  assert.equal(root.time, Date.parse('2026-11-20T06:00:00Z'), 'ages are as of GeneratedTime');
  const config = JSON.parse(root.configuration!) as Record<string, unknown>;
  assert.equal(config.password_enabled, null, 'not_supported is null');
  assert.equal(config.access_key_1_active, true);
  assert.equal(config.access_key_2_last_rotated, null, 'N/A is null');
});

test('CIS 1.x checks on the report: root key, console users without MFA, unused credentials, old and double keys', () => {
  const got = failing(events(collect('report.json', fixture('credential-report.json'))));
  assert.deepEqual(got.get('<root_account>'), ['posture.aws.iam.credentials.access_key_not_rotated', 'posture.aws.iam.credentials.root_access_key', 'posture.aws.iam.credentials.root_mfa_off'], 'the root key of 2021 is also unrotated, and the root row has MFA off');
  assert.equal(got.get('alice'), undefined, 'password with MFA, used yesterday: clean');
  assert.deepEqual(got.get('bob'), [
    'posture.aws.iam.credentials.access_key_not_rotated',
    'posture.aws.iam.credentials.console_without_mfa',
    'posture.aws.iam.credentials.multiple_active_keys',
    'posture.aws.iam.credentials.unused_45_days',
  ]);
  assert.equal(got.get('ci-deploy'), undefined, 'a key of 26 days used yesterday: clean');
  assert.equal(got.get('legacy,svc'), undefined, 'only an inactive key');
});

test('password policy and account summary CLI responses need the account; with it, the CIS password and root checks run', () => {
  const refused = collect('policy.json', fixture('password-policy.json'));
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!.kind, 'dead_letter');
  assert.match((refused[0] as { reason: string }).reason, /names no account: set collectors\.aws_account\.accountId/);
  const es = [...events(collect('policy.json', fixture('password-policy.json'), { accountId: '111122223333' })), ...events(collect('summary.json', fixture('account-summary.json'), { accountId: '111122223333' }))];
  assert.deepEqual(es.map((e) => e.resource.uid), ['111122223333/AWS::IAM::AccountPasswordPolicy/111122223333', '111122223333/AWS::IAM::AccountSummary/111122223333']);
  const got = failing(es);
  const policy = got.get('111122223333')!;
  for (const r of ['posture.aws.iam.password_min_length', 'posture.aws.iam.password_reuse', 'posture.aws.iam.password_complexity', 'posture.aws.iam.root_access_keys', 'posture.aws.iam.root_mfa_disabled']) assert.ok(policy.includes(r), `${r} in ${policy.join(', ')}`);
});

test('an AwsAccountSnapshot without a password policy (NoSuchEntity) is itself a violation; a strong policy passes', () => {
  const snapshot = (passwordPolicy: unknown) => Buffer.from(JSON.stringify({ kind: 'AwsAccountSnapshot', accountId: '111122223333', collectedAt: '2026-11-20T06:00:00Z', passwordPolicy }));
  const none = events(collect('s.json', snapshot(null)));
  assert.equal(none.length, 1);
  assert.deepEqual(JSON.parse(none[0]!.configuration!), { PolicyPresent: false });
  assert.ok(failing(none).get('111122223333')!.includes('posture.aws.iam.password_min_length'));
  const strong = { PasswordPolicy: { MinimumPasswordLength: 16, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, PasswordReusePrevention: 24, MaxPasswordAge: 90 } };
  assert.equal(failing(events(collect('s.json', snapshot(strong)))).get('111122223333'), undefined);
});

test('bad records are dead letters with a reason; sniff recognises only account records', () => {
  const bad = (value: unknown) => collect('bad.json', Buffer.from(JSON.stringify(value)));
  const reasons = [
    bad({ Content: 'dXNlcixhcm4KYWxpY2U=', ReportFormat: 'text/csv', GeneratedTime: '2026-11-20T06:00:00Z' }),
    bad({ kind: 'AwsAccountSnapshot', accountId: '12', collectedAt: 'x' }),
    bad({ kind: 'AwsAccountSnapshot', accountId: '111122223333', collectedAt: '2026-11-20T06:00:00Z' }),
    bad({ hello: 'world' }),
  ].map((o) => (o[0]?.kind === 'dead_letter' ? o[0].reason : 'not a dead letter'));
  assert.match(reasons[0]!, /credential report: (CSV record 1 has 1 fields|no user_creation_time)/);
  assert.match(reasons[1]!, /accountId must be a 12-digit account id/);
  assert.match(reasons[2]!, /holds no accountSummary, passwordPolicy or credentialReport/);
  assert.match(reasons[3]!, /not an IAM account record/);
  assert.equal(sniffAwsAccount(JSON.parse(fixture('account-summary.json').toString())), true);
  assert.equal(sniffAwsAccount(JSON.parse(fixture('credential-report.json').toString())), true);
  assert.equal(sniffAwsAccount({ Records: [] }), false);
  assert.equal(awsAccountSpec.type, 'aws_account');
});
