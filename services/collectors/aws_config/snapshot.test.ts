/**
 * Resource snapshots (cloud-scanner shape) through the aws_config collector: the mapping of each type
 * to the AWS Config item the posture rules read, the rejections, and whole snapshots judged by the
 * bundled posture rules (a well-configured fixture of every type, and misconfigured variants derived
 * from it in code). Fixtures: test/fixtures/snapshots (SOURCE.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ConfigState } from '../../core/model/config-state.ts';
import { loadRulePacks } from '../../rules/loader.ts';
import { ResourceRuleSet } from '../../rules/resource-ruleset.ts';
import { configStateView } from '../../rules/resource-view.ts';
import { awsConfigCollector } from './index.ts';
import { SNAPSHOT_TYPES } from './snapshot-types.ts';
import { isResourceSnapshot, snapshotItems } from './snapshot.ts';
import { lowerFirstKeys } from './snapshot-util.ts';
import { loadPantherPolicyMap } from '../../rules/coverage/posture/panther-map.ts';

// Test data, mutated freely by the variants below: loosely typed on purpose (not a public interface).
type Obj = Record<string, any>;

const FIXTURES: Obj[] = readFileSync(new URL('../../../test/fixtures/snapshots/aws-resources.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Obj);
const fixture = (type: string): Obj => structuredClone(FIXTURES.find((f) => f.ResourceType === type)!);

const collector = awsConfigCollector();
const rules = new ResourceRuleSet(loadRulePacks(['@builtin/posture']).filter((r) => r.input === 'resource'));

function collect(record: unknown): { events: ConfigState[]; rejected: string[] } {
  const events: ConfigState[] = [];
  const rejected: string[] = [];
  for (const out of collector.collect({ name: 'snap.json', bytes: Buffer.from(JSON.stringify(record)) })) {
    if (out.kind === 'event') events.push(out.event as ConfigState);
    else rejected.push(out.reason);
  }
  return { events, rejected };
}

function config(e: ConfigState): Obj {
  return JSON.parse(e.configuration ?? '{}') as Obj;
}

/** The ids of the posture rules any item of the record fails. */
function failing(record: unknown): string[] {
  const { events, rejected } = collect(record);
  assert.deepEqual(rejected, []);
  const out = new Set<string>();
  for (const e of events) {
    const ev = rules.evaluate(configStateView(e));
    assert.deepEqual(ev.errors.map((x) => `${x.rule.id}: ${x.error}`), [], 'no rule errors');
    for (const r of ev.failed) out.add(r.id);
  }
  return [...out].sort();
}

test('the fixtures hold one snapshot of every type the reader knows, each read without rejection', () => {
  assert.deepEqual(FIXTURES.map((f) => f.ResourceType).sort(), SNAPSHOT_TYPES.map((t) => t.type).sort());
  for (const t of SNAPSHOT_TYPES) {
    const { events, rejected } = collect(fixture(t.type));
    assert.deepEqual(rejected, [], t.type);
    assert.ok(events.length >= 1, t.type);
    assert.equal(events[0]!.resource.type, t.configType, t.type);
    assert.equal(events[0]!.metadata.log_name, 'ResourceSnapshot');
    assert.equal(events[0]!.resource.account_uid, '111122223333', t.type);
    assert.equal(events[0]!.source, 'aws_config');
    assert.ok(isResourceSnapshot(fixture(t.type)));
  }
});

test('S3 bucket: the scanner fields become the supplementary configuration AWS Config records', () => {
  const [e] = collect(fixture('AWS.S3.Bucket')).events;
  const c = config(e!);
  assert.equal(e!.resource.uid, 'arn:aws:s3:::example-data');
  assert.equal(e!.resource.region, 'us-east-1');
  const s = c.supplementary;
  assert.deepEqual(s.PublicAccessBlockConfiguration, { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
  assert.equal(s.ServerSideEncryptionConfiguration.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, 'aws:kms');
  assert.deepEqual(s.BucketVersioningConfiguration, { isMfaDeleteEnabled: true, status: 'Enabled' });
  assert.equal(s.BucketLoggingConfiguration.destinationBucketName, 'example-access-logs');
  assert.equal(s.AccessControlList.grantList[0].permission, 'FULL_CONTROL');
  assert.match(s.BucketPolicy.policyText, /aws:SecureTransport/);
  assert.equal(s.BucketLifecycleConfiguration.rules[0].status, 'Enabled');
  assert.equal(s.ObjectLockConfiguration.objectLockEnabled, 'Enabled');
  // A group grantee is named as AWS Config names it.
  const open = fixture('AWS.S3.Bucket');
  open.Grants.push({ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' });
  const grants = config(collect(open).events[0]!).supplementary.AccessControlList.grantList;
  assert.deepEqual(grants[1], { grantee: 'AllUsers', permission: 'READ' });
});

test('describe-API types are re-spelled as AWS Config records them (first letter lower-cased), tags and policies kept', () => {
  const sg = config(collect(fixture('AWS.EC2.SecurityGroup')).events[0]!);
  assert.equal(sg.ipPermissions[0].ipRanges[0].cidrIp, '0.0.0.0/0');
  assert.equal(sg.groupName, 'web');
  const rds = config(collect(fixture('AWS.RDS.Instance')).events[0]!);
  assert.equal(rds.iAMDatabaseAuthenticationEnabled, true);
  assert.equal(rds.multiAZ, true);
  const nacl = config(collect(fixture('AWS.EC2.NetworkACL')).events[0]!);
  assert.deepEqual(nacl.entries[0].portRange, { from: 443, to: 443 });
  const lambda = collect(fixture('AWS.Lambda.Function')).events[0]!;
  assert.deepEqual(config(lambda).environment.variables, { BUCKET: 'example-images' });
  assert.match(config(lambda).supplementary.Policy.Statement[0].Principal.Service, /s3\.amazonaws\.com/);
  assert.deepEqual(lowerFirstKeys({ Tags: { Env: 'x' }, PolicyDocument: { Statement: [] }, A: { B: 1 } }), { tags: { Env: 'x' }, policyDocument: { Statement: [] }, a: { b: 1 } });
  const tagged = fixture('AWS.EC2.Volume');
  tagged.Tags = { Team: 'data' };
  assert.deepEqual(collect(tagged).events[0]!.resource.tags, [{ key: 'Team', value: 'data' }]);
});

test('KMS key, CloudTrail, recorder, Redshift: the fields AWS Config keeps in supplementaryConfiguration', () => {
  const kms = config(collect(fixture('AWS.KMS.Key')).events[0]!);
  assert.equal(kms.supplementary.KeyRotationStatus, true);
  assert.equal(kms.supplementary.Policy.Statement[0].Sid, 'root');
  assert.equal(kms.keyManager, 'CUSTOMER');
  const trail = config(collect(fixture('AWS.CloudTrail')).events[0]!);
  assert.equal(trail.supplementary.TrailStatus.isLogging, true);
  assert.equal(trail.logFileValidationEnabled, true);
  const rec = config(collect(fixture('AWS.Config.Recorder')).events[0]!);
  assert.equal(rec.Recording, true);
  assert.equal(rec.RecordingGroup.AllSupported, true);
  assert.equal(rec.RecorderStatus.LastStatus, 'SUCCESS');
  const rs = config(collect(fixture('AWS.Redshift.Cluster')).events[0]!);
  assert.equal(rs.supplementary.LoggingStatus.loggingEnabled, true);
});

test('IAM: users give a user item and a credential report row; the root user a row; the password policy its item', () => {
  const user = collect(fixture('AWS.IAM.User')).events;
  assert.deepEqual(user.map((e) => e.resource.type), ['AWS::IAM::User', 'AWS::IAM::UserCredentials']);
  assert.deepEqual(config(user[0]!).groupList, ['developers']);
  const row = config(user[1]!);
  assert.equal(row.user, 'alice');
  assert.equal(row.password_enabled, true);
  assert.equal(row.access_key_1_last_rotated, '2026-10-01T00:00:00Z');
  assert.equal(row.access_key_2_last_rotated, null, "Go's zero time is never");
  assert.equal(row.access_key_2_last_used_region, null, 'N/A is null');
  const root = collect(fixture('AWS.IAM.RootUser')).events;
  assert.equal(root.length, 1);
  assert.equal(root[0]!.resource.type, 'AWS::IAM::UserCredentials');
  assert.equal(config(root[0]!).user, '<root_account>');
  assert.equal(config(root[0]!).mfa_active, true);
  const pp = collect(fixture('AWS.PasswordPolicy')).events[0]!;
  assert.equal(pp.resource.type, 'AWS::IAM::AccountPasswordPolicy');
  assert.equal(pp.resource.region, null, 'region global is no region');
  assert.equal(config(pp).PolicyPresent, true);
  const none = { ...fixture('AWS.PasswordPolicy'), AnyExist: false };
  assert.deepEqual(config(collect(none).events[0]!), { PolicyPresent: false });
});

test('an application load balancer gives its own item and one listener item per listener, in the CloudFormation spelling', () => {
  const events = collect(fixture('AWS.ELBV2.ApplicationLoadBalancer')).events;
  assert.deepEqual(events.map((e) => e.resource.type), ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::Listener', 'AWS::ElasticLoadBalancingV2::Listener']);
  assert.equal(config(events[1]!).SslPolicy, 'ELBSecurityPolicy-TLS13-1-2-2021-06');
  assert.equal(config(events[2]!).DefaultActions[0].Type, 'redirect');
});

test('capture time: the wrapper observedAt, else the read time; the same snapshot and time give the same uid', () => {
  const at = '2026-11-20T10:00:00.000Z';
  const wrapped = { resourceType: 'AWS.EC2.Volume', resource: fixture('AWS.EC2.Volume'), observedAt: at };
  const a = collect(wrapped).events[0]!;
  const b = collect(wrapped).events[0]!;
  assert.equal(a.time, Date.parse(at));
  assert.equal(a.metadata.uid, b.metadata.uid);
  const now = Date.parse('2030-01-01T00:00:00Z');
  const r = snapshotItems(fixture('AWS.EC2.Volume'), () => now);
  assert.ok(r && r.ok);
  assert.equal(r.items[0]!.configurationItemCaptureTime, '2030-01-01T00:00:00.000Z');
});

test('a snapshot without ResourceType is read through the {resourceType, resource} wrapper; the wrapper type wins', () => {
  const bare = fixture('AWS.WAF.Regional.WebACL');
  delete bare.ResourceType;
  assert.equal(isResourceSnapshot(bare), false);
  const { events, rejected } = collect({ resourceType: 'AWS.WAF.Regional.WebACL', resource: bare });
  assert.deepEqual(rejected, []);
  assert.equal(events[0]!.resource.type, 'AWS::WAFRegional::WebACL');
  // Type names are matched without case (the scanner spells ELBV2 and ELBv2).
  assert.equal(collect({ resourceType: 'AWS.ELBv2.ApplicationLoadBalancer', resource: fixture('AWS.ELBV2.ApplicationLoadBalancer') }).events[0]!.resource.type, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
});

test('an unknown type or a resource that is not an object is a rejection naming why; nothing is dropped silently', () => {
  const unknown = collect({ ...fixture('AWS.EC2.Volume'), ResourceType: 'AWS.Glacier.Vault' });
  assert.equal(unknown.events.length, 0);
  assert.equal(unknown.rejected.length, 1);
  assert.match(unknown.rejected[0]!, /not a known resource snapshot type "AWS\.Glacier\.Vault" \(known: AWS\.ACM\.Certificate, /);
  const notObj = collect({ resourceType: 'AWS.S3.Bucket', resource: 'example-data' });
  assert.deepEqual(notObj.rejected, ['resource snapshot AWS.S3.Bucket: resource must be a JSON object, got a string']);
  // JSON lines of snapshots: one output per line.
  const lines = [fixture('AWS.EC2.Volume'), { ResourceType: 'AWS.Nope' }].map((r) => JSON.stringify(r)).join('\n');
  const outs = [...collector.collect({ name: 'lines.jsonl', bytes: Buffer.from(lines) })];
  assert.deepEqual(outs.map((o) => o.kind), ['event', 'dead_letter']);
});

test('the well-configured fixture of every type fails none of the rules the peer mapping names for its type', () => {
  const mapped = new Set([...loadPantherPolicyMap().values()].flatMap((p) => p.rules));
  const bad: string[] = [];
  for (const f of FIXTURES) for (const id of failing(f)) if (mapped.has(id)) bad.push(`${f.ResourceType}: ${id}`);
  assert.deepEqual(bad, []);
  assert.ok(mapped.size >= 60, `the mapping names ${mapped.size} rules`);
});

/** Misconfigured variants of the fixtures, and the rule each must fail (the unmodified fixture passes it). */
const VARIANTS: Array<[string, string, (s: Obj) => void]> = [
  ['AWS.S3.Bucket', 'posture.aws.s3.public_access_block_disabled', (s) => { s.PublicAccessBlockConfiguration = null; }],
  ['AWS.S3.Bucket', 'posture.aws.s3.default_encryption_missing', (s) => { s.EncryptionRules = null; }],
  ['AWS.S3.Bucket', 'posture.aws.s3.versioning_disabled', (s) => { s.Versioning = 'Suspended'; }],
  ['AWS.S3.Bucket', 'posture.aws.s3.mfa_delete_disabled', (s) => { s.MFADelete = null; }],
  ['AWS.S3.Bucket', 'posture.aws.s3.access_logging_disabled', (s) => { s.LoggingPolicy = null; }],
  ['AWS.S3.Bucket', 'posture.aws.s3.policy_allows_http', (s) => { s.Policy = null; }],
  ['AWS.S3.Bucket', 'posture.aws.s3.acl_public_write', (s) => { s.PublicAccessBlockConfiguration = null; s.Grants.push({ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'WRITE' }); }],
  ['AWS.S3.Bucket', 'posture.aws.s3.policy_public', (s) => { s.PublicAccessBlockConfiguration = null; s.Policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-data/*' }] }); }],
  ['AWS.S3.Bucket', 'posture.aws.s3.object_lock_disabled', (s) => { delete s.ObjectLockConfiguration; }],
  ['AWS.S3.Bucket', 'posture.aws.s3.policy_service_without_source_condition', (s) => { s.Policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::example-data/*' }] }); }],
  ['AWS.S3.Bucket', 'posture.aws.s3.acl_public_read', (s) => { s.PublicAccessBlockConfiguration = null; s.Grants.push({ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'READ' }); }],
  ['AWS.EC2.SecurityGroup', 'posture.aws.ec2.sg_ssh_open_to_world', (s) => { s.IpPermissions.push({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }); }],
  ['AWS.EC2.SecurityGroup', 'posture.aws.ec2.sg_egress_unrestricted', (s) => { s.IpPermissionsEgress = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]; }],
  ['AWS.EC2.NetworkACL', 'posture.aws.ec2.nacl_admin_ports_open', (s) => { s.Entries.unshift({ RuleNumber: 50, Egress: false, RuleAction: 'allow', Protocol: '6', CidrBlock: '0.0.0.0/0', PortRange: { From: 22, To: 22 } }); }],
  ['AWS.EC2.NetworkACL', 'posture.aws.ec2.nacl_insecure_protocols_from_world', (s) => { s.Entries.unshift({ RuleNumber: 60, Egress: false, RuleAction: 'allow', Protocol: '6', CidrBlock: '0.0.0.0/0', PortRange: { From: 20, To: 21 } }); }],
  ['AWS.EC2.Volume', 'posture.aws.ec2.volume_unencrypted', (s) => { s.Encrypted = false; }],
  ['AWS.EC2.Volume', 'posture.aws.ec2.volume_snapshot_unencrypted', (s) => { s.Snapshots[0].Encrypted = false; }],
  ['AWS.EC2.VPC', 'posture.aws.ec2.vpc_flow_logs_missing', (s) => { s.FlowLogs = null; }],
  ['AWS.EC2.VPC', 'posture.aws.ec2.vpc_default_sg_not_restricted', (s) => { s.SecurityGroups[0].IpPermissionsEgress = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]; }],
  ['AWS.EC2.AMI', 'posture.aws.ec2.ami_public', (s) => { s.Public = true; }],
  ['AWS.EC2.Instance', 'posture.aws.ec2.imdsv1_allowed', (s) => { s.MetadataOptions.HttpTokens = 'optional'; }],
  ['AWS.RDS.Instance', 'posture.aws.rds.publicly_accessible', (s) => { s.PubliclyAccessible = true; }],
  ['AWS.RDS.Instance', 'posture.aws.rds.backups_disabled', (s) => { s.BackupRetentionPeriod = 0; }],
  ['AWS.RDS.Instance', 'posture.aws.rds.snapshot_public', (s) => { s.SnapshotAttributes[0].DBSnapshotAttributes[0].AttributeValues = 'all'; }],
  ['AWS.Redshift.Cluster', 'posture.aws.redshift.audit_logging_disabled', (s) => { s.LoggingStatus.LoggingEnabled = false; }],
  ['AWS.Redshift.Cluster', 'posture.aws.redshift.version_upgrade_off', (s) => { s.AllowVersionUpgrade = false; }],
  ['AWS.CloudTrail', 'posture.aws.cloudtrail.log_validation_disabled', (s) => { s.LogFileValidationEnabled = false; }],
  ['AWS.CloudTrail', 'posture.aws.cloudtrail.logging_off', (s) => { s.Status.IsLogging = false; }],
  ['AWS.CloudTrail.Meta', 'posture.aws.cloudtrail.management_events_not_logged', (s) => { s.GlobalEventSelectors[0].ReadWriteType = 'ReadOnly'; }],
  ['AWS.CloudWatch.LogGroup', 'posture.aws.cloudwatch.log_group_retention_short', (s) => { s.RetentionInDays = 30; }],
  ['AWS.Config.Recorder', 'posture.aws.config.recorder_stopped', (s) => { s.Status.Recording = false; }],
  ['AWS.Config.Recorder', 'posture.aws.config.recorder_errors', (s) => { s.Status.LastStatus = 'FAILURE'; s.Status.LastErrorCode = 'NoSuchBucketException'; }],
  ['AWS.Config.Recorder.Meta', 'posture.aws.config.no_global_resource_recorder', (s) => { s.GlobalRecorderCount = 0; }],
  ['AWS.GuardDuty.Detector.Meta', 'posture.aws.guardduty.no_detector', (s) => { s.Detectors = null; }],
  ['AWS.GuardDuty.Detector', 'posture.aws.guardduty.detector_disabled', (s) => { s.Status = 'DISABLED'; }],
  ['AWS.KMS.Key', 'posture.aws.kms.rotation_disabled', (s) => { s.KeyRotationEnabled = false; }],
  ['AWS.KMS.Key', 'posture.aws.kms.policy_public', (s) => { s.Policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] }); }],
  ['AWS.Lambda.Function', 'posture.aws.lambda.policy_public', (s) => { s.Policy.Policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: '*' }] }); }],
  ['AWS.ACM.Certificate', 'posture.aws.acm.certificate_not_valid', (s) => { s.Status = 'REVOKED'; }],
  ['AWS.CloudFormation.Stack', 'posture.aws.cloudformation.termination_protection_disabled', (s) => { s.EnableTerminationProtection = false; }],
  ['AWS.CloudFormation.Stack', 'posture.aws.cloudformation.no_service_role', (s) => { s.RoleARN = null; }],
  ['AWS.EKS.Cluster', 'posture.aws.eks.public_endpoint_open', (s) => { s.ResourcesVpcConfig.EndpointPublicAccess = true; s.ResourcesVpcConfig.PublicAccessCidrs = ['0.0.0.0/0']; }],
  ['AWS.ELBV2.ApplicationLoadBalancer', 'posture.aws.elbv2.alb_without_waf', (s) => { s.WebAcl = null; }],
  ['AWS.ELBV2.ApplicationLoadBalancer', 'posture.aws.elbv2.listener_outdated_tls_policy', (s) => { s.Listeners[0].SslPolicy = 'ELBSecurityPolicy-2016-08'; }],
  ['AWS.ELBV2.ApplicationLoadBalancer', 'posture.aws.elbv2.http_listener_without_redirect', (s) => { s.Listeners[1].DefaultActions = [{ Type: 'forward' }]; }],
  ['AWS.ELB.LoadBalancer', 'posture.aws.elb.classic_listener_plaintext', (s) => { s.ListenerDescriptions[0].Listener.Protocol = 'HTTP'; }],
  ['AWS.WAF.WebACL', 'posture.aws.waf.logging_disabled', (s) => { s.LoggingConfiguration = null; }],
  ['AWS.IAM.RootUser', 'posture.aws.iam.credentials.root_mfa_off', (s) => { s.CredentialReport.MfaActive = false; }],
  ['AWS.IAM.RootUser', 'posture.aws.iam.credentials.root_virtual_mfa', (s) => { s.VirtualMFA = { SerialNumber: 'arn:aws:iam::111122223333:mfa/root-account-mfa-device' }; }],
  ['AWS.IAM.RootUser', 'posture.aws.iam.credentials.root_access_key', (s) => { s.CredentialReport.AccessKey1Active = true; s.CredentialReport.AccessKey1LastRotated = '2026-11-01T00:00:00Z'; }],
  ['AWS.IAM.User', 'posture.aws.iam.credentials.console_without_mfa', (s) => { s.CredentialReport.MfaActive = false; }],
  ['AWS.IAM.User', 'posture.aws.iam.credentials.access_key_not_rotated', (s) => { s.CredentialReport.AccessKey1LastRotated = '2020-01-01T00:00:00Z'; }],
  ['AWS.IAM.User', 'posture.aws.iam.inline_policy', (s) => { s.InlinePolicyNames = ['ad-hoc']; }],
  ['AWS.IAM.User', 'posture.aws.iam.credentials.key_from_initial_setup', (s) => { s.CredentialReport.AccessKey1LastRotated = '2026-01-05T10:00:03Z'; s.CredentialReport.AccessKey1LastUsedDate = '0001-01-01T00:00:00Z'; }],
  ['AWS.IAM.Role', 'posture.aws.iam.github_oidc_trust_unrestricted', (s) => { delete s.AssumeRolePolicyDocument.Statement[0].Condition.StringLike; }],
  ['AWS.IAM.Role', 'posture.aws.iam.role_trust_public', (s) => { s.AssumeRolePolicyDocument = { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }; }],
  ['AWS.IAM.Policy', 'posture.aws.iam.policy_full_admin', (s) => { s.PolicyDocument = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }); }],
  ['AWS.IAM.Policy', 'posture.aws.iam.policy_attached_to_user', (s) => { s.Entities.PolicyUsers = [{ UserName: 'alice' }]; }],
  ['AWS.IAM.Group', 'posture.aws.iam.inline_policy', (s) => { s.InlinePolicies = { extra: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }) }; }],
  ['AWS.PasswordPolicy', 'posture.aws.iam.password_min_length', (s) => { s.MinimumPasswordLength = 8; }],
  ['AWS.PasswordPolicy', 'posture.aws.iam.password_max_age', (s) => { s.ExpirePasswords = false; s.MaxPasswordAge = null; }],
  ['AWS.PasswordPolicy', 'posture.aws.iam.password_reuse', (s) => { s.PasswordReusePrevention = 5; }],
];

for (const [type, rule, mutate] of VARIANTS) {
  test(`${type}: a variant fails ${rule}, the fixture does not`, () => {
    assert.ok(!failing(fixture(type)).includes(rule), 'the well-configured fixture passes');
    const bad = fixture(type);
    mutate(bad);
    const got = failing(bad);
    assert.ok(got.includes(rule), `${rule} should fail; failing: ${got.join(', ')}`);
  });
}
