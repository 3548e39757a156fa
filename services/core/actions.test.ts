import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessKeyTarget, actionResultProblem, executorAction, revokeIngressTarget, worldCidrs } from './actions.ts';

test('executorAction: a signed-ready action record with a deterministic id that changes with the target and the event', () => {
  const base = { detector: 'posture', rule: 'r1', action: 'revoke_ingress' as const, target: { group_id: 'sg-0123456789abcdef0', protocol: 'tcp', from_port: 22, to_port: 22 }, resourceUid: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123456789abcdef0', account: '111122223333', region: 'eu-west-1', reason: 'SSH open', findingId: 'f1', eventUid: 'e1', time: 5 };
  const a = executorAction(base);
  assert.equal(a.stream, 'actions');
  assert.equal(a.key, base.resourceUid);
  assert.deepEqual({ ...a.value, id: undefined }, { id: undefined, action: 'revoke_ingress', target: base.target, resource_uid: base.resourceUid, account: '111122223333', region: 'eu-west-1', reason: 'SSH open', finding_id: 'f1', detector: 'posture', rule: 'r1', time: 5 });
  assert.equal(executorAction(base).value.id, a.value.id);
  assert.notEqual(executorAction({ ...base, eventUid: 'e2' }).value.id, a.value.id);
  assert.notEqual(executorAction({ ...base, target: { ...base.target, from_port: 3389, to_port: 3389 } }).value.id, a.value.id);
});

test('world-open ranges and revoke targets: one range named, both left to the executor', () => {
  const p = { protocol: 'tcp', from_port: 22, to_port: 22, cidrs: ['10.0.0.0/8', '0.0.0.0/0'] };
  assert.deepEqual(worldCidrs(p), ['0.0.0.0/0']);
  assert.deepEqual(revokeIngressTarget('sg-1', p, null), { group_id: 'sg-1', protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0' });
  assert.deepEqual(revokeIngressTarget('sg-1', { protocol: '-1', from_port: 0, to_port: 65535, cidrs: ['0.0.0.0/0', '::/0'] }, 'arn'), { group_id: 'sg-1', protocol: '-1', arn: 'arn' });
  assert.deepEqual(worldCidrs({ ...p, cidrs: ['10.0.0.0/8'] }), []);
});

test('accessKeyTarget: an IAM user long-term key only', () => {
  assert.deepEqual(accessKeyTarget({ type: 'IAMUser', name: 'alice', credential_uid: 'AKIAIOSFODNN7EXAMPLE' }), { user_name: 'alice', access_key_id: 'AKIAIOSFODNN7EXAMPLE' });
  assert.equal(accessKeyTarget({ type: 'IAMUser', name: 'alice', credential_uid: 'ASIAIOSFODNN7EXAMPLE' }), null, 'temporary credentials');
  assert.equal(accessKeyTarget({ type: 'AssumedRole', name: 'r', credential_uid: 'AKIAIOSFODNN7EXAMPLE' }), null);
  assert.equal(accessKeyTarget({ type: 'Root', name: null, credential_uid: 'AKIAIOSFODNN7EXAMPLE' }), null);
});

test('actionResultProblem: a result passes, the rest say why', () => {
  const r = { action_id: 'a', executor: 'webhook', outcome: 'done', reason: '', steps: [], account: null, region: null, target: {}, finding_id: null, detector: null, dry_run: false, time: 1 };
  assert.equal(actionResultProblem(r), null);
  assert.equal(actionResultProblem([]), 'not a JSON object');
  assert.equal(actionResultProblem({ ...r, dry_run: 'no' }), 'dry_run is not a boolean');
  assert.equal(actionResultProblem({ ...r, steps: [1] }), 'steps is not a list of strings');
});
