// The re-scan reader against moto's AWS Config (test/support/moto.ts), through the real Config
// client: buckets and IAM roles are what moto's Config backend records (AWS::S3::Bucket,
// AWS::IAM::Role; not security groups: test/integration/config-rescan.test.ts mocks those).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { CreateBucketCommand, PutBucketPolicyCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { MetadataBearer } from '@smithy/types';
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, MOTO_REGION, motoServer, stopMoto, uniqueName } from '../../../test/support/moto.ts';
import { ManualClock } from '../../core/clock.ts';
import type { ApiActivity } from '../../core/events.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { rescanRequestFor } from '../../detectors/config_rescan/detector.ts';
import { PostureConfig } from '../../detectors/posture/config.ts';
import { PostureDetector, type PostureState } from '../../detectors/posture/detector.ts';
import { awsCloudTrailCollector } from '../aws_cloudtrail/index.ts';
import { parseAwsConfigRescanConfig } from './config.ts';
import { awsConfigItemReader } from './reader.ts';
import { Rescanner } from './rescanner.ts';

let endpoint: string;
let config: ConfigServiceClient;
let s3: S3Client;
let iam: IAMClient;

/**
 * moto 5.x writes Config's timestamps as Python text ("2026-12-06 09:10:21.107610+00:00") where
 * AWS sends epoch seconds, which the SDK refuses; this rewrites them in the raw response, before
 * the SDK's deserializer, for these tests only.
 */
function epochTimesForMoto(client: ConfigServiceClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { body?: unknown };
      const body = response.body as AsyncIterable<Uint8Array> | undefined;
      if (body && typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') {
        const chunks: Buffer[] = [];
        for await (const c of body) chunks.push(Buffer.from(c));
        const text = Buffer.concat(chunks).toString('utf8').replace(/"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(\+00:00)?"/g, (_m, d: string, t: string) => String(Date.parse(`${d}T${t}Z`) / 1000));
        response.body = Buffer.from(text);
      }
      return result as typeof result & MetadataBearer;
    },
    { step: 'deserialize', priority: 'low', name: 'epochTimesForMoto' },
  );
}

before(async () => {
  endpoint = (await motoServer()).endpoint;
  config = new ConfigServiceClient({ region: MOTO_REGION, endpoint, credentials: MOTO_CREDENTIALS });
  epochTimesForMoto(config);
  s3 = new S3Client({ region: MOTO_REGION, endpoint, credentials: MOTO_CREDENTIALS, forcePathStyle: true });
  iam = new IAMClient({ region: MOTO_REGION, endpoint, credentials: MOTO_CREDENTIALS });
});
after(async () => {
  config.destroy();
  s3.destroy();
  iam.destroy();
  await stopMoto();
});

/** A CloudTrail management event of the account moto answers as, normalized by aws_cloudtrail. */
function cloudTrail(eventSource: string, eventName: string, requestParameters: Record<string, unknown>, time: Date): ApiActivity {
  const record = {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/dev`, accountId: MOTO_ACCOUNT_ID, userName: 'dev' },
    eventTime: time.toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource,
    eventName,
    awsRegion: MOTO_REGION,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters,
    responseElements: null,
    requestID: uniqueName('req'),
    eventID: uniqueName('evt'),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: MOTO_ACCOUNT_ID,
  };
  const [out] = [...awsCloudTrailCollector().collect({ name: 'trail.json', bytes: Buffer.from(JSON.stringify({ Records: [record] })) })];
  assert.equal(out?.kind, 'event');
  return (out as { event: ApiActivity }).event;
}

function posture(events: readonly ConfigState[]): string[] {
  const detector = new PostureDetector(PostureConfig.parse({ enabled: true }), { state: new MemoryKeyedState<PostureState>(), emit: () => {} });
  return events.flatMap((e, i) => detector.process(e, { key: e.resource.uid, topic: 'config', partition: 0, offset: String(i) }).map((f) => f.rule!));
}

function rescanner(clock: ManualClock, settings: Record<string, unknown> = {}): Rescanner {
  return new Rescanner(parseAwsConfigRescanConfig({ region: MOTO_REGION, ...settings }), () => awsConfigItemReader(config), clock);
}

test('PutBucketPolicy with Principal "*": the recorded bucket item, with the event\'s policy applied, fails the public-policy rule', async () => {
  const bucket = uniqueName('bucket');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false } }));
  const policy = { Version: '2012-10-17', Statement: [{ Sid: 'public', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] };
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  // CloudTrail records the policy as an object under bucketPolicy (S3 API reference, PutBucketPolicy).
  const later = new Date(Date.now() + 60_000);
  const event = cloudTrail('s3.amazonaws.com', 'PutBucketPolicy', { bucketName: bucket, Host: `${bucket}.s3.amazonaws.com`, policy: '', bucketPolicy: policy }, later);
  const request = rescanRequestFor(event)!;
  assert.equal(request.resourceType, 'AWS::S3::Bucket');
  assert.equal(request.derived.length, 1);
  const clock = new ManualClock(later.getTime() + 1000);
  const r = rescanner(clock);
  const outs = await r.handle([request]);
  const events = outs.flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
  assert.equal(events.length, 1, JSON.stringify(outs.map((o) => (o.kind === 'dead_letter' ? o.reason : o.key))));
  assert.equal(r.counts.derived, 1, 'moto\'s item predates the event: the event\'s policy was applied');
  assert.equal(events[0]!.resource.uid, `arn:aws:s3:::${bucket}`);
  assert.equal(events[0]!.metadata.log_name, 'BatchGetResourceConfig');
  const failed = posture(events);
  assert.ok(failed.includes('posture.aws.s3.policy_public'), failed.join(', '));

  // The same request again within the window is a duplicate: no second read.
  assert.deepEqual(await r.handle([request]), []);
  assert.equal(r.counts.duplicates, 1);
});

test('a change the event does not state (PutBucketAcl) on an item that predates it is read again, then given up after maxWaitMs', async () => {
  const bucket = uniqueName('bucket');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const later = new Date(Date.now() + 60_000);
  const request = rescanRequestFor(cloudTrail('s3.amazonaws.com', 'PutBucketAcl', { bucketName: bucket, acl: '' }, later))!;
  assert.deepEqual(request.derived, []);
  const clock = new ManualClock(later.getTime() + 1000);
  const r = rescanner(clock, { staleRetryMs: 1000, maxWaitMs: 2500 });
  assert.deepEqual(await r.handle([request]), []);
  assert.equal(r.counts.stale_retried, 1);
  assert.equal(r.waiting, 1);
  clock.advance(1000);
  assert.deepEqual(await r.readDue(), []);
  clock.advance(1000);
  assert.deepEqual(await r.readDue(), []);
  assert.equal(r.counts.stale_gave_up, 1);
  assert.equal(r.waiting, 0);
});

test('UpdateAssumeRolePolicy names the role: its AWS Config id is looked up by name and the recorded trust policy is judged', async () => {
  const role = uniqueName('role');
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  // An event older than the recorded item: the item already shows the change and is published as recorded.
  const earlier = new Date(Date.now() - 3_600_000);
  const request = rescanRequestFor(cloudTrail('iam.amazonaws.com', 'UpdateAssumeRolePolicy', { roleName: role, policyDocument: JSON.stringify(trust) }, earlier))!;
  assert.equal(request.resourceId, null);
  assert.equal(request.resourceName, role);
  const r = rescanner(new ManualClock(Date.now()));
  const events = (await r.handle([request])).flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
  assert.equal(events.length, 1);
  assert.equal(r.counts.published, 1);
  assert.equal(events[0]!.resource.type, 'AWS::IAM::Role');
  assert.equal(events[0]!.resource.name, role);
  assert.ok(posture(events).includes('posture.aws.iam.role_trust_public'), posture(events).join(', '));
});

test('a resource AWS Config does not record is counted, nothing is published', async () => {
  const r = rescanner(new ManualClock(Date.now()));
  const request = rescanRequestFor(cloudTrail('iam.amazonaws.com', 'PutRolePolicy', { roleName: uniqueName('no-such-role'), policyName: 'p', policyDocument: '{}' }, new Date()))!;
  assert.deepEqual(await r.handle([request]), []);
  assert.equal(r.counts.not_recorded, 1);
});
