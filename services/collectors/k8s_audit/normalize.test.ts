import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '../../core/errors.ts';
import { OCSF_VERSION } from '../../core/events.ts';
import { stableRecordUid } from '../aws_cloudtrail/index.ts';
import { pantherLog } from '../../../test/fixtures/k8s_audit/load.ts';
import { k8sFormOf, k8sServiceName, normalizeK8sAudit, normalizeK8sAuditEvent, parseGkeResourceName, sniffK8sAudit } from './index.ts';
import { unmappedOf, assertMalformed } from '../../../test/fixtures/activity-kit.ts';

const INGEST = Date.UTC(2030, 0, 1);
const opts = { ingestTime: INGEST };

describe('normalizeK8sAudit: EKS native event (SystemNamespaceFromPublicIP#5, eks:addon-manager)', () => {
  const log = pantherLog('Amazon.EKS.Audit.SystemNamespaceFromPublicIP#5');
  const e = normalizeK8sAudit(log, opts);

  it('maps principal, credential and the IAM role that issued the session', () => {
    assert.deepEqual(e.actor.user, {
      uid: 'eks:addon-manager',
      name: 'eks:addon-manager',
      type: 'System',
      account_uid: null,
      credential_uid: 'ASIAXXXXXXXXXXXXXXXX',
    });
    assert.deepEqual(e.actor.session, {
      is_mfa: null,
      issuer: 'arn:aws:iam::123412341234:role/AWSWesleyClusterManagerLambda-Add-AddonManagerRole-G332QAM69HWF',
      created_time: null,
    });
  });

  it('maps verb, service, resource and version', () => {
    assert.equal(e.api.operation, 'get');
    assert.equal(e.activity_id, 2);
    assert.equal(e.type_uid, 600302);
    assert.equal(e.api.service_name, 'k8s:apps/deployments');
    assert.equal(e.api.version, 'v1');
    assert.equal(e.api.request_uid, '43410f6e-9c19-482b-b2c7-f2cde260b0e9');
    assert.deepEqual(e.resources, [{ uid: 'apps/namespaces/kube-system/deployments/coredns', type: 'deployments', name: 'coredns' }]);
  });

  it('maps time, status, source, user agent, provider and uid', () => {
    assert.equal(e.time, Date.UTC(2022, 11, 1, 18, 20, 25, 54));
    assert.equal(e.metadata.original_time, '2022-12-01 18:20:25.054');
    assert.equal(e.status, 'Success');
    assert.equal(e.status_id, 1);
    assert.equal(e.status_code, '200');
    assert.deepEqual(e.src_endpoint, { ip: '35.163.244.48', domain: null });
    assert.equal(e.user_agent, 'Go-http-client/1.1');
    assert.deepEqual(e.cloud, { provider: 'EKS', region: null, account_uid: null }, 'p_log_type Amazon.EKS.Audit names the form');
    assert.deepEqual(e.metadata, {
      uid: '43410f6e-9c19-482b-b2c7-f2cde260b0e9',
      version: OCSF_VERSION,
      product_name: 'Kubernetes Audit',
      vendor_name: 'Kubernetes',
      log_name: null,
      original_time: '2022-12-01 18:20:25.054',
      source: 'k8s_audit',
    });
  });

  it('keeps groups, user extra, annotations, stage and requestURI in unmapped, and no Panther fields', () => {
    const u = unmappedOf(e);
    assert.deepEqual((u.user as { groups: string[] }).groups, ['system:authenticated']);
    assert.equal((u.user as { uid: string }).uid, 'aws-iam-authenticator:123412341234:AROATAVZDPHFJWUSNL3ZV');
    assert.equal(u.stage, 'ResponseComplete');
    assert.equal(u.stageTimestamp, '2022-12-01 18:20:25.078');
    assert.equal(u.requestURI, '/apis/apps/v1/namespaces/kube-system/deployments/coredns?timeout=10s');
    assert.equal(u.level, 'Request');
    assert.match(String((u.annotations as Record<string, string>)['authorization.k8s.io/reason']), /^RBAC: allowed by RoleBinding/);
    assert.deepEqual(Object.keys(u).filter((k) => k.startsWith('p_')), []);
    assert.ok(!('_sluice' in u));
    assert.equal(e.raw_data, JSON.stringify(log));
  });
});

describe('normalizeK8sAudit: status', () => {
  it('forbidden anonymous path probe (AnonymousAPIAccess#7)', () => {
    const e = normalizeK8sAudit(pantherLog('Amazon.EKS.AnonymousAPIAccess#7'), opts);
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_id, 2);
    assert.equal(e.status_code, '403');
    assert.equal(e.status_detail, 'forbidden: User "system:anonymous" cannot get path "/vendor/phpunit/src/Util/PHP/eval-stdin.php"');
    assert.equal(e.actor.user.type, 'Anonymous');
    assert.equal(e.api.service_name, 'k8s:nonresource');
    assert.deepEqual(e.resources, [{ uid: '/vendor/phpunit/src/Util/PHP/eval-stdin.php', type: 'nonResourceURL', name: null }]);
    assert.deepEqual(e.src_endpoint, { ip: '8.216.81.10', domain: null });
    assert.equal(e.user_agent, 'Custom-AsyncHttpClient');
    assert.equal(e.cloud.provider, 'Kubernetes', 'no p_log_type on this case: the configured default');
    assert.deepEqual((unmappedOf(e).user as { groups: string[] }).groups, ['system:unauthenticated']);
  });

  it('403 on a watch of a service account (Multiple403#1)', () => {
    const e = normalizeK8sAudit(pantherLog('Amazon.EKS.Audit.Multiple403#1'), opts);
    assert.equal(e.status, 'Failure');
    assert.equal(e.api.operation, 'watch');
    assert.equal(e.api.service_name, 'k8s:discovery.k8s.io/endpointslices');
    assert.equal(e.actor.user.type, 'ServiceAccount');
    assert.equal(e.actor.user.uid, 'system:serviceaccount:kube-system:coredns');
    assert.deepEqual(e.resources, [{ uid: 'discovery.k8s.io/endpointslices', type: 'endpointslices', name: null }]);
  });

  it('AKS control-plane users are System, other names are Users', () => {
    const base = pantherLog('Amazon.EKS.AnonymousAPIAccess#1');
    for (const name of ['aksService', 'masterclient', 'nodeclient', 'aksProblemDetector']) {
      assert.equal(normalizeK8sAudit({ ...base, user: { username: name } }, opts).actor.user.type, 'System', name);
    }
    assert.equal(normalizeK8sAudit({ ...base, user: { username: 'clusterAdmin' } }, opts).actor.user.type, 'User');
  });

  it('an authorization "forbid" without a response code is a failure; a missing outcome is Unknown', () => {
    const base = pantherLog('Amazon.EKS.AnonymousAPIAccess#2');
    const { responseStatus: _rs, ...noStatus } = base;
    assert.equal(normalizeK8sAudit({ ...noStatus, annotations: { 'authorization.k8s.io/decision': 'forbid' } }, opts).status, 'Failure');
    const unknown = normalizeK8sAudit({ ...noStatus, annotations: {} }, opts);
    assert.equal(unknown.status, 'Unknown');
    assert.equal(unknown.status_id, 0);
  });
});

describe('normalizeK8sAudit: stages', () => {
  const started = pantherLog('Amazon.EKS.Audit.Multiple403#0');

  it('normalizes ResponseStarted with a stage-suffixed uid (the ResponseComplete of the same request keeps the bare auditID)', () => {
    const e = normalizeK8sAudit(started, opts);
    assert.equal(e.metadata.uid, '35506555-dffc-4337-b2b1-c4af52b88e18:ResponseStarted');
    assert.equal(e.api.request_uid, '35506555-dffc-4337-b2b1-c4af52b88e18');
    assert.equal(e.api.service_name, 'k8s:core/pods/log');
    assert.deepEqual(e.resources, [{ uid: 'core/namespaces/default/pods/kube-bench-drn4j', type: 'pods', name: 'kube-bench-drn4j' }]);
    assert.equal(unmappedOf(e).stage, 'ResponseStarted');
    const complete = normalizeK8sAudit({ ...started, stage: 'ResponseComplete' }, opts);
    assert.equal(complete.metadata.uid, '35506555-dffc-4337-b2b1-c4af52b88e18');
  });

  it('rejects RequestReceived by default, with a reason naming the stage; accepts it when configured', () => {
    const rr = { ...started, stage: 'RequestReceived' };
    assert.throws(
      () => normalizeK8sAudit(rr, opts),
      (e: unknown) =>
        e instanceof SluiceError &&
        e.code === 'SLUICE_ERR_INPUT_FILTERED' &&
        /stage "RequestReceived" is not collected \(configured stages: ResponseStarted, ResponseComplete, Panic\)/.test(e.message),
    );
    assert.equal(normalizeK8sAudit(rr, { ...opts, stages: ['RequestReceived', 'ResponseComplete'] }).metadata.uid, '35506555-dffc-4337-b2b1-c4af52b88e18:RequestReceived');
  });
});

describe('normalizeK8sAudit: GKE Cloud Audit Logs entries', () => {
  it('AlreadyExists on services create (NodePort.Deployed#1)', () => {
    const log = pantherLog('GCP.K8S.Service.Type.NodePort.Deployed#1');
    const e = normalizeK8sAudit(log, opts);
    assert.equal(e.actor.user.uid, 'some.user@company.com');
    assert.equal(e.actor.user.type, 'User');
    assert.equal(e.api.operation, 'create');
    assert.equal(e.activity_id, 1);
    assert.equal(e.api.service_name, 'k8s:core/services');
    assert.equal(e.api.version, 'v1');
    assert.deepEqual(e.resources, [{ uid: 'core/namespaces/default/services/test-ns', type: 'services', name: 'test-ns' }]);
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_code, '409');
    assert.equal(e.status_detail, 'services "test-ns" already exists');
    assert.deepEqual(e.cloud, { provider: 'GKE', region: 'us-west1', account_uid: 'some-project' });
    assert.equal(e.actor.user.account_uid, 'some-project');
    assert.deepEqual(e.src_endpoint, { ip: '1.2.3.4', domain: null });
    assert.equal(e.user_agent, 'kubectl/v1.28.2 (darwin/amd64) kubernetes/89a4ea3');
    assert.equal(e.time, Date.UTC(2024, 1, 20, 13, 47, 43, 126));
    assert.equal(e.metadata.original_time, '2024-02-20 13:47:43.126037000');
    assert.equal(e.metadata.log_name, 'projects/some-project/logs/cloudaudit.googleapis.com%2Factivity');
    assert.equal(e.metadata.uid, stableRecordUid(log), 'no insertId in the export: a hash');
    const u = unmappedOf(e);
    assert.equal(u.cluster, 'some-project-cluster');
    assert.equal(((u.protoPayload as { response: { reason: string } }).response).reason, 'AlreadyExists');
  });

  it('a successful create is Success; a denied permission is Failure (Host.Path#0, NodePort#2)', () => {
    assert.equal(normalizeK8sAudit(pantherLog('GCP.K8S.Pod.Create.Or.Modify.Host.Path.Volume.Mount#0'), opts).status, 'Success');
    const denied = normalizeK8sAudit(pantherLog('GCP.K8S.Service.Type.NodePort.Deployed#2'), opts);
    assert.equal(denied.status, 'Failure');
    assert.equal(denied.status_detail, 'authorization decision: forbid');
  });

  it('reads an export that lower-cased the LogEntry fields (protopayload, logname, insertid)', () => {
    const entry = {
      protoPayload: {
        authenticationInfo: { principalEmail: 'dev@acme.example' },
        methodName: 'io.k8s.core.v1.pods.create',
        resourceName: 'core/v1/namespaces/shop/pods/web',
        serviceName: 'k8s.io',
        request: { spec: { containers: [{ name: 'web', securityContext: { privileged: true } }] } },
        status: {},
      },
      insertId: 'gke-1',
      logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity',
      resource: { type: 'k8s_cluster', labels: { project_id: 'acme-prod', cluster_name: 'blue', location: 'europe-west1' } },
      timestamp: '2025-03-04T10:11:12.123Z',
    };
    const lower = { protopayload: entry.protoPayload, insertid: entry.insertId, logname: entry.logName, resource: entry.resource, timestamp: entry.timestamp };
    assert.equal(k8sFormOf(lower), 'gke');
    assert.equal(sniffK8sAudit(lower), true);
    const a = normalizeK8sAudit(entry, opts);
    const b = normalizeK8sAudit(lower, opts);
    assert.equal(b.api.service_name, 'k8s:core/pods');
    assert.equal(b.metadata.uid, 'gke-1');
    assert.equal(b.metadata.log_name, entry.logName);
    assert.deepEqual({ ...b, raw_data: null }, { ...a, raw_data: null });
  });

  it('a multi-segment API group in the method name (io.k8s.authorization.rbac.v1…) is not read as a subresource', () => {
    const entry = (method: string, resourceName?: string) => ({
      protoPayload: {
        authenticationInfo: { principalEmail: 'dev@acme.example' },
        methodName: method,
        ...(resourceName ? { resourceName } : {}),
        serviceName: 'k8s.io',
        status: {},
      },
      insertId: 'gke-rbac',
      resource: { type: 'k8s_cluster', labels: { project_id: 'acme-prod', cluster_name: 'blue', location: 'europe-west1' } },
      timestamp: '2025-03-04T10:11:12.123Z',
    });
    const withName = normalizeK8sAudit(entry('io.k8s.authorization.rbac.v1.clusterrolebindings.create', 'rbac.authorization.k8s.io/v1/clusterrolebindings/ops-admin'), opts);
    assert.equal(withName.api.service_name, 'k8s:rbac.authorization.k8s.io/clusterrolebindings');
    assert.equal(withName.resources[0]!.name, 'ops-admin');
    const methodOnly = normalizeK8sAudit(entry('io.k8s.admissionregistration.v1.mutatingwebhookconfigurations.create'), opts);
    assert.equal(methodOnly.api.service_name, 'k8s:admissionregistration.k8s.io/mutatingwebhookconfigurations');
    const rbacOnly = normalizeK8sAudit(entry('io.k8s.authorization.rbac.v1.roles.delete'), opts);
    assert.equal(rbacOnly.api.service_name, 'k8s:rbac.authorization.k8s.io/roles');
    assert.equal(rbacOnly.api.version, 'v1');
    const exec = normalizeK8sAudit(entry('io.k8s.core.v1.pods.exec.create', 'core/v1/namespaces/shop/pods/web/exec'), opts);
    assert.equal(exec.api.service_name, 'k8s:core/pods/exec');
  });

  it('a google.rpc status code gives the HTTP status code (7 -> 403, 16 -> 401); a denied grant alone is 403', () => {
    const entry = (status: unknown, granted: boolean) => ({
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        authenticationInfo: { principalEmail: 'ops@acme.example' },
        authorizationInfo: [{ granted, permission: 'io.k8s.core.v1.secrets.get', resource: 'core/v1/namespaces/pay/secrets/db' }],
        methodName: 'io.k8s.core.v1.secrets.get',
        resourceName: 'core/v1/namespaces/pay/secrets/db',
        serviceName: 'k8s.io',
        ...(status === undefined ? {} : { status }),
      },
      resource: { type: 'k8s_cluster', labels: { project_id: 'acme-prod', cluster_name: 'blue', location: 'europe-west1' } },
      timestamp: '2025-03-04T10:11:12.123Z',
    });
    const forbidden = normalizeK8sAudit(entry({ code: 7, message: 'PERMISSION_DENIED' }, false), opts);
    assert.equal(forbidden.status, 'Failure');
    assert.equal(forbidden.status_code, '403');
    assert.equal(normalizeK8sAudit(entry({ code: 16, message: 'UNAUTHENTICATED' }, false), opts).status_code, '401');
    assert.equal(normalizeK8sAudit(entry({ code: 5, message: 'NOT_FOUND' }, true), opts).status_code, '404');
    assert.equal(normalizeK8sAudit(entry(undefined, false), opts).status_code, '403');
    const ok = normalizeK8sAudit(entry({}, true), opts);
    assert.equal(ok.status, 'Success');
    assert.equal(ok.status_code, null, 'proto3 OK (code 0 omitted) carries no HTTP code');
  });

  it('exec subresource from the resourceName; no time falls back to ingest time (StealServiceAccountToken#2)', () => {
    const e = normalizeK8sAudit(pantherLog('Kubernetes.Pod.StealServiceAccountToken#2'), opts);
    assert.equal(e.api.service_name, 'k8s:core/pods/exec');
    assert.deepEqual(e.resources, [{ uid: 'core/namespaces/production/pods/database', type: 'pods', name: 'database' }]);
    assert.equal(e.status, 'Unknown');
    assert.equal(e.time, INGEST);
    assert.equal(e.metadata.original_time, '');
    assert.deepEqual(unmappedOf(e)._sluice, { fallbacks: ['time'] });
    assert.deepEqual(e.cloud, { provider: 'GKE', region: null, account_uid: 'test-project' });
  });

  it('authorizationInfo beside protoPayload gives the resource; no principal -> "unknown" (Using.Host.PID#0)', () => {
    const e = normalizeK8sAudit(pantherLog('GCP.K8s.Pod.Using.Host.PID.Namespace#0'), opts);
    assert.equal(e.actor.user.uid, 'unknown');
    assert.equal(e.actor.user.name, null);
    assert.equal(e.actor.user.type, null);
    assert.deepEqual(e.resources, [{ uid: 'core/namespaces/default/pods/nginx-test', type: 'pods', name: 'nginx-test' }]);
    assert.deepEqual(unmappedOf(e)._sluice, { fallbacks: ['time', 'principal'] });
  });
});

describe('normalizeK8sAudit: AKS kube-audit diagnostics record', () => {
  it('parses properties.log (Pod.Host.Network#1)', () => {
    const log = pantherLog('Kubernetes.Pod.Host.Network#1');
    const e = normalizeK8sAudit(log, opts);
    assert.equal(e.metadata.uid, 'abc-123');
    assert.equal(e.actor.user.uid, 'admin@example.com');
    assert.equal(e.api.operation, 'create');
    assert.equal(e.api.service_name, 'k8s:core/pods');
    assert.equal(e.status_code, '201');
    assert.deepEqual(e.src_endpoint, { ip: '10.0.0.1', domain: null });
    assert.equal(e.cloud.provider, 'AKS');
    assert.equal(e.metadata.log_name, 'kube-audit');
    assert.equal(e.raw_data, JSON.stringify(log), 'raw_data is the diagnostics record');
    const u = unmappedOf(e);
    assert.equal((u.requestObject as { spec: { hostNetwork: boolean } }).spec.hostNetwork, true);
    assert.equal((u.aks as { operationName: string }).operationName, 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read');
  });

  it('takes cluster, subscription and time from the wrapper', () => {
    const e = normalizeK8sAudit(
      {
        time: '2025-12-22T14:00:00.0000000Z',
        resourceId: '/SUBSCRIPTIONS/44444444-4444-4444-4444-444444444444/RESOURCEGROUPS/AKS-RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/PROD-AKS-CLUSTER',
        ...pantherLog('Kubernetes.Pod.Host.Network#1'),
      },
      opts,
    );
    assert.equal(e.cloud.account_uid, '44444444-4444-4444-4444-444444444444');
    assert.equal(unmappedOf(e).cluster, 'PROD-AKS-CLUSTER');
    assert.equal(e.time, Date.UTC(2025, 11, 22, 14, 0, 0));
    assert.equal(e.metadata.original_time, '2025-12-22T14:00:00.0000000Z');
  });

  it('rejects a properties.log that is not JSON', () => {
    assertMalformed(
      () => normalizeK8sAudit({ ...pantherLog('Kubernetes.Pod.Host.Network#1'), properties: { log: '{"verb":' } }, opts),
      /^properties\.log is not valid JSON/,
    );
    assertMalformed(() => normalizeK8sAudit({ category: 'kube-audit', properties: { log: '{"kind":"Event","verb":5}' } }, opts), /properties\.log\.verb must be a string, got a number/);
  });
});

describe('normalizeK8sAudit: fallbacks for cut-down events', () => {
  it('no user and no time (Pod.Dangerous.Capabilities#3)', () => {
    const e = normalizeK8sAudit(pantherLog('Kubernetes.Pod.Dangerous.Capabilities#3'), opts);
    assert.equal(e.actor.user.uid, 'unknown');
    assert.equal(e.time, INGEST);
    assert.deepEqual(unmappedOf(e)._sluice, { fallbacks: ['time', 'principal'] });
    assert.equal(e.status, 'Success');
    assert.deepEqual(e.resources, [{ uid: 'core/namespaces/default/pods', type: 'pods', name: null }]);
  });

  it('no verb (AnonymousAPIAccess#3): operation "unknown", activity 99', () => {
    const e = normalizeK8sAudit(pantherLog('Amazon.EKS.AnonymousAPIAccess#3'), opts);
    assert.equal(e.api.operation, 'unknown');
    assert.equal(e.activity_id, 99);
    assert.deepEqual(e.resources, [{ uid: '/healthz', type: 'nonResourceURL', name: null }]);
    assert.deepEqual(unmappedOf(e)._sluice, { fallbacks: ['time', 'operation'] });
  });

  it('with missingTime reject (no ingestTime), an event without a time is rejected', () => {
    assertMalformed(() => normalizeK8sAudit(pantherLog('Kubernetes.Pod.Dangerous.Capabilities#3')), /the event has no time/);
  });
});

describe('normalizeK8sAuditEvent: context of the delivery', () => {
  it('applies config defaults to native events and keeps the wrapper fields', () => {
    const { p_log_type: _p, ...ev } = pantherLog('Amazon.EKS.Audit.Multiple403#1');
    const e = normalizeK8sAuditEvent(ev, { logName: '/aws/eks/c1/cluster', wrapper: { key: 'cloudwatch', fields: { logStream: 's' } } }, {
      ...opts,
      defaults: { provider: 'EKS', cluster: 'c1', accountUid: '123412341234', region: 'us-west-2' },
    });
    assert.deepEqual(e.cloud, { provider: 'EKS', region: 'us-west-2', account_uid: '123412341234' });
    assert.equal(e.metadata.log_name, '/aws/eks/c1/cluster');
    const u = unmappedOf(e);
    assert.equal(u.cluster, 'c1');
    assert.deepEqual(u.cloudwatch, { logStream: 's' });
  });
});

describe('normalizeK8sAudit: bad records', () => {
  const base = pantherLog('Amazon.EKS.Audit.SystemNamespaceFromPublicIP#5');

  it('rejects records that are not audit events', () => {
    assertMalformed(() => normalizeK8sAudit('x', opts), /record must be a JSON object, got a string/);
    assertMalformed(() => normalizeK8sAudit({}, opts), /verb, requestURI and objectRef are all missing/);
    assertMalformed(() => normalizeK8sAudit({ apiVersion: 'v1', kind: 'Event', reason: 'Scheduled', involvedObject: {} }, opts), /apiVersion "v1" is not audit\.k8s\.io/);
    assertMalformed(() => normalizeK8sAudit({ ...base, kind: 'Pod' }, opts), /kind is "Pod", not "Event"/);
    assertMalformed(() => normalizeK8sAudit({ kind: 'EventList', items: [] }, opts), /EventList must be split/);
    assertMalformed(() => normalizeK8sAudit({ protoPayload: { methodName: 'storage.objects.get' } }, opts), /not an io\.k8s\.\* method/);
  });

  it('rejects wrong JSON types of mapped fields, naming the path', () => {
    assertMalformed(() => normalizeK8sAudit({ ...base, sourceIPs: '1.2.3.4' }, opts), /sourceIPs must be an array, got a string/);
    assertMalformed(() => normalizeK8sAudit({ ...base, sourceIPs: [7] }, opts), /sourceIPs\[0\] must be a string, got a number/);
    assertMalformed(() => normalizeK8sAudit({ ...base, responseStatus: { code: 'ok' } }, opts), /responseStatus\.code must be an integer, got "ok"/);
    assertMalformed(() => normalizeK8sAudit({ ...base, user: { username: 'a', extra: { accessKeyId: [5] } } }, opts), /user\.extra\.accessKeyId\[0\] must be a string/);
    assertMalformed(() => normalizeK8sAudit({ ...base, objectRef: { resource: 'pods', namespace: 5 } }, opts), /objectRef\.namespace must be a string, got a number/);
    assertMalformed(() => normalizeK8sAudit({ ...base, requestReceivedTimestamp: 5 }, opts), /requestReceivedTimestamp must be a string, got a number/);
    const gke = pantherLog('GCP.K8S.Service.Type.NodePort.Deployed#0');
    assertMalformed(
      () => normalizeK8sAudit({ ...gke, protoPayload: { ...(gke.protoPayload as object), authorizationInfo: [{ granted: 'yes' }] } }, opts),
      /protoPayload\.authorizationInfo\[0\]\.granted must be a boolean, got a string/,
    );
  });

  it('caps request/response objects, unmapped and raw_data', () => {
    const big = { ...base, requestObject: { data: 'x'.repeat(20_000) } };
    const e = normalizeK8sAudit(big, opts);
    const u = unmappedOf(e);
    assert.deepEqual(u.requestObject, { _truncated: true, bytes: JSON.stringify(big.requestObject).length });
    assert.equal(e.raw_data, JSON.stringify(big), 'under 64 KiB, raw_data keeps it');
    const huge = normalizeK8sAudit({ ...base, annotations: { note: 'y'.repeat(70_000) } }, opts);
    assert.equal(huge.unmapped, '{"_truncated":true}');
    assert.equal(huge.raw_data, null);
  });

  it('is deterministic and key-order independent', () => {
    const { auditID: _a, ...noId } = base;
    const reordered = Object.fromEntries(Object.entries(noId).reverse());
    assert.equal(normalizeK8sAudit(noId, opts).metadata.uid, normalizeK8sAudit(reordered, opts).metadata.uid);
    assert.deepEqual(normalizeK8sAudit(base, opts), normalizeK8sAudit(structuredClone(base), opts));
  });
});

describe('k8s helpers', () => {
  it('parses GKE resource names', () => {
    assert.deepEqual(parseGkeResourceName('core/v1/namespaces/default/pods/test/exec'), {
      group: 'core', version: 'v1', namespace: 'default', resource: 'pods', name: 'test', subresource: 'exec',
    });
    assert.deepEqual(parseGkeResourceName('rbac.authorization.k8s.io/v1/clusterroles/all-reader'), {
      group: 'rbac.authorization.k8s.io', version: 'v1', namespace: null, resource: 'clusterroles', name: 'all-reader', subresource: null,
    });
    assert.deepEqual(parseGkeResourceName('core/v1/namespaces/kube-system'), {
      group: 'core', version: 'v1', namespace: null, resource: 'namespaces', name: 'kube-system', subresource: null,
    });
    assert.equal(parseGkeResourceName('core'), null);
  });

  it('builds service names', () => {
    assert.equal(k8sServiceName(null, 'pods', 'exec', true), 'k8s:core/pods/exec');
    assert.equal(k8sServiceName('apps', 'deployments', null, true), 'k8s:apps/deployments');
    assert.equal(k8sServiceName(null, null, null, false), 'k8s:nonresource');
  });

  it('recognises the forms', () => {
    assert.equal(k8sFormOf(pantherLog('Kubernetes.Pod.Host.Network#1')), 'aks');
    assert.equal(k8sFormOf(pantherLog('Kubernetes.Pod.Host.Network#2')), 'gke');
    assert.equal(k8sFormOf(pantherLog('Kubernetes.Pod.Host.Network#0')), 'native');
    assert.equal(k8sFormOf({ verb: 'get' }), null);
  });
});

describe('normalizeK8sAudit: AKS resource-specific tables (AKSAudit, AKSAuditAdmin rows)', () => {
  const row = {
    TenantId: '00000000-0000-4000-8000-0000000000aa',
    TimeGenerated: '2025-02-03T04:05:07.000Z',
    Level: 'RequestResponse',
    AuditId: '5d1c0000-0000-4000-8000-000000000001',
    Stage: 'ResponseComplete',
    RequestUri: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    Verb: 'create',
    User: '{"username":"ops@contoso.example","groups":["system:authenticated"]}',
    SourceIps: '["81.2.69.160"]',
    UserAgent: 'kubectl/v1.30.1',
    ObjectRef: { resource: 'clusterrolebindings', name: 'ops-admin', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
    ResponseStatus: { code: 201 },
    RequestObject: { kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'ops@contoso.example' }] },
    ResponseObject: 'skipped-too-big-size-object',
    RequestReceivedTime: '2025-02-03T04:05:06.123456Z',
    StageReceivedTime: '2025-02-03T04:05:06.150000Z',
    PodName: 'kube-apiserver-7d9c',
    _ResourceId: '/subscriptions/11111111-2222-4333-8444-555555555555/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/prod-aks',
    Type: 'AKSAuditAdmin',
  };

  it('is recognised as its own form and read like the audit Event it came from', () => {
    assert.equal(k8sFormOf(row), 'aks-table');
    assert.equal(sniffK8sAudit(row), true);
    const e = normalizeK8sAudit(row, opts);
    assert.equal(e.actor.user.uid, 'ops@contoso.example');
    assert.equal(e.api.operation, 'create');
    assert.equal(e.api.service_name, 'k8s:rbac.authorization.k8s.io/clusterrolebindings');
    assert.equal(e.status, 'Success');
    assert.equal(e.status_code, '201');
    assert.equal(e.time, Date.UTC(2025, 1, 3, 4, 5, 6, 123));
    assert.deepEqual(e.src_endpoint, { ip: '81.2.69.160', domain: null });
    assert.deepEqual(e.cloud, { provider: 'AKS', region: null, account_uid: '11111111-2222-4333-8444-555555555555' });
    assert.equal(e.metadata.log_name, 'AKSAuditAdmin');
    assert.equal(e.metadata.uid, '5d1c0000-0000-4000-8000-000000000001');
    const u = unmappedOf(e);
    assert.equal(u.cluster, 'prod-aks');
    assert.deepEqual((u.requestObject as { roleRef: unknown }).roleRef, { kind: 'ClusterRole', name: 'cluster-admin' });
    assert.equal(u.responseObject, undefined, 'an object over the Log Analytics size limit is dropped, not kept as text');
    assert.equal((u.aks as { PodName: string }).PodName, 'kube-apiserver-7d9c');
  });

  it('a row without an event time takes TimeGenerated; broken JSON in a dynamic column is a reject', () => {
    const { RequestReceivedTime: _r, StageReceivedTime: _s, ...noTimes } = row;
    assert.equal(normalizeK8sAudit(noTimes, opts).time, Date.UTC(2025, 1, 3, 4, 5, 7));
    assertMalformed(() => normalizeK8sAudit({ ...row, User: '{"username":' }, opts), /User is not valid JSON/);
  });

  it('other Log Analytics rows are not claimed', () => {
    assert.equal(k8sFormOf({ Type: 'AzureActivity', OperationNameValue: 'x' }), null);
    assert.equal(sniffK8sAudit({ Type: 'ContainerLogV2', LogMessage: 'x' }), false);
  });
});
