import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ACTION_SIGNATURE_HEADER, signActionRecord } from '../../core/action-signing.ts';
import { AvroCodec } from '../../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../../core/avro/registry.ts';
import { ManualClock } from '../../core/clock.ts';
import { DeadLetterWriter } from '../../core/dead-letter.ts';
import { silentLogger } from '../../core/logger.ts';
import type { RescanRequest } from '../../core/model/rescan-request.ts';
import { createTelemetry } from '../../core/telemetry.ts';
import { isCaughtUp } from '../../core/transport.ts';
import { EmbeddedLog } from '../../transports/embedded/log.ts';
import { resolveConfig } from '../../cli/config.ts';
import { parseAwsConfigRescanConfig } from './config.ts';
import type { BaseItem, ConfigItemReader } from './reader.ts';
import { ConfigRescanService } from './service.ts';

const KEY = 'actions-key-0123456789abcdef-0123456789';
const CAPTURED = Date.parse('2016-06-09T08:59:59.139Z');

function recordedGroup(): BaseItem {
  const item = JSON.parse(readFileSync(new URL('../../../test/fixtures/aws_config/rdk/AWS_EC2_SecurityGroup.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  return { ...item, configuration: JSON.stringify(item.configuration) } as BaseItem;
}

function request(id: string): RescanRequest {
  return {
    id,
    type: 'config.rescan',
    resourceKey: '264683526309/us-east-1/AWS::EC2::SecurityGroup/sg-1d56fc66',
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: 'sg-1d56fc66',
    resourceName: null,
    account: '264683526309',
    region: 'us-east-1',
    time: CAPTURED + 60_000,
    derived: [{ op: 'append', path: 'ipPermissions', value: [{ ipProtocol: '-1', ipRanges: ['0.0.0.0/0'] }] }],
    cause: { source: 'aws_cloudtrail', operation: 'ec2.amazonaws.com:AuthorizeSecurityGroupIngress', eventUid: id, principal: null },
  };
}

test('with the actions key set, only a signed request may carry a stated change; a malformed one is dead-lettered', async () => {
  const clock = new ManualClock(CAPTURED + 120_000);
  const config = resolveConfig({ topics: { partitions: 1 }, remediation: { actionsKey: KEY } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const producer = await log.producer();
  const reader: ConfigItemReader = { idsByName: async () => [], batchGet: async () => [recordedGroup()] };
  const rescan = new ConfigRescanService({
    transport: log,
    codec,
    deadLetters: new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock),
    app: config,
    config: parseAwsConfigRescanConfig({ staleRetryMs: 60_000 }),
    logger: silentLogger(),
    telemetry: createTelemetry(),
    clock,
    readerFor: () => reader,
  });
  const topic = config.topics.rescan;
  const forged = Buffer.from(JSON.stringify(request('forged')));
  const signed = Buffer.from(JSON.stringify({ ...request('signed'), resourceKey: 'other/key' }));
  await producer.send(topic, [
    { key: 'k1', value: forged },
    { key: 'other/key', value: signed, headers: { [ACTION_SIGNATURE_HEADER]: signActionRecord(KEY, topic, 'other/key', signed) } },
    { key: 'k3', value: Buffer.from('{"type":"config.rescan"}') },
  ]);
  await rescan.start();
  while (!(await isCaughtUp(log, parseAwsConfigRescanConfig({}).groupId, topic))) await log.waitForChange(20);
  await rescan.stop();
  const counts = rescan.rescanner.counts;
  assert.equal(counts.unsigned_derived, 1, 'the forged change was not applied');
  assert.equal(counts.stale_retried, 1, 'the forged request became a re-read, waiting for AWS Config');
  assert.equal(counts.derived, 1, 'the signed request\'s change was applied');
  assert.equal(log.readAll(config.topics.config).length, 1);
  const dead = log.readAll(config.topics.deadLetter);
  assert.equal(dead.length, 1);
});
