import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { CollectorOutput } from '../../core/components.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { listFixtures, readBytes, readJson } from '../../../test/fixtures/aws_config/load.ts';
import { awsConfigCollector, awsConfigSpec, AwsConfigConfigSchema, sniffAwsConfig } from './index.ts';
import { assertCollectorSpec, assertConfigProblems, avroRoundTrip, splitOutputs, type SplitOutputs } from '../../../test/fixtures/collector-kit.ts';

const assertAvroRoundTrip = avroRoundTrip<ConfigState>('config_state.v1');
const split = (outputs: Iterable<CollectorOutput>): SplitOutputs<'config'> => splitOutputs(outputs, 'config');

function collectFile(path: string, config = {}): ReturnType<typeof split> {
  return split(awsConfigCollector(config).collect({ name: path, bytes: readBytes(path) }));
}

/** Per fixture file: events expected, and the reason every rejection must match (none when absent). */
const EXPECTED: Record<string, { events: number; rejects?: [number, RegExp] }> = {
  'rdk/AWS_ACM_Certificate.json': { events: 1 },
  'rdk/AWS_EC2_NetworkInterface.json': { events: 1 },
  'rdk/AWS_EC2_SecurityGroup.json': { events: 1 },
  'rdk/AWS_IAM_User.json': { events: 1 },
  'rdk/AWS_LAMBDA_FUNCTION.json': { events: 1 },
  'rdk/AWS_S3_Bucket.json': { events: 1 },
  'rdk/AWS_SSM_ManagedInstanceInventory_Linux.json': { events: 1 },
  'custodian/config_items/app-elb-config-event.json': { events: 1 },
  'custodian/config_items/event-cloudsearch.json': { events: 0, rejects: [1, /^not AWS Config data: an EventBridge event from source "aws\.rds", detail-type "AWS API Call via CloudTrail" \(it wraps a CloudTrail event: use the aws_cloudtrail collector\)$/] },
  'custodian/config_items/poll-evaluation.json': { events: 0, rejects: [1, /^not a configuration item: AWS Config ScheduledNotification is a periodic Config rule trigger$/] },
  'custodian/config_items/rds-cluster.json': { events: 1 },
  'custodian/config_items/s3-lifecycle.json': { events: 1 },
  'custodian/config_items/s3.json': { events: 1 },
  'custodian/config_rule_events/event-config-rule-security-group.json': { events: 1 },
  'custodian/placebo_config_api/test_config_compliance__config.GetComplianceDetailsByConfigRule_1.json': { events: 0, rejects: [1, /compliance response \(EvaluationResults of GetComplianceDetailsByConfigRule\)/] },
  'custodian/placebo_config_api/test_config_rule_evaluate__config.PutEvaluations_1.json': { events: 0, rejects: [1, /only ResponseMetadata/] },
  'custodian/placebo_config_api/test_ebs_health_events_filter__config.GetResourceConfigHistory_1.json': { events: 2 },
  'custodian/placebo_config_api/test_ecs_service_config__config.GetResourceConfigHistory_2.json': { events: 0 },
  'custodian/placebo_config_api/test_ecs_service_config__config.ListDiscoveredResources_1.json': { events: 0, rejects: [1, /ListDiscoveredResources response \(2 resource identifiers, no configuration\)/] },
  'custodian/placebo_config_api/test_security_group_config_source__config.SelectResourceConfig_1.json': { events: 0, rejects: [1, /SelectResourceConfig result row with only the selected fields \(configuration, supplementaryConfiguration\)/] },
  'custodian/placebo_config_api/test_sg_config_diff__config.GetResourceConfigHistory_1.json': { events: 2 },
  'authored/eventbridge-item-change.json': { events: 1 },
  'authored/eventbridge-item-deleted.json': { events: 1 },
  'authored/oversized-notification.json': { events: 1 },
  'authored/sns-notification.json': { events: 1 },
  'authored/snapshot.json': { events: 2 },
  'authored/snapshot-delivery-completed.json': { events: 0, rejects: [1, /ConfigurationSnapshotDeliveryCompleted is a snapshot delivery status message.*\(s3ObjectKey AWSLogs\/111122223333\/Config\//] },
};

describe('aws_config collector on every fixture file', () => {
  const files = [...listFixtures('rdk'), ...listFixtures('custodian'), ...listFixtures('authored')];

  it('the expectation table lists exactly the fixture files', () => {
    assert.deepEqual(files.slice().sort(), Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(file, () => {
      const want = EXPECTED[file];
      assert.ok(want, `no expectation for ${file}`);
      const { events, rejects, all } = collectFile(file);
      assert.equal(events.length, want.events, `events of ${file}: ${rejects.map((r) => r.reason).join(' | ')}`);
      if (want.rejects) {
        assert.equal(rejects.length, want.rejects[0]);
        for (const r of rejects) {
          assert.match(r.reason, want.rejects[1]);
          assert.equal(r.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
          assert.equal(r.stage, 'collect');
          assert.equal(r.source, 'aws_config');
          assert.ok(r.raw.length > 0);
        }
      } else {
        assert.deepEqual(rejects, []);
      }
      all.forEach((o, i) => assert.equal(o.position, `${file}#${i}`));
      for (const e of events) {
        assert.equal(e.key, e.event.resource.uid);
        assert.equal(e.event.source, 'aws_config');
        assert.equal(e.event.metadata.source, 'aws_config');
        assert.ok(e.event.metadata.uid.startsWith(`${e.event.resource.uid}@`));
        assertAvroRoundTrip(e.event, e.position);
      }
    });
  }

  it('the two files with invalid JSON are repaired and say so', () => {
    const eni = collectFile('rdk/AWS_EC2_NetworkInterface.json').events[0]!.event;
    assert.match(JSON.parse(eni.unmapped)._repaired as string, /closing bracket was missing/);
    assert.equal(eni.resource.uid, 'arn:aws:ec2:us-east-1:264683526309:network-interface/eni-2a768b39');
    const ssm = collectFile('rdk/AWS_SSM_ManagedInstanceInventory_Linux.json').events[0]!.event;
    assert.match(JSON.parse(ssm.unmapped)._repaired as string, /control characters/);
    // The newline that broke the JSON is now part of the value.
    assert.match(ssm.configuration!, /"InstalledBy":"NT AUTHORITY\\nSYSTEM"/);
    assert.equal(ssm.resource.type, 'AWS::SSM::ManagedInstanceInventory');
  });

  it('with repairJson false, a broken document is one rejection naming line and column', () => {
    const { events, rejects } = collectFile('rdk/AWS_EC2_NetworkInterface.json', { repairJson: false });
    assert.equal(events.length, 0);
    assert.equal(rejects.length, 1);
    assert.match(rejects[0]!.reason, /^line 88 column 1: not valid JSON: /);
    const ssm = collectFile('rdk/AWS_SSM_ManagedInstanceInventory_Linux.json', { repairJson: false });
    assert.equal(ssm.rejects.length, 1);
    assert.match(ssm.rejects[0]!.reason, /^line 51 column 41: not valid JSON: Bad control character in string literal/);
  });
});

describe('aws_config collector on malformed.ndjson (see SOURCE.md)', () => {
  const { all } = split(awsConfigCollector().collect({ name: 'm.ndjson', bytes: readBytes('derived/malformed.ndjson') }));
  const expected: Array<['event', string] | ['reject', RegExp]> = [
    ['event', 'arn:aws:ec2:us-east-1:264683526309:security-group/sg-1d56fc66'],
    ['reject', /^line 2: not valid JSON: /],
    ['reject', /^line 3: not a configuration item: resourceType must be a string, got a number$/],
    ['reject', /^line 5: not a configuration item: configurationItemCaptureTime is missing$/],
    ['reject', /^line 6: not a configuration item: configurationItemCaptureTime "yesterday" is not a date-time$/],
    ['reject', /^line 7: record must be a JSON object, got a string$/],
    ['reject', /^line 8: configuration is a string but not JSON text: /],
    ['reject', /^line 9: tags must be an object or an array, got a string$/],
    ['reject', /^line 10: not AWS Config data: a CloudTrail event \(eventSource, eventName\); use the aws_cloudtrail collector$/],
    ['event', 'arn:aws:ec2:us-east-1:264683526309:security-group/sg-1d56fc66'],
    ['reject', /^line 11: not a configuration item: resourceId is missing \(and there is no ARN\); configurationItemCaptureTime is missing$/],
    ['event', 'arn:aws:s3:::mborch-test-bucket-config-item'],
  ];

  it('every line comes out in order, as an event or a precise rejection', () => {
    assert.equal(all.length, expected.length);
    all.forEach((o, i) => {
      const [kind, want] = expected[i]!;
      assert.equal(o.position, `m.ndjson#${i}`);
      if (kind === 'event') {
        assert.equal(o.kind, 'event', `#${i}: ${o.kind === 'dead_letter' ? o.reason : ''}`);
        if (o.kind === 'event') assert.equal(o.key, want);
      } else {
        assert.equal(o.kind, 'dead_letter', `#${i}`);
        if (o.kind === 'dead_letter') {
          assert.match(o.reason, want as RegExp);
          assert.equal(o.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
        }
      }
    });
  });

  it('a rejected line keeps its own bytes', () => {
    const lines = readFileSync(new URL('../../../test/fixtures/aws_config/derived/malformed.ndjson', import.meta.url), 'utf8').split('\n');
    const r = all[1];
    assert.ok(r && r.kind === 'dead_letter');
    assert.equal(r.raw.toString('utf8'), lines[1]);
  });
});

describe('aws_config collector input handling', () => {
  it('reads gzip input (a snapshot file as delivered to S3)', () => {
    const { events, rejects } = split(awsConfigCollector().collect({ name: 'snap.json.gz', bytes: gzipSync(readBytes('authored/snapshot.json')) }));
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => e.event.change_type), ['snapshot', 'snapshot']);
  });

  it('a corrupt gzip is one unreadable rejection; a gzip bomb is refused', () => {
    const corrupt = gzipSync(readBytes('authored/snapshot.json')).subarray(0, 40);
    const a = split(awsConfigCollector().collect({ name: 'c.gz', bytes: corrupt }));
    assert.equal(a.rejects.length, 1);
    assert.equal(a.rejects[0]!.reasonCode, 'SLUICE_ERR_INPUT_UNREADABLE');
    const bomb = gzipSync(Buffer.alloc(1 << 20, 0x20));
    const b = split(awsConfigCollector({ maxDecompressedBytes: 1024 }).collect({ name: 'b.gz', bytes: bomb }));
    assert.equal(b.rejects.length, 1);
    assert.match(b.rejects[0]!.reason, /decompressed size exceeds 1024 bytes/);
  });

  it('a truncated pretty-printed item is one rejection with its line, never repaired', () => {
    const text = readFileSync(new URL('../../../test/fixtures/aws_config/rdk/AWS_EC2_SecurityGroup.json', import.meta.url), 'utf8');
    const { events, rejects } = split(awsConfigCollector().collect({ name: 't.json', bytes: Buffer.from(text.slice(0, -4)) }));
    assert.equal(events.length, 0);
    assert.equal(rejects.length, 1);
    assert.match(rejects[0]!.reason, /^line \d+ column \d+: not valid JSON: /);
  });

  it('an NDJSON stream of notifications and items', () => {
    const lines = [readJson('authored/eventbridge-item-change.json'), readJson('authored/oversized-notification.json'), readJson('rdk/AWS_IAM_User.json')]
      .map((v) => JSON.stringify(v))
      .join('\n');
    const { events, rejects } = split(awsConfigCollector().collect({ name: 's.jsonl', bytes: Buffer.from(lines) }));
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => e.event.metadata.log_name), ['ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification', 'ConfigurationItem']);
  });

  it('unrecognised JSON is rejected with the keys it has', () => {
    const { rejects } = split(awsConfigCollector().collect({ name: 'x.json', bytes: Buffer.from('{"hello":"world"}') }));
    assert.equal(rejects.length, 1);
    assert.match(rejects[0]!.reason, /^not AWS Config data: expected a configuration item .* the record has keys hello$/);
  });

  it('never throws; truncated and garbage inputs are all rejected; wrong types give rejections or valid events', () => {
    const collector = awsConfigCollector();
    const seeds = ['rdk/AWS_EC2_SecurityGroup.json', 'authored/eventbridge-item-change.json', 'custodian/config_items/s3.json', 'authored/oversized-notification.json'].map((f) =>
      readFileSync(new URL(`../../../test/fixtures/aws_config/${f}`, import.meta.url), 'utf8'),
    );
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const bad: Buffer[] = [];
    for (const text of seeds) {
      const compact = JSON.stringify(JSON.parse(text));
      for (let i = 0; i < 60; i++) bad.push(Buffer.from(compact.slice(0, rand(compact.length - 1) + 1)));
      for (let i = 0; i < 30; i++) bad.push(Buffer.from(text.slice(0, rand(text.length - 1) + 1)));
    }
    for (let i = 0; i < 100; i++) bad.push(Buffer.from(Array.from({ length: rand(400) + 1 }, () => rand(256))));
    bad.push(Buffer.from(`${'['.repeat(100000)}${']'.repeat(100000)}`), Buffer.from(`{"resourceType":"${'A'.repeat(5_000_000)}"}`));
    for (const v of [null, 0, true, 'str', [], {}, [[[]]], { resourceType: null }, { resourceType: {}, configurationItemStatus: 1 }]) bad.push(Buffer.from(JSON.stringify(v)));

    for (const [i, bytes] of bad.entries()) {
      for (const o of collector.collect({ name: `bad${i}`, bytes })) {
        assert.equal(o.kind, 'dead_letter', `bad${i} gave an event: ${bytes.toString('utf8', 0, 200)}`);
        if (o.kind === 'dead_letter') assert.ok(o.reason.length > 0);
      }
    }

    // Every top-level field of a real item replaced by each JSON type.
    const sg = JSON.parse(seeds[0]!) as Record<string, unknown>;
    let events = 0;
    let rejects = 0;
    for (const key of Object.keys(sg)) {
      for (const w of [null, 7, 'x', [], {}, true]) {
        for (const o of collector.collect({ name: `${key}=${JSON.stringify(w)}`, bytes: Buffer.from(JSON.stringify({ ...sg, [key]: w })) })) {
          if (o.kind === 'event' && o.stream === 'config') {
            events++;
            assertAvroRoundTrip(o.event, o.position);
          } else rejects++;
        }
      }
    }
    assert.ok(rejects > 30 && events > 30, `${events} events, ${rejects} rejections`);
    // Mapped fields with a wrong type are rejections, not events.
    for (const [key, w] of [['resourceType', 7], ['resourceId', {}], ['awsRegion', []], ['tags', 'x'], ['relationships', {}], ['configuration', 7], ['configurationItemCaptureTime', {}]] as const) {
      const out = [...collector.collect({ name: key, bytes: Buffer.from(JSON.stringify({ ...sg, [key]: w })) })];
      assert.equal(out.length, 1);
      assert.equal(out[0]!.kind, 'dead_letter', key);
    }
  });
});

describe('aws_config spec', () => {
  it('describes the collector', () => {
    assertCollectorSpec(awsConfigSpec, 'aws_config', ['config']);
  });

  it('rejects unknown or invalid config keys, listing every problem', () => {
    assertConfigProblems(() => awsConfigSpec.create({ rawCapBytes: -1, nope: 1 }), ['rawCapBytes', 'nope']);
    assert.ok(AwsConfigConfigSchema.safeParse({ repairJson: false, maxConfigurationBytes: 1000 }).success);
  });

  const own: Array<[string, unknown]> = [
    ['a bare item', readJson('rdk/AWS_EC2_SecurityGroup.json')],
    ['an item of the notification shape', readJson('rdk/AWS_S3_Bucket.json')],
    ['an element of a configurationItems envelope', (readJson('custodian/config_items/rds-cluster.json') as { configurationItems: unknown[] }).configurationItems[0]],
    ['a change notification', (readJson('authored/eventbridge-item-change.json') as { detail: unknown }).detail],
    ['an EventBridge Config event', readJson('authored/eventbridge-item-change.json')],
    ['an oversized notification', readJson('authored/oversized-notification.json')],
    ['an SNS notification', readJson('authored/sns-notification.json')],
    ['a snapshot file', readJson('authored/snapshot.json')],
    ['a Config rule event', readJson('custodian/config_items/app-elb-config-event.json')],
    ['a placebo history', readJson('custodian/placebo_config_api/test_sg_config_diff__config.GetResourceConfigHistory_1.json')],
    ['a snapshot delivery message (rejected with its reason)', readJson('authored/snapshot-delivery-completed.json')],
  ];
  for (const [name, record] of own) {
    it(`sniff: true for ${name}`, () => assert.equal(sniffAwsConfig(record), true));
  }

  const others: Array<[string, unknown]> = [
    ['CloudTrail', { eventVersion: '1.08', eventSource: 'config.amazonaws.com', eventName: 'PutConfigurationRecorder', eventTime: '2024-01-01T00:00:00Z', userIdentity: { type: 'Root' }, resources: [{ ARN: 'arn:aws:s3:::b', type: 'AWS::S3::Bucket' }] }],
    ['EventBridge CloudTrail', readJson('custodian/config_items/event-cloudsearch.json')],
    ['Azure activity', { time: '2024-01-01T00:00:00Z', resourceId: '/SUBSCRIPTIONS/X/RESOURCEGROUPS/Y', operationName: 'MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE', category: 'Administrative', resultType: 'Success', properties: {} }],
    ['K8s audit', { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'a', stage: 'ResponseComplete', verb: 'get', objectRef: { resource: 'pods' } }],
    ['Hubble flow', { flow: { time: '2021-01-01T00:00:00Z', verdict: 'FORWARDED', source: {}, destination: {} }, node_name: 'n', time: '2021-01-01T00:00:00Z' }],
    ['CycloneDX SBOM', { bomFormat: 'CycloneDX', specVersion: '1.4', components: [{ type: 'library', name: 'x' }] }],
    ['SPDX SBOM', { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', packages: [] }],
    ['OSV advisory', { id: 'GO-2022-0001', schema_version: '1.3.1', affected: [{ package: { ecosystem: 'Go', name: 'x' } }], modified: '2022-01-01T00:00:00Z' }],
    ['Kubernetes manifest', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: {} }],
    ['CloudFormation template', { AWSTemplateFormatVersion: '2010-09-09', Resources: { B: { Type: 'AWS::S3::Bucket' } } }],
    ['Terraform plan', { format_version: '1.2', terraform_version: '1.6.0', planned_values: { root_module: {} } }],
    ['null', null],
    ['a string', 'resourceType'],
    ['an array', [readJson('rdk/AWS_EC2_SecurityGroup.json')]],
  ];
  for (const [name, record] of others) {
    it(`sniff: false for ${name}`, () => assert.equal(sniffAwsConfig(record), false));
  }
});

describe('with --source auto', () => {
  it('the sniffers route AWS Config, IaC and CloudTrail records to their collectors', async () => {
    const { autoCollector } = await import('../auto.ts');
    const { awsCloudTrailSpec } = await import('../aws_cloudtrail/index.ts');
    const { configFilesSpec } = await import('../config_files/index.ts');
    const auto = autoCollector([awsCloudTrailSpec, awsConfigSpec, configFilesSpec]);
    const records = [
      readJson('rdk/AWS_EC2_SecurityGroup.json'),
      readJson('authored/eventbridge-item-change.json'),
      readJson('custodian/placebo_config_api/test_sg_config_diff__config.GetResourceConfigHistory_1.json'),
      { eventVersion: '1.08', eventSource: 'config.amazonaws.com', eventName: 'StopConfigurationRecorder', eventTime: '2024-01-01T00:00:00Z', eventID: 'e1', userIdentity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root' } },
      { AWSTemplateFormatVersion: '2010-09-09', Resources: { B: { Type: 'AWS::S3::Bucket' } } },
    ];
    const out = [...auto.collect({ name: 'mixed.jsonl', bytes: Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')) })];
    assert.deepEqual(
      out.map((o) => (o.kind === 'event' ? `${o.stream}:${o.event.metadata.source}` : `reject:${o.reason}`)),
      ['config:aws_config', 'config:aws_config', 'config:aws_config', 'config:aws_config', 'activity:aws_cloudtrail', 'config:config_files'],
    );
  });
});
