/**
 * ec2.revoke_ingress: revoke a world-open ingress rule of a security group (0.0.0.0/0, ::/0 or
 * both), matched by protocol and port range. Only the world-open ranges named are revoked; other
 * sources of the same rule stay. A rule already gone is already_done.
 */
import { DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand, type IpPermission } from '@aws-sdk/client-ec2';
import { normalizeProtocol, type IngressRuleTarget, type WorldCidr } from '../requests.ts';
import { describeAwsError, type ExecutionContext, type Executor, type ExecutorOutcome } from './types.ts';

function rule(t: IngressRuleTarget): string {
  const ports = t.protocol === '-1' ? 'all traffic' : `${t.protocol} ${t.fromPort === t.toPort ? t.fromPort : `${t.fromPort}-${t.toPort}`}`;
  return `${ports} from ${t.cidrs.join(', ')} on ${t.groupId}`;
}

/** True when a permission of the group is the rule the action names (protocol and ports). */
function sameRule(p: IpPermission, t: IngressRuleTarget): boolean {
  if (normalizeProtocol(p.IpProtocol) !== t.protocol) return false;
  return t.protocol === '-1' || (p.FromPort === t.fromPort && p.ToPort === t.toPort);
}

/** The world-open ranges of the named rule still present on the group. */
function present(perms: readonly IpPermission[], t: IngressRuleTarget): WorldCidr[] {
  const found = new Set<WorldCidr>();
  for (const p of perms.filter((x) => sameRule(x, t))) {
    if (t.cidrs.includes('0.0.0.0/0') && (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0')) found.add('0.0.0.0/0');
    if (t.cidrs.includes('::/0') && (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === '::/0')) found.add('::/0');
  }
  return t.cidrs.filter((c) => found.has(c));
}

export class Ec2RevokeIngressExecutor implements Executor<IngressRuleTarget> {
  plan(t: IngressRuleTarget, ctx: ExecutionContext): string[] {
    return [`RevokeSecurityGroupIngress ${rule(t)} (${ctx.region})`];
  }

  async run(t: IngressRuleTarget, ctx: ExecutionContext): Promise<ExecutorOutcome> {
    const ec2 = ctx.clients.ec2(ctx.region);
    const steps: string[] = [];
    try {
      const res = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [t.groupId] }));
      const group = res.SecurityGroups?.[0];
      if (!group) return { outcome: 'failed', reason: `security group ${t.groupId} not found in ${ctx.region}`, steps };
      const open = present(group.IpPermissions ?? [], t);
      if (open.length === 0) return { outcome: 'already_done', reason: `no ingress rule ${rule(t)}: already revoked`, steps };
      const base = t.protocol === '-1' ? { IpProtocol: '-1' } : { IpProtocol: t.protocol, FromPort: t.fromPort!, ToPort: t.toPort! };
      const perm: IpPermission = {
        ...base,
        ...(open.includes('0.0.0.0/0') ? { IpRanges: [{ CidrIp: '0.0.0.0/0' }] } : {}),
        ...(open.includes('::/0') ? { Ipv6Ranges: [{ CidrIpv6: '::/0' }] } : {}),
      };
      const out = await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: t.groupId, IpPermissions: [perm] }));
      steps.push(`RevokeSecurityGroupIngress ${rule({ ...t, cidrs: open })}`);
      if (out.Return === false || (out.UnknownIpPermissions ?? []).length > 0) {
        return { outcome: 'failed', reason: `EC2 did not revoke ${rule({ ...t, cidrs: open })} (Return ${String(out.Return)}, ${(out.UnknownIpPermissions ?? []).length} unknown permissions)`, steps };
      }
      return { outcome: 'done', reason: `revoked ingress ${rule({ ...t, cidrs: open })} in ${ctx.region}`, steps };
    } catch (err) {
      return { outcome: 'failed', reason: describeAwsError(err), steps };
    }
  }
}
