import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { readBytes, readText } from '../../../test/fixtures/config_files/load.ts';
import { configFilesCollector, configFilesSpec, ConfigFilesConfigSchema, sniffConfigFile } from './index.ts';
import { assertCollectorSpec, assertConfigProblems } from '../../../test/fixtures/collector-kit.ts';

describe('config_files collector', () => {
  it('stamps events with the clock time and yields what parseConfigFile yields', () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 2, 3, 4, 5));
    const out = [...configFilesCollector({}, clock).collect({ name: 'k8s/workloads.yaml', bytes: readBytes('k8s/workloads.yaml') })];
    assert.equal(out.length, 6);
    for (const o of out) {
      assert.ok(o.kind === 'event' && o.stream === 'config');
      assert.equal(o.event.time, Date.UTC(2024, 0, 2, 3, 4, 5));
      assert.equal(o.event.metadata.original_time, '2024-01-02T03:04:05.000Z');
    }
  });

  it('caps: raw_data, unmapped and configuration', () => {
    const c = configFilesCollector({ rawCapBytes: 10, unmappedCapBytes: 2, maxConfigurationBytes: 20 }, new ManualClock(0));
    const [o] = [...c.collect({ name: 'q.json', bytes: readBytes('cfn/queue.json') })];
    assert.ok(o && o.kind === 'event' && o.stream === 'config');
    assert.equal(o.event.raw_data, null);
    assert.equal(o.event.unmapped, '{"_truncated":true}');
    assert.equal(o.event.configuration, null);
    assert.match(o.event.configuration_hash!, /^[0-9a-f]{64}$/);
  });

  it('a file over maxFileBytes is rejected as unreadable', () => {
    const out = [...configFilesCollector({ maxFileBytes: 100 }).collect({ name: 'big.yaml', bytes: readBytes('k8s/workloads.yaml') })];
    assert.equal(out.length, 1);
    assert.ok(out[0]!.kind === 'dead_letter' && out[0]!.reasonCode === 'SLUICE_ERR_INPUT_UNREADABLE');
  });
});

describe('config_files spec', () => {
  it('describes the collector', () => {
    assertCollectorSpec(configFilesSpec, 'config_files', ['config']);
  });

  it('rejects unknown or invalid config keys, listing every problem', () => {
    assertConfigProblems(() => configFilesSpec.create({ maxFileBytes: 0, extra: true }), ['maxFileBytes', 'extra']);
    assert.ok(ConfigFilesConfigSchema.safeParse({ rawCapBytes: 1024 }).success);
  });

  const own: Array<[string, unknown]> = [
    ['a CloudFormation JSON template', JSON.parse(readText('cfn/queue.json'))],
    ['a Terraform plan', JSON.parse(readText('terraform/plan.json'))],
    ['a Kubernetes List', JSON.parse(readText('k8s/list.json'))],
    ['a Kubernetes object', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: {} }],
    ['a CloudFormation template without version but with typed resources', { Resources: { B: { Type: 'AWS::S3::Bucket' } } }],
  ];
  for (const [name, record] of own) it(`sniff: true for ${name}`, () => assert.equal(sniffConfigFile(record), true));

  const others: Array<[string, unknown]> = [
    ['CloudTrail', { eventVersion: '1.08', eventSource: 's3.amazonaws.com', eventName: 'PutBucketAcl', eventTime: '2024-01-01T00:00:00Z', userIdentity: { type: 'Root' }, resources: [{ ARN: 'arn:aws:s3:::b' }] }],
    ['Azure activity', { time: '2024-01-01T00:00:00Z', resourceId: '/SUBSCRIPTIONS/X', operationName: 'MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE', category: 'Administrative', properties: {} }],
    ['K8s audit', { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: 'a', stage: 'ResponseComplete', verb: 'create', objectRef: { resource: 'pods' } }],
    ['a core Kubernetes Event', { kind: 'Event', apiVersion: 'v1', metadata: { name: 'e' }, involvedObject: { kind: 'Pod' } }],
    ['AWS Config item', { resourceType: 'AWS::S3::Bucket', resourceId: 'b', configurationItemCaptureTime: '2024-01-01T00:00:00Z', configuration: {} }],
    ['AWS Config snapshot', { fileVersion: '1.0', configSnapshotId: 'x', configurationItems: [] }],
    ['Hubble flow', { flow: { verdict: 'FORWARDED' }, node_name: 'n', time: '2021-01-01T00:00:00Z' }],
    ['CycloneDX SBOM', { bomFormat: 'CycloneDX', specVersion: '1.4', components: [] }],
    ['SPDX SBOM', { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', packages: [] }],
    ['OSV advisory', { id: 'PYSEC-2021-1', schema_version: '1.3.1', affected: [] }],
    ['a Resources key that is not CloudFormation', { Resources: { cpu: 2 } }],
    ['null', null],
    ['an array', [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }]],
  ];
  for (const [name, record] of others) it(`sniff: false for ${name}`, () => assert.equal(sniffConfigFile(record), false));
});
