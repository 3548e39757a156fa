import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../cli/config.ts';
import { ACTION_KINDS, AZURE_ACTION_KINDS, GCS_ACTION_KINDS, normalizeProtocol, parseAction, parseArn } from './requests.ts';

const ACTIONS_KEY = 'actions-key-0123456789abcdef-0123456789';

test('the action kinds are exactly the ones the config allow-list accepts', () => {
  const cfg = resolveConfig({ remediation: { executors: { accounts: { '111122223333': { allow: [...ACTION_KINDS], quarantine: { bucket: 'sec-quarantine' } } } } } });
  assert.deepEqual(cfg.remediation.executors.accounts['111122223333']!.allow, ACTION_KINDS);
  assert.throws(() => resolveConfig({ remediation: { executors: { accounts: { '111122223333': { allow: ['s3.nuke'] } } } } }), /remediation\.executors\.accounts\.111122223333\.allow\.0/);
});

test('config validation: default nothing allowed; quarantine needs its bucket; account ids and the default account are checked', () => {
  const d = resolveConfig({});
  assert.deepEqual(d.remediation.executors.accounts, {});
  assert.equal(d.remediation.dryRun, true);
  assert.equal(d.topics.actionResults, 'sluice.action-results.v1');
  assert.throws(() => resolveConfig({ remediation: { executors: { accounts: { '111122223333': { allow: ['s3.quarantine'] } } } } }), /accounts\.111122223333\.quarantine: required when s3\.quarantine is allowed/);
  assert.throws(() => resolveConfig({ remediation: { executors: { accounts: { '1234': { allow: [] } } } } }), /12 digits/);
  assert.throws(() => resolveConfig({ remediation: { actionsKey: ACTIONS_KEY, executors: { defaultAccount: '111122223333' } } }), /defaultAccount: account 111122223333 is not configured/);
});

test('DLP object actions parse to S3 requests; alerts and posture actions are not for executors', () => {
  const dlp = {
    id: 'a1',
    action: 'quarantine',
    object: { ref: 's3://b-1/k', store: 's3', bucket: 'b-1', key: 'dir/k.csv', version_id: 'v1', etag: '"abc"' },
    reason: 'policy p: 1 finding',
    finding_id: 'f1',
    detector: 'dlp',
  };
  const p = parseAction(dlp);
  assert.equal(p.kind, 'executable');
  if (p.kind !== 'executable') return;
  assert.deepEqual(p.action.request, { kind: 's3.quarantine', target: { bucket: 'b-1', key: 'dir/k.csv', versionId: 'v1', etag: 'abc' } });
  assert.equal(p.action.account, null);
  assert.equal(p.action.reason, 'policy p: 1 finding');
  assert.deepEqual(parseAction({ ...dlp, action: 'alert' }), { kind: 'none' });
  assert.deepEqual(parseAction({ id: 'p1', type: 'posture.remediate', rule: 'r', remediation: 'do it' }), { kind: 'none' });
  const file = parseAction({ ...dlp, object: { ...dlp.object, store: 'file' } });
  assert.equal(file.kind, 'invalid');
  assert.match(file.kind === 'invalid' ? file.reason : '', /object store "file" has no executor \(only s3, azure_blob, gcs\)/);
});

test('Azure Blob and GCS object actions: the storage account from the bucket, the generation as version', () => {
  const blob = parseAction({ id: 'b1', action: 'quarantine', object: { store: 'azure_blob', bucket: 'acmedata/exports', key: 'dir/cards.csv', version_id: null, etag: '"0x8D"' }, detector: 'dlp' });
  assert.deepEqual(blob.kind === 'executable' ? [blob.action.request, blob.action.account] : blob, [{ kind: 'azure_blob.quarantine', target: { account: 'acmedata', container: 'exports', name: 'dir/cards.csv', versionId: null, etag: '0x8D' } }, 'acmedata']);
  const badBucket = parseAction({ id: 'b2', action: 'delete', object: { store: 'azure_blob', bucket: 'exports', key: 'k' } });
  assert.deepEqual(badBucket.kind === 'invalid' ? [badBucket.executor, badBucket.reason] : badBucket, ['azure_blob.delete', 'object.bucket is missing or not valid']);
  const gcs = parseAction({ id: 'g1', action: 'delete', object: { store: 'gcs', bucket: 'acme-exports', key: 'a.csv', version_id: '1733475600123456', etag: 'CJ2' } });
  assert.deepEqual(gcs.kind === 'executable' ? [gcs.action.request, gcs.action.account] : gcs, [{ kind: 'gcs.delete', target: { bucket: 'acme-exports', name: 'a.csv', generation: '1733475600123456', etag: 'CJ2' } }, null]);
  const badGen = parseAction({ id: 'g2', action: 'quarantine', object: { store: 'gcs', bucket: 'acme-exports', key: 'a.csv', version_id: 'v1' } });
  assert.deepEqual(badGen.kind === 'invalid' ? [badGen.executor, badGen.reason] : badGen, ['gcs.quarantine', 'object.version_id is not a GCS generation (digits)']);
});

test('config: Azure and GCS allow-lists, quarantine required, account names and the default project checked', () => {
  const ok = resolveConfig({ remediation: { executors: { azureBlob: { accounts: { acmedata: { allow: [...AZURE_ACTION_KINDS], sasTokenEnv: 'SAS', quarantine: { container: 'quarantine' } } } }, gcs: { projects: { 'acme-prod': { allow: [...GCS_ACTION_KINDS], quarantine: { bucket: 'acme-quarantine' } } } } } } });
  assert.deepEqual(ok.remediation.executors.azureBlob.accounts.acmedata!.allow, AZURE_ACTION_KINDS);
  assert.equal(ok.remediation.executors.azureBlob.accounts.acmedata!.quarantine!.accessTier, 'Cool');
  assert.equal(ok.remediation.executors.gcs.projects['acme-prod']!.quarantine!.hold, 'temporary');
  assert.throws(() => resolveConfig({ remediation: { executors: { azureBlob: { accounts: { acmedata: { allow: ['azure_blob.quarantine'] } } } } } }), /azureBlob\.accounts\.acmedata\.quarantine: required when azure_blob\.quarantine is allowed/);
  assert.throws(() => resolveConfig({ remediation: { executors: { azureBlob: { accounts: { 'Bad-Name': { allow: [] } } } } } }), /storage account name/);
  assert.throws(() => resolveConfig({ remediation: { executors: { gcs: { projects: { p: { allow: ['gcs.quarantine'] } } } } } }), /gcs\.projects\.p\.quarantine: required/);
  assert.throws(() => resolveConfig({ remediation: { executors: { gcs: { defaultProject: 'nope' } } } }), /project nope is not configured/);
  assert.throws(() => resolveConfig({ remediation: { executors: { gcs: { projects: { p: { allow: ['s3.delete'] } } } } } }), /gcs\.projects\.p\.allow\.0/);
});

test('EC2, IAM and bucket actions: targets, account and region from fields or ARNs, and what is refused', () => {
  const rule = { id: 'r1', action: 'revoke_ingress', target: { group_id: 'sg-0abc12345678def90', protocol: '6', from_port: 22, arn: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc12345678def90' } };
  const p = parseAction(rule);
  assert.equal(p.kind, 'executable');
  if (p.kind === 'executable') {
    assert.deepEqual(p.action.request.target, { groupId: 'sg-0abc12345678def90', protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['0.0.0.0/0', '::/0'] });
    assert.equal(p.action.account, '111122223333');
    assert.equal(p.action.region, 'eu-west-1');
  }
  const narrow = parseAction({ ...rule, target: { ...rule.target, cidr: '10.0.0.0/8' } });
  assert.equal(narrow.kind, 'invalid');
  assert.match(narrow.kind === 'invalid' ? narrow.reason : '', /not world-open/);
  const v6 = parseAction({ ...rule, target: { ...rule.target, cidr: '::/0' } });
  assert.deepEqual(v6.kind === 'executable' ? (v6.action.request.target as { cidrs: string[] }).cidrs : null, ['::/0']);

  const bucket = parseAction({ id: 'b1', action: 'block_public_access', resource_uid: 'arn:aws:s3:::public-bucket' });
  assert.deepEqual(bucket.kind === 'executable' ? bucket.action.request : null, { kind: 's3.block_public_access', target: { bucket: 'public-bucket' } });
  const key = parseAction({ id: 'k1', action: 'deactivate_access_key', account: '111122223333', target: { user_name: 'ci-bot', access_key_id: 'AKIAIOSFODNN7EXAMPL1' } });
  assert.deepEqual(key.kind === 'executable' ? [key.action.request, key.action.account] : null, [{ kind: 'iam.deactivate_access_key', target: { userName: 'ci-bot', accessKeyId: 'AKIAIOSFODNN7EXAMPL1' } }, '111122223333']);
  const noUser = parseAction({ id: 'k2', action: 'deactivate_access_key', target: { access_key_id: 'AKIAIOSFODNN7EXAMPL1' } });
  assert.deepEqual(noUser.kind === 'executable' ? noUser.action.request.target : noUser, { userName: null, accessKeyId: 'AKIAIOSFODNN7EXAMPL1' }, 'a leaked key names no user: the executor finds it');
  const badUser = parseAction({ id: 'k3', action: 'deactivate_access_key', target: { user_name: 'bad user!', access_key_id: 'AKIAIOSFODNN7EXAMPL1' } });
  assert.deepEqual(badUser, { kind: 'invalid', executor: 'iam.deactivate_access_key', reason: 'target.user_name is missing or not valid' });
  assert.deepEqual(parseAction({ id: 'x', action: 'terminate_instances' }), { kind: 'invalid', executor: 'unknown:terminate_instances', reason: 'unknown action "terminate_instances"' });
  assert.equal(parseAction({ id: 'bad id!', action: 'block_public_access', target: { bucket: 'abc' } }).kind, 'invalid');
  assert.equal(parseAction({ id: 'a', action: 'delete', account: '12', object: { store: 's3', bucket: 'abc', key: 'k' } }).kind, 'invalid');
});

test('protocol names and ARNs', () => {
  assert.deepEqual(['tcp', '6', 'UDP', '17', 'icmp', '58', '-1', 'all', 'gre'].map(normalizeProtocol), ['tcp', 'tcp', 'udp', 'udp', 'icmp', 'icmpv6', '-1', '-1', null]);
  assert.deepEqual(parseArn('arn:aws:iam::111122223333:user/ci-bot'), { service: 'iam', region: '', account: '111122223333', resource: 'user/ci-bot' });
  assert.equal(parseArn('not-an-arn'), null);
});
