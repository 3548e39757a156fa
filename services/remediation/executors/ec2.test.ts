// ec2.revoke_ingress against moto's EC2 (test/support/moto.ts), through the real EC2 client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, type EC2Client, type IpPermission } from '@aws-sdk/client-ec2';
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, MOTO_REGION, motoServer, stopMoto, uniqueName } from '../../../test/support/moto.ts';
import type { IngressRuleTarget } from '../requests.ts';
import { AwsClients } from './clients.ts';
import { Ec2RevokeIngressExecutor } from './ec2.ts';
import type { ExecutionContext } from './types.ts';

let clients: AwsClients;
let ec2: EC2Client;
before(async () => {
  const moto = await motoServer();
  clients = new AwsClients({ region: MOTO_REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  ec2 = clients.ec2();
});
after(async () => {
  clients.destroy();
  await stopMoto();
});

const ctx = (): ExecutionContext => ({ actionId: uniqueName('act'), reason: 'world-open SSH', findingId: null, account: MOTO_ACCOUNT_ID, region: MOTO_REGION, clients, quarantine: null });

async function group(perms: IpPermission[]): Promise<string> {
  const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: uniqueName('sg'), Description: 'remediation test' }));
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: perms }));
  return GroupId!;
}

/** The group's ingress as sorted `proto from-to source` lines. */
async function ingress(groupId: string): Promise<string[]> {
  const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0]!;
  const out: string[] = [];
  for (const p of g.IpPermissions ?? []) {
    const ports = `${p.IpProtocol} ${p.FromPort ?? ''}-${p.ToPort ?? ''}`;
    for (const r of p.IpRanges ?? []) out.push(`${ports} ${r.CidrIp}`);
    for (const r of p.Ipv6Ranges ?? []) out.push(`${ports} ${r.CidrIpv6}`);
  }
  return out.sort();
}

test('revokes the IPv4 and IPv6 world-open forms of the named rule only; a rerun is already_done', async () => {
  const id = await group([
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ]);
  const target: IngressRuleTarget = { groupId: id, protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['0.0.0.0/0', '::/0'] };
  const ex = new Ec2RevokeIngressExecutor();
  const first = await ex.run(target, ctx());
  assert.equal(first.outcome, 'done', first.reason);
  assert.match(first.reason, /tcp 22 from 0\.0\.0\.0\/0, ::\/0/);
  assert.deepEqual(await ingress(id), ['tcp 22-22 10.0.0.0/8', 'tcp 443-443 0.0.0.0/0'], 'the private source and the other rule stay');
  const second = await ex.run(target, ctx());
  assert.equal(second.outcome, 'already_done', second.reason);
  assert.deepEqual(await ingress(id), ['tcp 22-22 10.0.0.0/8', 'tcp 443-443 0.0.0.0/0']);
});

test('an action naming one form revokes that form; all-traffic rules (protocol -1) match without ports', async () => {
  const id = await group([
    { IpProtocol: 'udp', FromPort: 1000, ToPort: 2000, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ]);
  const ex = new Ec2RevokeIngressExecutor();
  const v6 = await ex.run({ groupId: id, protocol: 'udp', fromPort: 1000, toPort: 2000, cidrs: ['::/0'] }, ctx());
  assert.equal(v6.outcome, 'done', v6.reason);
  assert.deepEqual(await ingress(id), ['-1 - 0.0.0.0/0', 'udp 1000-2000 0.0.0.0/0']);
  const all = await ex.run({ groupId: id, protocol: '-1', fromPort: null, toPort: null, cidrs: ['0.0.0.0/0', '::/0'] }, ctx());
  assert.equal(all.outcome, 'done', all.reason);
  assert.deepEqual(await ingress(id), ['udp 1000-2000 0.0.0.0/0']);
  // Other ports than the rule's: nothing matches, nothing is revoked.
  const other = await ex.run({ groupId: id, protocol: 'udp', fromPort: 1000, toPort: 1999, cidrs: ['0.0.0.0/0'] }, ctx());
  assert.equal(other.outcome, 'already_done');
  assert.deepEqual(await ingress(id), ['udp 1000-2000 0.0.0.0/0']);
});

test('a group that does not exist fails with the API error', async () => {
  const res = await new Ec2RevokeIngressExecutor().run({ groupId: 'sg-0123456789abcdef0', protocol: 'tcp', fromPort: 22, toPort: 22, cidrs: ['0.0.0.0/0'] }, ctx());
  assert.equal(res.outcome, 'failed');
  assert.match(res.reason, /InvalidGroup\.NotFound/);
});
