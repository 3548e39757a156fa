import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../../core/clock.ts';
import type { ApiActivity } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import {
  ENTRIES_LIST_FILE,
  GCLOUD_FILE,
  MALFORMED_NDJSON,
  PULL_FILE,
  PUSH_FILE,
  STORAGE_FILE,
  readBytes,
  storageEntries,
} from '../../../test/fixtures/gcp_audit/load.ts';
import { pantherCases as k8sPantherCases } from '../../../test/fixtures/k8s_audit/load.ts';
import { assertSniffs } from '../../../test/fixtures/hubble_flows/sniff-samples.ts';
import { autoCollector } from '../auto.ts';
import { COLLECTOR_SPECS } from '../registry.ts';
import { sniffK8sAudit } from '../k8s_audit/index.ts';
import { sniffAzureActivity } from '../azure_activity/index.ts';
import {
  GcpAuditConfigSchema,
  gcpActivityId,
  gcpAuditCollector,
  gcpAuditSpec,
  normalizeGcpAudit,
  parseLogName,
  parseResourceName,
  principalAccount,
  serviceOfMethod,
  sniffGcpAudit,
} from './index.ts';
import { assertAvroRoundTrip, split } from '../../../test/fixtures/activity-kit.ts';

const INGEST = Date.UTC(2030, 0, 1);


const collector = gcpAuditCollector({}, { clock: new ManualClock(INGEST) });
const run = (name: string, bytes: Buffer) => split(collector.collect({ name, bytes }));
const unmapped = (e: ApiActivity): Record<string, any> => JSON.parse(e.unmapped) as Record<string, any>;

describe('gcp_audit collector on a Cloud Storage export (storage-export.jsonl, 16 entries)', () => {
  const { events, rejects } = run('export.jsonl', readBytes(STORAGE_FILE));
  const ev = events.map((e) => e.event);

  it('normalizes every entry: 0 rejects, valid Avro, keyed by principal, positions in order', () => {
    assert.deepEqual(rejects, []);
    assert.equal(events.length, 16);
    events.forEach((e, i) => {
      assert.equal(e.stream, 'activity');
      assert.equal(e.position, `export.jsonl#${i}`);
      assert.equal(e.key, e.event.actor.user.uid);
      assertAvroRoundTrip(e.event, e.position);
    });
  });

  it('maps the Admin Activity service-account key creation', () => {
    const e = ev[0]!;
    assert.equal(e.metadata.source, 'gcp_audit');
    assert.equal(e.metadata.uid, '1d7k2mfe3b1a');
    assert.equal(e.metadata.log_name, 'cloudaudit.googleapis.com/activity');
    assert.equal(e.metadata.product_name, 'Cloud Audit Logs');
    assert.equal(e.metadata.original_time, '2024-05-14T09:21:07.123456789Z');
    assert.equal(e.time, Date.UTC(2024, 4, 14, 9, 21, 7, 123));
    assert.deepEqual(e.api, { operation: 'google.iam.admin.v1.CreateServiceAccountKey', service_name: 'iam.googleapis.com', request_uid: null, version: null });
    assert.equal(e.activity_id, 1);
    assert.equal(e.type_uid, 600301);
    assert.deepEqual(e.actor.user, { uid: 'alice@example.com', name: 'alice@example.com', type: 'User', account_uid: 'example.com', credential_uid: null });
    assert.deepEqual(e.cloud, { provider: 'GCP', region: null, account_uid: 'example-project' });
    assert.deepEqual(e.src_endpoint, { ip: '203.0.113.10', domain: null });
    assert.match(e.user_agent!, /^google-cloud-sdk gcloud\/470/);
    assert.equal(e.status, 'Success');
    assert.equal(e.status_id, 1);
    assert.deepEqual(e.resources, [{ uid: 'projects/-/serviceAccounts/102938475610293847561', type: 'service_account', name: '102938475610293847561' }]);
    const u = unmapped(e);
    assert.equal(u.severity, 'NOTICE');
    assert.equal(u.audit_log, 'activity');
    assert.equal(u.resource.labels.email_id, 'deploy-bot@example-project.iam.gserviceaccount.com');
    assert.equal(u.protoPayload.request.name, 'projects/-/serviceAccounts/deploy-bot@example-project.iam.gserviceaccount.com');
    assert.equal(u.protoPayload.authorizationInfo[0].permission, 'iam.serviceAccountKeys.create');
    assert.equal(u.protoPayload.methodName, undefined);
    assert.equal(u.timestamp, undefined);
  });

  it('keeps the IAM policy delta and the request policy for rules', () => {
    const u = unmapped(ev[1]!);
    assert.deepEqual(u.protoPayload.serviceData.policyDelta.bindingDeltas, [{ action: 'ADD', role: 'roles/owner', member: 'user:mallory.contractor@gmail.com' }]);
    assert.equal(u.protoPayload.request.policy.bindings.length, 2);
    assert.equal(ev[1]!.activity_id, 3);
  });

  it('maps compute operations: firewall name, operation id, global location', () => {
    const [first, last] = [ev[2]!, ev[3]!];
    assert.equal(first.api.request_uid, 'operation-1715679002301-6185e2c9d0a1b-1f3b2c4d-5e6f7a8b');
    assert.equal(first.api.request_uid, last.api.request_uid);
    assert.deepEqual(first.resources, [{ uid: 'projects/example-project/global/firewalls/allow-ssh-any', type: 'gce_firewall_rule', name: 'allow-ssh-any' }]);
    assert.equal(first.cloud.region, 'global');
    assert.deepEqual(unmapped(first).protoPayload.request.sourceRanges, ['0.0.0.0/0']);
    assert.equal(unmapped(first).operation.first, true);
    assert.equal(first.status, 'Success'); // no status at all: success
  });

  it('maps Data Access entries: service account key, object name, location', () => {
    const e = ev[5]!;
    assert.equal(e.metadata.log_name, 'cloudaudit.googleapis.com/data_access');
    assert.equal(e.actor.user.type, 'ServiceAccount');
    assert.equal(e.actor.user.account_uid, 'example-project');
    assert.match(e.actor.user.credential_uid!, /\/keys\/9f8e7d6c/);
    assert.deepEqual(e.resources, [{ uid: 'projects/_/buckets/example-data/objects/reports/2024/q1.csv', type: 'gcs_bucket', name: 'reports/2024/q1.csv' }]);
    assert.equal(e.cloud.region, 'us-central1');
    assert.equal(e.activity_id, 2);
  });

  it('maps System Event entries to Google as the principal', () => {
    assert.equal(ev[6]!.actor.user.uid, 'system@google.com');
    assert.equal(ev[6]!.actor.user.type, 'System');
    assert.equal(ev[6]!.cloud.region, 'us-central1-a');
    assert.equal(ev[7]!.actor.user.uid, 'system@compute.googleapis.com');
    assert.equal(ev[7]!.actor.user.type, 'System');
    assert.equal(unmapped(ev[7]!)._sluice, undefined, 'a system event without caller is not a fallback');
  });

  it('maps failures: Policy Denied and permission denied', () => {
    const denied = ev[8]!;
    assert.equal(denied.metadata.log_name, 'cloudaudit.googleapis.com/policy');
    assert.equal(denied.status, 'Failure');
    assert.equal(denied.status_id, 2);
    assert.equal(denied.status_code, '7');
    assert.match(denied.status_detail!, /prohibited by organization's policy/);
    assert.equal(unmapped(denied).protoPayload.metadata.violationReason, 'NO_MATCHING_ACCESS_LEVEL');
    assert.equal(ev[9]!.status, 'Failure');
    assert.equal(ev[9]!.status_detail, 'PERMISSION_DENIED');
  });

  it('maps impersonation: the token minter, and the delegation chain as invoked_by', () => {
    assert.equal(ev[10]!.api.operation, 'GenerateAccessToken');
    assert.equal(ev[10]!.api.service_name, 'iamcredentials.googleapis.com');
    const e = ev[11]!;
    assert.equal(e.actor.user.uid, 'deploy-bot@example-project.iam.gserviceaccount.com');
    assert.equal(e.actor.invoked_by, 'alice@example.com');
    assert.equal(unmapped(e).protoPayload.authenticationInfo.serviceAccountDelegationInfo[0].firstPartyPrincipal.principalEmail, 'alice@example.com');
    assert.equal(e.cloud.region, 'europe-west1-b');
  });

  it('keys a federated identity by its principal subject', () => {
    const e = ev[12]!;
    assert.match(e.actor.user.uid, /^principal:\/\/iam\.googleapis\.com\/projects\/912345678901\/locations\/global\/workloadIdentityPools\/ci-pool\//);
    assert.equal(e.actor.user.type, 'FederatedIdentity');
    assert.equal(e.actor.user.account_uid, null);
  });

  it('hands the GKE Kubernetes entry to the k8s_audit normalizer', () => {
    const e = ev[13]!;
    assert.equal(e.metadata.source, 'k8s_audit');
    assert.equal(e.cloud.provider, 'GKE');
    assert.equal(e.api.operation, 'create');
    assert.equal(e.src_endpoint.ip, '203.0.113.61');
  });

  it('maps GKE cluster administration and organization-level entries as GCP activity', () => {
    assert.equal(ev[14]!.metadata.source, 'gcp_audit');
    assert.equal(ev[14]!.api.operation, 'google.container.v1.ClusterManager.DeleteCluster');
    assert.equal(ev[14]!.activity_id, 4);
    assert.equal(ev[15]!.cloud.account_uid, 'organizations/123456789012');
    assert.equal(ev[15]!.resources[0]!.name, 'iam.disableServiceAccountKeyCreation');
  });

  it('hands a GKE custom-resource entry (serviceName k8s.io, reversed-group method) to k8s_audit too', () => {
    const crd = JSON.parse(JSON.stringify(storageEntries()[13])) as Record<string, any>;
    crd.protoPayload.methodName = 'io.cert-manager.v1.certificates.create';
    crd.protoPayload.resourceName = 'cert-manager.io/v1/namespaces/payments/certificates/api-tls';
    crd.protoPayload.authorizationInfo = [];
    assert.equal(sniffGcpAudit(crd), false);
    assert.equal(sniffK8sAudit(crd), true);
    const { events, rejects } = run('crd', Buffer.from(JSON.stringify(crd)));
    assert.deepEqual(rejects, []);
    assert.equal(events[0]!.event.metadata.source, 'k8s_audit');
    assert.equal(events[0]!.event.api.operation, 'create');
    assert.equal(events[0]!.event.api.service_name, 'k8s:cert-manager.io/certificates');
  });

  it('kubernetes: reject dead-letters the GKE entry as filtered', () => {
    const c = gcpAuditCollector({ kubernetes: 'reject' });
    const out = split(c.collect({ name: 'x', bytes: readBytes(STORAGE_FILE) }));
    assert.equal(out.events.length, 15);
    assert.equal(out.rejects.length, 1);
    assert.equal(out.rejects[0]!.reasonCode, 'SLUICE_ERR_INPUT_FILTERED');
    assert.equal(out.rejects[0]!.position, 'x#13');
  });

  it('reads the same entries gzip-compressed', () => {
    const gz = run('export.jsonl.gz', gzipSync(readBytes(STORAGE_FILE)));
    assert.equal(gz.events.length, 16);
    assert.deepEqual(gz.events.map((e) => e.event.metadata.uid), events.map((e) => e.event.metadata.uid));
  });
});

describe('gcp_audit collector on the other export forms', () => {
  const byUid = new Map(storageEntries().map((e) => [e.insertId as string, e]));

  it('gcloud logging read JSON array', () => {
    const { events, rejects } = run('read.json', readBytes(GCLOUD_FILE));
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => e.event.api.operation), ['google.logging.v2.ConfigServiceV2.DeleteSink', 'SetIamPolicy', 'google.iam.admin.v1.CreateServiceAccountKey']);
    for (const e of events) assert.ok(byUid.has(e.event.metadata.uid));
  });

  it('entries.list response (with a GKE entry inside)', () => {
    const { events, rejects } = run('list.json', readBytes(ENTRIES_LIST_FILE));
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => e.event.metadata.source), ['gcp_audit', 'k8s_audit', 'gcp_audit']);
  });

  it('Pub/Sub push request: the base64 LogEntry in message.data', () => {
    const { events, rejects } = run('push', readBytes(PUSH_FILE));
    assert.deepEqual(rejects, []);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.position, 'push#0');
    assert.equal(events[0]!.event.api.operation, 'google.iam.admin.v1.CreateServiceAccountKey');
    assertAvroRoundTrip(events[0]!.event, 'push');
  });

  it('Pub/Sub pull response: receivedMessages', () => {
    const { events, rejects } = run('pull', readBytes(PULL_FILE));
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => [e.position, e.event.metadata.source]), [['pull#0', 'gcp_audit'], ['pull#1', 'k8s_audit']]);
  });
});

describe('gcp_audit collector on bad input (malformed.ndjson)', () => {
  const outs = [...collector.collect({ name: 'bad', bytes: readBytes(MALFORMED_NDJSON) })];

  it('gives events and rejects at their positions, naming the problem', () => {
    const summary = outs.map((o) => (o.kind === 'event' ? `${o.position} event` : `${o.position} ${o.reasonCode} ${o.reason}`));
    assert.equal(summary.length, 9);
    assert.equal(summary[0], 'bad#0 event');
    assert.match(summary[1]!, /^bad#1 SLUICE_ERR_INPUT_MALFORMED line 2: not valid JSON/);
    assert.equal(summary[2], 'bad#2 event', 'no methodName but an authorizationInfo: kept, operation "unknown" (see below)');
    assert.match(summary[3]!, /^bad#3 .*line 4: .*timestamp "yesterday" is not an RFC 3339 date-time/);
    assert.match(summary[4]!, /^bad#4 .*line 6: not a Cloud Audit Logs entry: protoPayload is missing/);
    assert.match(summary[5]!, /^bad#5 .*line 7: protoPayload\.authenticationInfo must be an object, got a string/);
    assert.match(summary[6]!, /^bad#6 .*line 8: Pub\/Sub message\.data is not a JSON LogEntry/);
    assert.match(summary[7]!, /^bad#7 .*line 9: .*@type is "type\.googleapis\.com\/google\.cloud\.audit\.Other"/);
    assert.equal(summary[8], 'bad#8 event');
    for (const o of outs) if (o.kind === 'dead_letter') assert.equal(o.source, 'gcp_audit');
  });

  it('never throws on junk', () => {
    for (const junk of ['', 'null', '42', '"x"', '[1,2]', '{"protoPayload":7}', '{"protoPayload":{"methodName":["a"]}}', '{"message":{"data":42}}', '\x1f\x8bjunk']) {
      const res = [...collector.collect({ name: 'j', bytes: Buffer.from(junk, 'latin1') })];
      assert.ok(res.every((o) => o.kind === 'dead_letter'), junk);
    }
  });
});

describe('gcp_audit normalizer details', () => {
  const base = storageEntries()[4]!;
  const clone = (): Record<string, any> => JSON.parse(JSON.stringify(base)) as Record<string, any>;

  it('uses the ingest time for an entry without time only when allowed, marking the fallback', () => {
    const e = clone();
    delete e.timestamp;
    delete e.receiveTimestamp;
    const ev = normalizeGcpAudit(e, { ingestTime: INGEST });
    assert.equal(ev.time, INGEST);
    assert.deepEqual(unmapped(ev)._sluice, { fallbacks: ['time'] });
    assert.throws(() => normalizeGcpAudit(e), (err: unknown) => err instanceof SluiceError && /timestamp is missing/.test(err.message));
    const strict = gcpAuditCollector({ missingTime: 'reject' });
    assert.equal([...strict.collect({ name: 's', bytes: Buffer.from(JSON.stringify(e)) })][0]!.kind, 'dead_letter');
  });

  it('reads cut-down entries (Panther spelling at_sign_type, callerIP, no serviceName) with fallbacks', () => {
    const e = clone();
    delete e.protoPayload.serviceName;
    delete e.protoPayload.authenticationInfo;
    e.protoPayload.at_sign_type = e.protoPayload['@type'];
    delete e.protoPayload['@type'];
    e.protoPayload.requestMetadata = { callerIP: '198.51.100.3' };
    const ev = normalizeGcpAudit(e);
    assert.equal(ev.api.service_name, 'logging.googleapis.com');
    assert.equal(ev.actor.user.uid, 'unknown@example-project');
    assert.equal(ev.src_endpoint.ip, '198.51.100.3');
    assert.deepEqual(unmapped(ev)._sluice, { fallbacks: ['principal', 'service'] });
  });

  it('caps large payload values one by one', () => {
    const e = clone();
    e.protoPayload.response = { items: Array.from({ length: 2000 }, (_, i) => `item-${i}`) };
    const u = unmapped(normalizeGcpAudit(e, { objectCapBytes: 1024 }));
    assert.equal(u.protoPayload.response._truncated, true);
    assert.equal(u.protoPayload.request.sinkName, 'projects/example-project/sinks/siem-export');
  });

  it('derives activity ids, services, log names, resource names and principal accounts', () => {
    assert.equal(gcpActivityId('v1.compute.firewalls.insert'), 1);
    assert.equal(gcpActivityId('v1.compute.firewalls.patch'), 3);
    assert.equal(gcpActivityId('storage.setIamPermissions'), 3);
    assert.equal(gcpActivityId('google.cloud.kms.v1.KeyManagementService.DestroyCryptoKeyVersion'), 4);
    assert.equal(gcpActivityId('v1.compute.instances.aggregatedList'), 2);
    assert.equal(gcpActivityId('io.unknownverb'), 99);
    assert.equal(serviceOfMethod('beta.compute.instances.setMetadata'), 'compute.googleapis.com');
    assert.equal(serviceOfMethod('google.cloud.kms.v1.KeyManagementService.DestroyCryptoKeyVersion'), 'kms.googleapis.com');
    assert.equal(serviceOfMethod('google.iam.admin.v1.CreateRole'), 'iam.googleapis.com');
    assert.equal(serviceOfMethod('SetIamPolicy'), null);
    assert.deepEqual(parseLogName('folders/42/logs/cloudaudit.googleapis.com%2Fpolicy'), { parent: 'folders/42', logId: 'cloudaudit.googleapis.com/policy', kind: 'policy' });
    assert.deepEqual(parseResourceName('projects/p/zones/z/instances'), { collection: 'instances', id: null });
    assert.equal(principalAccount('123456789012-compute@developer.gserviceaccount.com'), '123456789012');
    assert.equal(principalAccount('service-912345678901@gcp-sa-logging.iam.gserviceaccount.com'), 'gcp-sa-logging.iam.gserviceaccount.com');
    assert.equal(principalAccount('someone@gmail.com'), 'gmail.com');
  });
});

describe('gcp_audit sniffer and --source auto', () => {
  it('claims every non-GKE audit entry and the Pub/Sub and API wrappers; leaves GKE entries to k8s_audit', () => {
    storageEntries().forEach((e, i) => {
      const gke = i === 13;
      assert.equal(sniffGcpAudit(e), !gke, `entry ${i}`);
      assert.equal(sniffK8sAudit(e), gke, `k8s sniff entry ${i}`);
      assert.equal(sniffAzureActivity(e), false);
    });
    for (const f of [PUSH_FILE, PULL_FILE, ENTRIES_LIST_FILE]) assert.ok(sniffGcpAudit(JSON.parse(readFileSync(f, 'utf8'))), String(f));
  });

  it('does not claim the GKE cases of the Kubernetes fixtures, nor other sources', () => {
    const gke = k8sPantherCases().filter((c) => c.log_type === 'GCP.AuditLog');
    assert.ok(gke.length > 0);
    for (const c of gke) assert.equal(sniffGcpAudit(c.log), false, c.case_id);
    assertSniffs(gcpAuditSpec, 'gcp_audit');
  });

  it('routes each entry of a mixed export to its collector', () => {
    const auto = autoCollector(COLLECTOR_SPECS);
    const outs = [...auto.collect({ name: 'mixed', bytes: readBytes(STORAGE_FILE) })];
    assert.equal(outs.length, 16);
    const sources = outs.map((o) => (o.kind === 'event' ? (o.event as ApiActivity).metadata.source : 'dead'));
    assert.deepEqual(sources, storageEntries().map((_, i) => (i === 13 ? 'k8s_audit' : 'gcp_audit')));
  });

  it('validates its config strictly', () => {
    assert.equal(GcpAuditConfigSchema.parse({}).kubernetes, 'normalize');
    assert.throws(() => gcpAuditCollector({ bogus: 1 } as never), (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_CONFIG_INVALID');
    assert.equal(gcpAuditSpec.type, 'gcp_audit');
    assert.deepEqual(gcpAuditSpec.streams, ['activity']);
  });
});

describe('gcp_audit: exporters that lower-case the LogEntry fields, and entries without a method', () => {
  const entry = {
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      authenticationInfo: { principalEmail: 'ops@acme.example' },
      requestMetadata: { callerIp: '81.2.69.160' },
      serviceName: 'logging.googleapis.com',
      methodName: 'google.logging.v2.ConfigServiceV2.DeleteSink',
      resourceName: 'projects/acme-prod/sinks/to-siem',
      status: {},
    },
    insertId: 'ins-42',
    logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity',
    receiveTimestamp: '2025-04-05T06:07:09.000Z',
    resource: { type: 'logging_sink', labels: { project_id: 'acme-prod' } },
  };
  const lower = { protopayload: entry.protoPayload, insertid: entry.insertId, logname: entry.logName, receivetimestamp: entry.receiveTimestamp, resource: entry.resource };

  it('reads protopayload / logname / insertid / receivetimestamp as the camelCase fields', () => {
    assert.equal(sniffGcpAudit(lower), true);
    const a = normalizeGcpAudit(entry);
    const b = normalizeGcpAudit(lower);
    assert.equal(b.api.operation, 'google.logging.v2.ConfigServiceV2.DeleteSink');
    assert.equal(b.metadata.uid, 'ins-42');
    assert.equal(b.metadata.log_name, 'cloudaudit.googleapis.com/activity');
    assert.equal(b.time, Date.UTC(2025, 3, 5, 6, 7, 9));
    assert.deepEqual({ ...b, raw_data: null }, { ...a, raw_data: null });
    const { events, rejects } = split([...gcpAuditCollector({}).collect({ name: 'lower', bytes: Buffer.from(JSON.stringify(lower)) })]);
    assert.deepEqual(rejects, []);
    assert.equal(events.length, 1);
  });

  it('the camelCase field wins when an export carries both spellings', () => {
    const both = { ...entry, insertid: 'other', protopayload: { methodName: 'x' } };
    assert.equal(normalizeGcpAudit(both).metadata.uid, 'ins-42');
    assert.equal(normalizeGcpAudit(both).api.operation, 'google.logging.v2.ConfigServiceV2.DeleteSink');
  });

  it('an entry that names no method but says what was authorized is kept, operation "unknown", marked', () => {
    const cut = { protoPayload: { authorizationInfo: [{ granted: true, permission: 'iam.roles.update', resource: 'projects/acme-prod/roles/Deployer' }] }, timestamp: '2025-04-05T06:07:08Z' };
    assert.equal(sniffGcpAudit(cut), true);
    const e = normalizeGcpAudit(cut);
    assert.equal(e.api.operation, 'unknown');
    assert.equal(e.activity_id, 99);
    assert.deepEqual((JSON.parse(e.unmapped!) as { _sluice: unknown })._sluice, { fallbacks: ['operation', 'principal', 'service'] });
    assert.throws(() => normalizeGcpAudit({ protoPayload: { serviceName: 'iam.googleapis.com' }, timestamp: '2025-04-05T06:07:08Z' }), /protoPayload\.methodName is missing/);
  });
});
