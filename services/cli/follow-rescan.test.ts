import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { createTelemetry } from '../core/telemetry.ts';
import { isCaughtUp } from '../core/transport.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import type { BaseItem } from '../collectors/aws_config_rescan/reader.ts';
import { resolveConfig } from './config.ts';
import { renderRescanCounts, runRescanFollowRole } from './follow-rescan.ts';

test('the re-scan role answers a request from topics.rescan on the config topic and stops on its signal', async () => {
  const item = JSON.parse(readFileSync(new URL('../../test/fixtures/aws_config/rdk/AWS_EC2_SecurityGroup.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const recorded = { ...item, configuration: JSON.stringify(item.configuration) } as BaseItem;
  const clock = new ManualClock(Date.parse('2016-06-10T00:00:00Z'));
  const config = resolveConfig({ topics: { partitions: 1 }, http: { port: 0 } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const producer = await log.producer();
  const request = {
    id: 'r1',
    type: 'config.rescan',
    resourceKey: '264683526309/us-east-1/AWS::EC2::SecurityGroup/sg-1d56fc66',
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: 'sg-1d56fc66',
    resourceName: null,
    account: '264683526309',
    region: 'us-east-1',
    time: Date.parse('2016-06-09T08:00:00Z'),
    derived: [],
    cause: { source: 'aws_cloudtrail', operation: 'ec2.amazonaws.com:RevokeSecurityGroupIngress', eventUid: 'e1', principal: null },
  };
  await producer.send(config.topics.rescan, [{ key: request.resourceKey, value: Buffer.from(JSON.stringify(request)) }]);
  const stop = new AbortController();
  const role = runRescanFollowRole({ config, logger: silentLogger(), clock, telemetry: createTelemetry() }, { transport: log, stop: stop.signal, readerFor: () => ({ idsByName: async () => [], batchGet: async () => [recorded] }) });
  while (log.readAll(config.topics.config).length === 0 || !(await isCaughtUp(log, 'sluice-config-rescan', config.topics.rescan))) await log.waitForChange(20);
  stop.abort();
  const counts = await role;
  assert.equal(counts.published, 1);
  assert.match(renderRescanCounts(counts), /^re-scan requests 1 \(duplicates 0, other account 0\), items published 1 as recorded/);
});
