import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../core/clock.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import type { RescanPatch, RescanRequest } from '../../core/model/rescan-request.ts';
import { parseAwsConfigRescanConfig } from './config.ts';
import { applyPatches } from './patch.ts';
import type { BaseItem, ConfigItemReader, ResourceKey } from './reader.ts';
import { Rescanner } from './rescanner.ts';
import { awsConfigRescanCollector } from './index.ts';

/** The RDK's recorded security group item (test/fixtures/aws_config/rdk, Apache-2.0), in BatchGetResourceConfig's shape. */
function recordedGroup(): BaseItem {
  const item = JSON.parse(readFileSync(new URL('../../../test/fixtures/aws_config/rdk/AWS_EC2_SecurityGroup.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  return { ...item, configuration: JSON.stringify(item.configuration) } as BaseItem;
}

const CAPTURED = Date.parse('2016-06-09T08:59:59.139Z');

function request(over: Partial<RescanRequest> = {}): RescanRequest {
  return {
    id: 'r1',
    type: 'config.rescan',
    resourceKey: '264683526309/us-east-1/AWS::EC2::SecurityGroup/sg-1d56fc66',
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId: 'sg-1d56fc66',
    resourceName: null,
    account: '264683526309',
    region: 'us-east-1',
    time: CAPTURED + 60_000,
    derived: [],
    cause: { source: 'aws_cloudtrail', operation: 'ec2.amazonaws.com:RevokeSecurityGroupIngress', eventUid: 'e1', principal: null },
    ...over,
  };
}

class FakeReader implements ConfigItemReader {
  calls: ResourceKey[][] = [];
  fail = 0;
  constructor(public items: BaseItem[]) {}
  async idsByName(): Promise<string[]> {
    return [];
  }
  async batchGet(keys: readonly ResourceKey[]): Promise<BaseItem[]> {
    this.calls.push([...keys]);
    if (this.fail-- > 0) throw new Error('ThrottlingException');
    return this.items.filter((i) => keys.some((k) => k.resourceId === i.resourceId));
  }
}

test('applyPatches: supplementary keys set and removed, configuration arrays appended once, input untouched', () => {
  const item = recordedGroup();
  const before = JSON.stringify(item);
  const added = { ipProtocol: 'tcp', fromPort: 3389, toPort: 3389, ipRanges: ['0.0.0.0/0'] };
  const patches: RescanPatch[] = [
    { op: 'append', path: 'ipPermissions', value: [added] },
    { op: 'append', path: 'ipPermissions', value: [added] },
    { op: 'supplementary', key: 'Note', value: '"x"' },
    { op: 'supplementary', key: 'Note', value: null },
    { op: 'supplementary', key: 'Kept', value: 'true' },
  ];
  const out = applyPatches(item, patches);
  assert.equal(JSON.stringify(item), before);
  const config = JSON.parse(out.configuration as string) as { ipPermissions: unknown[] };
  assert.equal(config.ipPermissions.length, 2);
  assert.deepEqual(config.ipPermissions[1], added);
  assert.deepEqual(out.supplementaryConfiguration, { Kept: 'true' });
});

test('an item captured after the event is published as recorded; one before it waits unless the change is stated', async () => {
  const clock = new ManualClock(CAPTURED + 120_000);
  const reader = new FakeReader([recordedGroup()]);
  const r = new Rescanner(parseAwsConfigRescanConfig({ staleRetryMs: 1000, maxWaitMs: 5000 }), () => reader, clock);
  // Stale and not stated: nothing yet.
  assert.deepEqual(await r.handle([request()]), []);
  assert.equal(r.counts.stale_retried, 1);
  // AWS Config records the change: the next read publishes it.
  reader.items = [{ ...recordedGroup(), configurationItemCaptureTime: new Date(CAPTURED + 90_000).toISOString(), configurationStateId: '59' }];
  clock.advance(1000);
  const outs = await r.readDue();
  assert.equal(outs.length, 1);
  const e = (outs[0] as { event: ConfigState }).event;
  assert.equal(e.metadata.uid, 'arn:aws:ec2:us-east-1:264683526309:security-group/sg-1d56fc66@59');
  assert.equal(e.metadata.log_name, 'BatchGetResourceConfig');
  assert.equal(r.counts.published, 1);
});

test('stated changes of several events are applied in event order, once, and the item says so in unmapped', async () => {
  const clock = new ManualClock(CAPTURED + 120_000);
  const reader = new FakeReader([recordedGroup()]);
  const r = new Rescanner(parseAwsConfigRescanConfig({}), () => reader, clock);
  const rdp = { ipProtocol: 'tcp', fromPort: 3389, toPort: 3389, ipRanges: ['0.0.0.0/0'] };
  const smb = { ipProtocol: 'tcp', fromPort: 445, toPort: 445, ipRanges: ['0.0.0.0/0'] };
  const outs = await r.handle([
    request({ id: 'b', time: CAPTURED + 70_000, derived: [{ op: 'append', path: 'ipPermissions', value: [smb] }], cause: { source: 'aws_cloudtrail', operation: 'ec2.amazonaws.com:AuthorizeSecurityGroupIngress', eventUid: 'e2', principal: null } }),
    request({ id: 'a', time: CAPTURED + 60_000, derived: [{ op: 'append', path: 'ipPermissions', value: [rdp] }], cause: { source: 'aws_cloudtrail', operation: 'ec2.amazonaws.com:AuthorizeSecurityGroupIngress', eventUid: 'e1', principal: null } }),
  ]);
  assert.equal(reader.calls.length, 1, 'one read for the burst');
  assert.equal(outs.length, 1);
  const e = (outs[0] as { event: ConfigState }).event;
  const ports = (JSON.parse(e.configuration!) as { ipPermissions: Array<{ fromPort?: number }> }).ipPermissions.map((p) => p.fromPort);
  assert.deepEqual(ports, [22, 3389, 445]);
  assert.equal(e.time, CAPTURED + 70_000, 'timed at the latest change');
  const unmapped = JSON.parse(e.unmapped) as { sluiceRescan?: { derivedFrom: Array<{ eventUid: string }> } };
  assert.deepEqual(unmapped.sluiceRescan?.derivedFrom.map((d) => d.eventUid), ['e1', 'e2']);
  assert.equal(r.counts.derived, 1);
  // A later request whose event the published item covers is a duplicate within the window.
  assert.deepEqual(await r.handle([request({ id: 'c', time: CAPTURED + 65_000 })]), []);
  assert.equal(r.counts.duplicates, 1);
  assert.equal(reader.calls.length, 1);
});

test('requests about another account are left alone; a failing AWS Config is retried later', async () => {
  const clock = new ManualClock(CAPTURED + 120_000);
  const reader = new FakeReader([{ ...recordedGroup(), configurationItemCaptureTime: new Date(CAPTURED + 100_000) }]);
  const r = new Rescanner(parseAwsConfigRescanConfig({ account: '264683526309', staleRetryMs: 500 }), () => reader, clock);
  assert.deepEqual(await r.handle([request({ account: '999999999999', id: 'other' })]), []);
  assert.equal(r.counts.other_account, 1);
  reader.fail = 1;
  assert.deepEqual(await r.handle([request()]), []);
  assert.equal(r.counts.errors, 1);
  assert.equal(r.waiting, 1);
  clock.advance(500);
  assert.equal((await r.readDue()).length, 1);
  assert.equal(r.waiting, 0);
});

test('the offline collector reads the BatchGetResourceConfig responses the role reads, as aws_config does', () => {
  const body = Buffer.from(JSON.stringify({ baseConfigurationItems: [recordedGroup()], unprocessedResourceKeys: [] }));
  const outs = [...awsConfigRescanCollector().collect({ name: 'batch.json', bytes: body })];
  assert.equal(outs.length, 1);
  assert.equal(outs[0]!.kind, 'event');
  const bad = [...awsConfigRescanCollector().collect({ name: 'bad.json', bytes: Buffer.from('{"baseConfigurationItems": [') })];
  assert.equal(bad[0]!.kind, 'dead_letter');
});
