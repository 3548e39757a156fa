import { configStateView, policyDocument, type PermissionView, type ResourceView } from '../../rules/index.ts';
import { policyIsPublic } from '../../rules/helpers.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import type { RuleSeverity } from '../../rules/index.ts';

/** A risky property of a configuration. A drift finding fires when one appears after a change. */
export interface RiskSignal {
  /** Stable key: the finding's rule is `config_drift.<rule>`, the key tells apart two instances. */
  key: string;
  rule: string;
  severity: RuleSeverity;
  title: string;
}

const WORLD = new Set(['0.0.0.0/0', '::/0']);

function sgSignals(v: ResourceView): RiskSignal[] {
  const out: RiskSignal[] = [];
  for (const p of (v.ingress as PermissionView[] | undefined) ?? []) {
    const world = [...new Set(p.cidrs.filter((c) => WORLD.has(c)))];
    if (world.length === 0) continue;
    const all = p.protocol === '-1' || (p.from_port === 0 && p.to_port === 65535);
    const admin = [22, 3389].some((port) => p.from_port <= port && p.to_port >= port);
    out.push({
      key: `sg_open_to_world:${p.protocol}:${p.from_port}-${p.to_port}:${world.sort().join(',')}`,
      rule: 'sg_open_to_world',
      severity: all ? 'critical' : admin ? 'high' : 'medium',
      title: `Security group opened ${p.protocol === '-1' ? 'all traffic' : `${p.protocol} ${p.from_port}-${p.to_port}`} to ${world.join(' and ')}`,
    });
  }
  return out;
}

function bucketSignals(v: ResourceView): RiskSignal[] {
  const out: RiskSignal[] = [];
  const pab = v.public_access_block as Record<string, boolean> | null;
  const pabOn = pab !== null && pab.block_public_acls && pab.ignore_public_acls && pab.block_public_policy && pab.restrict_public_buckets;
  if (v.public_access_block_inline === true && !pabOn) out.push({ key: 'public_access_block_off', rule: 'public_access_block_removed', severity: 'high', title: 'S3 public access block removed or weakened' });
  if (v.encryption === null && v.format !== 'terraform_plan') out.push({ key: 'encryption_off', rule: 'encryption_disabled', severity: 'high', title: 'S3 default encryption removed' });
  if (v.logging === false && v.format !== 'terraform_plan') out.push({ key: 'logging_off', rule: 'logging_disabled', severity: 'medium', title: 'S3 access logging disabled' });
  if (v.acl_public === true) out.push({ key: 'acl_public', rule: 'acl_public', severity: 'high', title: 'S3 bucket ACL made public' });
  // policyIsPublic reads CEL values or JSON text, not plain objects.
  const policy = v.policy ? policyDocument(v.policy) : null;
  if (policy && policyIsPublic(JSON.stringify(policy))) out.push({ key: 'policy_public', rule: 'policy_public', severity: 'critical', title: 'Bucket policy grants access to any principal (*)' });
  return out;
}

function flag(cond: boolean, key: string, rule: string, severity: RuleSeverity, title: string): RiskSignal[] {
  return cond ? [{ key, rule, severity, title }] : [];
}

function workloadSignals(v: ResourceView): RiskSignal[] {
  const containers = (v.containers as Array<{ name: string; privileged: boolean; capabilities_add: string[] }> | undefined) ?? [];
  return [
    ...containers.filter((c) => c.privileged).map((c) => ({ key: `privileged:${c.name}`, rule: 'pod_privileged', severity: 'critical' as const, title: `Container ${c.name} became privileged` })),
    ...flag(v.host_network === true, 'host_network', 'pod_host_namespace', 'high', 'Pod now uses the host network'),
    ...flag(v.host_pid === true, 'host_pid', 'pod_host_namespace', 'high', 'Pod now shares the host PID namespace'),
    ...containers.filter((c) => c.capabilities_add.includes('SYS_ADMIN')).map((c) => ({ key: `sys_admin:${c.name}`, rule: 'pod_capability_added', severity: 'critical' as const, title: `Container ${c.name} gained CAP_SYS_ADMIN` })),
  ];
}

/** The risky properties of a resource view (what a change must not introduce). */
export function riskSignals(v: ResourceView): RiskSignal[] {
  switch (v.kind) {
    case 'aws.ec2.security_group':
      return sgSignals(v);
    case 'aws.s3.bucket':
    case 'aws.s3.bucket_policy':
      return bucketSignals(v);
    case 'aws.rds.db_instance':
      return [
        ...flag(v.storage_encrypted === false, 'encryption_off', 'encryption_disabled', 'high', 'RDS storage encryption disabled'),
        ...flag(v.publicly_accessible === true, 'public', 'made_public', 'critical', 'RDS instance made publicly accessible'),
      ];
    case 'aws.ec2.volume':
      return flag(v.encrypted === false, 'encryption_off', 'encryption_disabled', 'medium', 'EBS volume encryption disabled');
    case 'aws.cloudtrail.trail':
      return [
        ...flag(v.logging === false, 'logging_off', 'logging_disabled', 'high', 'CloudTrail logging stopped'),
        ...flag(v.multi_region === false, 'single_region', 'logging_disabled', 'high', 'CloudTrail no longer multi-region'),
        ...flag(v.log_file_validation === false, 'validation_off', 'logging_disabled', 'medium', 'CloudTrail log file validation disabled'),
        ...flag(!v.kms_key, 'kms_off', 'encryption_disabled', 'medium', 'CloudTrail KMS encryption removed'),
      ];
    case 'aws.kms.key':
      return flag(v.rotation === false && v.key_spec === 'SYMMETRIC_DEFAULT' && v.manager === 'CUSTOMER', 'rotation_off', 'encryption_disabled', 'medium', 'KMS key rotation disabled');
    case 'k8s.workload':
      return workloadSignals(v);
    case 'k8s.rbac.binding': {
      const ref = v.role_ref as { name: string };
      return flag(ref.name === 'cluster-admin', 'cluster_admin', 'rbac_cluster_admin', 'high', `${String(v.k8s_kind)} now binds cluster-admin`);
    }
    case 'k8s.rbac.role': {
      const rules = (v.rules as Array<{ verbs: string[]; resources: string[] }>) ?? [];
      return flag(rules.some((r) => r.verbs.includes('*') && r.resources.includes('*')), 'wildcard', 'rbac_wildcard', 'high', 'Role now grants * on *');
    }
    default:
      return [];
  }
}

/** Signals of a ConfigState's configuration text (an empty configuration when null). */
export function riskSignalsOf(e: ConfigState, configuration: string | null): RiskSignal[] {
  return riskSignals(configStateView({ ...e, configuration: configuration ?? '{}' }));
}
