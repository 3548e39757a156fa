import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { awsConfigCollector } from '../../collectors/aws_config/index.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { MemoryKeyedState } from '../../core/state.ts';
import { ConfigDriftConfig } from './config.ts';
import { ConfigDriftDetector } from './detector.ts';
import { applyApproval, type DriftState } from './state.ts';
import { diffConfigurations } from './diff.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** The ConfigState events of a recorded history, oldest first. */
function history(name: string): ConfigState[] {
  const outs = [...awsConfigCollector({}).collect({ name, bytes: readFileSync(new URL(name, FIXTURES)) })];
  return outs.flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : [])).sort((a, b) => a.time - b.time);
}

/** A later version of a real item: its configuration edited, a new time and uid, hash recomputed. */
function version(e: ConfigState, n: number, edit: (c: Record<string, unknown>) => void, change: ConfigState['change_type'] = 'update'): ConfigState {
  const c = JSON.parse(e.configuration!) as Record<string, unknown>;
  edit(c);
  const text = JSON.stringify(c);
  return { ...e, time: e.time + n * 60_000, change_type: change, configuration: text, configuration_hash: createHash('sha256').update(text).digest('hex'), metadata: { ...e.metadata, uid: `${e.resource.uid}@v${n}` } };
}

function setup(overrides: Record<string, unknown> = {}) {
  const state = new MemoryKeyedState<DriftState>();
  const d = new ConfigDriftDetector(ConfigDriftConfig.parse({ enabled: true, ...overrides }), { state });
  return { state, run: (e: ConfigState) => d.process(e, { key: e.resource.uid, topic: 'config', partition: 0, offset: '0' }) };
}

const WORLD_SSH = { fromPort: 22, toPort: 22, ipProtocol: 'tcp', ipRanges: ['0.0.0.0/0'], prefixListIds: [], userIdGroupPairs: [] };

test('the recorded security-group histories set a baseline and repeat versions give no finding', () => {
  const { run, state } = setup();
  let findings = 0;
  for (const f of ['test_sg_config_diff__config.GetResourceConfigHistory_1.json', 'test_sg_config_ingres_diff__config.GetResourceConfigHistory_1.json', 'test_sg_config_patch_pitr__config.GetResourceConfigHistory_1.json']) {
    const events = history(f);
    assert.ok(events.length >= 1);
    for (const e of events) findings += run(e).length;
  }
  assert.equal(findings, 0);
  assert.equal(state.size, 2);
  const s = state.get('arn:aws:ec2:us-east-1:644160558196:security-group/sg-a38ed1de')!;
  assert.equal(s.baselineSource, 'first_seen');
  assert.equal(s.baselineHash, s.currentHash);
});

test('opening SSH to the world on a real security group raises one high drift finding with a structured diff; 8080 (already open) is not reported again', () => {
  const { run } = setup();
  const [base] = history('test_sg_config_diff__config.GetResourceConfigHistory_1.json');
  run(base!);
  const opened = version(base!, 1, (c) => (c.ipPermissions as unknown[]).push(WORLD_SSH));
  const out = run(opened);
  assert.equal(out.length, 1);
  const f = out[0]!;
  assert.equal(f.rule, 'config_drift.sg_open_to_world');
  assert.equal(f.severity, 'High');
  assert.match(f.message, /tcp 22-22 to 0\.0\.0\.0\/0/);
  const diff = JSON.parse(String(f.evidences[0]!.diff)) as Array<{ path: string; change: string }>;
  assert.ok(diff.some((d) => d.path === '$.ipPermissions[2]' && d.change === 'added'), JSON.stringify(diff));
  assert.equal(f.evidences[0]!.differs_from_baseline, true);
  assert.deepEqual(f.finding_info.related_events.map((r) => r.uid), [base!.metadata.uid, opened.metadata.uid]);
  // Closing it again is not risky; opening all traffic is critical.
  assert.deepEqual(run(version(base!, 2, () => {})), []);
  const all = run(version(base!, 3, (c) => (c.ipPermissions as unknown[]).push({ ipProtocol: '-1', ipRanges: ['0.0.0.0/0'] })));
  assert.equal(all[0]!.severity, 'Critical');
});

test('deletion and re-creation are reported; the re-created configuration is diffed against the last one', () => {
  const { run, state } = setup();
  const [base] = history('test_sg_config_ingres_diff__config.GetResourceConfigHistory_1.json');
  run(base!);
  const del: ConfigState = { ...base!, time: base!.time + 60_000, change_type: 'delete', configuration: null, configuration_hash: null, status: 'ResourceDeleted', metadata: { ...base!.metadata, uid: 'del' } };
  assert.deepEqual(run(del).map((f) => f.rule), ['config_drift.deleted']);
  assert.equal(state.get(base!.resource.uid)!.deleted, true);
  assert.deepEqual(run(del), []);
  const back = version(base!, 2, (c) => (c.ipPermissions as unknown[]).push({ ...WORLD_SSH, fromPort: 3389, toPort: 3389 }), 'create');
  const rules = run(back).map((f) => f.rule).sort();
  assert.deepEqual(rules, ['config_drift.recreated', 'config_drift.sg_open_to_world']);
});

test('an approval makes the current configuration the baseline; a stale hash is refused', () => {
  const { run, state } = setup();
  const [base] = history('test_sg_config_diff__config.GetResourceConfigHistory_1.json');
  run(base!);
  const changed = version(base!, 1, (c) => (c.description = 'changed'));
  run(changed);
  const key = base!.resource.uid;
  const before = state.get(key)!;
  assert.equal(before.baselineHash, base!.configuration_hash);
  const stale = applyApproval(before, { resource: key, hash: base!.configuration_hash!, by: 'alice', time: 1 });
  assert.equal(stale.applied, false);
  const ok = applyApproval(before, { resource: key, hash: changed.configuration_hash!, by: 'alice', time: 2 });
  assert.equal(ok.applied, true);
  assert.equal(ok.state!.baselineHash, changed.configuration_hash);
  assert.equal(ok.state!.baselineSource, 'approved');
  assert.equal(before.baselineSource, 'first_seen');
  assert.equal(applyApproval(undefined, { resource: 'x', by: 'a', time: 1 }).applied, false);
});

test('risky changes beyond security groups: public access block removed, bucket policy *, privileged pod, cluster-admin binding', () => {
  const { run } = setup();
  const mk = (uid: string, type: string, source: ConfigState['source'], cfg: unknown, n: number): ConfigState => {
    const text = JSON.stringify(cfg);
    return {
      class_uid: 5023, category_uid: 5, activity_id: 1, type_uid: 502301, time: 1000 + n, change_type: 'update', source,
      metadata: { uid: `${uid}@${n}`, version: '1.3.0', product_name: 'x', vendor_name: 'x', log_name: null, original_time: '', source },
      resource: { uid, type, name: null, account_uid: null, region: null, tags: [] },
      configuration: text, configuration_hash: createHash('sha256').update(text).digest('hex'), status: null, relationships: [], location: null, unmapped: '{}', raw_data: null,
    };
  };
  const pab = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };
  const enc = { ServerSideEncryptionConfiguration: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] }, BucketLoggingConfiguration: { destinationBucketName: 'l' } };
  run(mk('b', 'AWS::S3::Bucket', 'aws_config', { supplementary: { PublicAccessBlockConfiguration: pab, ...enc } }, 1));
  const policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }] });
  const bucket = run(mk('b', 'AWS::S3::Bucket', 'aws_config', { supplementary: { ...enc, BucketPolicy: { policyText: policy } } }, 2)).map((f) => f.rule).sort();
  assert.deepEqual(bucket, ['config_drift.policy_public', 'config_drift.public_access_block_removed']);
  const pod = (privileged: boolean) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'a:1', securityContext: { privileged } }] } });
  run(mk('p', 'v1/Pod', 'k8s', pod(false), 1));
  assert.deepEqual(run(mk('p', 'v1/Pod', 'k8s', pod(true), 2)).map((f) => [f.rule, f.severity]), [['config_drift.pod_privileged', 'Critical']]);
  const binding = (name: string) => ({ kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name }, subjects: [] });
  run(mk('rb', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'k8s', binding('view'), 1));
  assert.deepEqual(run(mk('rb', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'k8s', binding('cluster-admin'), 2)).map((f) => f.rule), ['config_drift.rbac_cluster_admin']);
});

test('diffs mask secret-looking values and configurations over the cap are kept as a hash only', () => {
  const d = diffConfigurations({ env: { DB_PASSWORD: 'hunter2-long' }, key: 'AKIAABCDEFGHIJKLMNOP' }, { env: { DB_PASSWORD: 'other-secret' }, key: 'x' }, { maxPaths: 10, maxValueChars: 200 });
  const text = JSON.stringify(d);
  assert.ok(!text.includes('hunter2') && !text.includes('other-secret') && !text.includes('AKIAABCDEFGHIJKLMNOP'), text);
  assert.equal(d.total, 2);
  const { run, state } = setup({ maxStoredConfigBytes: 1024 });
  const [base] = history('test_sg_config_diff__config.GetResourceConfigHistory_1.json');
  const big = version(base!, 0, (c) => (c.description = 'x'.repeat(2000)));
  run(big);
  assert.equal(state.get(base!.resource.uid)!.current, null);
  assert.ok(state.get(base!.resource.uid)!.currentHash);
  const out = run(version(base!, 1, (c) => (c.ipPermissions as unknown[]).push(WORLD_SSH)));
  assert.equal(out[0]!.evidences[0]!.diff, null);
});
