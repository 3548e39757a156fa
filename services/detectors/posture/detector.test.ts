import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SideOutput } from '../../core/components.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { parseConfigFile } from '../../collectors/config_files/index.ts';
import { PostureConfig } from './config.ts';
import { PostureDetector, type PostureState } from './detector.ts';

function iac(name: string, text: string): ConfigState[] {
  return parseConfigFile(name, Buffer.from(text), { time: Date.UTC(2024, 0, 1) }).flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
}

function setup() {
  const emitted: SideOutput[] = [];
  const state = new MemoryKeyedState<PostureState>();
  const d = new PostureDetector(PostureConfig.parse({ enabled: true }), { state, emit: (o) => emitted.push(o) });
  const run = (e: ConfigState) => d.process(e, { key: e.resource.uid, topic: 'config', partition: 0, offset: '0' });
  return { d, state, emitted, run };
}

const OPEN = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0 }
`;
const CLOSED = OPEN.replace('0.0.0.0/0', '10.0.0.0/8');

test('a new failure gives one Compliance finding and one remediation action; the same configuration again gives none', () => {
  const { run, emitted, state } = setup();
  const [e] = iac('sg.yaml', OPEN);
  const first = run(e!);
  const ids = first.map((f) => f.rule).sort();
  assert.ok(ids.includes('posture.aws.ec2.sg_ssh_open_to_world'), ids.join(','));
  for (const f of first) {
    assert.equal(f.class_uid, 2003);
    assert.equal(f.type_uid, 200301);
    assert.equal(f.evidences[0]!.status, 'fail');
    assert.deepEqual(f.finding_info.related_events, [{ uid: e!.metadata.uid }]);
  }
  assert.equal(emitted.length, first.filter((f) => f.evidences[0]!.remediation !== null).length);
  assert.ok(emitted.every((o) => o.stream === 'actions' && o.key === e!.resource.uid));
  assert.deepEqual(state.get(e!.resource.uid)!.failing, ids);
  assert.deepEqual(run(e!), []);
});

test('a fixed configuration resolves exactly the rules it now passes; a replay gives the same ids', () => {
  const { run } = setup();
  const [open] = iac('sg.yaml', OPEN);
  const [closed] = iac('sg.yaml', CLOSED);
  const failed = run(open!);
  const resolved = run(closed!);
  assert.deepEqual(resolved.map((f) => [f.rule, f.evidences[0]!.status]), [['posture.aws.ec2.sg_ssh_open_to_world', 'pass']]);
  assert.equal(resolved[0]!.severity, 'Informational');
  const again = setup();
  assert.deepEqual(again.run(open!).map((f) => f.id), failed.map((f) => f.id));
});

test('a deletion resolves every failing rule and drops the state', () => {
  const { run, state } = setup();
  const [open] = iac('sg.yaml', OPEN);
  const failed = run(open!);
  const del: ConfigState = { ...open!, change_type: 'delete', configuration: null, metadata: { ...open!.metadata, uid: 'del-1' } };
  const out = run(del);
  assert.equal(out.length, failed.length);
  assert.ok(out.every((f) => f.evidences[0]!.status === 'pass' && f.evidences[0]!.reason === 'resource deleted'));
  assert.equal(state.has(open!.resource.uid), false);
});

test('Kubernetes manifests and unknown configurations: privileged pods fail, an oversized item keeps the status', () => {
  const { run, d } = setup();
  const [pod] = iac('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: shop }\nspec:\n  containers: [{ name: c, image: "a:1", securityContext: { privileged: true } }]\n');
  const rules = run(pod!).map((f) => f.rule);
  assert.ok(rules.includes('posture.k8s.privileged_container'));
  assert.ok(!rules.includes('posture.k8s.default_namespace'));
  assert.deepEqual(run({ ...pod!, configuration: null, status: 'Oversized' }), []);
  assert.equal(d.stats().skipped, 1);
});

test('an unknown disabled rule is a config error', () => {
  assert.throws(() => new PostureDetector(PostureConfig.parse({ disabledRules: ['no.such.rule'] }), { state: new MemoryKeyedState(), emit: () => {} }), /unknown rules: no.such.rule/);
});
