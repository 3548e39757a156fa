/**
 * The security-relevant attributes drift compares, per resource view kind. Values are read from
 * the normalized resource views (services/rules/resource-view.ts), so a CloudFormation template,
 * Terraform source or plan and an AWS Config item are compared on the same fields. `paths` are
 * where a template states the attribute (CloudFormation properties, Terraform arguments): an
 * attribute the template does not state is left to the provider's default and not compared,
 * unless `always` says the template's silence has a documented meaning (Terraform
 * `enable_key_rotation` defaults to false, a CloudFormation security group without
 * `SecurityGroupIngress` has no ingress).
 */
import { policyIsPublic } from '../../rules/helpers.ts';
import type { PermissionView, ResourceView, RuleSeverity } from '../../rules/index.ts';

type Format = 'cloudformation' | 'terraform_plan';

/** One attribute drift compares. */
export interface AttributeSpec {
  /** The rule suffix: the finding's rule and the SARIF rule are `drift.<attribute>`. */
  attribute: string;
  title: string;
  /** View kinds of the template resource it applies to. */
  kinds: readonly string[];
  /** Template keys (dotted paths) that state the attribute, per format. */
  paths: Readonly<Record<Format, readonly string[]>>;
  /** Formats in which the attribute counts as stated even when no path is present. */
  always?: readonly Format[];
  /** Policy documents hold CloudFormation intrinsics in places that do not decide publicness. */
  intrinsicsAllowed?: boolean;
  /** The template's value; undefined: not judged. */
  template(v: ResourceView): unknown;
  /** The live value (given the template's, to compare the same parts); undefined: not recorded, not judged. */
  live(v: ResourceView, template: unknown): unknown;
  /** config_drift risk signals (services/detectors/config_drift/risks.ts) that rate the live side: key predicate. */
  risk?: (signalKey: string) => boolean;
  /** Severity when no risk signal applies, from the two values. */
  severity?: (template: unknown, live: unknown) => RuleSeverity;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Permissions as `protocol from-to cidr` entries (one per CIDR), sorted. Rules whose peer is another group or a prefix list are not compared. */
function permissionEntries(perms: readonly PermissionView[] | undefined): string[] {
  return [...new Set((perms ?? []).flatMap((p) => p.cidrs.map((c) => `${p.protocol} ${p.from_port}-${p.to_port} ${c}`)))].sort();
}
const ingressEntries = (v: ResourceView): string[] => permissionEntries(v.ingress as PermissionView[] | undefined);
const egressEntries = (v: ResourceView): string[] => permissionEntries(v.egress as PermissionView[] | undefined);
const WORLD_ENTRY = / (0\.0\.0\.0\/0|::\/0)$/;

/** Egress drift: medium when the live group lets traffic out to the whole internet and the template did not, else low. */
function egressSeverity(t: unknown, l: unknown): RuleSeverity {
  const before = new Set(Array.isArray(t) ? (t as string[]) : []);
  const added = (Array.isArray(l) ? (l as string[]) : []).filter((e) => !before.has(e));
  return added.some((e) => WORLD_ENTRY.test(e)) ? 'medium' : 'low';
}

const PAB_FLAGS = ['block_public_acls', 'ignore_public_acls', 'block_public_policy', 'restrict_public_buckets'] as const;

function statedFlags(v: ResourceView): Record<string, boolean> | undefined {
  const pab = v.public_access_block;
  if (!isRecord(pab)) return undefined;
  const out: Record<string, boolean> = {};
  for (const f of PAB_FLAGS) if (typeof pab[f] === 'boolean') out[f] = pab[f];
  return Object.keys(out).length > 0 ? out : undefined;
}

function liveFlags(v: ResourceView, template: unknown): Record<string, boolean> {
  const pab = isRecord(v.public_access_block) ? v.public_access_block : {};
  const out: Record<string, boolean> = {};
  // No public access block on the bucket: every flag is off.
  for (const f of Object.keys(isRecord(template) ? template : {})) out[f] = pab[f] === true;
  return out;
}

const policyPublic = (p: unknown): boolean | undefined => (isRecord(p) ? policyIsPublic(JSON.stringify(p)) : undefined);
const boolOr = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const becamePublic = (t: unknown, l: unknown): RuleSeverity => (l === true && t !== true ? 'critical' : 'low');

export const ATTRIBUTES: readonly AttributeSpec[] = [
  {
    attribute: 'ingress',
    title: 'Security group ingress',
    kinds: ['aws.ec2.security_group'],
    paths: { cloudformation: ['SecurityGroupIngress'], terraform_plan: ['ingress'] },
    always: ['cloudformation'],
    template: ingressEntries,
    live: ingressEntries,
    risk: (k) => k.startsWith('sg_open_to_world:'),
  },
  {
    // Compared only where the template states egress: without SecurityGroupEgress CloudFormation
    // adds an allow-all rule, and Terraform removes AWS's default one, so silence means different things.
    attribute: 'egress',
    title: 'Security group egress',
    kinds: ['aws.ec2.security_group'],
    paths: { cloudformation: ['SecurityGroupEgress'], terraform_plan: ['egress'] },
    template: egressEntries,
    live: egressEntries,
    severity: egressSeverity,
  },
  {
    attribute: 'public_access_block',
    title: 'S3 public access block',
    kinds: ['aws.s3.bucket', 'aws.s3.public_access_block'],
    paths: { cloudformation: ['PublicAccessBlockConfiguration'], terraform_plan: ['block_public_acls', 'ignore_public_acls', 'block_public_policy', 'restrict_public_buckets'] },
    template: statedFlags,
    live: liveFlags,
    risk: (k) => k === 'public_access_block_off',
  },
  {
    attribute: 'encryption',
    title: 'S3 default encryption',
    kinds: ['aws.s3.bucket'],
    paths: { cloudformation: ['BucketEncryption'], terraform_plan: ['server_side_encryption_configuration'] },
    template: (v) => (isRecord(v.encryption) ? (v.encryption.algorithm ?? 'unknown algorithm') : undefined),
    live: (v) => (isRecord(v.encryption) ? (v.encryption.algorithm ?? 'unknown algorithm') : 'none'),
    risk: (k) => k === 'encryption_off',
  },
  {
    attribute: 'versioning',
    title: 'S3 versioning',
    kinds: ['aws.s3.bucket'],
    paths: { cloudformation: ['VersioningConfiguration'], terraform_plan: ['versioning'] },
    template: (v) => boolOr(v.versioning),
    live: (v) => boolOr(v.versioning),
    severity: (t, l) => (t === true && l === false ? 'medium' : 'low'),
  },
  {
    attribute: 'logging',
    title: 'S3 access logging',
    kinds: ['aws.s3.bucket'],
    paths: { cloudformation: ['LoggingConfiguration'], terraform_plan: ['logging'] },
    template: (v) => boolOr(v.logging),
    live: (v) => boolOr(v.logging),
    risk: (k) => k === 'logging_off',
  },
  {
    attribute: 'acl_public',
    title: 'S3 bucket ACL grants public access',
    kinds: ['aws.s3.bucket'],
    paths: { cloudformation: ['AccessControl'], terraform_plan: ['acl'] },
    template: (v) => boolOr(v.acl_public),
    live: (v) => boolOr(v.acl_public),
    risk: (k) => k === 'acl_public',
  },
  {
    attribute: 'policy_public',
    title: 'Resource policy grants access to any principal',
    kinds: ['aws.s3.bucket', 'aws.kms.key'],
    paths: { cloudformation: ['KeyPolicy'], terraform_plan: ['policy'] },
    intrinsicsAllowed: true,
    template: (v) => policyPublic(v.policy),
    live: (v) => (v.policy === null ? false : policyPublic(v.policy)),
    risk: (k) => k === 'policy_public',
    severity: becamePublic,
  },
  {
    attribute: 'key_rotation',
    title: 'KMS key rotation',
    kinds: ['aws.kms.key'],
    paths: { cloudformation: ['EnableKeyRotation'], terraform_plan: ['enable_key_rotation'] },
    always: ['cloudformation', 'terraform_plan'],
    template: (v) => boolOr(v.rotation),
    live: (v) => boolOr(v.rotation),
    risk: (k) => k === 'rotation_off',
    severity: (t, l) => (t === true && l === false ? 'medium' : 'low'),
  },
  {
    attribute: 'publicly_accessible',
    title: 'RDS instance publicly accessible',
    kinds: ['aws.rds.db_instance'],
    paths: { cloudformation: ['PubliclyAccessible'], terraform_plan: ['publicly_accessible'] },
    template: (v) => boolOr(v.publicly_accessible),
    live: (v) => boolOr(v.publicly_accessible),
    risk: (k) => k === 'public',
  },
  {
    attribute: 'storage_encrypted',
    title: 'Storage encryption',
    kinds: ['aws.rds.db_instance', 'aws.ec2.volume'],
    paths: { cloudformation: ['StorageEncrypted', 'Encrypted'], terraform_plan: ['storage_encrypted', 'encrypted'] },
    template: (v) => boolOr(v.storage_encrypted ?? v.encrypted),
    live: (v) => boolOr(v.storage_encrypted ?? v.encrypted),
    risk: (k) => k === 'encryption_off',
  },
  {
    attribute: 'multi_region',
    title: 'CloudTrail multi-region',
    kinds: ['aws.cloudtrail.trail'],
    paths: { cloudformation: ['IsMultiRegionTrail'], terraform_plan: ['is_multi_region_trail'] },
    template: (v) => boolOr(v.multi_region),
    live: (v) => boolOr(v.multi_region),
    risk: (k) => k === 'single_region',
  },
  {
    attribute: 'log_file_validation',
    title: 'CloudTrail log file validation',
    kinds: ['aws.cloudtrail.trail'],
    paths: { cloudformation: ['EnableLogFileValidation'], terraform_plan: ['enable_log_file_validation'] },
    template: (v) => boolOr(v.log_file_validation),
    live: (v) => boolOr(v.log_file_validation),
    risk: (k) => k === 'validation_off',
  },
  {
    attribute: 'trail_kms_encryption',
    title: 'CloudTrail KMS encryption',
    kinds: ['aws.cloudtrail.trail'],
    paths: { cloudformation: ['KMSKeyId'], terraform_plan: ['kms_key_id'] },
    template: (v) => typeof v.kms_key === 'string' && v.kms_key !== '',
    live: (v) => typeof v.kms_key === 'string' && v.kms_key !== '',
    risk: (k) => k === 'kms_off',
  },
  {
    attribute: 'trail_logging',
    title: 'CloudTrail logging',
    kinds: ['aws.cloudtrail.trail'],
    paths: { cloudformation: ['IsLogging'], terraform_plan: ['enable_logging'] },
    always: ['terraform_plan'],
    template: (v) => boolOr(v.logging),
    // AWS Config records no logging status: judged only when one was merged into the item.
    live: (v) => boolOr(v.logging),
    risk: (k) => k === 'logging_off',
  },
  {
    attribute: 'trust_policy_public',
    title: 'IAM role trust policy lets any principal assume the role',
    kinds: ['aws.iam.role'],
    paths: { cloudformation: ['AssumeRolePolicyDocument'], terraform_plan: ['assume_role_policy'] },
    intrinsicsAllowed: true,
    template: (v) => policyPublic(v.trust_policy),
    live: (v) => policyPublic(v.trust_policy),
    severity: becamePublic,
  },
  {
    attribute: 'managed_policies',
    title: 'IAM managed policy ARNs',
    kinds: ['aws.iam.role', 'aws.iam.user', 'aws.iam.group'],
    paths: { cloudformation: ['ManagedPolicyArns'], terraform_plan: ['managed_policy_arns'] },
    template: (v) => [...((v.managed_policy_arns as string[] | undefined) ?? [])].sort(),
    live: (v) => [...((v.managed_policy_arns as string[] | undefined) ?? [])].sort(),
    severity: (t, l) => {
      const before = new Set(Array.isArray(t) ? (t as string[]) : []);
      const added = (Array.isArray(l) ? (l as string[]) : []).filter((a) => !before.has(a));
      if (added.some((a) => /:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/.test(a))) return 'high';
      return added.length > 0 ? 'medium' : 'low';
    },
  },
];

/** The attributes compared for a template view kind. */
export function attributesFor(kind: string): AttributeSpec[] {
  return ATTRIBUTES.filter((a) => a.kinds.includes(kind));
}
