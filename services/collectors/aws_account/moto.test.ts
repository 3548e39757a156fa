// The live account reader against moto's IAM (test/support/moto.ts), through the real IAM client:
// GenerateCredentialReport / GetCredentialReport, GetAccountPasswordPolicy (NoSuchEntity, then a
// policy), GetAccountSummary; the snapshot goes through the collector and the posture rules.
// moto's IAM state is shared by the tests of this process, so only this file's users are judged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateLoginProfileCommand, CreateUserCommand, DeleteAccountPasswordPolicyCommand, type IAMClient, UpdateAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, motoServer, stopMoto, uniqueName } from '../../../test/support/moto.ts';
import { ManualClock } from '../../core/clock.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { PostureConfig } from '../../detectors/posture/config.ts';
import { PostureDetector, type PostureState } from '../../detectors/posture/detector.ts';
import { parseAwsAccountConfig } from './config.ts';
import { awsAccountCollector } from './index.ts';
import { iamClient, readAccountSnapshot } from './reader.ts';

let iam: IAMClient;
before(async () => {
  iam = iamClient(parseAwsAccountConfig({ endpoint: (await motoServer()).endpoint }), MOTO_CREDENTIALS);
});
after(async () => {
  iam.destroy();
  await stopMoto();
});

const DAY = 86_400_000;

/** Reads the account as of `clock`, collects the snapshot and returns the failing rules per resource name. */
async function judge(clock: ManualClock): Promise<{ failing: Map<string, string[]>; states: ConfigState[]; problems: unknown[] }> {
  const { snapshot, problems } = await readAccountSnapshot(iam, MOTO_ACCOUNT_ID, { config: { reportWaitMs: 5000 }, clock, pollMs: 50 });
  const outs = [...awsAccountCollector().collect({ name: 'snapshot.json', bytes: Buffer.from(JSON.stringify(snapshot)) })];
  const states = outs.flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
  assert.equal(states.length, outs.length, 'no dead letters');
  const d = new PostureDetector(PostureConfig.parse({ enabled: true }), { state: new MemoryKeyedState<PostureState>(), emit: () => {} });
  const failing = new Map<string, string[]>();
  states.forEach((e, i) => {
    const name = e.resource.type === 'AWS::IAM::UserCredentials' ? e.resource.name! : e.resource.type;
    for (const f of d.process(e, { key: e.resource.uid, topic: 'config', partition: 0, offset: String(i) })) failing.set(name, [...(failing.get(name) ?? []), f.rule!].sort());
  });
  return { failing, states, problems };
}

test('moto account: root MFA off, no password policy, and, 100 days on, an old unused key and a console user without MFA', async () => {
  const consoleUser = uniqueName('console');
  const service = uniqueName('svc');
  await iam.send(new CreateUserCommand({ UserName: consoleUser }));
  await iam.send(new CreateLoginProfileCommand({ UserName: consoleUser, Password: 'Correct-Horse-Battery-9' }));
  await iam.send(new CreateUserCommand({ UserName: service }));
  await iam.send(new CreateAccessKeyCommand({ UserName: service }));
  await iam.send(new DeleteAccountPasswordPolicyCommand({})).catch(() => undefined);

  // Read as of today: the keys and passwords are new.
  const today = await judge(new ManualClock(Date.now()));
  assert.deepEqual(today.problems, []);
  const summary = today.failing.get('AWS::IAM::AccountSummary') ?? [];
  assert.ok(summary.includes('posture.aws.iam.root_mfa_disabled'), `root MFA: ${summary.join(', ')}`);
  assert.ok(!summary.includes('posture.aws.iam.root_access_keys'), 'moto\'s root has no access keys');
  const policy = today.failing.get('AWS::IAM::AccountPasswordPolicy') ?? [];
  assert.ok(policy.includes('posture.aws.iam.password_min_length') && policy.includes('posture.aws.iam.password_reuse'), `no policy: ${policy.join(', ')}`);
  assert.deepEqual(today.failing.get(consoleUser), ['posture.aws.iam.credentials.console_without_mfa']);
  assert.equal(today.failing.get(service), undefined, 'a new key is fine');

  // The same account read 100 days later (moto's keys cannot be back-dated: the reader's clock moves instead).
  const later = await judge(new ManualClock(Date.now() + 100 * DAY));
  assert.deepEqual(later.failing.get(service), ['posture.aws.iam.credentials.access_key_not_rotated', 'posture.aws.iam.credentials.unused_45_days']);
  assert.deepEqual(later.failing.get(consoleUser), ['posture.aws.iam.credentials.console_without_mfa', 'posture.aws.iam.credentials.unused_45_days']);
});

test('moto account: a CIS-compliant password policy passes', async () => {
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, PasswordReusePrevention: 24, MaxPasswordAge: 90 }),
  );
  try {
    const { failing, states } = await judge(new ManualClock(Date.now()));
    const policy = states.find((s) => s.resource.type === 'AWS::IAM::AccountPasswordPolicy')!;
    assert.equal((JSON.parse(policy.configuration!) as { MinimumPasswordLength: number }).MinimumPasswordLength, 14);
    assert.equal(failing.get('AWS::IAM::AccountPasswordPolicy'), undefined);
  } finally {
    await iam.send(new DeleteAccountPasswordPolicyCommand({}));
  }
});
