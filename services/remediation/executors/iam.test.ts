// iam.deactivate_access_key against moto's IAM (test/support/moto.ts), through the real IAM client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand, type IAMClient } from '@aws-sdk/client-iam';
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, MOTO_REGION, motoServer, stopMoto, uniqueName } from '../../../test/support/moto.ts';
import { AwsClients } from './clients.ts';
import { IamDeactivateAccessKeyExecutor } from './iam.ts';
import type { ExecutionContext } from './types.ts';

let endpoint: string;
let clients: AwsClients;
let iam: IAMClient;
before(async () => {
  endpoint = (await motoServer()).endpoint;
  clients = new AwsClients({ region: MOTO_REGION, endpoint, credentials: MOTO_CREDENTIALS });
  iam = clients.iam();
});
after(async () => {
  clients.destroy();
  await stopMoto();
});

const ctx = (c: AwsClients = clients): ExecutionContext => ({ actionId: uniqueName('act'), reason: 'leaked key', findingId: null, account: MOTO_ACCOUNT_ID, region: MOTO_REGION, clients: c, quarantine: null });

async function statuses(user: string): Promise<Record<string, string>> {
  const res = await iam.send(new ListAccessKeysCommand({ UserName: user }));
  return Object.fromEntries((res.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId!, k.Status!]));
}

test('deactivates the named key of the user only; a rerun is already_done; an unknown key fails', async () => {
  const user = uniqueName('user');
  await iam.send(new CreateUserCommand({ UserName: user }));
  const k1 = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
  const k2 = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
  const ex = new IamDeactivateAccessKeyExecutor();
  const first = await ex.run({ userName: user, accessKeyId: k1 }, ctx());
  assert.equal(first.outcome, 'done', first.reason);
  assert.deepEqual(await statuses(user), { [k1]: 'Inactive', [k2]: 'Active' });
  const second = await ex.run({ userName: user, accessKeyId: k1 }, ctx());
  assert.equal(second.outcome, 'already_done', second.reason);
  const unknown = await ex.run({ userName: user, accessKeyId: 'AKIAAAAAAAAAAAAAAAAA' }, ctx());
  assert.equal(unknown.outcome, 'failed');
  assert.match(unknown.reason, /has no access key AKIAAAAAAAAAAAAAAAAA/);
  const noUser = await ex.run({ userName: uniqueName('nobody'), accessKeyId: k2 }, ctx());
  assert.equal(noUser.outcome, 'failed');
  assert.match(noUser.reason, /NoSuchEntity/);
  assert.deepEqual(await statuses(user), { [k1]: 'Inactive', [k2]: 'Active' });
});

test('the key the remediator itself signs with is refused', async () => {
  const user = uniqueName('user');
  await iam.send(new CreateUserCommand({ UserName: user }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
  const own = new AwsClients({ region: MOTO_REGION, endpoint, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
  try {
    const res = await new IamDeactivateAccessKeyExecutor().run({ userName: user, accessKeyId: key.AccessKeyId! }, ctx(own));
    assert.equal(res.outcome, 'refused');
    assert.match(res.reason, /the one the remediator signs with/);
    assert.deepEqual(await statuses(user), { [key.AccessKeyId!]: 'Active' });
  } finally {
    own.destroy();
  }
});

test('a key named without its user (a leaked key): the user is found with GetAccessKeyLastUsed; a key of no user of the account fails', async () => {
  const user = uniqueName('user');
  await iam.send(new CreateUserCommand({ UserName: user }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
  const ex = new IamDeactivateAccessKeyExecutor();
  assert.deepEqual(ex.plan({ userName: null, accessKeyId: key }), [`GetAccessKeyLastUsed ${key} (its user); then UpdateAccessKey ${key} of user <its user> -> Inactive`]);
  const res = await ex.run({ userName: null, accessKeyId: key }, ctx());
  assert.equal(res.outcome, 'done', res.reason);
  assert.deepEqual(res.steps, [`GetAccessKeyLastUsed ${key}: user ${user}`, `UpdateAccessKey ${key} of user ${user} -> Inactive`]);
  assert.deepEqual(await statuses(user), { [key]: 'Inactive' });
  const stranger = await ex.run({ userName: null, accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ' }, ctx());
  assert.equal(stranger.outcome, 'failed');
  assert.match(stranger.reason, /access key AKIAZZZZZZZZZZZZZZZZ belongs to no IAM user of account/);
});
