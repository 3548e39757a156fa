// Detectors that request executor actions, end to end on moto (a local AWS API, test/support/moto.ts):
// a live AWS Config item of a real moto security group / bucket -> normalizeConfigItem -> the posture
// detector with `actions` opted in -> its action records, signed as the processor signs them ->
// RemediatorService with the ec2/s3 executors allowed. Each rule has a positive and a negative case.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { resolveConfig } from '../cli/config.ts';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { ManualClock } from '../core/clock.ts';
import type { SideOutput } from '../core/components.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { silentLogger } from '../core/logger.ts';
import type { ConfigState } from '../core/model/config-state.ts';
import { MemoryKeyedState } from '../core/state.ts';
import { isCaughtUp } from '../core/transport.ts';
import { normalizeConfigItem } from '../collectors/aws_config/normalize.ts';
import { parseConfigFile } from '../collectors/config_files/index.ts';
import { PostureConfig } from '../detectors/posture/config.ts';
import { PostureDetector, type PostureState } from '../detectors/posture/detector.ts';
import { outputSignatureHeaders } from '../processor/output-signing.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { MOTO_ACCOUNT_ID, MOTO_CREDENTIALS, MOTO_REGION, motoServer, stopMoto, uniqueName } from '../../test/support/moto.ts';
import { AwsClients } from './executors/clients.ts';
import type { ActionResult } from './results.ts';
import { ExecutorRunner } from './runner.ts';
import { RemediatorService } from './service.ts';

const KEY = 'actions-key-for-the-posture-action-tests-0123';
let aws: AwsClients;
let endpoint: string;
before(async () => {
  endpoint = (await motoServer()).endpoint;
  aws = new AwsClients({ region: MOTO_REGION, endpoint, forcePathStyle: true, credentials: MOTO_CREDENTIALS });
});
after(async () => {
  aws.destroy();
  await stopMoto();
});

/** A live AWS Config item (API shape), normalized by the aws_config collector. */
function configItem(resourceType: string, resourceId: string, arn: string, configuration: unknown, supplementaryConfiguration: unknown = {}): ConfigState {
  return normalizeConfigItem({
    version: '1.3',
    accountId: MOTO_ACCOUNT_ID,
    configurationItemCaptureTime: '2026-12-06T09:00:00.000Z',
    configurationItemStatus: 'OK',
    configurationStateId: String(Date.now()),
    arn,
    resourceType,
    resourceId,
    awsRegion: MOTO_REGION,
    tags: {},
    relationships: [],
    configuration,
    supplementaryConfiguration,
  });
}

/** The posture detector (the full built-in pack) over one event: its findings' rules and its executor actions. */
function posture(e: ConfigState, actions: Record<string, boolean> = {}): { rules: string[]; actions: SideOutput[] } {
  const emitted: SideOutput[] = [];
  const d = new PostureDetector(PostureConfig.parse({ enabled: true, actions }), { state: new MemoryKeyedState<PostureState>(), emit: (o) => emitted.push(o) });
  const findings = d.process(e, { key: e.resource.uid, topic: 'sluice.config.v1', partition: 0, offset: '0' });
  return { rules: findings.map((f) => f.rule), actions: emitted.filter((o) => (o.value as { action?: unknown }).action !== undefined) };
}

async function remediate(allow: string[], actions: readonly SideOutput[]): Promise<ActionResult[]> {
  const config = resolveConfig({ topics: { partitions: 1 }, remediation: { dryRun: false, actionsKey: KEY, executors: { accounts: { [MOTO_ACCOUNT_ID]: { allow, region: MOTO_REGION, endpoint, forcePathStyle: true } } } } });
  const clock = new ManualClock(1_765_000_000_000);
  const log = new EmbeddedLog({ partitions: 1, clock });
  const producer = await log.producer();
  const topic = config.topics.actions;
  await producer.send(topic, actions.map((a) => {
    const value = Buffer.from(JSON.stringify(a.value));
    return { key: a.key, value, headers: outputSignatureHeaders('actions', KEY, topic, a.key, value) };
  }));
  const runner = new ExecutorRunner({ config: config.remediation, clock, credentials: MOTO_CREDENTIALS });
  const service = new RemediatorService({ transport: log, deadLetters: new DeadLetterWriter(producer, new AvroCodec(new LocalSchemaRegistry()), config.topics.deadLetter, clock), config, logger: silentLogger(), clock }, undefined, { runner });
  await service.start();
  while (!(await isCaughtUp(log, config.remediation.groupId, topic))) await log.waitForChange(20);
  await service.stop();
  return log.readAll(config.topics.actionResults).map((m) => JSON.parse(m.value.toString('utf8')) as ActionResult);
}

test('a security group newly open to the world on SSH: revoke_ingress for that permission only (opted in); HTTPS to the world and private sources are kept', async () => {
  const ec2 = aws.ec2();
  const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: uniqueName('sg'), Description: 'posture e2e' }));
  const perms = [
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }] },
    { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ];
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: perms }));
  const arn = `arn:aws:ec2:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:security-group/${GroupId}`;
  const live = configItem('AWS::EC2::SecurityGroup', GroupId!, arn, {
    groupId: GroupId,
    groupName: 'web',
    vpcId: 'vpc-1',
    ipPermissions: perms.map((p) => ({ ipProtocol: p.IpProtocol, fromPort: p.FromPort, toPort: p.ToPort, ipv4Ranges: p.IpRanges.map((r) => ({ cidrIp: r.CidrIp })) })),
    ipPermissionsEgress: [],
  });

  const off = posture(live);
  assert.ok(off.rules.includes('posture.aws.ec2.sg_ssh_open_to_world'), off.rules.join(', '));
  assert.deepEqual(off.actions, [], 'default: no executor action');

  const on = posture(live, { revokeIngress: true });
  assert.deepEqual(on.actions.map((a) => a.value.target), [{ group_id: GroupId, protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0', arn }]);
  assert.deepEqual(posture(live, { revokeIngress: true }).actions.map((a) => a.value.id), on.actions.map((a) => a.value.id), 'deterministic id');

  const results = await remediate(['ec2.revoke_ingress'], on.actions);
  assert.deepEqual(results.map((r) => [r.executor, r.outcome, r.detector, r.account]), [['ec2.revoke_ingress', 'done', 'posture', MOTO_ACCOUNT_ID]], results.map((r) => r.reason).join(' | '));
  const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups![0]!;
  const left = (g.IpPermissions ?? []).map((p) => `${p.IpProtocol}/${p.FromPort}: ${(p.IpRanges ?? []).map((r) => r.CidrIp).join(',')}`).sort();
  assert.deepEqual(left, ['tcp/22: 10.0.0.0/8', 'tcp/443: 0.0.0.0/0']);

  // Negative: the same group as a CloudFormation template is not a deployed resource: a finding, no action.
  const template = parseConfigFile('sg.yaml', Buffer.from('Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:\n        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0 }\n'), { time: 0 }).flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
  const iac = posture(template[0]!, { revokeIngress: true });
  assert.ok(iac.rules.includes('posture.aws.ec2.sg_ssh_open_to_world'));
  assert.deepEqual(iac.actions, []);
  // Negative: SSH from a private range only: no finding, no action.
  const privateOnly = posture(configItem('AWS::EC2::SecurityGroup', GroupId!, arn, { groupId: GroupId, groupName: 'web', ipPermissions: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipv4Ranges: [{ cidrIp: '10.0.0.0/8' }] }] }), { revokeIngress: true });
  assert.deepEqual([privateOnly.rules.filter((r) => r.startsWith('posture.aws.ec2.sg_')), privateOnly.actions], [[], []]);
});

test('a bucket newly without Block Public Access: block_public_access (opted in) turns all four settings on; a bucket with them on gets none', async () => {
  const bucket = uniqueName('pub');
  await aws.s3().send(new CreateBucketCommand({ Bucket: bucket }));
  const arn = `arn:aws:s3:::${bucket}`;
  const open = configItem('AWS::S3::Bucket', bucket, arn, { name: bucket, owner: { id: 'o' }, creationDate: '2026-12-01T00:00:00.000Z' }, { PublicAccessBlockConfiguration: { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false } });
  const off = posture(open);
  assert.ok(off.rules.includes('posture.aws.s3.public_access_block_disabled'), off.rules.join(', '));
  assert.deepEqual(off.actions, []);
  const on = posture(open, { blockPublicAccess: true });
  assert.deepEqual(on.actions.map((a) => [a.value.action, a.value.target]), [['block_public_access', { bucket }]]);
  const results = await remediate(['s3.block_public_access'], on.actions);
  assert.deepEqual(results.map((r) => r.outcome), ['done'], results.map((r) => r.reason).join(' | '));
  const pab = (await aws.s3().send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration;
  assert.deepEqual(pab, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  const closed = posture(configItem('AWS::S3::Bucket', bucket, arn, { name: bucket }, { PublicAccessBlockConfiguration: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true } }), { blockPublicAccess: true });
  assert.deepEqual(closed.actions, []);
});
