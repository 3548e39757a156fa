/**
 * Resource snapshots of a cloud scanner (Panther's AWS cloud-security resources: the describe-API
 * shape, PascalCase, one object per resource with `ResourceType` such as `AWS.S3.Bucket`) mapped to
 * the AWS Config items the posture rules read: the AWS Config resource type, `configuration` and
 * `supplementaryConfiguration` with the field names and casing AWS Config records
 * (awslabs/aws-config-resource-schema). One snapshot gives one item, or two when it holds two
 * resources (an IAM user and its credential report row; a load balancer and its listeners). The
 * table per type is in README.md ("Resource snapshots"). Pure: the reference time comes in.
 */
import { isObj, type Obj } from './config-state.ts';
import { arr, lowerFirstKeys, obj, omit, policyText, str, timeOrNull } from './snapshot-util.ts';

/** One AWS Config item's parts, before the identity fields common to every item are added. */
export interface SnapshotItem {
  resourceType: string;
  resourceId: string | null;
  resourceName: string | null;
  arn: string | null;
  configuration: Obj;
  supplementaryConfiguration?: Obj;
}

export interface SnapshotType {
  /** The scanner's resource type (dotted). */
  type: string;
  /** The AWS Config resource type of the main item (or the account-level type this repo names, for scanner summaries). */
  configType: string;
  build: (s: Obj, observedIso: string) => SnapshotItem[];
}

/** Fields of the scanner's common envelope, left out of the configuration. */
const ENVELOPE = ['ResourceId', 'ResourceID', 'ResourceType', 'TimeCreated', 'Tags', 'Region', 'AccountId', 'LastUpdated'];

const camel = (s: Obj, drop: readonly string[] = []): Obj => lowerFirstKeys(omit(s, [...ENVELOPE, ...drop])) as Obj;

/** The item of a type whose AWS Config configuration is the describe API's object in bean spelling. */
function describeItem(configType: string, idKeys: string[], nameKeys: string[], arnKeys: string[], drop: readonly string[] = []): SnapshotType['build'] {
  return (s) => [{ resourceType: configType, resourceId: str(s, ...idKeys, 'ID', 'Id'), resourceName: str(s, ...nameKeys, 'Name'), arn: str(s, ...arnKeys, 'ARN', 'Arn'), configuration: camel(s, drop) }];
}

/** An account-level summary of the scanner (`*.Meta`): kept as written under a type this repo names. */
function metaItem(configType: string, lists: readonly string[]): SnapshotType['build'] {
  return (s) => [{ resourceType: configType, resourceId: str(s, 'AccountId', 'ResourceId', 'ResourceID', 'Name'), resourceName: str(s, 'Name'), arn: null, configuration: emptyForNull(omit(s, ['Tags']), lists, []) }];
}

/**
 * The scanner writes null for "asked, and there is none" (no flow log, no detector, no web ACL).
 * The rule views drop null fields, so such a field is written as an empty list or object: present
 * and empty (judged), unlike a field the source does not record at all (not judged).
 */
function emptyForNull(c: Obj, keys: readonly string[], empty: unknown[] | Obj): Obj {
  for (const k of keys) if (Object.hasOwn(c, k) && c[k] === null) c[k] = Array.isArray(empty) ? [] : {};
  return c;
}

// ---------------------------------------------------------------- S3

/** S3 ACL grant (GetBucketAcl) → AWS Config's grantList entry: a group grantee is its name (`AllUsers`). */
function grant(g: unknown): Obj | null {
  const o = obj(g);
  if (!o) return null;
  const grantee = obj(o.Grantee) ?? {};
  const uri = str(grantee, 'URI');
  const who = uri !== null ? uri.slice(uri.lastIndexOf('/') + 1) : { id: str(grantee, 'ID'), displayName: str(grantee, 'DisplayName'), emailAddress: str(grantee, 'EmailAddress') };
  return { grantee: who, permission: str(o, 'Permission') };
}

function s3Bucket(s: Obj): SnapshotItem[] {
  const supplementary: Obj = {};
  const pab = obj(s.PublicAccessBlockConfiguration);
  if (pab) supplementary.PublicAccessBlockConfiguration = lowerFirstKeys(pab);
  const rules = arr(s.EncryptionRules).map(obj).filter((r): r is Obj => r !== null);
  if (rules.length > 0) {
    supplementary.ServerSideEncryptionConfiguration = {
      rules: rules.map((r) => {
        const d = obj(r.ApplyServerSideEncryptionByDefault) ?? {};
        return { applyServerSideEncryptionByDefault: { sseAlgorithm: str(d, 'SSEAlgorithm'), kmsMasterKeyID: str(d, 'KMSMasterKeyID') }, bucketKeyEnabled: r.BucketKeyEnabled ?? null };
      }),
    };
  }
  supplementary.BucketVersioningConfiguration = { status: str(s, 'Versioning') ?? 'Off', isMfaDeleteEnabled: str(s, 'MFADelete') === 'Enabled' };
  const logging = obj(s.LoggingPolicy);
  supplementary.BucketLoggingConfiguration = logging ? { destinationBucketName: str(logging, 'TargetBucket'), logFilePrefix: str(logging, 'TargetPrefix') } : {};
  if (Array.isArray(s.Grants)) {
    const owner = obj(s.Owner) ?? {};
    supplementary.AccessControlList = { owner: { id: str(owner, 'ID'), displayName: str(owner, 'DisplayName') }, grantList: s.Grants.map(grant).filter((g) => g !== null) };
  }
  supplementary.BucketPolicy = { policyText: policyText(s.Policy) };
  if (Array.isArray(s.LifecycleRules)) supplementary.BucketLifecycleConfiguration = { rules: lowerFirstKeys(s.LifecycleRules) };
  if (isObj(s.ObjectLockConfiguration)) supplementary.ObjectLockConfiguration = lowerFirstKeys(s.ObjectLockConfiguration);
  const owner = obj(s.Owner);
  const name = str(s, 'Name');
  return [
    {
      resourceType: 'AWS::S3::Bucket',
      resourceId: name,
      resourceName: name,
      arn: str(s, 'ARN', 'Arn') ?? (name ? `arn:aws:s3:::${name}` : null),
      configuration: { name, owner: owner ? { id: str(owner, 'ID'), displayName: str(owner, 'DisplayName') } : null, creationDate: str(s, 'CreationDate'), location: str(s, 'Location') },
      supplementaryConfiguration: supplementary,
    },
  ];
}

// ---------------------------------------------------------------- IAM

const REPORT_FLAGS = new Set(['PasswordEnabled', 'MfaActive', 'AccessKey1Active', 'AccessKey2Active', 'Cert1Active', 'Cert2Active']);

/** Credential report column of a scanner field: `AccessKey1LastUsedDate` → `access_key_1_last_used_date`. */
function reportColumn(k: string): string {
  if (k === 'UserName') return 'user';
  if (k === 'ARN' || k === 'Arn') return 'arn';
  return k.replace(/([a-z])([A-Z0-9])/g, '$1_$2').replace(/([0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The scanner's CredentialReport (PascalCase, Go zero times for "never") → the row the aws_account
 * collector writes for `AWS::IAM::UserCredentials`: IAM's column names, booleans, null for never/N/A,
 * and `report_time`, the time the snapshot was read.
 */
function credentialRow(report: Obj, observedIso: string, userName: string | null): Obj {
  const row: Obj = {};
  for (const [k, v] of Object.entries(report)) {
    const col = reportColumn(k);
    if (REPORT_FLAGS.has(k)) row[col] = v === true || v === 'true';
    else if (/(Time|Date|Rotated|Changed|Used|Rotation)$/.test(k)) row[col] = timeOrNull(v);
    else row[col] = v === 'N/A' || v === 'no_information' || v === 'not_supported' ? null : v;
  }
  if (typeof row.user !== 'string') row.user = userName;
  row.report_time = observedIso;
  return row;
}

function credentialsItem(s: Obj, observedIso: string, root: boolean): SnapshotItem | null {
  const report = obj(s.CredentialReport);
  if (!report) return null;
  const userName = root ? '<root_account>' : str(s, 'UserName', 'Name');
  const row = credentialRow(report, observedIso, userName);
  if (root) row.user = '<root_account>';
  // Not a credential report column: the scanner's record of the root user's virtual MFA device.
  if (root) row.virtual_mfa_device = s.VirtualMFA ?? null;
  const arn = str(s, 'ARN', 'Arn') ?? (typeof row.arn === 'string' ? row.arn : null);
  const id = root ? 'root' : userName;
  return { resourceType: 'AWS::IAM::UserCredentials', resourceId: id, resourceName: root ? 'root' : userName, arn: arn ? `${arn}#credentials` : null, configuration: row };
}

/**
 * InlinePolicies `{name: document}` → AWS Config's `[{policyName, policyDocument}]` (document as JSON
 * text); a snapshot that lists only InlinePolicyNames gives entries with a null document.
 */
function inlinePolicies(v: unknown, names?: unknown): Obj[] {
  if ((v === undefined || v === null) && Array.isArray(names)) return names.filter((n): n is string => typeof n === 'string').map((policyName) => ({ policyName, policyDocument: null }));
  const o = obj(v);
  if (o) return Object.entries(o).map(([policyName, doc]) => ({ policyName, policyDocument: policyText(doc) }));
  return arr(v).map(obj).filter((p): p is Obj => p !== null).map((p) => ({ policyName: str(p, 'PolicyName'), policyDocument: policyText(p.PolicyDocument) }));
}

/** Managed policies: ARNs where the snapshot gives them (`ManagedPolicyARNs`, `AttachedManagedPolicies`), else names only. */
function managedPolicies(s: Obj): Obj[] {
  const out: Obj[] = [];
  for (const a of arr(s.ManagedPolicyARNs ?? s.ManagedPolicyArns)) if (typeof a === 'string') out.push({ policyArn: a, policyName: a.slice(a.lastIndexOf('/') + 1) });
  for (const p of arr(s.AttachedManagedPolicies)) {
    const o = obj(p);
    if (o) out.push({ policyArn: str(o, 'PolicyArn'), policyName: str(o, 'PolicyName') });
  }
  if (out.length === 0) for (const n of arr(s.ManagedPolicyNames)) if (typeof n === 'string') out.push({ policyArn: null, policyName: n });
  return out;
}

function iamUser(s: Obj, observedIso: string): SnapshotItem[] {
  const name = str(s, 'UserName', 'Name');
  const groups = arr(s.Groups).map((g) => (isObj(g) ? str(g, 'GroupName') : typeof g === 'string' ? g : null)).filter((g): g is string => g !== null);
  const user: SnapshotItem = {
    resourceType: 'AWS::IAM::User',
    resourceId: str(s, 'UserId', 'ID', 'Id') ?? name,
    resourceName: name,
    arn: str(s, 'ARN', 'Arn'),
    configuration: {
      userName: name,
      userId: str(s, 'UserId'),
      arn: str(s, 'ARN', 'Arn'),
      path: str(s, 'Path'),
      createDate: str(s, 'CreateDate'),
      userPolicyList: inlinePolicies(s.InlinePolicies, s.InlinePolicyNames),
      attachedManagedPolicies: managedPolicies(s),
      groupList: groups,
      permissionsBoundary: lowerFirstKeys(s.PermissionsBoundary ?? null),
      // Not in AWS Config's item: the scanner's record of the user's virtual MFA device.
      virtualMFA: s.VirtualMFA ?? null,
    },
  };
  const creds = credentialsItem(s, observedIso, false);
  return creds ? [user, creds] : [user];
}

function iamRole(s: Obj): SnapshotItem[] {
  const name = str(s, 'RoleName', 'Name');
  return [
    {
      resourceType: 'AWS::IAM::Role',
      resourceId: str(s, 'RoleId', 'ID', 'Id') ?? name,
      resourceName: name,
      arn: str(s, 'ARN', 'Arn'),
      configuration: {
        roleName: name,
        roleId: str(s, 'RoleId'),
        arn: str(s, 'ARN', 'Arn'),
        path: str(s, 'Path'),
        assumeRolePolicyDocument: policyText(s.AssumeRolePolicyDocument),
        rolePolicyList: inlinePolicies(s.InlinePolicies, s.InlinePolicyNames),
        attachedManagedPolicies: managedPolicies(s),
        maxSessionDuration: s.MaxSessionDuration ?? null,
        roleLastUsed: lowerFirstKeys(s.RoleLastUsed ?? null),
      },
    },
  ];
}

function iamGroup(s: Obj): SnapshotItem[] {
  const name = str(s, 'GroupName', 'Name');
  const users = arr(s.Users).map((u) => (isObj(u) ? str(u, 'UserName') : typeof u === 'string' ? u : null)).filter((u): u is string => u !== null);
  return [
    {
      resourceType: 'AWS::IAM::Group',
      resourceId: str(s, 'GroupId', 'ID', 'Id') ?? name,
      resourceName: name,
      arn: str(s, 'ARN', 'Arn'),
      configuration: { groupName: name, groupId: str(s, 'GroupId'), arn: str(s, 'ARN', 'Arn'), groupPolicyList: inlinePolicies(s.InlinePolicies, s.InlinePolicyNames), attachedManagedPolicies: managedPolicies(s), users },
    },
  ];
}

function iamPolicy(s: Obj): SnapshotItem[] {
  const name = str(s, 'PolicyName', 'Name');
  const entities = obj(s.Entities) ?? {};
  return [
    {
      resourceType: 'AWS::IAM::Policy',
      resourceId: str(s, 'PolicyId', 'ID', 'Id') ?? name,
      resourceName: name,
      arn: str(s, 'Arn', 'ARN'),
      configuration: {
        policyName: name,
        policyId: str(s, 'PolicyId'),
        arn: str(s, 'Arn', 'ARN'),
        path: str(s, 'Path'),
        defaultVersionId: str(s, 'DefaultVersionId'),
        attachmentCount: s.AttachmentCount ?? null,
        isAttachable: s.IsAttachable ?? null,
        policyVersionList: [{ document: policyText(s.PolicyDocument), versionId: str(s, 'DefaultVersionId') ?? 'v1', isDefaultVersion: true }],
        // Not in AWS Config's item (it records attachments as relationships): who the policy is attached to.
        entities: lowerFirstKeys(entities),
      },
    },
  ];
}

function rootUser(s: Obj, observedIso: string): SnapshotItem[] {
  const creds = credentialsItem(s, observedIso, true);
  if (creds) return [creds];
  return [{ resourceType: 'AWS::IAM::UserCredentials', resourceId: 'root', resourceName: 'root', arn: str(s, 'ARN', 'Arn'), configuration: { user: '<root_account>', report_time: observedIso, virtual_mfa_device: s.VirtualMFA ?? null } }];
}

/** The account password policy, as the aws_account collector writes it: IAM's fields plus PolicyPresent. */
function passwordPolicy(s: Obj): SnapshotItem[] {
  const present = s.AnyExist === undefined ? true : s.AnyExist === true;
  const fields = omit(s, [...ENVELOPE, 'AnyExist', 'Name', 'ID', 'Id', 'ARN']);
  return [{ resourceType: 'AWS::IAM::AccountPasswordPolicy', resourceId: str(s, 'AccountId') ?? 'account', resourceName: str(s, 'AccountId'), arn: null, configuration: present ? { ...fields, PolicyPresent: true } : { PolicyPresent: false } }];
}

// ---------------------------------------------------------------- other services

function kmsKey(s: Obj): SnapshotItem[] {
  const supplementary: Obj = {};
  if (s.KeyRotationEnabled !== undefined && s.KeyRotationEnabled !== null) supplementary.KeyRotationStatus = s.KeyRotationEnabled;
  const policy = policyText(s.Policy);
  if (policy !== null) supplementary.Policy = policy;
  return [{ resourceType: 'AWS::KMS::Key', resourceId: str(s, 'KeyId', 'ID', 'Id'), resourceName: str(s, 'KeyId'), arn: str(s, 'Arn', 'ARN'), configuration: camel(s, ['Policy', 'KeyRotationEnabled']), supplementaryConfiguration: supplementary }];
}

function lambdaFunction(s: Obj): SnapshotItem[] {
  const p = s.Policy;
  const policy = policyText(isObj(p) && Object.hasOwn(p, 'Policy') ? p.Policy : p);
  return [
    {
      resourceType: 'AWS::Lambda::Function',
      resourceId: str(s, 'FunctionName', 'Name'),
      resourceName: str(s, 'FunctionName', 'Name'),
      arn: str(s, 'FunctionArn', 'ARN', 'Arn'),
      configuration: camel(s, ['Policy']),
      supplementaryConfiguration: policy === null ? {} : { Policy: policy },
    },
  ];
}

function cloudTrail(s: Obj): SnapshotItem[] {
  const status = obj(s.Status);
  return [
    {
      resourceType: 'AWS::CloudTrail::Trail',
      resourceId: str(s, 'Name'),
      resourceName: str(s, 'Name'),
      arn: str(s, 'TrailARN', 'ARN', 'Arn'),
      configuration: camel(s, ['Status']),
      supplementaryConfiguration: status ? { TrailStatus: lowerFirstKeys(status) } : {},
    },
  ];
}

function configRecorder(s: Obj): SnapshotItem[] {
  const recorder = obj(s.Recorder) ?? {};
  const status = obj(s.Status);
  const name = str(recorder, 'Name') ?? str(s, 'Name');
  const configuration: Obj = { ...recorder };
  if (status && typeof status.Recording === 'boolean') configuration.Recording = status.Recording;
  // Not in AWS Config's item: DescribeConfigurationRecorderStatus (last status, error code).
  if (status) configuration.RecorderStatus = status;
  return [{ resourceType: 'AWS::Config::ConfigurationRecorder', resourceId: name, resourceName: name, arn: null, configuration }];
}

function redshiftCluster(s: Obj): SnapshotItem[] {
  const logging = obj(s.LoggingStatus);
  return [
    {
      resourceType: 'AWS::Redshift::Cluster',
      resourceId: str(s, 'ClusterIdentifier', 'ID', 'Id'),
      resourceName: str(s, 'ClusterIdentifier', 'Name'),
      arn: str(s, 'ARN', 'Arn'),
      configuration: camel(s, ['LoggingStatus']),
      supplementaryConfiguration: logging ? { LoggingStatus: lowerFirstKeys(logging) } : {},
    },
  ];
}

function cloudFormationStack(s: Obj): SnapshotItem[] {
  const protection = s.EnableTerminationProtection;
  return [
    {
      resourceType: 'AWS::CloudFormation::Stack',
      resourceId: str(s, 'StackId', 'ID', 'Id'),
      resourceName: str(s, 'StackName', 'Name'),
      arn: str(s, 'StackId', 'ARN', 'Arn'),
      configuration: camel(s),
      supplementaryConfiguration: typeof protection === 'boolean' ? { EnableTerminationProtection: String(protection) } : {},
    },
  ];
}

/**
 * An application load balancer and its listeners: AWS Config records each listener as an
 * `AWS::ElasticLoadBalancingV2::Listener` item in the CloudFormation spelling (`Protocol`,
 * `DefaultActions[].Type`, `SslPolicy`), so each listener becomes its own item.
 */
function elbv2(s: Obj): SnapshotItem[] {
  const arn = str(s, 'LoadBalancerArn', 'ARN', 'Arn');
  const lb: SnapshotItem = { resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer', resourceId: arn ?? str(s, 'LoadBalancerName'), resourceName: str(s, 'LoadBalancerName', 'Name'), arn, configuration: emptyForNull(camel(s, ['Listeners']), ['webAcl'], {}) };
  const listeners = arr(s.Listeners)
    .map(obj)
    .filter((l): l is Obj => l !== null)
    .map((l, i): SnapshotItem => {
      const larn = str(l, 'ListenerArn') ?? (arn ? `${arn}/listener/${i}` : null);
      return { resourceType: 'AWS::ElasticLoadBalancingV2::Listener', resourceId: larn, resourceName: null, arn: larn, configuration: { ...l } };
    });
  return [lb, ...listeners];
}

/** A WAF web ACL; its logging configuration (GetLoggingConfiguration) goes where the view reads it, `{}` for "none". */
function webAcl(configType: string): SnapshotType['build'] {
  return (s) => {
    const supplementary: Obj = {};
    if (Object.hasOwn(s, 'LoggingConfiguration')) supplementary.LoggingConfiguration = isObj(s.LoggingConfiguration) ? lowerFirstKeys(s.LoggingConfiguration) : {};
    return [{ resourceType: configType, resourceId: str(s, 'WebACLId', 'ID', 'Id'), resourceName: str(s, 'Name'), arn: str(s, 'WebACLArn', 'ARN', 'Arn'), configuration: camel(s, ['LoggingConfiguration']), supplementaryConfiguration: supplementary }];
  };
}

/** Every AWS resource type the scanner records, with the item it becomes. */
export const SNAPSHOT_TYPES: readonly SnapshotType[] = [
  { type: 'AWS.ACM.Certificate', configType: 'AWS::ACM::Certificate', build: describeItem('AWS::ACM::Certificate', ['CertificateArn'], ['DomainName'], ['CertificateArn']) },
  { type: 'AWS.CloudFormation.Stack', configType: 'AWS::CloudFormation::Stack', build: cloudFormationStack },
  { type: 'AWS.CloudTrail', configType: 'AWS::CloudTrail::Trail', build: cloudTrail },
  { type: 'AWS.CloudTrail.Meta', configType: 'AWS::CloudTrail::AccountTrails', build: metaItem('AWS::CloudTrail::AccountTrails', ['Trails']) },
  { type: 'AWS.CloudWatch.LogGroup', configType: 'AWS::Logs::LogGroup', build: describeItem('AWS::Logs::LogGroup', ['LogGroupName'], ['LogGroupName'], ['Arn']) },
  { type: 'AWS.Config.Recorder', configType: 'AWS::Config::ConfigurationRecorder', build: configRecorder },
  { type: 'AWS.Config.Recorder.Meta', configType: 'AWS::Config::AccountRecorders', build: metaItem('AWS::Config::AccountRecorders', ['Recorders']) },
  { type: 'AWS.DynamoDB.Table', configType: 'AWS::DynamoDB::Table', build: describeItem('AWS::DynamoDB::Table', ['TableName'], ['TableName'], ['TableArn']) },
  { type: 'AWS.EC2.AMI', configType: 'AWS::EC2::Image', build: describeItem('AWS::EC2::Image', ['ImageId'], ['Name'], []) },
  { type: 'AWS.EC2.Instance', configType: 'AWS::EC2::Instance', build: describeItem('AWS::EC2::Instance', ['InstanceId'], ['InstanceId'], []) },
  { type: 'AWS.EC2.NetworkACL', configType: 'AWS::EC2::NetworkAcl', build: describeItem('AWS::EC2::NetworkAcl', ['NetworkAclId'], ['NetworkAclId'], []) },
  { type: 'AWS.EC2.SecurityGroup', configType: 'AWS::EC2::SecurityGroup', build: describeItem('AWS::EC2::SecurityGroup', ['GroupId'], ['GroupName'], []) },
  { type: 'AWS.EC2.Volume', configType: 'AWS::EC2::Volume', build: describeItem('AWS::EC2::Volume', ['VolumeId'], ['VolumeId'], []) },
  { type: 'AWS.EC2.VPC', configType: 'AWS::EC2::VPC', build: (s, at) => describeItem('AWS::EC2::VPC', ['VpcId'], ['VpcId'], [])(s, at).map((it) => ({ ...it, configuration: emptyForNull(it.configuration, ['flowLogs'], []) })) },
  { type: 'AWS.ECS.Cluster', configType: 'AWS::ECS::Cluster', build: describeItem('AWS::ECS::Cluster', ['ClusterName'], ['ClusterName'], ['ClusterArn']) },
  { type: 'AWS.EKS.Cluster', configType: 'AWS::EKS::Cluster', build: describeItem('AWS::EKS::Cluster', ['Name'], ['Name'], []) },
  { type: 'AWS.ELB.LoadBalancer', configType: 'AWS::ElasticLoadBalancing::LoadBalancer', build: (s) => [{ resourceType: 'AWS::ElasticLoadBalancing::LoadBalancer', resourceId: str(s, 'LoadBalancerName', 'Name'), resourceName: str(s, 'LoadBalancerName', 'Name'), arn: str(s, 'ARN', 'Arn'), configuration: { ...omit(s, ENVELOPE), Listeners: arr(s.ListenerDescriptions).map((d) => (isObj(d) ? (d.Listener ?? d) : d)) } }] },
  { type: 'AWS.ELBV2.ApplicationLoadBalancer', configType: 'AWS::ElasticLoadBalancingV2::LoadBalancer', build: elbv2 },
  { type: 'AWS.GuardDuty.Detector', configType: 'AWS::GuardDuty::Detector', build: describeItem('AWS::GuardDuty::Detector', ['DetectorId'], ['DetectorId'], []) },
  { type: 'AWS.GuardDuty.Detector.Meta', configType: 'AWS::GuardDuty::AccountDetectors', build: metaItem('AWS::GuardDuty::AccountDetectors', ['Detectors']) },
  { type: 'AWS.IAM.Group', configType: 'AWS::IAM::Group', build: iamGroup },
  { type: 'AWS.IAM.Policy', configType: 'AWS::IAM::Policy', build: iamPolicy },
  { type: 'AWS.IAM.Role', configType: 'AWS::IAM::Role', build: iamRole },
  { type: 'AWS.IAM.RootUser', configType: 'AWS::IAM::UserCredentials', build: rootUser },
  { type: 'AWS.IAM.User', configType: 'AWS::IAM::User', build: iamUser },
  { type: 'AWS.KMS.Key', configType: 'AWS::KMS::Key', build: kmsKey },
  { type: 'AWS.Lambda.Function', configType: 'AWS::Lambda::Function', build: lambdaFunction },
  { type: 'AWS.PasswordPolicy', configType: 'AWS::IAM::AccountPasswordPolicy', build: passwordPolicy },
  { type: 'AWS.RDS.Instance', configType: 'AWS::RDS::DBInstance', build: describeItem('AWS::RDS::DBInstance', ['DBInstanceIdentifier'], ['DBInstanceIdentifier'], ['DBInstanceArn']) },
  { type: 'AWS.Redshift.Cluster', configType: 'AWS::Redshift::Cluster', build: redshiftCluster },
  { type: 'AWS.S3.Bucket', configType: 'AWS::S3::Bucket', build: s3Bucket },
  { type: 'AWS.WAF.WebACL', configType: 'AWS::WAF::WebACL', build: webAcl('AWS::WAF::WebACL') },
  { type: 'AWS.WAF.Regional.WebACL', configType: 'AWS::WAFRegional::WebACL', build: webAcl('AWS::WAFRegional::WebACL') },
];

const BY_LOWER = new Map(SNAPSHOT_TYPES.map((t) => [t.type.toLowerCase(), t] as const));

/** The snapshot type of a dotted name, matched without case (`AWS.ELBV2…` / `AWS.ELBv2…`); undefined when unknown. */
export function snapshotType(name: string): SnapshotType | undefined {
  return BY_LOWER.get(name.toLowerCase());
}
