import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { CollectorOutput, RejectedRecord } from '../../core/components.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { readBytes, readText } from '../../../test/fixtures/config_files/load.ts';
import { CFN_FUNCTIONS, parseConfigFile, redactSensitive } from './index.ts';
import { avroRoundTrip } from '../../../test/fixtures/collector-kit.ts';

type Obj = Record<string, unknown>;
const TIME = Date.UTC(2024, 2, 8, 12, 0, 0);
const assertAvroRoundTrip = avroRoundTrip<ConfigState>('config_state.v1');

interface Parsed {
  events: ConfigState[];
  rejects: RejectedRecord[];
  all: CollectorOutput[];
}

function parse(name: string, bytes: Buffer | string): Parsed {
  const all = parseConfigFile(name, typeof bytes === 'string' ? Buffer.from(bytes) : bytes, { time: TIME });
  const events: ConfigState[] = [];
  const rejects: RejectedRecord[] = [];
  all.forEach((o, i) => {
    assert.equal(o.position, `${name}#${i}`);
    if (o.kind === 'dead_letter') {
      assert.equal(o.source, 'config_files');
      assert.equal(o.stage, 'collect');
      rejects.push(o);
    } else {
      assert.equal(o.stream, 'config');
      if (o.stream !== 'config') return;
      assert.equal(o.key, o.event.resource.uid);
      assertAvroRoundTrip(o.event, o.position);
      events.push(o.event);
    }
  });
  return { events, rejects, all };
}

function fixture(path: string): Parsed {
  return parse(path, readBytes(path));
}

const cfg = (e: ConfigState): Obj => JSON.parse(e.configuration!) as Obj;
const byName = (events: ConfigState[], name: string): ConfigState => {
  const e = events.find((x) => x.resource.name === name);
  assert.ok(e, `no resource ${name}`);
  return e;
};

describe('CloudFormation YAML with short-form tags (cfn/public-bucket.yaml)', () => {
  const { events, rejects } = fixture('cfn/public-bucket.yaml');

  it('one event per Resources entry, with type, uid, start line', () => {
    assert.deepEqual(rejects, []);
    assert.deepEqual(
      events.map((e) => [e.resource.name, e.resource.type, e.resource.uid, e.location?.line]),
      [
        ['SiteBucket', 'AWS::S3::Bucket', 'iac:cfn/public-bucket.yaml#SiteBucket', 23],
        ['SiteBucketPolicy', 'AWS::S3::BucketPolicy', 'iac:cfn/public-bucket.yaml#SiteBucketPolicy', 42],
        ['BastionSecurityGroup', 'AWS::EC2::SecurityGroup', 'iac:cfn/public-bucket.yaml#BastionSecurityGroup', 54],
        ['Bastion', 'AWS::EC2::Instance', 'iac:cfn/public-bucket.yaml#Bastion', 69],
        ['SiteConfig', 'AWS::SSM::Parameter', 'iac:cfn/public-bucket.yaml#SiteConfig', 88],
      ],
    );
  });

  it('common fields: iac source, snapshot, Collect activity, no status, location format', () => {
    for (const e of events) {
      assert.equal(e.class_uid, 5023);
      assert.equal(e.activity_id, 2);
      assert.equal(e.type_uid, 502302);
      assert.equal(e.change_type, 'snapshot');
      assert.equal(e.source, 'iac');
      assert.equal(e.status, null);
      assert.equal(e.time, TIME);
      assert.equal(e.resource.account_uid, null);
      assert.equal(e.resource.region, null);
      assert.deepEqual(e.location, { file: 'cfn/public-bucket.yaml', line: e.location!.line, format: 'cloudformation' });
      assert.deepEqual(
        { ...e.metadata, uid: '' },
        { uid: '', version: '1.8.0', product_name: 'CloudFormation', vendor_name: 'AWS', log_name: 'cloudformation', original_time: '2024-03-08T12:00:00.000Z', source: 'config_files' },
      );
      assert.equal(e.metadata.uid, `${e.resource.uid}@${e.configuration_hash!.slice(0, 16)}`);
    }
  });

  it('short-form tags become the long form in the configuration (= Properties)', () => {
    const bucket = cfg(byName(events, 'SiteBucket'));
    assert.deepEqual(bucket.BucketName, { 'Fn::Sub': '${AWS::StackName}-site-${Env}' });
    assert.deepEqual((bucket.Tags as unknown[])[2], { 'Fn::If': ['IsProd', { Key: 'tier', Value: 'gold' }, { Ref: 'AWS::NoValue' }] });
    const policy = cfg(byName(events, 'SiteBucketPolicy'));
    assert.deepEqual(policy.Bucket, { Ref: 'SiteBucket' });
    const stmt = ((policy.PolicyDocument as Obj).Statement as Obj[])[0]!;
    assert.deepEqual(stmt.Resource, { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['SiteBucket', 'Arn'] }, '/*']] });
    const sg = cfg(byName(events, 'BastionSecurityGroup'));
    assert.deepEqual(sg.VpcId, { Ref: 'VpcId' });
    assert.deepEqual((sg.SecurityGroupIngress as Obj[])[1]!.CidrIp, { 'Fn::Select': [0, { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] }] });
    const bastion = cfg(byName(events, 'Bastion'));
    assert.deepEqual(bastion.ImageId, { 'Fn::FindInMap': ['AmiByRegion', { Ref: 'AWS::Region' }, 'Ami'] });
    assert.deepEqual(bastion.AvailabilityZone, { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] });
    assert.deepEqual(bastion.SecurityGroupIds, [{ 'Fn::GetAtt': ['BastionSecurityGroup', 'GroupId'] }]);
    assert.deepEqual(bastion.SubnetId, { 'Fn::ImportValue': 'shared-network-PublicSubnetA' });
    assert.deepEqual(bastion.UserData, { 'Fn::Base64': { 'Fn::Sub': '#!/bin/bash\necho "serving ${SiteBucket}" > /etc/motd\n' } });
    assert.deepEqual((bastion.Tags as Obj[])[0]!.Value, { 'Fn::Join': [',', { 'Fn::Split': ['|', 'a.example.org|b.example.org'] }] });
    const param = cfg(byName(events, 'SiteConfig'));
    assert.deepEqual(param.Value, { 'Fn::ToJsonString': { bucket: { Ref: 'SiteBucket' } } });
    assert.deepEqual(param.Name, { 'Fn::Transform': { Name: 'String', Parameters: { InputString: 'site-config', Operation: 'Lower' } } });
  });

  it('the public bucket and the open security group are in the configuration', () => {
    const bucket = cfg(byName(events, 'SiteBucket'));
    assert.equal(bucket.AccessControl, 'PublicRead');
    assert.deepEqual(bucket.PublicAccessBlockConfiguration, { BlockPublicAcls: false, BlockPublicPolicy: false, IgnorePublicAcls: false, RestrictPublicBuckets: false });
    const ingress = cfg(byName(events, 'BastionSecurityGroup')).SecurityGroupIngress as Obj[];
    assert.deepEqual(ingress[0], { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' });
  });

  it('tags: literal and intrinsic values kept, an !If entry skipped', () => {
    assert.deepEqual(byName(events, 'SiteBucket').resource.tags, [
      { key: 'env', value: '{"Ref":"Env"}' },
      { key: 'owner', value: 'web-team' },
    ]);
  });

  it('relationships: Ref, GetAtt, Sub and DependsOn to other resources (not parameters or pseudo parameters)', () => {
    const rel = (name: string): string[] => byName(events, name).relationships.map((r) => `${r.relation}:${r.name}:${r.type}:${r.uid}`);
    assert.deepEqual(rel('SiteBucket'), []);
    assert.deepEqual(rel('SiteBucketPolicy'), [
      'Ref:SiteBucket:AWS::S3::Bucket:iac:cfn/public-bucket.yaml#SiteBucket',
      'GetAtt:SiteBucket:AWS::S3::Bucket:iac:cfn/public-bucket.yaml#SiteBucket',
    ]);
    assert.deepEqual(rel('Bastion'), [
      'GetAtt:BastionSecurityGroup:AWS::EC2::SecurityGroup:iac:cfn/public-bucket.yaml#BastionSecurityGroup',
      'Sub:SiteBucket:AWS::S3::Bucket:iac:cfn/public-bucket.yaml#SiteBucket',
      'DependsOn:SiteBucketPolicy:AWS::S3::BucketPolicy:iac:cfn/public-bucket.yaml#SiteBucketPolicy',
    ]);
  });

  it('resource attributes and template fields go to unmapped; raw_data is the resource in long form', () => {
    const bastion = byName(events, 'Bastion');
    const unmapped = JSON.parse(bastion.unmapped) as Obj;
    assert.equal(unmapped.DependsOn, 'SiteBucketPolicy');
    assert.equal(unmapped.Condition, 'IsDevInEu');
    assert.equal((unmapped.template as Obj).AWSTemplateFormatVersion, '2010-09-09');
    const raw = JSON.parse(bastion.raw_data!) as Obj;
    assert.equal((raw.Bastion as Obj).Type, 'AWS::EC2::Instance');
    assert.deepEqual(((raw.Bastion as Obj).Properties as Obj).SubnetId, { 'Fn::ImportValue': 'shared-network-PublicSubnetA' });
  });

  it('the same file read twice gives the same uids and hashes', () => {
    const again = fixture('cfn/public-bucket.yaml').events;
    assert.deepEqual(again.map((e) => e.metadata.uid), events.map((e) => e.metadata.uid));
  });
});

describe('every short-form tag', () => {
  it('each tag, as scalar, sequence and mapping, reads as its long form', () => {
    const names = Object.keys(CFN_FUNCTIONS);
    const lines = ['Resources:', '  R:', '    Type: AWS::X::Y', '    Properties:'];
    for (const n of names) {
      lines.push(`      S${n}: !${n} a.b`, `      Q${n}: !${n} [x, y]`, `      M${n}: !${n} {k: v}`);
    }
    const { events, rejects } = parse('tags.yaml', lines.join('\n'));
    assert.deepEqual(rejects, []);
    const props = cfg(events[0]!);
    for (const [n, key] of Object.entries(CFN_FUNCTIONS)) {
      assert.deepEqual(props[`S${n}`], { [key]: n === 'GetAtt' ? ['a', 'b'] : 'a.b' }, `!${n} scalar`);
      assert.deepEqual(props[`Q${n}`], { [key]: ['x', 'y'] }, `!${n} sequence`);
      assert.deepEqual(props[`M${n}`], { [key]: { k: 'v' } }, `!${n} mapping`);
    }
  });

  it('a template with tags and its JSON long form give the same configuration and hash', () => {
    const yaml = parse(
      'q.yaml',
      [
        'AWSTemplateFormatVersion: "2010-09-09"',
        'Resources:',
        '  OrdersQueue:',
        '    Type: AWS::SQS::Queue',
        '    Properties:',
        '      Tags: [{Key: team, Value: orders}]',
        '      RedrivePolicy:',
        '        maxReceiveCount: 5',
        '        deadLetterTargetArn: !GetAtt OrdersDlq.Arn',
        '      SqsManagedSseEnabled: false',
        '      QueueName: !Sub "${AWS::StackName}-orders"',
      ].join('\n'),
    ).events[0]!;
    const json = byName(fixture('cfn/queue.json').events, 'OrdersQueue');
    assert.equal(yaml.configuration, json.configuration);
    assert.equal(yaml.configuration_hash, json.configuration_hash);
  });
});

describe('CloudFormation JSON (cfn/queue.json)', () => {
  const { events, rejects } = fixture('cfn/queue.json');
  it('resources, types, lines and relationships', () => {
    assert.deepEqual(rejects, []);
    assert.deepEqual(
      events.map((e) => [e.resource.name, e.resource.type, e.location?.line, e.relationships.map((r) => `${r.relation}:${r.name}`)]),
      [
        ['OrdersDlq', 'AWS::SQS::Queue', 5, []],
        ['OrdersQueue', 'AWS::SQS::Queue', 12, ['GetAtt:OrdersDlq']],
        ['OrdersQueuePolicy', 'AWS::SQS::QueuePolicy', 24, ['Ref:OrdersQueue', 'GetAtt:OrdersQueue']],
      ],
    );
    assert.deepEqual(byName(events, 'OrdersQueue').resource.tags, [{ key: 'team', value: 'orders' }]);
    assert.equal(cfg(byName(events, 'OrdersDlq')).MessageRetentionPeriod, 1209600);
  });
});

describe('Terraform plan JSON (terraform/plan.json)', () => {
  const { events, rejects } = fixture('terraform/plan.json');

  it('managed resources of the root and of nested child modules, data sources skipped', () => {
    assert.deepEqual(rejects, []);
    assert.deepEqual(
      events.map((e) => [e.resource.uid, e.resource.type, e.resource.name, e.location?.line]),
      [
        ['iac:terraform/plan.json#aws_s3_bucket.logs', 'aws_s3_bucket', 'aws_s3_bucket.logs', 8],
        ['iac:terraform/plan.json#aws_s3_bucket_public_access_block.logs', 'aws_s3_bucket_public_access_block', 'aws_s3_bucket_public_access_block.logs', 23],
        ['iac:terraform/plan.json#aws_db_instance.main', 'aws_db_instance', 'aws_db_instance.main', 38],
        ['iac:terraform/plan.json#module.network.aws_vpc.this', 'aws_vpc', 'module.network.aws_vpc.this', 70],
        ['iac:terraform/plan.json#module.network.aws_security_group.ssh', 'aws_security_group', 'module.network.aws_security_group.ssh', 80],
        ['iac:terraform/plan.json#module.network.module.flow_logs.aws_flow_log.this[0]', 'aws_flow_log', 'module.network.module.flow_logs.aws_flow_log.this[0]', 100],
      ],
    );
  });

  it('time from the plan timestamp; Terraform metadata', () => {
    for (const e of events) {
      assert.equal(e.time, Date.UTC(2024, 2, 8, 9, 30, 0));
      assert.equal(e.metadata.original_time, '2024-03-08T09:30:00Z');
      assert.equal(e.metadata.product_name, 'Terraform');
      assert.equal(e.metadata.vendor_name, 'HashiCorp');
      assert.equal(e.location?.format, 'terraform_plan');
    }
  });

  it('configuration = values, sensitive attributes redacted; tags from tags_all', () => {
    const db = byName(events, 'aws_db_instance.main');
    assert.deepEqual(cfg(db), { engine: 'postgres', instance_class: 'db.t3.micro', password: '(sensitive)', publicly_accessible: true, sluice_links: {}, storage_encrypted: false, username: 'app' });
    // a companion target (AWS Backup selections): sluice_links says no companion of the plan configures it (terraform-companions.ts)
    assert.doesNotMatch(db.raw_data!, /hunter2/);
    assert.deepEqual(byName(events, 'aws_s3_bucket.logs').resource.tags, [
      { key: 'managed-by', value: 'terraform' },
      { key: 'owner', value: 'platform' },
    ]);
    assert.deepEqual(cfg(byName(events, 'module.network.aws_security_group.ssh')).ingress, [
      { cidr_blocks: ['0.0.0.0/0'], from_port: 22, to_port: 22, protocol: 'tcp', description: 'ssh' },
    ]);
  });

  it('resource_changes actions and module address in unmapped', () => {
    const un = (name: string): Obj => JSON.parse(byName(events, name).unmapped) as Obj;
    assert.deepEqual(un('aws_db_instance.main').change, { actions: ['delete', 'create'], action_reason: 'replace_because_cannot_update' });
    assert.deepEqual(un('module.network.aws_vpc.this').change, { actions: ['no-op'] });
    const flow = un('module.network.module.flow_logs.aws_flow_log.this[0]');
    assert.equal(flow.module_address, 'module.network.module.flow_logs');
    assert.equal(flow.index, 0);
    assert.deepEqual(flow.change, { actions: ['create'] });
    assert.equal(un('aws_s3_bucket.logs').provider_name, 'registry.terraform.io/hashicorp/aws');
  });

  it('a state (values.root_module) reads the same way; without timestamp the given time is used', () => {
    const state = {
      format_version: '1.0',
      terraform_version: '1.7.4',
      values: { root_module: { resources: [{ address: 'aws_iam_role.ci', mode: 'managed', type: 'aws_iam_role', name: 'ci', values: { name: 'ci' }, sensitive_values: {} }] } },
    };
    const { events: ev } = parse('state.json', JSON.stringify(state, null, 2));
    assert.deepEqual(ev.map((e) => [e.resource.uid, e.time, e.location?.line]), [['iac:state.json#aws_iam_role.ci', TIME, 7]]);
  });

  it('redactSensitive follows the sensitive_values shape', () => {
    assert.deepEqual(redactSensitive({ a: 1, b: { c: 2, d: [3, 4] } }, { b: { c: true, d: [false, true] } }), { a: 1, b: { c: '(sensitive)', d: [3, '(sensitive)'] } });
    assert.equal(redactSensitive('x', true), '(sensitive)');
  });
});

describe('Kubernetes multi-document YAML (k8s/workloads.yaml)', () => {
  const { events, rejects } = fixture('k8s/workloads.yaml');

  it('one event per document, trailing empty document ignored', () => {
    assert.deepEqual(rejects, []);
    assert.deepEqual(
      events.map((e) => [e.resource.uid, e.resource.type, e.resource.name, e.location?.line]),
      [
        ['iac:k8s/workloads.yaml#Namespace//shop', 'v1/Namespace', 'shop', 2],
        ['iac:k8s/workloads.yaml#Pod/shop/node-debugger', 'v1/Pod', 'node-debugger', 9],
        ['iac:k8s/workloads.yaml#Deployment/shop/web', 'apps/v1/Deployment', 'web', 34],
        ['iac:k8s/workloads.yaml#Service/default/web', 'v1/Service', 'web', 61],
        ['iac:k8s/workloads.yaml#Secret/shop/web-db', 'v1/Secret', 'web-db', 73],
        ['iac:k8s/workloads.yaml#ClusterRoleBinding//web-admin', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'web-admin', 84],
      ],
    );
    for (const e of events) {
      assert.equal(e.metadata.product_name, 'Kubernetes');
      assert.equal(e.location?.format, 'kubernetes');
      assert.equal(e.source, 'iac');
    }
  });

  it('the privileged pod is in the configuration (the whole object)', () => {
    const pod = cfg(byName(events, 'node-debugger'));
    assert.equal(pod.kind, 'Pod');
    const spec = pod.spec as Obj;
    assert.equal(spec.hostNetwork, true);
    assert.equal(spec.hostPID, true);
    assert.deepEqual((spec.containers as Obj[])[0]!.securityContext, { privileged: true, runAsUser: 0 });
    assert.deepEqual(byName(events, 'node-debugger').resource.tags, [{ key: 'app', value: 'debug' }]);
  });

  it('YAML anchors are expanded (Deployment labels)', () => {
    const dep = events.find((e) => e.resource.type === 'apps/v1/Deployment')!;
    assert.deepEqual(dep.resource.tags, [
      { key: 'app', value: 'web' },
      { key: 'tier', value: 'frontend' },
    ]);
    const spec = cfg(dep).spec as Obj;
    assert.deepEqual((spec.selector as Obj).matchLabels, { app: 'web', tier: 'frontend' });
  });

  it('Secret values are redacted in configuration and raw_data', () => {
    const secret = byName(events, 'web-db');
    assert.deepEqual(cfg(secret).stringData, { password: '(redacted)' });
    assert.deepEqual(cfg(secret).data, { username: '(redacted)' });
    assert.doesNotMatch(secret.raw_data!, /not-a-real-password|YXBw/);
  });
});

describe('Kubernetes lists', () => {
  it('a v1 List in JSON expands to its items, with lines and owner references', () => {
    const { events, rejects } = fixture('k8s/list.json');
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => [e.resource.uid, e.location?.line]), [
      ['iac:k8s/list.json#ConfigMap/shop/web-config', 6],
      ['iac:k8s/list.json#ServiceAccount/shop/web', 12],
    ]);
    assert.deepEqual(events[1]!.relationships, [{ uid: '3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f', type: 'apps/v1/Deployment', name: 'web', relation: 'ownerReference' }]);
    assert.equal((JSON.parse(events[0]!.unmapped) as Obj).list_kind, 'List');
  });

  it('a typed PodList whose items have no kind; status goes to unmapped', () => {
    const list = { apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'p1', namespace: 'ns' }, spec: { containers: [] }, status: { phase: 'Running' } }] };
    const { events } = parse('pods.json', JSON.stringify(list));
    assert.equal(events.length, 1);
    assert.equal(events[0]!.resource.uid, 'iac:pods.json#Pod/ns/p1');
    assert.equal(events[0]!.resource.type, 'v1/Pod');
    assert.equal('status' in cfg(events[0]!), false);
    assert.deepEqual((JSON.parse(events[0]!.unmapped) as Obj).status, { phase: 'Running' });
  });
});

describe('bad input', () => {
  it('bad YAML: the broken document is one rejection with its line; the others still come out', () => {
    const { all } = fixture('bad/broken.yaml');
    assert.equal(all.length, 3);
    const [r, a, b] = all;
    assert.ok(r?.kind === 'dead_letter');
    assert.equal(r.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
    assert.match(r.reason, /^document 2, line 13: not valid YAML: /);
    assert.match(r.raw.toString('utf8'), /broken-config/);
    assert.ok(a?.kind === 'event' && a.stream === 'config' && a.event.resource.uid === 'iac:bad/broken.yaml#ConfigMap/default/ok-config');
    assert.ok(b?.kind === 'event' && b.stream === 'config' && b.event.resource.uid === 'iac:bad/broken.yaml#ConfigMap/default/after-broken');
  });

  it('CloudFormation resources without Type, with bad Properties or not a mapping are rejected with their lines', () => {
    const { events, rejects } = fixture('bad/cfn-problems.yaml');
    assert.deepEqual(events.map((e) => e.resource.name), ['Good']);
    assert.deepEqual(rejects.map((r) => r.reason), [
      'line 6: Resources.NoType: Type is missing',
      'line 9: Resources.BadProperties: Properties must be a mapping, got an array',
      'line 12: Resources.NotAMap: must be a mapping, got a number',
    ]);
  });

  it('JSON that is not IaC, and invalid JSON, are rejected', () => {
    const a = fixture('bad/not-iac.json');
    assert.equal(a.rejects.length, 1);
    assert.match(a.rejects[0]!.reason, /^line 1: not a CloudFormation template, Terraform JSON \(terraform show -json\), ARM template, ECS task definition or Kubernetes manifest: keys name, version, dependencies$/);
    const b = parse('x.json', '{\n  "Resources": {\n    "A": \n  }\n}');
    assert.equal(b.rejects.length, 1);
    assert.match(b.rejects[0]!.reason, /^line 4 column 3: not valid JSON: /);
  });

  it('a Kubernetes object without a name, and a Kubernetes audit event, are rejected', () => {
    assert.match(parse('a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n').rejects[0]!.reason, /^line 1: ConfigMap: metadata.name is missing$/);
    assert.match(parse('b.json', JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Event', auditID: 'x' })).rejects[0]!.reason, /a Kubernetes audit event, not a manifest/);
  });

  it('mapped fields of the wrong type are rejected, naming the field', () => {
    assert.match(parse('l.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: 7}\n').rejects[0]!.reason, /^line 1: Pod\/p: metadata.labels must be a mapping, got a number$/);
    assert.match(parse('o.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, ownerReferences: x}\n').rejects[0]!.reason, /metadata.ownerReferences must be a list, got a string/);
    assert.match(parse('n.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: 3}\n').rejects[0]!.reason, /metadata.namespace must be a string, got a number/);
    assert.match(parse('m.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: [1]\n').rejects[0]!.reason, /Pod: metadata must be a mapping, got an array/);
    assert.match(parse('t.yaml', 'Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {Tags: 5}\n').rejects[0]!.reason, /^line 2: Resources.B: Properties.Tags must be a list or a mapping, got a number$/);
    const plan = { format_version: '1.2', planned_values: { root_module: { resources: [{ address: 'a.b', mode: 'managed', type: 'a', values: { tags: 'x' } }, { address: 7, type: 'a' }], child_modules: {} } } };
    assert.deepEqual(parse('p.json', JSON.stringify(plan)).rejects.map((r) => r.reason), [
      'line 1: planned_values.root_module.resources[0]: values.tags must be an object, got a string',
      'line 1: planned_values.root_module.resources[1]: address must be a non-empty string, got a number',
      'line 1: planned_values.root_module.child_modules must be an array, got an object',
    ]);
  });

  it('gzip input is read; an empty file gives nothing', () => {
    assert.equal(parse('q.json.gz', gzipSync(readBytes('cfn/queue.json'))).events.length, 3);
    assert.deepEqual(parseConfigFile('empty.yaml', Buffer.alloc(0)), []);
    assert.deepEqual(parseConfigFile('blank.yaml', Buffer.from('\n\n# only a comment\n')), []);
  });

  it('never throws on garbage, alias bombs, recursive aliases, deep nesting or huge strings', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    const inputs: Array<[string, Buffer]> = [
      ['bomb.yaml', Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  ${bomb.replace(/\n/g, '\n  ')}\n`)],
      ['cycle.yaml', Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: x, self: *m}\n')],
      ['deep.json', Buffer.from(`{"Resources":{"A":{"Type":"AWS::X::Y","Properties":{"p":${'['.repeat(50000)}${']'.repeat(50000)}}}}}`)],
      ['huge.yaml', Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {k: "${'a'.repeat(3_000_000)}"}\n`)],
      ['tabs.yaml', Buffer.from('\tapiVersion: v1\n\tkind: x\n')],
    ];
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 80; i++) inputs.push([`junk${i}.bin`, Buffer.from(Array.from({ length: rand(300) + 1 }, () => rand(256)))]);
    const texts = [readText('cfn/public-bucket.yaml'), readText('k8s/workloads.yaml'), readText('terraform/plan.json'), readText('cfn/queue.json')];
    for (const [t, text] of texts.entries()) for (let i = 0; i < 40; i++) inputs.push([`cut${t}-${i}${t >= 2 ? '.json' : '.yaml'}`, Buffer.from(text.slice(0, rand(text.length)))]);
    for (const [name, bytes] of inputs) {
      const out = parseConfigFile(name, bytes, { time: TIME });
      for (const o of out) {
        if (o.kind === 'dead_letter') assert.ok(o.reason.length > 0, name);
        else if (o.stream === 'config') assertAvroRoundTrip(o.event, o.position);
      }
    }
    const cycle = parseConfigFile('cycle.yaml', inputs[1]![1], { time: TIME });
    assert.equal(cycle.length, 1);
    assert.equal(cycle[0]!.kind, 'dead_letter');
    const bombOut = parseConfigFile('bomb.yaml', inputs[0]![1], { time: TIME });
    assert.equal(bombOut.length, 1);
    assert.ok(bombOut[0]!.kind === 'dead_letter' && /alias|Excessive/i.test(bombOut[0]!.reason), bombOut[0]!.kind === 'dead_letter' ? bombOut[0]!.reason : '');
  });
});
