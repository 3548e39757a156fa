import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SideOutput } from '../../core/components.ts';
import type { ApiActivity } from '../../core/events.ts';
import { parseRescanRequest, type RescanRequest } from '../../core/model/rescan-request.ts';
import { awsCloudTrailCollector } from '../../collectors/aws_cloudtrail/index.ts';
import { ConfigRescanConfig } from './config.ts';
import { ConfigRescanDetector, rescanRequestFor } from './detector.ts';
import { MUTATIONS } from './catalogue.ts';

const ACCOUNT = '111122223333';

/** A CloudTrail record (shapes from the AWS API references as CloudTrail logs them), normalized by aws_cloudtrail. */
function ct(eventSource: string, eventName: string, requestParameters: Record<string, unknown> | null, extra: Record<string, unknown> = {}): ApiActivity {
  const record = {
    eventVersion: '1.09',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:ops', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ops/ops`, accountId: ACCOUNT },
    eventTime: '2026-11-20T10:00:00Z',
    eventSource,
    eventName,
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'console.amazonaws.com',
    requestParameters,
    responseElements: null,
    requestID: 'req',
    eventID: `evt-${eventName}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    ...extra,
  };
  const [out] = [...awsCloudTrailCollector().collect({ name: 't.json', bytes: Buffer.from(JSON.stringify({ Records: [record] })) })];
  assert.equal(out?.kind, 'event');
  return (out as { event: ApiActivity }).event;
}

function emitted(events: readonly ApiActivity[], config: Record<string, unknown> = { enabled: true }): SideOutput[] {
  const out: SideOutput[] = [];
  const d = new ConfigRescanDetector(ConfigRescanConfig.parse(config), { emit: (o) => out.push(o) });
  for (const [i, e] of events.entries()) assert.deepEqual(d.process(e, { key: e.actor.user.uid, topic: 'activity', partition: 0, offset: String(i) }), [], 'no findings');
  return out;
}

test('AuthorizeSecurityGroupIngress: a request keyed by the group, with the added rule in AWS Config\'s shape', () => {
  const e = ct('ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress', {
    groupId: 'sg-0abc',
    ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, groups: {}, ipRanges: { items: [{ cidrIp: '0.0.0.0/0', description: 'temp' }] }, ipv6Ranges: { items: [{ cidrIpv6: '::/0' }] }, prefixListIds: {} }] },
  });
  const [o] = emitted([e]);
  assert.equal(o?.stream, 'rescan');
  assert.equal(o?.key, `${ACCOUNT}/eu-west-1/AWS::EC2::SecurityGroup/sg-0abc`);
  const r = o!.value as unknown as RescanRequest;
  assert.equal(parseRescanRequest(r).ok, true, 'the detector writes what the reader accepts');
  assert.deepEqual(r.derived, [
    { op: 'append', path: 'ipPermissions', value: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, userIdGroupPairs: [], ipRanges: ['0.0.0.0/0'], ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }], ipv6Ranges: [{ cidrIpv6: '::/0' }], prefixListIds: [] }] },
  ]);
  assert.equal(r.cause.operation, 'ec2.amazonaws.com:AuthorizeSecurityGroupIngress');
  assert.equal(r.time, Date.parse('2026-11-20T10:00:00Z'));
  // A replay of the same event asks with the same id.
  assert.equal((emitted([e])[0]!.value as unknown as RescanRequest).id, r.id);
});

test('a failed call, a read-only call and an operation outside the catalogue ask nothing', () => {
  const denied = ct('ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress', { groupId: 'sg-0abc' }, { errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized' });
  const read = ct('ec2.amazonaws.com', 'DescribeSecurityGroups', { groupSet: {} });
  const other = ct('s3.amazonaws.com', 'PutObject', { bucketName: 'b', key: 'k' });
  assert.deepEqual(emitted([denied, read, other]), []);
});

test('a mutation that does not name its resource (a KMS alias) asks nothing', () => {
  assert.equal(rescanRequestFor(ct('kms.amazonaws.com', 'EnableKeyRotation', { keyId: 'alias/app' })), null);
});

test('the changes events state completely are derived; others ask for a re-read only', () => {
  const pab = rescanRequestFor(
    ct('s3.amazonaws.com', 'PutBucketPublicAccessBlock', {
      bucketName: 'data',
      publicAccessBlock: '',
      PublicAccessBlockConfiguration: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/', RestrictPublicBuckets: false, BlockPublicPolicy: true, BlockPublicAcls: true, IgnorePublicAcls: true },
    }),
  )!;
  assert.deepEqual(pab.derived, [{ op: 'supplementary', key: 'PublicAccessBlockConfiguration', value: JSON.stringify({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: false }) }]);
  assert.equal(pab.resourceId, 'data');
  const enc = rescanRequestFor(ct('s3.amazonaws.com', 'PutBucketEncryption', { bucketName: 'data', ServerSideEncryptionConfiguration: { Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/k1' }, BucketKeyEnabled: true } } }))!;
  assert.deepEqual(JSON.parse((enc.derived[0] as { value: string }).value), { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/k1' }, bucketKeyEnabled: true }] });
  const rotation = rescanRequestFor(ct('kms.amazonaws.com', 'DisableKeyRotation', { keyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }))!;
  assert.equal(rotation.resourceId, '1234abcd-12ab-34cd-56ef-1234567890ab');
  assert.deepEqual(rotation.derived, [{ op: 'supplementary', key: 'KeyRotationStatus', value: 'false' }]);
  const stop = rescanRequestFor(ct('cloudtrail.amazonaws.com', 'StopLogging', { name: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail' }))!;
  assert.equal(stop.resourceName, 'org-trail');
  assert.deepEqual(stop.derived, [{ op: 'supplementary', key: 'TrailStatus', value: '{"isLogging":false}' }]);
  const acl = rescanRequestFor(ct('s3.amazonaws.com', 'PutBucketAcl', { bucketName: 'data', acl: '' }))!;
  assert.deepEqual(acl.derived, []);
  const role = rescanRequestFor(ct('iam.amazonaws.com', 'AttachRolePolicy', { roleName: 'deploy', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }))!;
  assert.deepEqual([role.resourceType, role.resourceId, role.resourceName, role.region], ['AWS::IAM::Role', null, 'deploy', null]);
  assert.equal(role.resourceKey, `${ACCOUNT}/global/AWS::IAM::Role/deploy`);
});

test('derive: false and disabledOperations are honoured', () => {
  const e = ct('kms.amazonaws.com', 'EnableKeyRotation', { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' });
  assert.deepEqual((emitted([e], { enabled: true, derive: false })[0]!.value as unknown as RescanRequest).derived, []);
  assert.deepEqual(emitted([e], { enabled: true, disabledOperations: ['kms.amazonaws.com:EnableKeyRotation'] }), []);
});

test('every catalogue type is an AWS Config type the reader accepts, and no operation is listed twice', () => {
  const seen = new Set<string>();
  for (const m of MUTATIONS) {
    assert.match(m.resourceType, /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/);
    for (const op of m.operations) {
      assert.ok(!seen.has(`${m.service}:${op}`), `${m.service}:${op} listed twice`);
      seen.add(`${m.service}:${op}`);
    }
  }
});

test('parseRescanRequest refuses what is not a request, naming the fields', () => {
  assert.deepEqual(parseRescanRequest([]), { ok: false, reason: 'not a JSON object' });
  const bad = parseRescanRequest({ type: 'config.rescan', id: 'x', resourceKey: 'k', resourceType: 'S3 bucket', resourceId: null, resourceName: null, time: 'now', derived: [{ op: 'drop' }], cause: {} });
  assert.equal(bad.ok, false);
  if (!bad.ok) for (const f of ['resourceType', 'resourceId or resourceName', 'time', 'derived.0: unknown op', 'cause']) assert.ok(bad.reason.includes(f), `${f} in ${bad.reason}`);
});
