/**
 * Live items as AWS Config records them → normalizeConfigItem → resource view → the bundled
 * posture rules. The items are written from awslabs/aws-config-resource-schema (field names and
 * casing of `configuration` and `supplementaryConfiguration`, JSON-in-string fields as text, the
 * history API's all-text supplementary values), plus the recorded samples in
 * test/fixtures/aws_config/rdk (SOURCE.md). Each case names the rules that must fail and the
 * rules that must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulePacks } from '../../rules/loader.ts';
import { ResourceRuleSet } from '../../rules/resource-ruleset.ts';
import { configStateView } from '../../rules/resource-view.ts';
import { readJson } from '../../../test/fixtures/aws_config/load.ts';
import { normalizeConfigItem } from './normalize.ts';

const rules = new ResourceRuleSet(loadRulePacks(['@builtin/posture']).filter((r) => r.input === 'resource'));

type Item = Record<string, unknown>;

/** A configuration item in the API shape (GetResourceConfigHistory / snapshot files). */
function item(resourceType: string, resourceId: string, configuration: unknown, supplementaryConfiguration: unknown = {}, capture = '2026-11-20T10:00:00.000Z'): Item {
  return {
    version: '1.3',
    accountId: '111122223333',
    configurationItemCaptureTime: capture,
    configurationItemStatus: 'OK',
    configurationStateId: '1700000000000',
    arn: `arn:aws:test:us-east-1:111122223333:${resourceId}`,
    resourceType,
    resourceId,
    awsRegion: 'us-east-1',
    tags: {},
    relationships: [],
    configuration,
    supplementaryConfiguration,
  };
}

/** The ids of the posture rules the item fails. */
function failing(i: Item): string[] {
  const view = configStateView(normalizeConfigItem(i));
  const ev = rules.evaluate(view);
  assert.deepEqual(ev.errors.map((e) => `${e.rule.id}: ${e.error}`), [], 'no rule errors on a recorded item');
  return ev.failed.map((r) => r.id).sort();
}

function expectRules(i: Item, fail: string[], pass: string[]): void {
  const got = failing(i);
  for (const id of fail) assert.ok(got.includes(id), `${id} should fail; failing: ${got.join(', ')}`);
  for (const id of pass) assert.ok(!got.includes(id), `${id} should not fail; failing: ${got.join(', ')}`);
}

const kmsConfig = (keyManager: string) => ({ keyId: 'k1', arn: 'arn:aws:kms:us-east-1:111122223333:key/k1', enabled: true, keyUsage: 'ENCRYPT_DECRYPT', keyState: 'Enabled', origin: 'AWS_KMS', keyManager, customerMasterKeySpec: 'SYMMETRIC_DEFAULT', keySpec: 'SYMMETRIC_DEFAULT' });
const accountOnlyPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] });
const publicPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] });

test('KMS key: rotation from supplementaryConfiguration.KeyRotationStatus (boolean or history-API text), policy from Policy JSON text', () => {
  expectRules(item('AWS::KMS::Key', 'k1', kmsConfig('CUSTOMER'), { KeyRotationStatus: true, Policy: accountOnlyPolicy }), [], ['posture.aws.kms.rotation_disabled', 'posture.aws.kms.policy_public']);
  expectRules(item('AWS::KMS::Key', 'k1', kmsConfig('CUSTOMER'), { KeyRotationStatus: 'true', Policy: accountOnlyPolicy }), [], ['posture.aws.kms.rotation_disabled']);
  expectRules(item('AWS::KMS::Key', 'k1', JSON.stringify(kmsConfig('CUSTOMER')), { KeyRotationStatus: 'false', Policy: publicPolicy }), ['posture.aws.kms.rotation_disabled', 'posture.aws.kms.policy_public'], []);
  expectRules(item('AWS::KMS::Key', 'k1', kmsConfig('AWS'), { KeyRotationStatus: false, Policy: accountOnlyPolicy }), [], ['posture.aws.kms.rotation_disabled']);
});

test('configuration recorder: recorded in PascalCase; a stopped recorder fails, a running complete one passes', () => {
  const running = { Name: 'default', RoleARN: 'arn:aws:iam::111122223333:role/config', Recording: true, RecordingGroup: { AllSupported: true, IncludeGlobalResourceTypes: true, ResourceTypes: [], RecordingStrategy: { UseOnly: 'ALL_SUPPORTED_RESOURCE_TYPES' } }, RecordingMode: { RecordingFrequency: 'CONTINUOUS' } };
  expectRules(item('AWS::Config::ConfigurationRecorder', 'default', running), [], ['posture.aws.config.recorder_partial', 'posture.aws.config.recorder_stopped']);
  expectRules(item('AWS::Config::ConfigurationRecorder', 'default', { ...running, Recording: false }), ['posture.aws.config.recorder_stopped'], ['posture.aws.config.recorder_partial']);
  const subset = { ...running, RecordingGroup: { AllSupported: false, IncludeGlobalResourceTypes: false, ResourceTypes: ['AWS::EC2::Instance'], RecordingStrategy: { UseOnly: 'INCLUSION_BY_RESOURCE_TYPES' } } };
  expectRules(item('AWS::Config::ConfigurationRecorder', 'default', subset), ['posture.aws.config.recorder_partial'], ['posture.aws.config.recorder_stopped']);
});

test('S3 bucket: TLS-only judged on the item\'s own BucketPolicy.policyText', () => {
  const deny = JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });
  expectRules(item('AWS::S3::Bucket', 'b', { name: 'b' }, { BucketPolicy: { policyText: deny } }), [], ['posture.aws.s3.policy_allows_http', 'posture.aws.s3.policy_public']);
  // The history API returns every supplementary value as JSON text.
  expectRules(item('AWS::S3::Bucket', 'b', { name: 'b' }, { BucketPolicy: JSON.stringify({ policyText: null }) }), ['posture.aws.s3.policy_allows_http'], []);
  // The recorded sample (rdk) has a deny on aws:SecureTransport false.
  expectRules(readJson('rdk/AWS_S3_Bucket.json') as Item, [], ['posture.aws.s3.policy_allows_http']);
});

test('CloudTrail trail: AWS Config records no logging status, so logging_off does not judge the item', () => {
  const cfg = { name: 't', s3BucketName: 'logs', includeGlobalServiceEvents: true, isMultiRegionTrail: true, homeRegion: 'us-east-1', trailARN: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/t', logFileValidationEnabled: true, kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k1', cloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:111122223333:log-group:ct:*' };
  expectRules(item('AWS::CloudTrail::Trail', 't', cfg, { Tags: [] }), [], ['posture.aws.cloudtrail.logging_off', 'posture.aws.cloudtrail.not_multi_region']);
  expectRules(item('AWS::CloudTrail::Trail', 't', { ...cfg, isMultiRegionTrail: false }), ['posture.aws.cloudtrail.not_multi_region'], []);
});

test('network ACL: entries judged in rule-number order per direction', () => {
  const entry = (ruleNumber: number, ruleAction: string, egress: boolean, protocol: string, from?: number, to?: number) => ({ ruleNumber, protocol, ruleAction, egress, cidrBlock: '0.0.0.0/0', ...(from === undefined ? {} : { portRange: { from, to } }) });
  const defaults = [entry(100, 'allow', false, '-1'), entry(32767, 'deny', false, '-1'), entry(100, 'allow', true, '-1'), entry(32767, 'deny', true, '-1')];
  expectRules(item('AWS::EC2::NetworkAcl', 'acl-1', { networkAclId: 'acl-1', isDefault: true, entries: defaults }), ['posture.aws.ec2.nacl_admin_ports_open'], []);
  const hardened = [entry(90, 'deny', false, '6', 22, 22), entry(91, 'deny', false, '6', 3389, 3389), ...defaults];
  expectRules(item('AWS::EC2::NetworkAcl', 'acl-1', { networkAclId: 'acl-1', entries: hardened }), [], ['posture.aws.ec2.nacl_admin_ports_open']);
  const denyAfter = [entry(200, 'deny', false, '6', 22, 22), entry(201, 'deny', false, '6', 3389, 3389), ...defaults];
  expectRules(item('AWS::EC2::NetworkAcl', 'acl-1', { networkAclId: 'acl-1', entries: denyAfter }), ['posture.aws.ec2.nacl_admin_ports_open'], []);
});

test('ACM certificate: expiry counted from the capture time, only for certificates in use; RSA-1024 and CT logging', () => {
  const cert = (notAfter: string, inUseBy: string[], keyAlgorithm = 'RSA_2048') => ({ certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/c1', domainName: 'www.example.com', status: 'ISSUED', type: 'IMPORTED', keyAlgorithm, notAfter, inUseBy, renewalEligibility: 'INELIGIBLE', options: { certificateTransparencyLoggingPreference: 'ENABLED' } });
  const lb = ['arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/1'];
  expectRules(item('AWS::ACM::Certificate', 'c1', cert('2026-12-01T00:00:00.000Z', lb)), ['posture.aws.acm.certificate_expiring'], ['posture.aws.acm.rsa_key_too_short']);
  expectRules(item('AWS::ACM::Certificate', 'c1', cert('2026-12-01T00:00:00.000Z', [])), [], ['posture.aws.acm.certificate_expiring']);
  expectRules(item('AWS::ACM::Certificate', 'c1', cert('2027-06-01T00:00:00.000Z', lb, 'RSA_1024')), ['posture.aws.acm.rsa_key_too_short'], ['posture.aws.acm.certificate_expiring']);
  // The recorded sample: a FAILED certificate, not in use, RSA-2048, CT logging on.
  expectRules(readJson('rdk/AWS_ACM_Certificate.json') as Item, [], ['posture.aws.acm.certificate_expiring', 'posture.aws.acm.rsa_key_too_short', 'posture.aws.acm.transparency_logging_disabled']);
});

test('CloudFormation stack: termination protection from supplementaryConfiguration (text "false"), drift', () => {
  const cfg = { stackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/s/1', stackName: 's', stackStatus: 'CREATE_COMPLETE', disableRollback: 'false', notificationARNs: [], enableTerminationProtection: 'false', driftInformation: { stackDriftStatus: 'DRIFTED' } };
  expectRules(item('AWS::CloudFormation::Stack', 's', cfg, { EnableTerminationProtection: 'false', StackDriftDetectionInformation: { DetectionStatus: 'DETECTION_COMPLETE' } }), ['posture.aws.cloudformation.termination_protection_disabled', 'posture.aws.cloudformation.stack_drifted'], []);
  expectRules(item('AWS::CloudFormation::Stack', 's', { ...cfg, enableTerminationProtection: 'true', driftInformation: { stackDriftStatus: 'IN_SYNC' } }, { EnableTerminationProtection: 'true' }), [], ['posture.aws.cloudformation.termination_protection_disabled', 'posture.aws.cloudformation.stack_drifted']);
});

test('Lambda function: resource policy from supplementaryConfiguration.Policy; the recorded sample has none', () => {
  const cfg = { functionName: 'f', functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f', runtime: 'python3.12', role: 'arn:aws:iam::111122223333:role/f', handler: 'app.handler' };
  const open = JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: [{ Sid: 'public', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: cfg.functionArn }] });
  expectRules(item('AWS::Lambda::Function', 'f', cfg, { Policy: open }), ['posture.aws.lambda.policy_public'], []);
  const scoped = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: cfg.functionArn, Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:us-east-1:111122223333:api/*' } } }] });
  expectRules(item('AWS::Lambda::Function', 'f', cfg, { Policy: scoped }), [], ['posture.aws.lambda.policy_public']);
  const sample = readJson('rdk/AWS_LAMBDA_FUNCTION.json') as Item[];
  expectRules(sample[0]!, ['posture.aws.lambda.deprecated_runtime'], ['posture.aws.lambda.policy_public']);
});

test('Redshift: encryption, audit logging from LoggingStatus, require_ssl from the parameter group\'s Parameters', () => {
  const cluster = { clusterIdentifier: 'c', publiclyAccessible: false, encrypted: false, vpcId: 'vpc-1' };
  expectRules(item('AWS::Redshift::Cluster', 'c', cluster, { LoggingStatus: { loggingEnabled: false } }), ['posture.aws.redshift.not_encrypted', 'posture.aws.redshift.audit_logging_disabled'], ['posture.aws.redshift.publicly_accessible']);
  expectRules(item('AWS::Redshift::Cluster', 'c', { ...cluster, encrypted: true, kmsKeyId: 'k' }, { LoggingStatus: { loggingEnabled: true, bucketName: 'logs' } }), [], ['posture.aws.redshift.not_encrypted', 'posture.aws.redshift.audit_logging_disabled']);
  const params = (v: string) => ({ Parameters: [{ parameterName: 'enable_user_activity_logging', parameterValue: 'true', source: 'user' }, { parameterName: 'require_ssl', parameterValue: v, source: v === 'false' ? 'engine-default' : 'user' }] });
  expectRules(item('AWS::Redshift::ClusterParameterGroup', 'pg', { parameterGroupName: 'pg', parameterGroupFamily: 'redshift-1.0' }, params('false')), ['posture.aws.redshift.ssl_not_required'], []);
  expectRules(item('AWS::Redshift::ClusterParameterGroup', 'pg', { parameterGroupName: 'pg', parameterGroupFamily: 'redshift-1.0' }, params('true')), [], ['posture.aws.redshift.ssl_not_required']);
});

test('WAFv2 web ACL: an ACL without rules fails; logging is not judged when the item does not carry it', () => {
  const acl = { name: 'web', id: 'a1', defaultAction: { allow: {} }, capacity: 0, rules: [], visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'web' } };
  expectRules(item('AWS::WAFv2::WebACL', 'a1', acl), ['posture.aws.waf.web_acl_empty'], ['posture.aws.waf.logging_disabled']);
  expectRules(item('AWS::WAFv2::WebACL', 'a1', { ...acl, rules: [{ name: 'common', priority: 0 }] }), [], ['posture.aws.waf.web_acl_empty']);
});

test('types AWS Config records in the CloudFormation spelling: EFS, launch templates, ALB listeners; DynamoDB PITR as text', () => {
  expectRules(item('AWS::EFS::FileSystem', 'fs-1', { FileSystemId: 'fs-1', Encrypted: true, KmsKeyId: 'k', PerformanceMode: 'generalPurpose' }), [], ['posture.aws.efs.unencrypted']);
  expectRules(item('AWS::EFS::FileSystem', 'fs-1', { FileSystemId: 'fs-1', Encrypted: false }), ['posture.aws.efs.unencrypted'], []);
  expectRules(item('AWS::EC2::LaunchTemplate', 'lt-1', { LaunchTemplateName: 'web', LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' } } }), [], ['posture.aws.ec2.imdsv1_allowed']);
  expectRules(item('AWS::EC2::LaunchTemplate', 'lt-1', { LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: 'ami-1' } }), ['posture.aws.ec2.imdsv1_allowed'], []);
  const redirect = { LoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/1', Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }] };
  expectRules(item('AWS::ElasticLoadBalancingV2::Listener', 'l-1', redirect), [], ['posture.aws.elbv2.http_listener_without_redirect']);
  expectRules(item('AWS::ElasticLoadBalancingV2::Listener', 'l-1', { ...redirect, DefaultActions: [{ Type: 'forward', TargetGroupArn: 'tg' }] }), ['posture.aws.elbv2.http_listener_without_redirect'], []);
  const table = { tableName: 't', tableStatus: 'ACTIVE' };
  expectRules(item('AWS::DynamoDB::Table', 't', table, { ContinuousBackupsDescription: { continuousBackupsStatus: 'ENABLED', pointInTimeRecoveryDescription: { pointInTimeRecoveryStatus: 'ENABLED' } } }), [], ['posture.aws.dynamodb.pitr_disabled']);
  expectRules(item('AWS::DynamoDB::Table', 't', table, { ContinuousBackupsDescription: JSON.stringify({ continuousBackupsStatus: 'ENABLED', pointInTimeRecoveryDescription: { pointInTimeRecoveryStatus: 'DISABLED' } }) }), ['posture.aws.dynamodb.pitr_disabled'], []);
});

test('SNS topic: the Policy attribute AWS Config records as JSON text', () => {
  const policy = (cond: boolean) => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'SNS:Publish', Resource: 'arn:aws:sns:us-east-1:111122223333:t', ...(cond ? { Condition: { StringEquals: { 'AWS:SourceOwner': '111122223333' } } } : {}) }] });
  expectRules(item('AWS::SNS::Topic', 't', { TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', KmsMasterKeyId: 'alias/aws/sns', Policy: policy(false) }), ['posture.aws.sns.policy_public'], ['posture.aws.sns.unencrypted']);
  expectRules(item('AWS::SNS::Topic', 't', { TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', KmsMasterKeyId: 'alias/aws/sns', Policy: policy(true) }), [], ['posture.aws.sns.policy_public']);
});
