/**
 * A CloudTrail mutation re-evaluates its resource, through the pipeline on the embedded log:
 * CloudTrail record -> aws_cloudtrail -> activity topic -> processor (config_rescan) -> rescan
 * topic -> aws_config_rescan role (AWS Config read) -> config topic -> processor (posture) -> a
 * Compliance finding on the resource.
 *
 * AWS Config is mocked with aws-sdk-client-mock here: moto's Config backend (5.x) answers
 * BatchGetResourceConfig only for S3 buckets, account public access blocks, IAM roles and
 * policies and SNS topics, not for security groups (see aws_config_rescan/moto.int.test.ts for
 * the bucket against moto's server).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchGetResourceConfigCommand, ConfigServiceClient, ListDiscoveredResourcesCommand } from '@aws-sdk/client-config-service';
import { ManualClock } from '../../services/core/clock.ts';
import { resolveConfig } from '../../services/cli/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { createTelemetry } from '../../services/core/telemetry.ts';
import { AvroCodec } from '../../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../services/core/avro/registry.ts';
import { DeadLetterWriter } from '../../services/core/dead-letter.ts';
import { SCHEMA_NAMES } from '../../services/core/events.ts';
import { isCaughtUp } from '../../services/core/transport.ts';
import { EmbeddedLog } from '../../services/transports/embedded/log.ts';
import { awsCloudTrailCollector } from '../../services/collectors/aws_cloudtrail/index.ts';
import { parseAwsConfigRescanConfig } from '../../services/collectors/aws_config_rescan/index.ts';
import { awsConfigItemReader } from '../../services/collectors/aws_config_rescan/reader.ts';
import { ConfigRescanService } from '../../services/collectors/aws_config_rescan/service.ts';
import { assembleProcessor } from '../../services/processor/assemble.ts';
import { MemorySink } from '../fixtures/memory-sink.ts';

const ACCOUNT = '111122223333';
const GROUP = 'sg-0a1b2c3d4e5f60718';
const EVENT_TIME = '2026-11-20T10:00:00Z';

/** AuthorizeSecurityGroupIngress as CloudTrail records it (ec2 API reference; requestParameters in CloudTrail's XML-list form). */
const authorizeSsh = {
  eventVersion: '1.09',
  userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLEMALLORY', arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, accountId: ACCOUNT, accessKeyId: 'AKIAEXAMPLEMALLORY', userName: 'mallory' },
  eventTime: EVENT_TIME,
  eventSource: 'ec2.amazonaws.com',
  eventName: 'AuthorizeSecurityGroupIngress',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '203.0.113.5',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: {
    groupId: GROUP,
    ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, groups: {}, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] }, ipv6Ranges: {}, prefixListIds: {} }] },
  },
  responseElements: { requestId: 'req-1', _return: true, securityGroupRuleSet: { items: [{ groupOwnerId: ACCOUNT, groupId: GROUP, securityGroupRuleId: 'sgr-1', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }] } },
  requestID: 'req-1',
  eventID: '3c1f2a4e-0d6b-4c52-9a55-6f1e8b7c9d01',
  readOnly: false,
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: ACCOUNT,
};

/** The group as AWS Config last recorded it, an hour before the event: SSH from the office range only. */
function recordedGroup(captured: Date): Record<string, unknown> {
  return {
    version: '1.3',
    accountId: ACCOUNT,
    configurationItemCaptureTime: captured,
    configurationItemStatus: 'OK',
    configurationStateId: '1763628000000',
    arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/${GROUP}`,
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: GROUP,
    resourceName: 'bastion',
    awsRegion: 'eu-west-1',
    availabilityZone: 'Not Applicable',
    configuration: JSON.stringify({
      groupName: 'bastion',
      groupId: GROUP,
      ownerId: ACCOUNT,
      description: 'bastion hosts',
      vpcId: 'vpc-0123abcd',
      ipPermissions: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, userIdGroupPairs: [], ipRanges: ['198.51.100.0/24'], ipv4Ranges: [{ cidrIp: '198.51.100.0/24' }], ipv6Ranges: [], prefixListIds: [] }],
      ipPermissionsEgress: [{ ipProtocol: '-1', userIdGroupPairs: [], ipRanges: ['0.0.0.0/0'], ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }], ipv6Ranges: [], prefixListIds: [] }],
    }),
    supplementaryConfiguration: {},
  };
}

async function runPipeline(recorded: Record<string, unknown>): Promise<{ findings: MemorySink['findings']; rescan: ConfigRescanService; requests: number; batchGets: number }> {
  const clock = new ManualClock(Date.parse(EVENT_TIME) + 5_000);
  const config = resolveConfig({
    processor: { workers: 1 },
    topics: { partitions: 1 },
    detectors: { config_rescan: { enabled: true }, posture: { enabled: true }, config_drift: { enabled: false }, signatures: { enabled: false } },
  });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const sink = new MemorySink();
  const { service, pool } = assembleProcessor({ config, transport: log, codec, producer, sinks: [sink], logger: silentLogger(), telemetry: createTelemetry(), clock });
  // aws-sdk-client-mock is typed against the @smithy/types of newer clients than
  // client-config-service 3.1124 (its newest release): the casts only bridge those declarations.
  const configMock = mockClient(ConfigServiceClient as never);
  configMock.on(BatchGetResourceConfigCommand as never, { resourceKeys: [{ resourceType: 'AWS::EC2::SecurityGroup', resourceId: GROUP }] } as never).resolves({ baseConfigurationItems: [recorded], unprocessedResourceKeys: [] } as never);
  configMock.on(ListDiscoveredResourcesCommand as never).rejects(new Error('not expected: the group is named by id'));
  const rescan = new ConfigRescanService({
    transport: log,
    codec,
    deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock),
    app: config,
    config: parseAwsConfigRescanConfig({ region: 'eu-west-1' }),
    logger: silentLogger(),
    telemetry: createTelemetry(),
    clock,
    readerFor: () => awsConfigItemReader(new ConfigServiceClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })),
  });
  try {
    const activity = config.topics.activity;
    for (const o of awsCloudTrailCollector().collect({ name: 'trail.json', bytes: Buffer.from(JSON.stringify({ Records: [authorizeSsh] })) })) {
      assert.equal(o.kind, 'event', 'the record normalizes');
      if (o.kind === 'event') await producer.send(activity, [{ key: o.key, value: await codec.encode(activity, SCHEMA_NAMES.apiActivity, o.event) }]);
    }
    await service.start();
    await rescan.start();
    const settled = async (): Promise<boolean> =>
      (await isCaughtUp(log, config.processor.groupId, activity)) &&
      (await isCaughtUp(log, parseAwsConfigRescanConfig({}).groupId, config.topics.rescan)) &&
      (await isCaughtUp(log, config.processor.groupId, config.topics.config)) &&
      log.readAll(config.topics.config).length > 0;
    const deadline = Date.now() + 30_000;
    while (!(await settled()) && Date.now() < deadline) await log.waitForChange(20);
    await rescan.stop();
    await service.stop();
    return { findings: sink.findings, rescan, requests: log.readAll(config.topics.rescan).length, batchGets: configMock.commandCalls(BatchGetResourceConfigCommand as never).length };
  } finally {
    configMock.restore();
    await pool.close();
  }
}

test('AuthorizeSecurityGroupIngress opening 22 to 0.0.0.0/0 leads to a posture finding on that security group', async () => {
  const { findings, rescan, requests, batchGets } = await runPipeline(recordedGroup(new Date(Date.parse(EVENT_TIME) - 3_600_000)));
  assert.equal(requests, 1, 'one re-scan request on sluice.rescan.v1');
  assert.equal(batchGets, 1, 'one BatchGetResourceConfig');
  assert.equal(rescan.rescanner.counts.derived, 1, 'AWS Config had not recorded the change: the event\'s rule was applied to the recorded item');
  const ssh = findings.find((f) => f.rule === 'posture.aws.ec2.sg_ssh_open_to_world');
  assert.ok(ssh, `a posture finding for SSH open to the world; got ${findings.map((f) => f.rule).join(', ') || 'none'}`);
  assert.equal(ssh.class_uid, 2003);
  assert.equal(ssh.entity.key, `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/${GROUP}`);
  assert.equal(ssh.time, Date.parse(EVENT_TIME), 'the finding is timed at the change');
});

test('the same event on a group AWS Config already recorded as restricted again gives no SSH finding', async () => {
  // The item was captured after the event (someone revoked the rule in between): it is published as recorded.
  const { findings, rescan } = await runPipeline(recordedGroup(new Date(Date.parse(EVENT_TIME) + 60_000)));
  assert.equal(rescan.rescanner.counts.published, 1);
  assert.equal(rescan.rescanner.counts.derived, 0);
  assert.equal(findings.find((f) => f.rule === 'posture.aws.ec2.sg_ssh_open_to_world'), undefined);
});
