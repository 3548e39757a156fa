import type { ConfigState } from '../core/model/config-state.ts';
import { AWS_SERVICE_KINDS, lambdaFunctionPolicy, redshiftAuditLogging } from './resource-view-aws-services.ts';
import { GCP_KINDS } from './resource-view-gcp.ts';
import { ACCOUNT_KINDS } from './resource-view-account.ts';
import { DOCKER_KINDS } from './resource-view-docker.ts';
import { at, bool, first, isObj, linked, list, num, policyDocument, text, type KindEntry, type Obj, type ResourceFormat } from './resource-view-util.ts';

/**
 * Resource views: one normalized shape per kind of resource, whatever the source. The same
 * security group reads `ipPermissions[].ipRanges` in AWS Config, `SecurityGroupIngress[].CidrIp`
 * in CloudFormation and `ingress[].cidr_blocks` in a Terraform plan; its view always has
 * `ingress: [{ protocol, from_port, to_port, cidrs }]`. Posture rules (`applies_to.input:
 * resource`) read the view as the CEL variable `resource`, so one rule runs unchanged on live
 * configuration (aws_config, Kubernetes objects) and on templates (config_files). The native
 * configuration stays available as `resource.config`. Field by field in README.md ("Resource views").
 */

export type { ResourceFormat } from './resource-view-util.ts';

/** What a view is built from: the resource type as its source names it and its configuration object. */
export interface ResourceInput {
  uid: string;
  type: string;
  name: string | null;
  format: ResourceFormat;
  configuration: Record<string, unknown>;
  region?: string | null;
  account_uid?: string | null;
  tags?: Record<string, string>;
  /** When the configuration was observed (epoch ms; a ConfigState's time): views that age (ACM expiry) count from it. */
  observed_ms?: number | null;
  /** Paths of arguments a template sets to a value known only at apply time (`unmapped.unknown` of Terraform and ARM): set, value unknown. */
  unknown_paths?: readonly string[];
}

/** A normalized resource: common fields, the kind, the kind's fields and the native configuration. */
export interface ResourceView {
  uid: string;
  type: string;
  name: string | null;
  /** `aws.s3.bucket`, `aws.ec2.security_group`, `k8s.workload`, ...; `other` when no view knows the type. */
  kind: string;
  format: ResourceFormat;
  region: string | null;
  account_uid: string | null;
  tags: Record<string, string>;
  config: Record<string, unknown>;
  [field: string]: unknown;
}

export { policyDocument } from './resource-view-util.ts';

// ---------------------------------------------------------------- AWS kinds

/** One network permission: protocol '-1' means all; ports 0..65535 when the rule covers them all. */
export interface PermissionView {
  protocol: string;
  from_port: number;
  to_port: number;
  cidrs: string[];
}

function protocolOf(v: unknown): string {
  const s = text(v)?.toLowerCase() ?? '-1';
  if (s === 'all' || s === '-1' || s === '') return '-1';
  if (s === '6') return 'tcp';
  if (s === '17') return 'udp';
  if (s === '1') return 'icmp';
  return s;
}

function permission(protocol: unknown, from: unknown, to: unknown, cidrs: unknown[]): PermissionView {
  const p = protocolOf(protocol);
  let f = num(from);
  let t = num(to);
  if (p === '-1' || f === null || f < 0) f = p === '-1' || f === null || f < 0 ? 0 : f;
  if (p === '-1' || t === null || t < 0) t = 65535;
  return { protocol: p, from_port: f, to_port: t, cidrs: cidrs.map(text).filter((c): c is string => c !== null && c !== '') };
}

function awsConfigPermissions(v: unknown): PermissionView[] {
  return list(v).filter(isObj).map((p) =>
    permission(p.ipProtocol, p.fromPort, p.toPort, [
      ...list(p.ipRanges).map((r) => (isObj(r) ? r.cidrIp : r)),
      ...list(p.ipv4Ranges).map((r) => (isObj(r) ? r.cidrIp : r)),
      ...list(p.ipv6Ranges).map((r) => (isObj(r) ? r.cidrIpv6 : r)),
    ]),
  );
}

function cfnPermissions(v: unknown): PermissionView[] {
  return list(v).filter(isObj).map((p) => permission(p.IpProtocol, p.FromPort, p.ToPort, [p.CidrIp, p.CidrIpv6]));
}

function tfPermissions(v: unknown): PermissionView[] {
  return list(v).filter(isObj).map((p) => permission(p.protocol, p.from_port, p.to_port, [...list(p.cidr_blocks), ...list(p.ipv6_cidr_blocks)]));
}

function securityGroup(f: ResourceFormat, c: Obj, type: string): Obj {
  return { is_default: false, ...securityGroupRules(f, c, type) };
}

function securityGroupRules(f: ResourceFormat, c: Obj, type: string): Obj {
  if (f === 'aws_config') return { ingress: awsConfigPermissions(c.ipPermissions), egress: awsConfigPermissions(c.ipPermissionsEgress), vpc_id: text(c.vpcId), is_default: c.groupName === 'default' };
  if (f === 'cloudformation') {
    if (type === 'AWS::EC2::SecurityGroupIngress') return { ingress: cfnPermissions([c]), egress: [], vpc_id: null };
    if (type === 'AWS::EC2::SecurityGroupEgress') return { ingress: [], egress: cfnPermissions([c]), vpc_id: null };
    return { ingress: cfnPermissions(c.SecurityGroupIngress), egress: cfnPermissions(c.SecurityGroupEgress), vpc_id: text(c.VpcId), is_default: false };
  }
  if (type === 'aws_security_group_rule') {
    const one = tfPermissions([c]);
    return c.type === 'egress' ? { ingress: [], egress: one, vpc_id: null } : { ingress: one, egress: [], vpc_id: null };
  }
  if (type === 'aws_vpc_security_group_ingress_rule' || type === 'aws_vpc_security_group_egress_rule') {
    const one = [permission(c.ip_protocol, c.from_port, c.to_port, [c.cidr_ipv4, c.cidr_ipv6])];
    return type.endsWith('ingress_rule') ? { ingress: one, egress: [], vpc_id: null } : { ingress: [], egress: one, vpc_id: null };
  }
  return { ingress: tfPermissions(c.ingress), egress: tfPermissions(c.egress), vpc_id: text(c.vpc_id), is_default: type === 'aws_default_security_group' };
}

interface AclEntry {
  /** Rule number: entries are evaluated lowest first per direction; null when the source gives none. */
  rule_number: number | null;
  egress: boolean;
  action: string;
  protocol: string;
  from_port: number;
  to_port: number;
  cidr: string | null;
}

function aclEntry(ruleNumber: unknown, egress: unknown, action: unknown, protocol: unknown, cidr: unknown, from: unknown, to: unknown): AclEntry {
  const p = permission(protocol, from, to, []);
  return { rule_number: num(ruleNumber), egress: bool(egress) ?? false, action: (text(action) ?? 'allow').toLowerCase(), protocol: p.protocol, from_port: p.from_port, to_port: p.to_port, cidr: text(cidr) };
}

/** Ports the NACL view judges reachable from anywhere: SSH and RDP (CIS AWS 5.1). */
export const NACL_ADMIN_PORTS: readonly number[] = [22, 3389];
const WORLD_CIDRS = ['0.0.0.0/0', '::/0'];

/**
 * The TCP ports of `ports` that inbound traffic from anywhere reaches, with the entries judged as
 * AWS does: in rule-number order, the first entry that matches decides. For each address family
 * the first entry with a world CIDR (0.0.0.0/0, ::/0) that covers the port decides for most of the
 * internet: a narrower deny before it only shields part of it, so an allow-all after it still
 * counts as open, and a world deny before an allow-all closes the port. Entries without a rule
 * number keep their written order after numbered ones.
 */
function worldOpenPorts(entries: AclEntry[], egress: boolean, ports: readonly number[]): number[] {
  const ordered = entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.egress === egress)
    .sort((a, b) => (a.e.rule_number ?? Number.MAX_SAFE_INTEGER) - (b.e.rule_number ?? Number.MAX_SAFE_INTEGER) || a.i - b.i)
    .map(({ e }) => e);
  return ports.filter((port) =>
    WORLD_CIDRS.some((world) => {
      const decisive = ordered.find((e) => e.cidr === world && (e.protocol === '-1' || e.protocol === 'tcp') && e.from_port <= port && e.to_port >= port);
      return decisive !== undefined && decisive.action === 'allow';
    }),
  );
}

/**
 * A network ACL and its entries (rule number, direction, action, protocol, ports, CIDR).
 * `admin_ports_open_to_world` applies rule order (worldOpenPorts). A template's
 * `AWS::EC2::NetworkAclEntry` / `aws_network_acl_rule` is one entry of an ACL whose other entries
 * are other resources: it is judged alone (an allow is open unless that same entry denies).
 */
function networkAcl(f: ResourceFormat, c: Obj, type: string): Obj {
  let entries: AclEntry[];
  if (f === 'aws_config') {
    entries = list(c.entries).filter(isObj).map((e) => aclEntry(e.ruleNumber, e.egress, e.ruleAction, e.protocol, e.cidrBlock ?? e.ipv6CidrBlock, at(e, 'portRange.from'), at(e, 'portRange.to')));
  } else if (f === 'cloudformation') {
    entries = type === 'AWS::EC2::NetworkAclEntry' ? [aclEntry(c.RuleNumber, c.Egress, c.RuleAction, c.Protocol, c.CidrBlock ?? c.Ipv6CidrBlock, at(c, 'PortRange.From'), at(c, 'PortRange.To'))] : [];
  } else if (type === 'aws_network_acl_rule') {
    entries = [aclEntry(c.rule_number, c.egress, c.rule_action, c.protocol, c.cidr_block ?? c.ipv6_cidr_block, c.from_port, c.to_port)];
  } else {
    const side = (v: unknown, egress: boolean): AclEntry[] => list(v).filter(isObj).map((e) => aclEntry(e.rule_no, egress, e.action, e.protocol, e.cidr_block ?? e.ipv6_cidr_block, e.from_port, e.to_port));
    entries = [...side(c.ingress, false), ...side(c.egress, true)];
  }
  return { entries, admin_ports_open_to_world: worldOpenPorts(entries, false, NACL_ADMIN_PORTS) };
}

/** Settings of a bucket a rule may judge absent (`judged`): all of them in CloudFormation, those AWS Config records live. */
const BUCKET_SETTINGS = ['public_access_block', 'encryption', 'versioning', 'logging', 'lifecycle', 'replication', 'notifications', 'object_lock'] as const;
// `ownership` (ACLs disabled by BucketOwnerEnforced) is judged in CloudFormation and on linked Terraform buckets.

function bucket(f: ResourceFormat, c: Obj): Obj {
  if (f === 'aws_config') {
    const s = isObj(c.supplementary) ? c.supplementary : {};
    const pab = isObj(s.PublicAccessBlockConfiguration) ? s.PublicAccessBlockConfiguration : null;
    const rule = at(s, 'ServerSideEncryptionConfiguration.rules.0.applyServerSideEncryptionByDefault');
    const acl = at(s, 'AccessControlList');
    const grants = isObj(acl) ? list(acl.grantList) : [];
    const policyText = at(s, 'BucketPolicy.policyText');
    // AWS Config records the notification configuration always ({"configurations":{}} when none) and
    // lifecycle / replication only when set; without the versioning record the item is partial: not judged.
    const full = isObj(s.BucketVersioningConfiguration);
    const notif = at(s, 'BucketNotificationConfiguration.configurations');
    return {
      public_access_block: pab ? publicAccessFlags(pab, 'camel') : null,
      public_access_block_inline: true,
      encryption: isObj(rule) ? { algorithm: text(rule.sseAlgorithm), kms_key: text(rule.kmsMasterKeyID) } : null,
      versioning: text(at(s, 'BucketVersioningConfiguration.status')) === 'Enabled',
      mfa_delete: bool(at(s, 'BucketVersioningConfiguration.isMfaDeleteEnabled')) ?? false,
      logging: typeof at(s, 'BucketLoggingConfiguration.destinationBucketName') === 'string',
      acl_public: grants.some((g) => /AllUsers|AuthenticatedUsers/.test(JSON.stringify(g))),
      policy: policyDocument(policyText),
      // A lifecycle counts when one of its rules is enabled (a configuration of disabled rules expires nothing).
      lifecycle: list(at(s, 'BucketLifecycleConfiguration.rules')).some((r) => isObj(r) && String(r.status).toLowerCase() === 'enabled'),
      replication: list(at(s, 'BucketReplicationConfiguration.rules')).length > 0,
      notifications: isObj(notif) && Object.keys(notif).length > 0,
      object_lock: String(at(s, 'ObjectLockConfiguration.objectLockEnabled') ?? '').toLowerCase() === 'enabled',
      acls_disabled: false,
      judged: ['public_access_block', 'encryption', 'versioning', 'logging', ...(full ? ['lifecycle', 'replication', 'object_lock'] : []), ...(isObj(notif) ? ['notifications'] : [])],
    };
  }
  if (f === 'cloudformation') {
    const pab = isObj(c.PublicAccessBlockConfiguration) ? c.PublicAccessBlockConfiguration : null;
    const rule = at(c, 'BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault');
    const acl = text(c.AccessControl);
    const notif = isObj(c.NotificationConfiguration) ? c.NotificationConfiguration : {};
    return {
      public_access_block: pab ? publicAccessFlags(pab, 'pascal') : null,
      public_access_block_inline: true,
      encryption: isObj(rule) ? { algorithm: text(rule.SSEAlgorithm), kms_key: text(rule.KMSMasterKeyID) } : null,
      versioning: text(at(c, 'VersioningConfiguration.Status')) === 'Enabled',
      mfa_delete: false,
      logging: isObj(c.LoggingConfiguration),
      acl_public: acl !== null && /^(PublicRead|PublicReadWrite|AuthenticatedRead)$/.test(acl),
      policy: null,
      lifecycle: list(at(c, 'LifecycleConfiguration.Rules')).length > 0,
      replication: list(at(c, 'ReplicationConfiguration.Rules')).length > 0,
      notifications: ['LambdaConfigurations', 'QueueConfigurations', 'TopicConfigurations'].some((k) => list(notif[k]).length > 0) || isObj(notif.EventBridgeConfiguration),
      object_lock: bool(c.ObjectLockEnabled) === true,
      acls_disabled: text(at(c, 'OwnershipControls.Rules.0.ObjectOwnership')) === 'BucketOwnerEnforced',
      judged: [...BUCKET_SETTINGS, 'ownership'],
    };
  }
  // Terraform: inline blocks (AWS provider < 4) or the aws_s3_bucket_* companion resources linked
  // to the bucket (terraform-companions.ts). Without link information an absent setting is not judged.
  const rule = at(c, 'server_side_encryption_configuration.0.rule.0.apply_server_side_encryption_by_default.0');
  const ver = linked(c, 'aws_s3_bucket_versioning');
  const logs = linked(c, 'aws_s3_bucket_logging');
  const sse = linked(c, 'aws_s3_bucket_server_side_encryption_configuration');
  const pabs = linked(c, 'aws_s3_bucket_public_access_block');
  const acls = linked(c, 'aws_s3_bucket_acl');
  const life = linked(c, 'aws_s3_bucket_lifecycle_configuration');
  const repl = linked(c, 'aws_s3_bucket_replication_configuration');
  const lock = linked(c, 'aws_s3_bucket_object_lock_configuration');
  const notif = linked(c, 'aws_s3_bucket_notification');
  const sseRule = sse?.map((x) => at(x, 'rule.0.apply_server_side_encryption_by_default.0')).find(isObj);
  const encRule = isObj(rule) ? rule : sseRule;
  const acl = text(c.acl) ?? acls?.map((x) => text(x.acl)).find((x) => x !== null) ?? null;
  const pab = pabs?.[0];
  const pols = linked(c, 'aws_s3_bucket_policy');
  const owners = linked(c, 'aws_s3_bucket_ownership_controls');
  const judged: string[] = [];
  const judge = (name: string, inline: boolean, companions: Obj[] | null): boolean => {
    if (inline || companions !== null) judged.push(name);
    return inline || (companions?.length ?? 0) > 0;
  };
  return {
    public_access_block: pab ? publicAccessFlags(pab, 'snake') : null,
    // Terraform (AWS provider 4+) sets these in aws_s3_bucket_public_access_block, a resource of its own: judged on the bucket when linked.
    public_access_block_inline: pabs !== null,
    encryption: isObj(encRule) ? { algorithm: text(encRule.sse_algorithm), kms_key: text(encRule.kms_master_key_id) } : null,
    versioning: (bool(at(c, 'versioning.0.enabled')) ?? false) || (ver ?? []).some((x) => text(at(x, 'versioning_configuration.0.status')) === 'Enabled'),
    mfa_delete: (bool(at(c, 'versioning.0.mfa_delete')) ?? false) || (ver ?? []).some((x) => text(at(x, 'versioning_configuration.0.mfa_delete')) === 'Enabled'),
    logging: judge('logging', list(c.logging).length > 0, logs),
    acl_public: acl !== null && /^(public-read|public-read-write|authenticated-read)$/.test(acl),
    policy: policyDocument(c.policy),
    // The policy of an aws_s3_bucket_policy linked to the bucket (its own resource is judged for being public).
    linked_policy: policyDocument(c.policy) ?? (pols ?? []).map((x) => policyDocument(x.policy)).find((x) => x !== null) ?? null,
    lifecycle: judge('lifecycle', list(c.lifecycle_rule).length > 0, life),
    replication: judge('replication', list(c.replication_configuration).length > 0, repl),
    notifications: judge('notifications', false, notif),
    object_lock: judge('object_lock', bool(c.object_lock_enabled) === true || list(c.object_lock_configuration).length > 0, lock),
    acls_disabled: judge('ownership', false, owners === null ? null : owners.filter((o) => text(at(o, 'rule.0.object_ownership')) === 'BucketOwnerEnforced')),
    judged: [...judged, ...(isObj(encRule) || sse !== null ? ['encryption'] : []), ...(list(c.versioning).length > 0 || ver !== null ? ['versioning'] : []), ...(pabs !== null ? ['public_access_block'] : []), ...(c.policy !== undefined || pols !== null ? ['policy'] : [])],
  };
}

function publicAccessBlock(c: Obj): Obj {
  return { public_access_block: publicAccessFlags(c, 'snake') };
}

const PUBLIC_ACCESS_FLAGS = ['block_public_acls', 'ignore_public_acls', 'block_public_policy', 'restrict_public_buckets'] as const;

/**
 * The four S3 public access block flags of `pab`, whose keys are spelled in snake_case (Terraform),
 * camelCase (AWS Config) or PascalCase (CloudFormation); the view names them in snake_case.
 */
function publicAccessFlags(pab: Obj, spelling: 'snake' | 'camel' | 'pascal'): Obj {
  const out: Obj = {};
  for (const flag of PUBLIC_ACCESS_FLAGS) {
    const pascal = flag.replace(/(?:^|_)([a-z])/g, (_m, ch: string) => ch.toUpperCase());
    const key = spelling === 'snake' ? flag : spelling === 'pascal' ? pascal : pascal[0]!.toLowerCase() + pascal.slice(1);
    out[flag] = bool(pab[key]);
  }
  return out;
}

/** IAM policy documents of a user, role, group or policy: the inline ones and the managed policy ARNs. */
function iamPrincipal(f: ResourceFormat, c: Obj, type: string): Obj {
  if (f === 'aws_config') {
    const inline = [...list(c.userPolicyList), ...list(c.rolePolicyList), ...list(c.groupPolicyList)]
      .filter(isObj)
      .map((p) => policyDocument(p.policyDocument))
      .filter((d): d is Obj => d !== null);
    const versions = list(c.policyVersionList).filter(isObj);
    const current = versions.find((v) => bool(v.isDefaultVersion)) ?? versions[0];
    const docs = current ? [policyDocument(current.document)].filter((d): d is Obj => d !== null) : [];
    return {
      policies: type === 'AWS::IAM::Policy' ? docs : inline,
      managed_policy_arns: list(c.attachedManagedPolicies).filter(isObj).map((p) => text(p.policyArn)).filter((s): s is string => s !== null),
      trust_policy: policyDocument(c.assumeRolePolicyDocument),
    };
  }
  if (f === 'cloudformation') {
    const inline = list(c.Policies).filter(isObj).map((p) => policyDocument(p.PolicyDocument)).filter((d): d is Obj => d !== null);
    const own = policyDocument(c.PolicyDocument);
    return {
      policies: own ? [own, ...inline] : inline,
      managed_policy_arns: list(c.ManagedPolicyArns).map(text).filter((s): s is string => s !== null),
      trust_policy: policyDocument(c.AssumeRolePolicyDocument),
    };
  }
  const own = policyDocument(c.policy);
  return {
    policies: own ? [own] : list(c.inline_policy).filter(isObj).map((p) => policyDocument(p.policy)).filter((d): d is Obj => d !== null),
    managed_policy_arns: list(c.managed_policy_arns).map(text).filter((s): s is string => s !== null).concat(type.endsWith('_policy_attachment') && text(c.policy_arn) ? [text(c.policy_arn)!] : []),
    trust_policy: policyDocument(c.assume_role_policy),
  };
}

/** A field read from the first of its paths in each format, coerced. */
type FieldRule = { kind: 'bool' | 'num' | 'text' | 'raw'; paths: Partial<Record<ResourceFormat, string[]>>; fallback?: unknown };

function fields(spec: Record<string, FieldRule>): (f: ResourceFormat, c: Obj) => Obj {
  return (f, c) => {
    const out: Obj = {};
    for (const [name, r] of Object.entries(spec)) {
      const v = first(c, ...(r.paths[f] ?? []));
      const fb = r.fallback === undefined ? null : r.fallback;
      out[name] = r.kind === 'bool' ? bool(v, fb as boolean | null) : r.kind === 'num' ? num(v, fb as number | null) : r.kind === 'text' ? (text(v) ?? fb) : (v ?? fb);
    }
    return out;
  };
}

const b = (aws: string[], cfn: string[], tf: string[], fallback: unknown = false): FieldRule => ({ kind: 'bool', paths: { aws_config: aws, cloudformation: cfn, terraform_plan: tf }, fallback });
const n = (aws: string[], cfn: string[], tf: string[], fallback: unknown = null): FieldRule => ({ kind: 'num', paths: { aws_config: aws, cloudformation: cfn, terraform_plan: tf }, fallback });
const t = (aws: string[], cfn: string[], tf: string[], fallback: unknown = null): FieldRule => ({ kind: 'text', paths: { aws_config: aws, cloudformation: cfn, terraform_plan: tf }, fallback });

const trailFields = fields({
  multi_region: b(['isMultiRegionTrail'], ['IsMultiRegionTrail'], ['is_multi_region_trail']),
  log_file_validation: b(['logFileValidationEnabled'], ['EnableLogFileValidation'], ['enable_log_file_validation']),
  kms_key: t(['kmsKeyId'], ['KMSKeyId'], ['kms_key_id']),
  cloudwatch_logs: t(['cloudWatchLogsLogGroupArn'], ['CloudWatchLogsLogGroupArn'], ['cloud_watch_logs_group_arn']),
  include_global_events: b(['includeGlobalServiceEvents'], ['IncludeGlobalServiceEvents'], ['include_global_service_events'], true),
});

/**
 * A CloudTrail trail. AWS Config does not record whether the trail is logging (the
 * `AWS::CloudTrail::Trail` item has no IsLogging; GetTrailStatus is a separate call): `logging` is
 * null (not judged) on a live item unless a status was merged in under `supplementary.TrailStatus`
 * (or `IsLogging`); templates say it (CloudFormation `IsLogging`, Terraform `enable_logging`,
 * default true).
 */
function trail(f: ResourceFormat, c: Obj): Obj {
  const out = trailFields(f, c);
  if (f === 'aws_config') out.logging = bool(first(c, 'supplementary.TrailStatus.isLogging', 'supplementary.TrailStatus.IsLogging', 'supplementary.IsLogging', 'isLogging', 'IsLogging'), null);
  else if (f === 'cloudformation') out.logging = bool(c.IsLogging, null);
  else out.logging = bool(c.enable_logging, true);
  return out;
}

const kmsFields = fields({
  key_spec: t(['keySpec', 'customerMasterKeySpec'], ['KeySpec'], ['customer_master_key_spec', 'key_spec'], 'SYMMETRIC_DEFAULT'),
  manager: t(['keyManager'], [], [], 'CUSTOMER'),
  enabled: b(['enabled'], ['Enabled'], ['is_enabled'], true),
  key_state: t(['keyState'], [], [], 'Enabled'),
  origin: t(['origin'], ['Origin'], [], 'AWS_KMS'),
});

/**
 * A KMS key. AWS Config records rotation as `supplementaryConfiguration.KeyRotationStatus` (a
 * boolean, text in the history API) and the key policy as `supplementaryConfiguration.Policy`
 * (JSON text, decoded by the collector); a live item without KeyRotationStatus leaves `rotation`
 * null (not judged). Templates: `EnableKeyRotation` / `enable_key_rotation` (default false) and
 * `KeyPolicy` / `policy`.
 */
function kmsKey(f: ResourceFormat, c: Obj): Obj {
  const out = kmsFields(f, c);
  if (f === 'aws_config') {
    const s = isObj(c.supplementary) ? c.supplementary : {};
    out.rotation = bool(first(s, 'KeyRotationStatus.keyRotationEnabled', 'KeyRotationStatus'), null);
    out.policy = policyDocument(first(s, 'Policy', 'KeyPolicy', 'policy'));
  } else if (f === 'cloudformation') {
    out.rotation = bool(c.EnableKeyRotation, false);
    out.policy = policyDocument(c.KeyPolicy);
  } else {
    out.rotation = bool(c.enable_key_rotation, false);
    out.policy = policyDocument(c.policy);
  }
  return out;
}

const passwordPolicy = fields({
  min_length: n(['MinimumPasswordLength', 'minimumPasswordLength'], [], ['minimum_password_length'], 0),
  require_symbols: b(['RequireSymbols', 'requireSymbols'], [], ['require_symbols']),
  require_numbers: b(['RequireNumbers', 'requireNumbers'], [], ['require_numbers']),
  require_uppercase: b(['RequireUppercaseCharacters', 'requireUppercaseCharacters'], [], ['require_uppercase_characters']),
  require_lowercase: b(['RequireLowercaseCharacters', 'requireLowercaseCharacters'], [], ['require_lowercase_characters']),
  max_age_days: n(['MaxPasswordAge', 'maxPasswordAge'], [], ['max_password_age'], 0),
  reuse_prevention: n(['PasswordReusePrevention', 'passwordReusePrevention'], [], ['password_reuse_prevention'], 0),
});

const accountSummary = fields({
  root_access_keys: n(['AccountAccessKeysPresent', 'accountAccessKeysPresent'], [], [], 0),
  root_mfa: b(['AccountMFAEnabled', 'accountMFAEnabled'], [], [], false),
});

const volume = fields({ encrypted: b(['encrypted'], ['Encrypted'], ['encrypted']), kms_key: t(['kmsKeyId'], ['KmsKeyId'], ['kms_key_id']) });
const ebsDefault = fields({ enabled: b(['ebsEncryptionByDefault', 'EbsEncryptionByDefault'], [], ['enabled'], false) });

const instance = fields({
  http_tokens: t(['metadataOptions.httpTokens'], ['MetadataOptions.HttpTokens'], ['metadata_options.0.http_tokens'], 'optional'),
  public_ip: t(['publicIpAddress'], [], ['public_ip']),
  associate_public_ip: b([], ['NetworkInterfaces.0.AssociatePublicIpAddress'], ['associate_public_ip_address'], false),
  iam_profile: t(['iamInstanceProfile.arn'], ['IamInstanceProfile'], ['iam_instance_profile']),
  ebs_optimized: b(['ebsOptimized'], ['EbsOptimized'], ['ebs_optimized']),
});

const launchTemplate = fields({
  // AWS Config records AWS::EC2::LaunchTemplate in the CloudFormation spelling (LaunchTemplateData.MetadataOptions).
  http_tokens: t(['LaunchTemplateData.MetadataOptions.HttpTokens', 'launchTemplateData.metadataOptions.httpTokens'], ['LaunchTemplateData.MetadataOptions.HttpTokens'], ['metadata_options.0.http_tokens'], 'optional'),
});

const rdsInstance = fields({
  publicly_accessible: b(['publiclyAccessible'], ['PubliclyAccessible'], ['publicly_accessible']),
  storage_encrypted: b(['storageEncrypted'], ['StorageEncrypted'], ['storage_encrypted']),
  backup_retention_days: n(['backupRetentionPeriod'], ['BackupRetentionPeriod'], ['backup_retention_period'], 1),
  multi_az: b(['multiAZ'], ['MultiAZ'], ['multi_az']),
  deletion_protection: b(['deletionProtection'], ['DeletionProtection'], ['deletion_protection']),
  auto_minor_version_upgrade: b(['autoMinorVersionUpgrade'], ['AutoMinorVersionUpgrade'], ['auto_minor_version_upgrade'], true),
  iam_auth: b(['iAMDatabaseAuthenticationEnabled'], ['EnableIAMDatabaseAuthentication'], ['iam_database_authentication_enabled', 'iam_database_authentication_enabled']),
  engine: t(['engine'], ['Engine'], ['engine']),
});

const flowLog = fields({
  traffic_type: t(['trafficType'], ['TrafficType'], ['traffic_type'], 'ALL'),
  resource_id: t(['resourceId'], ['ResourceId'], ['vpc_id', 'subnet_id', 'eni_id']),
});

/**
 * The AWS Config configuration recorder. AWS Config records it in PascalCase (`Name`, `Recording`,
 * `RecordingGroup.AllSupported`, `RecordingGroup.IncludeGlobalResourceTypes`,
 * `RecordingGroup.RecordingStrategy.UseOnly`; awslabs/aws-config-resource-schema); camelCase
 * (DescribeConfigurationRecorders as boto3/the CLI print it) is read too. `recording` is whether it
 * runs: the item's `Recording`, Terraform `aws_config_configuration_recorder_status.is_enabled`;
 * null (not judged) where the source does not say (CloudFormation, Terraform recorder).
 */
function recorder(f: ResourceFormat, c: Obj, type: string): Obj {
  if (type === 'aws_config_configuration_recorder_status') return { recording: bool(c.is_enabled, null), all_supported: null, include_global_resources: null };
  if (f === 'terraform_plan') {
    return { recording: null, all_supported: bool(at(c, 'recording_group.0.all_supported'), true), include_global_resources: bool(at(c, 'recording_group.0.include_global_resource_types'), false) };
  }
  const group = first(c, 'RecordingGroup', 'recordingGroup');
  const strategy = text(first(group, 'RecordingStrategy.UseOnly', 'recordingStrategy.useOnly'));
  const allSupported = bool(first(group, 'AllSupported', 'allSupported'), null) ?? (strategy === null ? true : strategy === 'ALL_SUPPORTED_RESOURCE_TYPES');
  return {
    recording: f === 'aws_config' ? bool(first(c, 'Recording', 'recording'), null) : null,
    all_supported: allSupported,
    include_global_resources: bool(first(group, 'IncludeGlobalResourceTypes', 'includeGlobalResourceTypes'), false),
  };
}

// AWS Config records AWS::EFS::FileSystem in PascalCase (configuration.Encrypted).
const efs = fields({ encrypted: b(['Encrypted', 'encrypted'], ['Encrypted'], ['encrypted']) });
const snsTopicFields = fields({ kms_key: t(['KmsMasterKeyId', 'kmsMasterKeyId'], ['KmsMasterKeyId'], ['kms_master_key_id']) });
const sqsQueueFields = fields({
  kms_key: t(['KmsMasterKeyId', 'kmsMasterKeyId'], ['KmsMasterKeyId'], ['kms_master_key_id']),
  sqs_managed_sse: b(['SqsManagedSseEnabled', 'sqsManagedSseEnabled'], ['SqsManagedSseEnabled'], ['sqs_managed_sse_enabled']),
});

/**
 * The access policy of an SNS topic or SQS queue: AWS Config records it as the `Policy` attribute
 * (JSON text, PascalCase attributes); CloudFormation sets it in `AWS::SNS::TopicPolicy` /
 * `AWS::SQS::QueuePolicy` (`PolicyDocument`), Terraform in `policy` of the topic/queue or of
 * `aws_sns_topic_policy` / `aws_sqs_queue_policy`.
 */
function accessPolicy(f: ResourceFormat, c: Obj): Obj | null {
  if (f === 'aws_config') return policyDocument(first(c, 'Policy', 'policy'));
  if (f === 'cloudformation') return policyDocument(c.PolicyDocument);
  return policyDocument(c.policy);
}
const snsTopic = (f: ResourceFormat, c: Obj): Obj => ({ ...snsTopicFields(f, c), policy: accessPolicy(f, c) });
const sqsQueue = (f: ResourceFormat, c: Obj): Obj => ({ ...sqsQueueFields(f, c), policy: accessPolicy(f, c) });

/** DynamoDB point-in-time recovery: live items record `pointInTimeRecoveryStatus` as ENABLED / DISABLED text. */
function dynamoTable(f: ResourceFormat, c: Obj): Obj {
  if (f === 'aws_config') {
    const status = text(first(c, 'supplementary.ContinuousBackupsDescription.pointInTimeRecoveryDescription.pointInTimeRecoveryStatus', 'supplementary.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus'));
    return { pitr: status === null ? null : status.toUpperCase() === 'ENABLED' };
  }
  return { pitr: bool(f === 'cloudformation' ? at(c, 'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled') : at(c, 'point_in_time_recovery.0.enabled'), false) };
}
const lambdaUrl = fields({ auth_type: t(['authType', 'AuthType'], ['AuthType'], ['authorization_type'], 'AWS_IAM') });
const lambdaRuntime = fields({ runtime: t(['runtime'], ['Runtime'], ['runtime'], '') });
const lambdaFunction = (f: ResourceFormat, c: Obj): Obj => ({ ...lambdaRuntime(f, c), ...lambdaFunctionPolicy(f, c) });
const listener = fields({
  protocol: t(['protocol', 'Protocol'], ['Protocol'], ['protocol'], 'HTTP'),
  // AWS Config records AWS::ElasticLoadBalancingV2::Listener in PascalCase (DefaultActions, SslPolicy).
  default_action: t(['DefaultActions.0.Type', 'defaultActions.0.type'], ['DefaultActions.0.Type'], ['default_action.0.type'], ''),
  ssl_policy: t(['SslPolicy', 'sslPolicy'], ['SslPolicy'], ['ssl_policy']),
});
const eksCluster = fields({
  endpoint_public: b(['resourcesVpcConfig.endpointPublicAccess', 'ResourcesVpcConfig.EndpointPublicAccess'], ['ResourcesVpcConfig.EndpointPublicAccess'], ['vpc_config.0.endpoint_public_access'], true),
  public_cidrs: { kind: 'raw', paths: { aws_config: ['resourcesVpcConfig.publicAccessCidrs', 'ResourcesVpcConfig.PublicAccessCidrs'], cloudformation: ['ResourcesVpcConfig.PublicAccessCidrs'], terraform_plan: ['vpc_config.0.public_access_cidrs'] }, fallback: ['0.0.0.0/0'] },
  secrets_encryption: { kind: 'raw', paths: { aws_config: ['encryptionConfig', 'EncryptionConfig'], cloudformation: ['EncryptionConfig'], terraform_plan: ['encryption_config'] }, fallback: [] },
  log_types: { kind: 'raw', paths: { aws_config: ['logging.clusterLogging.0.types', 'Logging.ClusterLogging.EnabledTypes'], cloudformation: ['Logging.ClusterLogging.EnabledTypes'], terraform_plan: ['enabled_cluster_log_types'] }, fallback: [] },
});
const ecrRepository = fields({
  scan_on_push: b(['imageScanningConfiguration.scanOnPush', 'ImageScanningConfiguration.ScanOnPush'], ['ImageScanningConfiguration.ScanOnPush'], ['image_scanning_configuration.0.scan_on_push']),
  tag_mutability: t(['imageTagMutability', 'ImageTagMutability'], ['ImageTagMutability'], ['image_tag_mutability'], 'MUTABLE'),
});
const cloudFront = fields({
  viewer_protocol: t(['distributionConfig.defaultCacheBehavior.viewerProtocolPolicy'], ['DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy'], ['default_cache_behavior.0.viewer_protocol_policy'], 'allow-all'),
});
const redshiftFields = fields({
  publicly_accessible: b(['publiclyAccessible'], ['PubliclyAccessible'], ['publicly_accessible'], false),
  encrypted: b(['encrypted'], ['Encrypted'], ['encrypted'], false),
  kms_key: t(['kmsKeyId'], ['KmsKeyId'], ['kms_key_id']),
});
const redshift = (f: ResourceFormat, c: Obj): Obj => ({ ...redshiftFields(f, c), audit_logging: redshiftAuditLogging(f, c) });
const secret = fields({ rotation: b(['rotationEnabled', 'RotationEnabled'], [], [], false) });

/** The value of a key matched without regard to case (CloudFormation/AWS Config PascalCase, API camelCase). */
function ci(o: unknown, name: string): unknown {
  if (!isObj(o)) return undefined;
  if (Object.hasOwn(o, name)) return o[name];
  const lower = name.toLowerCase();
  const key = Object.keys(o).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : o[key];
}

/** What Terraform prints for an unknown value (written by the HCL reader inside jsonencode()). */
const UNKNOWN_TEXT = '(known after apply)';
/** Environment variable names that hold credentials: PASSWORD, SECRET, TOKEN, API_KEY, KEY … as a whole word. */
const SECRET_ENV_NAME = /(^|[_.-])(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|KEY|CREDENTIALS?)([_.-]|$)/i;

/** A literal credential value: not a reference (CloudFormation intrinsic, dynamic reference, ARN, unknown). */
function literalSecret(v: unknown): boolean {
  if (typeof v !== 'string' || v.trim() === '' || v === UNKNOWN_TEXT) return false;
  return !/^(\{\{resolve:|arn:|\$\{)/.test(v);
}

function ecsContainer(c: Obj): Obj {
  const user = text(ci(c, 'user'));
  const env = list(ci(c, 'environment')).filter(isObj);
  const userKnown = user !== UNKNOWN_TEXT;
  return {
    name: text(ci(c, 'name')) ?? '',
    image: text(ci(c, 'image')) ?? '',
    privileged: bool(ci(c, 'privileged')) ?? false,
    user: user ?? null,
    // No user: the image's default, root for most images. "0", "root", "0:0", "root:wheel" are root.
    runs_as_root: userKnown && (user === null || user.trim() === '' || /^(0|root)(:.*)?$/.test(user.trim())),
    read_only_root_filesystem: bool(ci(c, 'readonlyRootFilesystem')) ?? false,
    secret_environment: env.filter((e) => SECRET_ENV_NAME.test(text(ci(e, 'name')) ?? '') && literalSecret(ci(e, 'value'))).map((e) => text(ci(e, 'name')) ?? ''),
    log_configured: isObj(ci(c, 'logConfiguration')) && typeof ci(ci(c, 'logConfiguration'), 'logDriver') === 'string',
  };
}

function ecsTaskDefinition(f: ResourceFormat, c: Obj): Obj {
  let defs: unknown = f === 'terraform_plan' ? c.container_definitions : ci(c, 'containerDefinitions');
  if (typeof defs === 'string') {
    try {
      defs = JSON.parse(defs) as unknown;
    } catch {
      defs = [];
    }
  }
  const containers = list(defs).filter(isObj).map(ecsContainer);
  return {
    network_mode: (text(f === 'terraform_plan' ? c.network_mode : ci(c, 'networkMode')) ?? 'bridge').toLowerCase(),
    pid_mode: (text(f === 'terraform_plan' ? c.pid_mode : ci(c, 'pidMode')) ?? '').toLowerCase() || null,
    ipc_mode: (text(f === 'terraform_plan' ? c.ipc_mode : ci(c, 'ipcMode')) ?? '').toLowerCase() || null,
    requires_compatibilities: list(f === 'terraform_plan' ? c.requires_compatibilities : ci(c, 'requiresCompatibilities')).map((x) => (text(x) ?? '').toUpperCase()),
    containers,
  };
}

// ---------------------------------------------------------------- Azure kinds

/** Sources an NSG rule or firewall treats as "anywhere". */
const AZURE_ANY_SOURCE = new Set(['*', 'internet', 'any', '0.0.0.0', '0.0.0.0/0', '::/0', '<nw>/0']);

function portRanges(v: unknown): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  for (const p of list(v)) {
    const s = (text(p) ?? '').trim();
    if (s === '*' || s.toLowerCase() === 'any') out.push({ from: 0, to: 65535 });
    else {
      const m = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(s);
      if (m) out.push({ from: Number(m[1]), to: Number(m[2] ?? m[1]) });
    }
  }
  return out;
}

/** One NSG security rule in either spelling (ARM properties or azurerm attributes). */
function nsgRule(r: Obj, arm: boolean): Obj {
  const g = (armName: string, tfName: string): unknown => (arm ? ci(r, armName) : r[tfName]);
  const sources = [...list(g('sourceAddressPrefix', 'source_address_prefix')), ...list(g('sourceAddressPrefixes', 'source_address_prefixes'))].map((x) => (text(x) ?? '').trim().toLowerCase()).filter((x) => x !== '');
  return {
    name: text(arm ? ci(r, 'name') : r.name) ?? '',
    direction: (text(g('direction', 'direction')) ?? '').toLowerCase(),
    access: (text(g('access', 'access')) ?? '').toLowerCase(),
    protocol: (text(g('protocol', 'protocol')) ?? '*').toLowerCase(),
    priority: num(g('priority', 'priority')),
    ports: portRanges([...list(g('destinationPortRange', 'destination_port_range')), ...list(g('destinationPortRanges', 'destination_port_ranges'))]),
    sources,
    from_any: sources.some((x) => AZURE_ANY_SOURCE.has(x) || /^(0\.0\.0\.0|::)\/0$/.test(x)),
  };
}

function azureNsg(f: ResourceFormat, c: Obj, type: string): Obj {
  const arm = f === 'arm';
  if (arm) {
    const props = isObj(c.properties) ? c.properties : {};
    if (type.toLowerCase().endsWith('/securityrules')) return { rules: [nsgRule(props, true)] };
    return { rules: list(props.securityRules).filter(isObj).map((r) => nsgRule({ name: r.name, ...(isObj(r.properties) ? r.properties : {}) }, true)) };
  }
  if (type === 'azurerm_network_security_rule') return { rules: [nsgRule(c, false)] };
  return { rules: list(c.security_rule).filter(isObj).map((r) => nsgRule(r, false)) };
}

function apiVersionBefore(c: Obj, date: string): boolean {
  const v = text(c.apiVersion);
  return v !== null && /^\d{4}-\d{2}-\d{2}/.test(v) && v.slice(0, 10) < date;
}

function azureStorage(f: ResourceFormat, c: Obj): Obj {
  if (f === 'arm') {
    const p = isObj(c.properties) ? c.properties : {};
    return {
      // supportsHttpsTrafficOnly defaults to true from API version 2019-04-01.
      https_only: bool(p.supportsHttpsTrafficOnly, !apiVersionBefore(c, '2019-04-01')),
      // Unset: depends on the API version and the subscription; only an explicit value is judged.
      public_blob_access: bool(p.allowBlobPublicAccess, null),
      // Unset minimumTlsVersion accepts TLS 1.0 (Azure Storage documentation).
      min_tls: text(p.minimumTlsVersion) ?? 'TLS1_0',
      shared_key_access: bool(p.allowSharedKeyAccess, true),
      public_network_access: (text(p.publicNetworkAccess) ?? 'Enabled').toLowerCase() !== 'disabled',
      network_default_action: (text(at(p, 'networkAcls.defaultAction')) ?? 'Allow').toLowerCase(),
    };
  }
  return {
    https_only: bool(first(c, 'https_traffic_only_enabled', 'enable_https_traffic_only'), true),
    // azurerm: allow_nested_items_to_be_public defaults to true; allow_blob_public_access (2.x) to false.
    public_blob_access: c.allow_nested_items_to_be_public !== undefined && c.allow_nested_items_to_be_public !== null ? bool(c.allow_nested_items_to_be_public, null) : c.allow_blob_public_access !== undefined && c.allow_blob_public_access !== null ? bool(c.allow_blob_public_access, null) : true,
    min_tls: text(c.min_tls_version) ?? 'TLS1_2',
    shared_key_access: bool(c.shared_access_key_enabled, true),
    public_network_access: bool(c.public_network_access_enabled, true),
    network_default_action: storageDefaultAction(c),
  };
}

/**
 * The default action of an azurerm storage account's firewall: its inline network_rules, else an
 * azurerm_storage_account_network_rules linked to it, else Allow; 'unknown' when such a resource's
 * link could not be resolved (it might be this account's).
 */
function storageDefaultAction(c: Obj): string {
  const inline = text(at(c, 'network_rules.0.default_action'));
  if (inline) return inline.toLowerCase();
  const rules = linked(c, 'azurerm_storage_account_network_rules');
  const fromLinked = rules?.map((r) => text(r.default_action)).find((x) => x !== null);
  if (fromLinked) return fromLinked.toLowerCase();
  return rules === null && isObj(c.sluice_links) ? 'unknown' : 'allow';
}

function azureKeyVault(f: ResourceFormat, c: Obj): Obj {
  if (f === 'arm') {
    const p = isObj(c.properties) ? c.properties : {};
    return {
      soft_delete: bool(p.enableSoftDelete, true),
      purge_protection: bool(p.enablePurgeProtection, false),
      public_network_access: (text(p.publicNetworkAccess) ?? 'Enabled').toLowerCase() !== 'disabled',
      network_default_action: (text(at(p, 'networkAcls.defaultAction')) ?? 'Allow').toLowerCase(),
      rbac_authorization: bool(p.enableRbacAuthorization, false),
    };
  }
  return {
    soft_delete: bool(c.soft_delete_enabled, true),
    purge_protection: bool(c.purge_protection_enabled, false),
    public_network_access: bool(c.public_network_access_enabled, true),
    network_default_action: (text(at(c, 'network_acls.0.default_action')) ?? 'Allow').toLowerCase(),
    rbac_authorization: bool(c.enable_rbac_authorization ?? c.rbac_authorization_enabled, false),
  };
}

function azureFirewallRule(f: ResourceFormat, c: Obj): Obj {
  const p = f === 'arm' ? (isObj(c.properties) ? c.properties : {}) : c;
  return {
    start_ip: text(f === 'arm' ? p.startIpAddress : p.start_ip_address),
    end_ip: text(f === 'arm' ? p.endIpAddress : p.end_ip_address),
  };
}

function azureSqlAuditing(f: ResourceFormat, c: Obj): Obj {
  if (f === 'arm') {
    const p = isObj(c.properties) ? c.properties : {};
    return { enabled: (text(p.state) ?? '').toLowerCase() === 'enabled', retention_days: num(p.retentionDays, 0) };
  }
  return { enabled: bool(c.enabled, true), retention_days: num(c.retention_in_days, 0) };
}

function azureSqlServer(f: ResourceFormat, c: Obj): Obj {
  if (f === 'arm') {
    const p = isObj(c.properties) ? c.properties : {};
    return { public_network_access: (text(p.publicNetworkAccess) ?? 'Enabled').toLowerCase() !== 'disabled', min_tls: text(p.minimalTlsVersion) };
  }
  return { public_network_access: bool(c.public_network_access_enabled, true), min_tls: text(c.minimum_tls_version) };
}

function azureSqlDatabase(f: ResourceFormat, c: Obj, type: string): Obj {
  if (f === 'arm') {
    const p = isObj(c.properties) ? c.properties : {};
    if (type.toLowerCase().endsWith('/transparentdataencryption')) return { tde_enabled: (text(p.state ?? p.status) ?? 'Enabled').toLowerCase() === 'enabled' };
    return { tde_enabled: true };
  }
  return { tde_enabled: bool(c.transparent_data_encryption_enabled, true) };
}

function azureApp(f: ResourceFormat, c: Obj, type: string): Obj {
  if (f === 'arm') {
    const p = isObj(c.properties) ? c.properties : {};
    if (type.toLowerCase() === 'microsoft.web/sites/config') return { https_only: null, min_tls: text(p.minTlsVersion), ftps_state: text(p.ftpsState) };
    return { https_only: bool(p.httpsOnly, false), min_tls: text(at(p, 'siteConfig.minTlsVersion')) ?? '1.2', ftps_state: text(at(p, 'siteConfig.ftpsState')) };
  }
  return {
    https_only: bool(c.https_only, false),
    min_tls: text(first(c, 'site_config.0.minimum_tls_version', 'site_config.0.min_tls_version')) ?? '1.2',
    ftps_state: text(at(c, 'site_config.0.ftps_state')),
  };
}

function azureAks(f: ResourceFormat, c: Obj): Obj {
  if (f === 'arm') {
    const p = isObj(c.properties) ? c.properties : {};
    return {
      rbac_enabled: bool(p.enableRBAC, true),
      private_cluster: bool(at(p, 'apiServerAccessProfile.enablePrivateCluster'), false),
      authorized_ip_ranges: list(at(p, 'apiServerAccessProfile.authorizedIPRanges')).map((x) => text(x) ?? ''),
      network_policy: text(at(p, 'networkProfile.networkPolicy')),
      local_accounts_disabled: bool(p.disableLocalAccounts, false),
    };
  }
  const rbac = c.role_based_access_control_enabled ?? at(c, 'role_based_access_control.0.enabled');
  return {
    rbac_enabled: bool(rbac, true),
    private_cluster: bool(c.private_cluster_enabled, false),
    authorized_ip_ranges: [...list(c.api_server_authorized_ip_ranges), ...list(at(c, 'api_server_access_profile.0.authorized_ip_ranges'))].map((x) => text(x) ?? ''),
    network_policy: text(at(c, 'network_profile.0.network_policy')),
    local_accounts_disabled: bool(c.local_account_disabled, false),
  };
}

/** Azure types per kind: ARM types (matched without case) and azurerm Terraform types. */
const AZURE_KINDS: KindEntry[] = [
  { kind: 'azure.network.nsg', types: ['Microsoft.Network/networkSecurityGroups', 'Microsoft.Network/networkSecurityGroups/securityRules', 'azurerm_network_security_group', 'azurerm_network_security_rule'], build: azureNsg },
  { kind: 'azure.storage.account', types: ['Microsoft.Storage/storageAccounts', 'azurerm_storage_account'], build: azureStorage },
  { kind: 'azure.keyvault.vault', types: ['Microsoft.KeyVault/vaults', 'azurerm_key_vault'], build: azureKeyVault },
  {
    kind: 'azure.sql.firewall_rule',
    types: ['Microsoft.Sql/servers/firewallRules', 'Microsoft.DBforPostgreSQL/servers/firewallRules', 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules', 'Microsoft.DBforMySQL/servers/firewallRules', 'Microsoft.DBforMySQL/flexibleServers/firewallRules', 'azurerm_mssql_firewall_rule', 'azurerm_sql_firewall_rule', 'azurerm_postgresql_firewall_rule', 'azurerm_postgresql_flexible_server_firewall_rule', 'azurerm_mysql_firewall_rule', 'azurerm_mysql_flexible_server_firewall_rule', 'azurerm_mariadb_firewall_rule'],
    build: azureFirewallRule,
  },
  {
    kind: 'azure.sql.auditing',
    types: ['Microsoft.Sql/servers/auditingSettings', 'Microsoft.Sql/servers/extendedAuditingSettings', 'Microsoft.Sql/servers/databases/auditingSettings', 'Microsoft.Sql/servers/databases/extendedAuditingSettings', 'azurerm_mssql_server_extended_auditing_policy', 'azurerm_mssql_database_extended_auditing_policy'],
    build: azureSqlAuditing,
  },
  { kind: 'azure.sql.server', types: ['Microsoft.Sql/servers', 'azurerm_mssql_server', 'azurerm_sql_server'], build: azureSqlServer },
  { kind: 'azure.sql.database', types: ['Microsoft.Sql/servers/databases', 'Microsoft.Sql/servers/databases/transparentDataEncryption', 'azurerm_mssql_database'], build: azureSqlDatabase },
  {
    kind: 'azure.appservice.app',
    types: ['Microsoft.Web/sites', 'Microsoft.Web/sites/config', 'azurerm_app_service', 'azurerm_linux_web_app', 'azurerm_windows_web_app', 'azurerm_function_app', 'azurerm_linux_function_app', 'azurerm_windows_function_app'],
    build: azureApp,
  },
  { kind: 'azure.aks.cluster', types: ['Microsoft.ContainerService/managedClusters', 'azurerm_kubernetes_cluster'], build: azureAks },
];

const AZURE_BY_TYPE = new Map(AZURE_KINDS.flatMap((k) => k.types.map((t) => [t.toLowerCase(), k] as const)));

/** AWS types per kind, in each format's spelling. */
// A data table, deliberately literal: one row per resource kind with its type names and view builder.
const AWS_KINDS: KindEntry[] = [
  { kind: 'aws.s3.bucket', types: ['AWS::S3::Bucket', 'aws_s3_bucket'], build: bucket },
  { kind: 'aws.s3.public_access_block', types: ['aws_s3_bucket_public_access_block'], build: (_f, c) => publicAccessBlock(c) },
  {
    kind: 'aws.s3.bucket_policy',
    types: ['AWS::S3::BucketPolicy', 'aws_s3_bucket_policy'],
    build: (f, c) => ({ policy: policyDocument(f === 'cloudformation' ? c.PolicyDocument : f === 'aws_config' ? (c.policyText ?? c.PolicyDocument) : c.policy) }),
  },
  {
    kind: 'aws.ec2.security_group',
    types: ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress', 'aws_security_group', 'aws_default_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule'],
    build: securityGroup,
  },
  { kind: 'aws.ec2.network_acl', types: ['AWS::EC2::NetworkAcl', 'AWS::EC2::NetworkAclEntry', 'aws_network_acl', 'aws_network_acl_rule'], build: networkAcl },
  { kind: 'aws.cloudtrail.trail', types: ['AWS::CloudTrail::Trail', 'aws_cloudtrail'], build: trail },
  { kind: 'aws.kms.key', types: ['AWS::KMS::Key', 'aws_kms_key'], build: kmsKey },
  { kind: 'aws.iam.password_policy', types: ['AWS::IAM::AccountPasswordPolicy', 'aws_iam_account_password_policy'], build: passwordPolicy },
  { kind: 'aws.iam.account', types: ['AWS::IAM::AccountSummary'], build: accountSummary },
  { kind: 'aws.iam.user', types: ['AWS::IAM::User', 'aws_iam_user_policy', 'aws_iam_user_policy_attachment'], build: iamPrincipal },
  { kind: 'aws.iam.role', types: ['AWS::IAM::Role', 'aws_iam_role'], build: iamPrincipal },
  { kind: 'aws.iam.group', types: ['AWS::IAM::Group', 'aws_iam_group_policy'], build: iamPrincipal },
  { kind: 'aws.iam.policy', types: ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'aws_iam_policy', 'aws_iam_role_policy'], build: iamPrincipal },
  { kind: 'aws.ec2.volume', types: ['AWS::EC2::Volume', 'aws_ebs_volume'], build: volume },
  { kind: 'aws.ec2.ebs_encryption_default', types: ['AWS::EC2::EBSEncryptionByDefault', 'aws_ebs_encryption_by_default'], build: ebsDefault },
  { kind: 'aws.ec2.instance', types: ['AWS::EC2::Instance', 'aws_instance'], build: instance },
  { kind: 'aws.ec2.launch_template', types: ['AWS::EC2::LaunchTemplate', 'aws_launch_template'], build: launchTemplate },
  { kind: 'aws.rds.db_instance', types: ['AWS::RDS::DBInstance', 'aws_db_instance'], build: rdsInstance },
  { kind: 'aws.ec2.flow_log', types: ['AWS::EC2::FlowLog', 'aws_flow_log'], build: flowLog },
  { kind: 'aws.config.recorder', types: ['AWS::Config::ConfigurationRecorder', 'aws_config_configuration_recorder', 'aws_config_configuration_recorder_status'], build: recorder },
  { kind: 'aws.efs.file_system', types: ['AWS::EFS::FileSystem', 'aws_efs_file_system'], build: efs },
  { kind: 'aws.sns.topic', types: ['AWS::SNS::Topic', 'aws_sns_topic'], build: snsTopic },
  { kind: 'aws.sns.topic_policy', types: ['AWS::SNS::TopicPolicy', 'aws_sns_topic_policy'], build: (f, c) => ({ policy: accessPolicy(f, c) }) },
  { kind: 'aws.sqs.queue', types: ['AWS::SQS::Queue', 'aws_sqs_queue'], build: sqsQueue },
  { kind: 'aws.sqs.queue_policy', types: ['AWS::SQS::QueuePolicy', 'aws_sqs_queue_policy'], build: (f, c) => ({ policy: accessPolicy(f, c) }) },
  { kind: 'aws.dynamodb.table', types: ['AWS::DynamoDB::Table', 'aws_dynamodb_table'], build: dynamoTable },
  { kind: 'aws.lambda.url', types: ['AWS::Lambda::Url', 'aws_lambda_function_url'], build: lambdaUrl },
  { kind: 'aws.lambda.function', types: ['AWS::Lambda::Function', 'aws_lambda_function'], build: lambdaFunction },
  { kind: 'aws.elbv2.listener', types: ['AWS::ElasticLoadBalancingV2::Listener', 'aws_lb_listener', 'aws_alb_listener'], build: listener },
  { kind: 'aws.eks.cluster', types: ['AWS::EKS::Cluster', 'aws_eks_cluster'], build: eksCluster },
  { kind: 'aws.ecr.repository', types: ['AWS::ECR::Repository', 'aws_ecr_repository'], build: ecrRepository },
  { kind: 'aws.cloudfront.distribution', types: ['AWS::CloudFront::Distribution', 'aws_cloudfront_distribution'], build: cloudFront },
  { kind: 'aws.redshift.cluster', types: ['AWS::Redshift::Cluster', 'aws_redshift_cluster'], build: redshift },
  { kind: 'aws.secretsmanager.secret', types: ['AWS::SecretsManager::Secret'], build: secret },
  { kind: 'aws.ecs.task_definition', types: ['AWS::ECS::TaskDefinition', 'aws_ecs_task_definition'], build: ecsTaskDefinition },
  ...AWS_SERVICE_KINDS,
  ...ACCOUNT_KINDS,
  ...DOCKER_KINDS,
];

const AWS_BY_TYPE = new Map(AWS_KINDS.flatMap((k) => k.types.map((t) => [t, k] as const)));
const GCP_BY_TYPE = new Map(GCP_KINDS.flatMap((k) => k.types.map((t) => [t, k] as const)));

// ---------------------------------------------------------------- Kubernetes kinds

const WORKLOAD_KINDS = new Set(['Pod', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);

/** The pod spec of a workload object (a Pod, a controller's template, a CronJob's job template). */
export function podSpecOf(kind: string, obj: Obj): Obj | null {
  const spec = kind === 'Pod' ? obj.spec : kind === 'CronJob' ? at(obj, 'spec.jobTemplate.spec.template.spec') : at(obj, 'spec.template.spec');
  return isObj(spec) ? spec : null;
}

/** One container with its effective security settings (the container's context over the pod's). */
function containerView(c: Obj, podCtx: Obj, type: 'container' | 'init' | 'ephemeral'): Obj {
  const sc = isObj(c.securityContext) ? c.securityContext : {};
  const caps = isObj(sc.capabilities) ? sc.capabilities : {};
  const limits = isObj(at(c, 'resources.limits')) ? (at(c, 'resources.limits') as Obj) : {};
  const requests = isObj(at(c, 'resources.requests')) ? (at(c, 'resources.requests') as Obj) : {};
  const image = text(c.image) ?? '';
  const afterSlash = image.slice(image.lastIndexOf('/') + 1);
  const tag = image.includes('@') ? 'digest' : afterSlash.includes(':') ? afterSlash.slice(afterSlash.indexOf(':') + 1) : 'latest';
  const runAsUser = num(sc.runAsUser ?? podCtx.runAsUser);
  return {
    name: text(c.name) ?? '',
    type,
    image,
    image_tag: tag,
    privileged: bool(sc.privileged) ?? false,
    // Kubernetes defaults allowPrivilegeEscalation to true (and always true when privileged or with CAP_SYS_ADMIN).
    allow_privilege_escalation: bool(sc.allowPrivilegeEscalation, true) ?? true,
    run_as_non_root: bool(sc.runAsNonRoot ?? podCtx.runAsNonRoot) ?? false,
    run_as_user: runAsUser,
    runs_as_root: runAsUser === 0 || (runAsUser === null && !(bool(sc.runAsNonRoot ?? podCtx.runAsNonRoot) ?? false)),
    read_only_root_filesystem: bool(sc.readOnlyRootFilesystem) ?? false,
    capabilities_add: list(caps.add).map((x) => (text(x) ?? '').toUpperCase().replace(/^CAP_/, '')),
    capabilities_drop: list(caps.drop).map((x) => (text(x) ?? '').toUpperCase().replace(/^CAP_/, '')),
    seccomp_profile: text(at(sc, 'seccompProfile.type') ?? at(podCtx, 'seccompProfile.type')),
    host_ports: list(c.ports).filter(isObj).map((p) => num(p.hostPort)).filter((p): p is number => p !== null && p > 0),
    limits_cpu: text(limits.cpu),
    limits_memory: text(limits.memory),
    requests_cpu: text(requests.cpu),
    requests_memory: text(requests.memory),
    liveness_probe: isObj(c.livenessProbe),
    readiness_probe: isObj(c.readinessProbe),
    env_secrets_inline: list(c.env).filter(isObj).some((e) => typeof e.value === 'string' && /pass|secret|token|api[_-]?key/i.test(text(e.name) ?? '')),
  };
}

function workload(kind: string, obj: Obj): Obj {
  const pod = podSpecOf(kind, obj) ?? {};
  const podCtx = isObj(pod.securityContext) ? pod.securityContext : {};
  const containers = [
    ...list(pod.containers).filter(isObj).map((c) => containerView(c, podCtx, 'container')),
    ...list(pod.initContainers).filter(isObj).map((c) => containerView(c, podCtx, 'init')),
    ...list(pod.ephemeralContainers).filter(isObj).map((c) => containerView(c, podCtx, 'ephemeral')),
  ];
  const volumes = list(pod.volumes).filter(isObj);
  const annotations = isObj(at(obj, 'metadata.annotations')) ? (at(obj, 'metadata.annotations') as Obj) : {};
  return {
    k8s_kind: kind,
    namespace: text(at(obj, 'metadata.namespace')) ?? 'default',
    host_network: bool(pod.hostNetwork) ?? false,
    host_pid: bool(pod.hostPID) ?? false,
    host_ipc: bool(pod.hostIPC) ?? false,
    host_path_volumes: volumes.filter((v) => isObj(v.hostPath)).map((v) => text(at(v, 'hostPath.path')) ?? ''),
    service_account: text(pod.serviceAccountName ?? pod.serviceAccount) ?? 'default',
    automount_service_account_token: bool(pod.automountServiceAccountToken, null),
    sysctls: list(podCtx.sysctls).filter(isObj).map((s) => text(s.name) ?? ''),
    apparmor_unconfined: Object.entries(annotations).some(([k, v]) => k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v === 'unconfined'),
    containers,
  };
}

function rbacRole(kind: string, obj: Obj): Obj {
  const rules = list(obj.rules).filter(isObj).map((r) => ({
    api_groups: list(r.apiGroups).map((x) => text(x) ?? ''),
    resources: list(r.resources).map((x) => text(x) ?? ''),
    verbs: list(r.verbs).map((x) => text(x) ?? ''),
    resource_names: list(r.resourceNames).map((x) => text(x) ?? ''),
  }));
  return { k8s_kind: kind, namespace: kind === 'ClusterRole' ? '' : (text(at(obj, 'metadata.namespace')) ?? 'default'), rules };
}

function rbacBinding(kind: string, obj: Obj): Obj {
  return {
    k8s_kind: kind,
    namespace: kind === 'ClusterRoleBinding' ? '' : (text(at(obj, 'metadata.namespace')) ?? 'default'),
    role_ref: { kind: text(at(obj, 'roleRef.kind')) ?? '', name: text(at(obj, 'roleRef.name')) ?? '' },
    subjects: list(obj.subjects).filter(isObj).map((s) => ({ kind: text(s.kind) ?? '', name: text(s.name) ?? '', namespace: text(s.namespace) })),
  };
}

function k8sView(kind: string, obj: Obj): { kind: string; fields: Obj } {
  if (WORKLOAD_KINDS.has(kind)) return { kind: 'k8s.workload', fields: workload(kind, obj) };
  if (kind === 'Role' || kind === 'ClusterRole') return { kind: 'k8s.rbac.role', fields: rbacRole(kind, obj) };
  if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') return { kind: 'k8s.rbac.binding', fields: rbacBinding(kind, obj) };
  if (kind === 'ServiceAccount') return { kind: 'k8s.service_account', fields: { k8s_kind: kind, namespace: text(at(obj, 'metadata.namespace')) ?? 'default', automount_service_account_token: bool(obj.automountServiceAccountToken, null) } };
  if (kind === 'Service') return { kind: 'k8s.service', fields: { k8s_kind: kind, namespace: text(at(obj, 'metadata.namespace')) ?? 'default', service_type: text(at(obj, 'spec.type')) ?? 'ClusterIP', external_ips: list(at(obj, 'spec.externalIPs')).map((x) => text(x) ?? '') } };
  if (kind === 'Namespace') {
    const labels = isObj(at(obj, 'metadata.labels')) ? (at(obj, 'metadata.labels') as Obj) : {};
    return { kind: 'k8s.namespace', fields: { k8s_kind: kind, pss_enforce: text(labels['pod-security.kubernetes.io/enforce']) } };
  }
  if (kind === 'SecurityContextConstraints') return { kind: 'k8s.openshift.scc', fields: openshiftScc(obj) };
  return { kind: 'other', fields: { k8s_kind: kind } };
}

/** An OpenShift SecurityContextConstraints object (security.openshift.io/v1): what it lets pods do. */
function openshiftScc(obj: Obj): Obj {
  return {
    k8s_kind: 'SecurityContextConstraints',
    namespace: '',
    allow_privileged: bool(obj.allowPrivilegedContainer) ?? false,
    // OpenShift defaults allowPrivilegeEscalation to true when unset.
    allow_privilege_escalation: bool(obj.allowPrivilegeEscalation, true) ?? true,
    allow_host_network: bool(obj.allowHostNetwork) ?? false,
    allow_host_pid: bool(obj.allowHostPID) ?? false,
    allow_host_ipc: bool(obj.allowHostIPC) ?? false,
    allow_host_ports: bool(obj.allowHostPorts) ?? false,
    allow_host_dir_volumes: bool(obj.allowHostDirVolumePlugin) ?? false,
    run_as_user: text(at(obj, 'runAsUser.type')) ?? '',
    allowed_capabilities: list(obj.allowedCapabilities).map((x) => (text(x) ?? '').toUpperCase()),
    volumes: list(obj.volumes).map((x) => text(x) ?? ''),
    users: list(obj.users).map((x) => text(x) ?? ''),
    groups: list(obj.groups).map((x) => text(x) ?? ''),
  };
}

// ---------------------------------------------------------------- entry points

/** The kind of a resource type in a format ('other' when no view knows it). */
export function resourceKind(type: string, format: ResourceFormat): string {
  if (format === 'kubernetes') return k8sView(type.slice(type.lastIndexOf('/') + 1), {}).kind;
  return AWS_BY_TYPE.get(type)?.kind ?? AZURE_BY_TYPE.get(type.toLowerCase())?.kind ?? GCP_BY_TYPE.get(type)?.kind ?? 'other';
}

/** Every kind a view is built for. */
export const RESOURCE_KINDS: readonly string[] = [...new Set([...AWS_KINDS.map((k) => k.kind), ...AZURE_KINDS.map((k) => k.kind), ...GCP_KINDS.map((k) => k.kind), 'k8s.workload', 'k8s.rbac.role', 'k8s.rbac.binding', 'k8s.service_account', 'k8s.service', 'k8s.namespace', 'k8s.openshift.scc'])];

/**
 * Companion links of a Terraform resource read with its module (`config.sluice_links`), for rules
 * on any kind: `links_known` (false: no link information, nothing absent may be judged),
 * `linked` (companion type -> how many are linked), `links_unknown` (companion types whose link
 * could not be resolved: not judged). A rule "X has no Y" is
 * `resource.links_known && !('Y' in resource.linked) && !('Y' in resource.links_unknown)`.
 */
function companionFields(c: Obj): Obj {
  const l = c.sluice_links;
  if (!isObj(l)) return { links_known: false, linked: {}, links_unknown: [] };
  const linkedCount: Record<string, number> = {};
  for (const [k, v] of Object.entries(l)) if (k !== 'unknown' && Array.isArray(v) && v.length > 0) linkedCount[k] = v.length;
  return { links_known: true, linked: linkedCount, links_unknown: list(l.unknown).map((x) => text(x) ?? '') };
}

/** Builds the normalized view of one resource. Never throws: odd configurations give default field values. */
export function resourceView(input: ResourceInput): ResourceView {
  const c = input.configuration;
  let kind = 'other';
  let extra: Obj = {};
  if (input.format === 'kubernetes') {
    const k8sKind = text(c.kind) ?? input.type.slice(input.type.lastIndexOf('/') + 1);
    const v = k8sView(k8sKind, c);
    kind = v.kind;
    extra = v.fields;
  } else {
    const entry = AWS_BY_TYPE.get(input.type) ?? AZURE_BY_TYPE.get(input.type.toLowerCase()) ?? GCP_BY_TYPE.get(input.type);
    if (entry) {
      kind = entry.kind;
      extra = entry.build(input.format, c, input.type, { observed_ms: input.observed_ms ?? null });
    }
  }
  return {
    ...companionFields(c),
    ...extra,
    uid: input.uid,
    type: input.type,
    name: input.name,
    kind,
    format: input.format,
    region: input.region ?? null,
    account_uid: input.account_uid ?? null,
    tags: input.tags ?? {},
    config: c,
    unknown_paths: [...(input.unknown_paths ?? [])],
  };
}

/** The format of a ConfigState: aws_config, kubernetes for live k8s objects, else the IaC location's format. */
export function formatOf(e: Pick<ConfigState, 'source' | 'location'>): ResourceFormat {
  if (e.source === 'aws_config') return 'aws_config';
  if (e.source === 'k8s') return 'kubernetes';
  const f = e.location?.format ?? 'cloudformation';
  // Terraform source is read into the plan's `values` shape; an ECS task definition file is the API's JSON.
  return f === 'terraform_hcl' ? 'terraform_plan' : f === 'ecs_task_definition' ? 'aws_api' : f;
}

/** Parses a configuration text into an object ({} when absent or not an object). */
export function parseConfiguration(text: string | null): Record<string, unknown> {
  if (text === null) return {};
  try {
    const v: unknown = JSON.parse(text);
    return isObj(v) ? v : {};
  } catch {
    return {};
  }
}

/** The view of a ConfigState event (null configuration gives an empty one). */
export function configStateView(e: ConfigState): ResourceView {
  const tags: Record<string, string> = {};
  for (const tag of e.resource.tags) if (tag.value !== null) tags[tag.key] = tag.value;
  return resourceView({
    uid: e.resource.uid,
    type: e.resource.type,
    name: e.resource.name,
    format: formatOf(e),
    configuration: parseConfiguration(e.configuration),
    region: e.resource.region,
    account_uid: e.resource.account_uid,
    tags,
    observed_ms: e.time,
    unknown_paths: unknownPaths(e.unmapped),
  });
}

/** `unmapped.unknown` of an IaC ConfigState (Terraform source, ARM): paths set to values known only at apply time. */
function unknownPaths(unmapped: string | null | undefined): string[] {
  if (!unmapped || !unmapped.includes('"unknown"')) return [];
  try {
    const u: unknown = JSON.parse(unmapped);
    return isObj(u) ? list(u.unknown).map((x) => text(x) ?? '').filter((x) => x !== '') : [];
  } catch {
    return [];
  }
}
