import type { RescanPatch } from '../../core/model/rescan-request.ts';

/**
 * The CloudTrail mutations that change what a posture rule judges, per AWS Config resource type:
 * where the event names the resource (request parameters as CloudTrail records them; AWS API
 * references), and, where the event states the new state completely, the patch that applies it to
 * the recorded AWS Config item (API shape: `configuration` JSON text, `supplementaryConfiguration`
 * a map of JSON text). Everything else only asks for a re-read.
 */

type Obj = Record<string, unknown>;

export interface MutationInput {
  request: Obj;
  response: Obj;
  /** The event's resources (CloudTrail `resources[]`): uid (ARN), type. */
  resources: ReadonlyArray<{ uid: string | null; type: string | null }>;
  account: string | null;
}

export interface MutationTarget {
  resourceId: string | null;
  resourceName: string | null;
}

export interface Mutation {
  /** CloudTrail eventSource. */
  service: string;
  operations: readonly string[];
  resourceType: string;
  /** The resource the event changed; null when the event does not name it (nothing is asked). */
  target(i: MutationInput): MutationTarget | null;
  /** The new state the event states completely (empty: re-read only). */
  derive?(i: MutationInput, operation: string): RescanPatch[];
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function at(o: unknown, path: string): unknown {
  let cur = o;
  for (const seg of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else if (isObj(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null;
}

/** The first of the paths that holds a non-empty string. */
function firstText(o: unknown, ...paths: string[]): string | null {
  for (const p of paths) {
    const t = text(at(o, p));
    if (t !== null) return t;
  }
  return null;
}

/** CloudTrail's XML-derived lists: `{items: [...]}`, a bare array, or one object. */
function items(v: unknown): Obj[] {
  if (Array.isArray(v)) return v.filter(isObj);
  if (isObj(v) && Array.isArray(v.items)) return v.items.filter(isObj);
  if (isObj(v) && Array.isArray(v.item)) return v.item.filter(isObj);
  if (isObj(v) && isObj(v.item)) return [v.item];
  return [];
}

const byId = (id: string | null): MutationTarget | null => (id ? { resourceId: id, resourceName: null } : null);
const byName = (name: string | null): MutationTarget | null => (name ? { resourceId: null, resourceName: name } : null);

/** The last path segment of an ARN's resource part (`arn:…:trail/name` → name), or the text itself. */
function arnTail(v: string | null, marker: string): string | null {
  if (v === null) return null;
  if (!v.startsWith('arn:')) return v;
  const i = v.indexOf(marker);
  return i >= 0 ? v.slice(i + marker.length).split('/').pop() || null : null;
}

// ------------------------------------------------------------------ security groups

/** One CloudTrail ipPermissions item → the AWS Config item's ipPermissions entry. */
export function configPermission(p: Obj): Obj {
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined);
  const v4 = items(p.ipRanges).map((r) => text(r.cidrIp)).filter((c): c is string => c !== null);
  const out: Obj = {
    ipProtocol: text(p.ipProtocol) ?? '-1',
    userIdGroupPairs: items(p.groups).map((g) => ({ groupId: text(g.groupId), userId: text(g.userId) })),
    ipRanges: v4,
    ipv4Ranges: v4.map((cidrIp) => ({ cidrIp })),
    ipv6Ranges: items(p.ipv6Ranges).map((r) => ({ cidrIpv6: text(r.cidrIpv6) })).filter((r) => r.cidrIpv6 !== null),
    prefixListIds: items(p.prefixListIds).map((r) => ({ prefixListId: text(r.prefixListId) })),
  };
  const from = num(p.fromPort);
  const to = num(p.toPort);
  if (from !== undefined) out.fromPort = from;
  if (to !== undefined) out.toPort = to;
  return out;
}

/** The permissions an Authorize call added: `ipPermissions.items`, or the legacy top-level cidrIp/ipProtocol/ports form. */
function addedPermissions(req: Obj): Obj[] {
  const listed = items(req.ipPermissions);
  if (listed.length > 0) return listed.map(configPermission);
  if (text(req.cidrIp) !== null || text(req.ipProtocol) !== null) {
    return [configPermission({ ipProtocol: req.ipProtocol, fromPort: req.fromPort, toPort: req.toPort, ipRanges: { items: text(req.cidrIp) ? [{ cidrIp: req.cidrIp }] : [] } })];
  }
  return [];
}

function securityGroupId(i: MutationInput): MutationTarget | null {
  return byId(
    firstText(i.request, 'groupId', 'GroupId', 'ModifySecurityGroupRulesRequest.GroupId') ??
      firstText(i.response, 'groupId', 'securityGroupRuleSet.items.0.groupId', 'CreateSecurityGroupResponse.groupId'),
  );
}

// ------------------------------------------------------------------ S3

/** PascalCase keys (as S3's XML arrives in CloudTrail) to camelCase (as AWS Config records them); `xmlns` dropped. */
function camel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camel);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'xmlns') continue;
    const key = /^[A-Z]{2,}[a-z]/.test(k) ? k.replace(/^([A-Z]+)([A-Z][a-z])/, (_m, a: string, b: string) => a.toLowerCase() + b) : k.charAt(0).toLowerCase() + k.slice(1);
    out[key] = camel(val);
  }
  return out;
}

const bool = (v: unknown): boolean => v === true || v === 'true';

function publicAccessBlock(req: Obj): RescanPatch[] {
  const c = req.PublicAccessBlockConfiguration ?? req.publicAccessBlockConfiguration;
  if (!isObj(c)) return [];
  const flags = camel(c) as Obj;
  const value = {
    blockPublicAcls: bool(flags.blockPublicAcls),
    ignorePublicAcls: bool(flags.ignorePublicAcls),
    blockPublicPolicy: bool(flags.blockPublicPolicy),
    restrictPublicBuckets: bool(flags.restrictPublicBuckets),
  };
  return [{ op: 'supplementary', key: 'PublicAccessBlockConfiguration', value: JSON.stringify(value) }];
}

function bucketEncryption(req: Obj): RescanPatch[] {
  const c = req.ServerSideEncryptionConfiguration;
  if (!isObj(c)) return [];
  const rules = items(c.Rule ?? c.Rules ?? c.rules).length > 0 ? items(c.Rule ?? c.Rules ?? c.rules) : isObj(c.Rule) ? [c.Rule] : [];
  const mapped = rules.map((r) => {
    const d = isObj(r.ApplyServerSideEncryptionByDefault) ? r.ApplyServerSideEncryptionByDefault : {};
    const out: Obj = { applyServerSideEncryptionByDefault: { sseAlgorithm: text(d.SSEAlgorithm), ...(text(d.KMSMasterKeyID) ? { kmsMasterKeyID: text(d.KMSMasterKeyID) } : {}) } };
    if (r.BucketKeyEnabled !== undefined) out.bucketKeyEnabled = bool(r.BucketKeyEnabled);
    return out;
  });
  return mapped.length ? [{ op: 'supplementary', key: 'ServerSideEncryptionConfiguration', value: JSON.stringify({ rules: mapped }) }] : [];
}

/** S3 encrypts every bucket with SSE-S3 when its own configuration is deleted (since January 2023). */
const DEFAULT_BUCKET_ENCRYPTION = JSON.stringify({ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: false }] });

function bucketPolicy(req: Obj): RescanPatch[] {
  const p = req.bucketPolicy ?? req.policy;
  const doc = isObj(p) ? JSON.stringify(p) : typeof p === 'string' && p.trim().startsWith('{') ? p : null;
  return doc ? [{ op: 'supplementary', key: 'BucketPolicy', value: JSON.stringify({ policyText: doc }) }] : [];
}

const bucketName = (i: MutationInput): MutationTarget | null => {
  const name = firstText(i.request, 'bucketName', 'BucketName');
  return name ? { resourceId: name, resourceName: name } : null;
};

// ------------------------------------------------------------------ KMS, CloudTrail

/** The key id: the event's AWS::KMS::Key resource ARN, else keyId when it is an id or a key ARN (an alias names no key). */
function kmsKeyId(i: MutationInput): MutationTarget | null {
  const fromResources = i.resources.find((r) => r.type === 'AWS::KMS::Key' && r.uid)?.uid ?? null;
  const keyId = fromResources ?? firstText(i.request, 'keyId', 'KeyId');
  if (keyId === null || keyId.startsWith('alias/') || keyId.includes(':alias/')) return null;
  return byId(arnTail(keyId, ':key/'));
}

const trailName = (i: MutationInput): MutationTarget | null => byName(arnTail(firstText(i.request, 'name', 'Name', 'trailName'), ':trail/'));

// ------------------------------------------------------------------ the catalogue

export const MUTATIONS: readonly Mutation[] = [
  {
    service: 'ec2.amazonaws.com',
    operations: ['AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress'],
    resourceType: 'AWS::EC2::SecurityGroup',
    target: securityGroupId,
    derive: (i, op) => {
      const added = addedPermissions(i.request);
      return added.length ? [{ op: 'append', path: op.endsWith('Egress') ? 'ipPermissionsEgress' : 'ipPermissions', value: added }] : [];
    },
  },
  {
    service: 'ec2.amazonaws.com',
    operations: ['RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress', 'ModifySecurityGroupRules', 'CreateSecurityGroup', 'UpdateSecurityGroupRuleDescriptionsIngress', 'UpdateSecurityGroupRuleDescriptionsEgress'],
    resourceType: 'AWS::EC2::SecurityGroup',
    target: securityGroupId,
  },
  {
    service: 'ec2.amazonaws.com',
    operations: ['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry', 'DeleteNetworkAclEntry'],
    resourceType: 'AWS::EC2::NetworkAcl',
    target: (i) => byId(firstText(i.request, 'networkAclId', 'NetworkAclId')),
  },
  {
    service: 'ec2.amazonaws.com',
    operations: ['ModifyInstanceMetadataOptions', 'ModifyInstanceAttribute'],
    resourceType: 'AWS::EC2::Instance',
    target: (i) => byId(firstText(i.request, 'instanceId', 'InstanceId', 'ModifyInstanceMetadataOptionsRequest.InstanceId')),
  },
  {
    service: 'ec2.amazonaws.com',
    operations: ['ModifyVolume', 'CreateVolume'],
    resourceType: 'AWS::EC2::Volume',
    target: (i) => byId(firstText(i.request, 'volumeId', 'VolumeId', 'ModifyVolumeRequest.VolumeId') ?? firstText(i.response, 'volumeId')),
  },
  {
    service: 's3.amazonaws.com',
    operations: ['PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock', 'PutBucketEncryption', 'DeleteBucketEncryption', 'PutBucketPolicy', 'DeleteBucketPolicy'],
    resourceType: 'AWS::S3::Bucket',
    target: bucketName,
    derive: (i, op) => {
      switch (op) {
        case 'PutBucketPublicAccessBlock':
          return publicAccessBlock(i.request);
        case 'DeleteBucketPublicAccessBlock':
          return [{ op: 'supplementary', key: 'PublicAccessBlockConfiguration', value: null }];
        case 'PutBucketEncryption':
          return bucketEncryption(i.request);
        case 'DeleteBucketEncryption':
          return [{ op: 'supplementary', key: 'ServerSideEncryptionConfiguration', value: DEFAULT_BUCKET_ENCRYPTION }];
        case 'PutBucketPolicy':
          return bucketPolicy(i.request);
        case 'DeleteBucketPolicy':
          return [{ op: 'supplementary', key: 'BucketPolicy', value: JSON.stringify({ policyText: null }) }];
        default:
          return [];
      }
    },
  },
  {
    service: 's3.amazonaws.com',
    operations: ['PutBucketAcl', 'PutBucketVersioning', 'PutBucketLogging', 'PutBucketOwnershipControls', 'CreateBucket'],
    resourceType: 'AWS::S3::Bucket',
    target: bucketName,
  },
  {
    service: 's3.amazonaws.com',
    operations: ['PutAccountPublicAccessBlock', 'DeleteAccountPublicAccessBlock'],
    resourceType: 'AWS::S3::AccountPublicAccessBlock',
    target: (i) => byId(firstText(i.request, 'x-amz-account-id', 'accountId') ?? i.account),
  },
  {
    service: 'kms.amazonaws.com',
    operations: ['EnableKeyRotation', 'DisableKeyRotation'],
    resourceType: 'AWS::KMS::Key',
    target: kmsKeyId,
    derive: (_i, op) => [{ op: 'supplementary', key: 'KeyRotationStatus', value: op === 'EnableKeyRotation' ? 'true' : 'false' }],
  },
  {
    service: 'kms.amazonaws.com',
    operations: ['PutKeyPolicy', 'EnableKey', 'DisableKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion'],
    resourceType: 'AWS::KMS::Key',
    target: kmsKeyId,
  },
  {
    service: 'cloudtrail.amazonaws.com',
    operations: ['StopLogging', 'StartLogging'],
    resourceType: 'AWS::CloudTrail::Trail',
    target: trailName,
    derive: (_i, op) => [{ op: 'supplementary', key: 'TrailStatus', value: JSON.stringify({ isLogging: op === 'StartLogging' }) }],
  },
  {
    service: 'cloudtrail.amazonaws.com',
    operations: ['UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors', 'CreateTrail'],
    resourceType: 'AWS::CloudTrail::Trail',
    target: trailName,
  },
  {
    service: 'iam.amazonaws.com',
    operations: ['PutRolePolicy', 'DeleteRolePolicy', 'AttachRolePolicy', 'DetachRolePolicy', 'UpdateAssumeRolePolicy', 'CreateRole'],
    resourceType: 'AWS::IAM::Role',
    target: (i) => byName(firstText(i.request, 'roleName')),
  },
  {
    service: 'iam.amazonaws.com',
    operations: ['PutUserPolicy', 'DeleteUserPolicy', 'AttachUserPolicy', 'DetachUserPolicy', 'CreateUser', 'AddUserToGroup', 'RemoveUserFromGroup'],
    resourceType: 'AWS::IAM::User',
    target: (i) => byName(firstText(i.request, 'userName')),
  },
  {
    service: 'iam.amazonaws.com',
    operations: ['PutGroupPolicy', 'DeleteGroupPolicy', 'AttachGroupPolicy', 'DetachGroupPolicy'],
    resourceType: 'AWS::IAM::Group',
    target: (i) => byName(firstText(i.request, 'groupName')),
  },
  {
    service: 'iam.amazonaws.com',
    operations: ['CreatePolicyVersion', 'SetDefaultPolicyVersion', 'DeletePolicyVersion'],
    resourceType: 'AWS::IAM::Policy',
    target: (i) => byName(arnTail(firstText(i.request, 'policyArn'), ':policy/')),
  },
  {
    service: 'rds.amazonaws.com',
    operations: ['ModifyDBInstance', 'CreateDBInstance'],
    resourceType: 'AWS::RDS::DBInstance',
    target: (i) => byName(firstText(i.request, 'dBInstanceIdentifier', 'DBInstanceIdentifier')),
  },
  {
    service: 'lambda.amazonaws.com',
    operations: ['AddPermission20150331v2', 'AddPermission', 'RemovePermission20150331v2', 'RemovePermission', 'UpdateFunctionConfiguration20150331v2', 'UpdateFunctionConfiguration'],
    resourceType: 'AWS::Lambda::Function',
    target: (i) => byName(arnTail(firstText(i.request, 'functionName', 'FunctionName'), ':function:')),
  },
];

const INDEX = new Map(MUTATIONS.flatMap((m) => m.operations.map((op) => [`${m.service}:${op}`, m] as const)));

/** The catalogue entry of `<eventSource>:<eventName>`, if any. */
export function mutationFor(service: string, operation: string): Mutation | undefined {
  return INDEX.get(`${service}:${operation}`);
}
