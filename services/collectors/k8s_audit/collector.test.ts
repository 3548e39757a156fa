import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../../core/clock.ts';
import type { RejectedRecord } from '../../core/components.ts';
import type { ApiActivity } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import {
  AKS_FILE,
  CLOUDWATCH_GZ,
  EVENTLIST_FILE,
  GKE_FILE,
  MALFORMED_NDJSON,
  otherSourceRecords,
  pantherCases,
  readBytes,
} from '../../../test/fixtures/k8s_audit/load.ts';
import { pantherCases as azurePantherCases } from '../../../test/fixtures/azure_activity/load.ts';
import { sniffAzureActivity } from '../azure_activity/index.ts';
import { K8sAuditConfigSchema, k8sAuditCollector, k8sAuditSpec, sniffK8sAudit } from './index.ts';
import { assertAvroRoundTrip, assertDeepNestingIsSafe, split } from '../../../test/fixtures/activity-kit.ts';
import { rng } from '../../../test/fixtures/rng.ts';

const INGEST = Date.UTC(2030, 0, 1);

const fallbacksOf = (e: ApiActivity): string[] => ((JSON.parse(e.unmapped) as { _sluice?: { fallbacks: string[] } })._sluice?.fallbacks ?? []);

const collector = k8sAuditCollector({}, { clock: new ManualClock(INGEST) });

describe('k8s_audit collector on Panther rule tests (73 cases: 51 EKS, 15 GKE, 7 AKS)', () => {
  const cases = pantherCases();
  const results = cases.map((c) => ({ c, ...split(collector.collect({ name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) })) }));

  it('has the 73 cases of three log types', () => {
    assert.equal(cases.length, 73);
    const byType = new Map<string, number>();
    for (const c of cases) byType.set(c.log_type, (byType.get(c.log_type) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(byType), { 'Amazon.EKS.Audit': 51, 'GCP.AuditLog': 15, 'Azure.MonitorActivity': 7 });
  });

  it('normalizes every case: 0 rejects, valid Avro, keyed by principal', () => {
    assert.deepEqual(results.flatMap((r) => r.rejects.map((x) => `${r.c.case_id}: ${x.reason}`)), []);
    for (const r of results) {
      assert.equal(r.events.length, 1, r.c.case_id);
      const e = r.events[0]!;
      assert.equal(e.stream, 'activity');
      assert.equal(e.key, e.event.actor.user.uid);
      assertAvroRoundTrip(e.event, r.c.case_id);
    }
  });

  it('names the provider from the form', () => {
    const provider = (id: string): string => results.find((r) => r.c.case_id === id)!.events[0]!.event.cloud.provider;
    assert.equal(provider('Kubernetes.Pod.Host.Network#0'), 'EKS');
    assert.equal(provider('Kubernetes.Pod.Host.Network#1'), 'AKS');
    assert.equal(provider('Kubernetes.Pod.Host.Network#2'), 'GKE');
    for (const r of results) if (r.c.log_type === 'GCP.AuditLog') assert.equal(r.events[0]!.event.cloud.provider, 'GKE', r.c.case_id);
    for (const r of results) if (r.c.log_type === 'Azure.MonitorActivity') assert.equal(r.events[0]!.event.cloud.provider, 'AKS', r.c.case_id);
  });

  it('fills the documented fallbacks only where the stub lacks the field', () => {
    const withFallback = (f: string): string[] => results.filter((r) => fallbacksOf(r.events[0]!.event).includes(f)).map((r) => r.c.case_id);
    assert.deepEqual(withFallback('principal'), [
      'GCP.K8s.Pod.Using.Host.PID.Namespace#0',
      'GCP.K8s.Pod.Using.Host.PID.Namespace#1',
      'Kubernetes.Pod.Dangerous.Capabilities#3',
      'Kubernetes.Pod.Dangerous.Capabilities#4',
      'Kubernetes.Pod.Dangerous.Capabilities#5',
      'Kubernetes.Pod.Host.Network#3',
      'Kubernetes.Pod.Host.Network#4',
      'Kubernetes.Pod.Host.Network#5',
      'Kubernetes.Pod.Host.PID#3',
      'Kubernetes.Pod.Host.PID#4',
    ]);
    assert.deepEqual(withFallback('operation'), [
      'Amazon.EKS.AnonymousAPIAccess#0',
      'Amazon.EKS.AnonymousAPIAccess#1',
      'Amazon.EKS.AnonymousAPIAccess#3',
      'Amazon.EKS.AnonymousAPIAccess#4',
      'Amazon.EKS.AnonymousAPIAccess#5',
      'Amazon.EKS.AnonymousAPIAccess#6',
    ]);
    // Every case without any time field gets the ingest time, and only those.
    for (const r of results) {
      const log = r.c.log;
      const hasTime = 'requestReceivedTimestamp' in log || 'stageTimestamp' in log || 'timestamp' in log;
      assert.equal(fallbacksOf(r.events[0]!.event).includes('time'), !hasTime, r.c.case_id);
      if (!hasTime) assert.equal(r.events[0]!.event.time, INGEST);
    }
  });

  it('sniffs every case as Kubernetes audit and none as Azure activity', () => {
    for (const c of cases) {
      assert.ok(sniffK8sAudit(c.log), `${c.case_id} not sniffed`);
      assert.ok(!sniffAzureActivity(c.log), `${c.case_id} sniffed as azure_activity`);
    }
  });
});

describe('k8s_audit collector on an EventList (derived/eventlist.json)', () => {
  const c = k8sAuditCollector({ provider: 'EKS', cluster: 'example-cluster', accountUid: '123412341234', region: 'us-west-2' });
  const { events, rejects } = split(c.collect({ name: 'batch.json', bytes: readBytes(EVENTLIST_FILE) }));

  it('gives one event per item with the configured cluster context', () => {
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => e.position), ['batch.json#0', 'batch.json#1', 'batch.json#2', 'batch.json#3']);
    for (const e of events) {
      assert.deepEqual(e.event.cloud, { provider: 'EKS', region: 'us-west-2', account_uid: '123412341234' });
      assert.equal(JSON.parse(e.event.unmapped).cluster, 'example-cluster');
      assertAvroRoundTrip(e.event, e.position);
    }
  });

  it('maps the items (times in the API server RFC 3339 form)', () => {
    const [probe, logs, addon, token] = events.map((e) => e.event);
    assert.equal(probe!.status, 'Failure');
    assert.equal(probe!.time, Date.UTC(2024, 10, 13, 23, 50, 32, 672));
    assert.equal(probe!.metadata.original_time, '2024-11-13T23:50:32.672347Z');
    assert.equal(logs!.metadata.uid, '35506555-dffc-4337-b2b1-c4af52b88e18:ResponseStarted');
    assert.equal(logs!.actor.user.credential_uid, 'ASIARLIVEKVNN6Y6J5UW');
    assert.equal(addon!.api.service_name, 'k8s:apps/deployments');
    assert.equal(token!.actor.user.uid, 'system:node:ip-192-168-3-178.us-west-2.compute.internal');
    assert.equal(token!.actor.user.type, 'Node');
    assert.equal(token!.api.service_name, 'k8s:core/serviceaccounts/token');
    assert.deepEqual(token!.resources, [{ uid: 'core/namespaces/kube-system/serviceaccounts/kube-proxy', type: 'serviceaccounts', name: 'kube-proxy' }]);
  });
});

describe('k8s_audit collector on an EKS CloudWatch Logs subscription payload (gzip)', () => {
  const { events, rejects } = split(collector.collect({ name: 'firehose-record', bytes: readBytes(CLOUDWATCH_GZ) }));

  it('expands logEvents, taking cluster and account from the envelope', () => {
    assert.deepEqual(events.map((e) => e.position), ['firehose-record#0', 'firehose-record#1', 'firehose-record#2']);
    for (const e of events) {
      assert.deepEqual(e.event.cloud, { provider: 'EKS', region: null, account_uid: '123412341234' });
      assert.equal(e.event.metadata.log_name, '/aws/eks/example-cluster/cluster');
      const u = JSON.parse(e.event.unmapped) as { cluster: string; cloudwatch: { logStream: string } };
      assert.equal(u.cluster, 'example-cluster');
      assert.equal(u.cloudwatch.logStream, 'kube-apiserver-audit-2e4ab474b0f0f7a4a8fff4f014a9b32a');
      assertAvroRoundTrip(e.event, e.position);
    }
    assert.deepEqual(events.map((e) => e.event.metadata.uid), [
      'e2626946-90e1-4d0c-829e-ad5a78572926',
      '43410f6e-9c19-482b-b2c7-f2cde260b0e9',
      'd976bfc6-a2bc-49d5-bdeb-074441e0b875',
    ]);
    assert.equal(events[0]!.event.status, 'Failure');
    assert.equal(events[2]!.event.actor.user.uid, 'system:anonymous');
  });

  it('rejects the broken log event by its index', () => {
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0]!.position, 'firehose-record#3');
    assert.match(rejects[0]!.reason, /^logEvents\[3\]\.message is not valid JSON/);
  });

  it('rejects a CONTROL_MESSAGE with a reason', () => {
    const control = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] };
    const [r] = [...collector.collect({ name: 'ctl', bytes: gzipSync(JSON.stringify(control)) })];
    assert.equal(r?.kind, 'dead_letter');
    assert.match((r as RejectedRecord).reason, /CONTROL_MESSAGE/);
  });
});

describe('k8s_audit collector on AKS diagnostics and GKE entries', () => {
  it('reads {"records":[...]} of kube-audit records', () => {
    const { events, rejects } = split(collector.collect({ name: 'aks', bytes: readBytes(AKS_FILE) }));
    assert.deepEqual(rejects, []);
    assert.equal(events.length, 7);
    for (const e of events) {
      assert.equal(e.event.cloud.provider, 'AKS');
      assert.equal(e.event.cloud.account_uid, '44444444-4444-4444-4444-444444444444');
      assert.equal(e.event.time, Date.UTC(2025, 11, 22, 14, 0, 0));
      assert.deepEqual(fallbacksOf(e.event), []);
      assert.equal(JSON.parse(e.event.unmapped).cluster, 'prod-aks-cluster');
    }
    assert.deepEqual(events.map((e) => e.key), [
      'admin@example.com',
      'user@example.com',
      'admin@example.com',
      'admin@example.com',
      'malicious-user@example.com',
      'malicious-user@example.com',
      'attacker@company.com',
    ]);
  });

  it('reads a JSON array of GKE LogEntries', () => {
    const { events, rejects } = split(collector.collect({ name: 'gke', bytes: readBytes(GKE_FILE) }));
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => `${e.event.api.service_name} ${e.event.status}`), [
      'k8s:core/pods Success',
      'k8s:core/pods Success',
      'k8s:core/pods Failure',
      'k8s:core/services Success',
      'k8s:core/services Failure',
      'k8s:core/services Failure',
    ]);
    for (const e of events) assert.deepEqual(e.event.cloud, { provider: 'GKE', region: 'us-west1', account_uid: 'some-project' });
  });
});

describe('k8s_audit collector on malformed.ndjson', () => {
  const outputs = [...collector.collect({ name: 'bad.ndjson', bytes: readBytes(MALFORMED_NDJSON) })];
  const reason = (i: number): string => (outputs[i] as RejectedRecord).reason;

  it('gives one output per record, in order, good and bad', () => {
    assert.deepEqual(outputs.map((o) => `${o.position} ${o.kind}`), [
      'bad.ndjson#0 event',
      'bad.ndjson#1 dead_letter',
      'bad.ndjson#2 dead_letter',
      'bad.ndjson#3 dead_letter',
      'bad.ndjson#4 dead_letter',
      'bad.ndjson#5 dead_letter',
      'bad.ndjson#6 dead_letter',
      'bad.ndjson#7 event',
      'bad.ndjson#8 dead_letter',
      'bad.ndjson#9 dead_letter',
      'bad.ndjson#10 dead_letter',
      'bad.ndjson#11 dead_letter',
      'bad.ndjson#12 event',
    ]);
  });

  it('names the problem of each bad line', () => {
    assert.match(reason(1), /^line 2: not valid JSON/);
    assert.equal(reason(2), 'line 3: verb must be a string, got a number');
    assert.equal(reason(3), 'line 4: not a Kubernetes audit event: verb, requestURI and objectRef are all missing');
    assert.equal(reason(4), 'line 6: requestReceivedTimestamp "yesterday" is not an ISO-8601 date-time');
    assert.equal(reason(5), 'line 7: record must be a JSON object, got a string');
    assert.equal(reason(6), 'line 8: user must be an object, got a string');
    assert.equal(reason(8), 'line 9: not a Kubernetes audit event: verb, requestURI and objectRef are all missing');
    assert.equal(reason(9), 'line 10: stage "RequestReceived" is not collected (configured stages: ResponseStarted, ResponseComplete, Panic)');
    assert.match(reason(10), /^line 11: properties\.log is not valid JSON/);
    assert.equal(reason(11), 'line 12: apiVersion "v1" is not audit.k8s.io/*: not a Kubernetes audit event');
    for (const o of outputs) if (o.kind === 'dead_letter') assert.equal(o.source, 'k8s_audit');
  });

  it('collects RequestReceived when configured, and rejects time-less events with missingTime: reject', () => {
    const c = k8sAuditCollector({ stages: ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'], missingTime: 'reject' });
    const outs = [...c.collect({ name: 'bad.ndjson', bytes: readBytes(MALFORMED_NDJSON) })];
    assert.equal(outs[9]!.kind, 'event');
    assert.equal(outs[7]!.kind, 'dead_letter', 'Role.Wildcard#0 has no time');
    assert.match((outs[7] as RejectedRecord).reason, /has no time/);
  });
});

describe('k8s_audit collector on garbage (never throws, every record rejected)', () => {
  const rand = rng(7);
  const logs = pantherCases().map((c) => c.log);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const wrongValues: unknown[] = [42, -1.5, true, [1, 'a'], {}, 'x'.repeat(200_000), null];
  const typedFields: Record<string, unknown[]> = {
    verb: [42, true, [], {}],
    user: [42, 'admin', [], true],
    sourceIPs: [42, '1.2.3.4', {}, [5]],
    objectRef: [42, 'pods', [], true],
    responseStatus: [42, 'ok', []],
    requestReceivedTimestamp: [42, 'soon', {}],
    protoPayload: [42, 'x', [], { methodName: 5 }, { methodName: 'compute.instances.insert' }],
    properties: [42, 'x', [], { log: 5 }, { log: '{' }],
  };

  it('rejects 2,000 truncated, binary, wrong-type and huge records without throwing', () => {
    let n = 0;
    for (let i = 0; i < 2000; i++) {
      const kind = i % 5;
      const log = pick(logs);
      let bytes: Buffer;
      if (kind === 0) bytes = Buffer.from(JSON.stringify(log).slice(0, 1 + Math.floor(rand() * 150)));
      else if (kind === 1) bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
      else if (kind === 2) bytes = Buffer.from(JSON.stringify(pick(wrongValues)));
      else if (kind === 3) {
        // A wrong type in a field the record's form maps.
        const form = 'protoPayload' in log ? ['protoPayload'] : 'properties' in log ? ['properties'] : ['verb', 'user', 'sourceIPs', 'objectRef', 'responseStatus', 'requestReceivedTimestamp'];
        const field = pick(form);
        bytes = Buffer.from(JSON.stringify({ ...log, [field]: pick(typedFields[field]!) }));
      } else bytes = Buffer.from(JSON.stringify({ kind: 'Event', note: 'z'.repeat(100_000) }));
      const outs = [...collector.collect({ name: `g${i}`, bytes })];
      assert.ok(outs.length >= 1, `input ${i} gave no output`);
      for (const o of outs) {
        n++;
        assert.equal(o.kind, 'dead_letter', `input ${i} (${bytes.subarray(0, 100).toString('utf8')}) was not rejected`);
      }
    }
    assert.ok(n >= 2000);
  });
});

describe('k8s_audit collector on deeply nested JSON', () => {
  it('rejects a 200,000-deep array and gives one output for a record nested 5,000 deep, never an exception', () => {
    assertDeepNestingIsSafe(collector, (nested) => `{"kind":"Event","verb":"get","requestURI":"/x","requestObject":${nested}}`);
  });
});

describe('k8s_audit sniff, config and spec', () => {
  it('is false for the records of every other source', () => {
    for (const [name, record] of Object.entries(otherSourceRecords())) assert.equal(sniffK8sAudit(record), false, name);
    for (const c of azurePantherCases()) assert.equal(sniffK8sAudit(c.log), false, c.case_id);
    for (const bad of [null, 'x', 42, [], {}, { verb: 'get' }, { kind: 'Event', apiVersion: 'v1', reason: 'Pulled' }]) {
      assert.equal(sniffK8sAudit(bad), false, JSON.stringify(bad));
    }
  });

  it('is true for an EventList and an EKS CloudWatch envelope', () => {
    assert.equal(sniffK8sAudit(JSON.parse(readFileSync(EVENTLIST_FILE, 'utf8'))), true);
    assert.equal(sniffK8sAudit({ messageType: 'DATA_MESSAGE', logGroup: '/aws/eks/c/cluster', logEvents: [] }), true);
    assert.equal(sniffK8sAudit({ messageType: 'DATA_MESSAGE', logGroup: '/aws/lambda/f', logEvents: [] }), false);
  });

  it('rejects unknown keys and bad values, listing every problem', () => {
    assert.throws(
      () => k8sAuditCollector({ bogus: 1, stages: ['Done'] } as never),
      (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_CONFIG_INVALID' && /2 problems/.test(err.message) && /stages/.test(err.message),
    );
    assert.ok(K8sAuditConfigSchema.safeParse({}).success);
  });

  it('exposes the spec', () => {
    assert.equal(k8sAuditSpec.type, 'k8s_audit');
    assert.deepEqual(k8sAuditSpec.streams, ['activity']);
    assert.equal(k8sAuditSpec.create({}).type, 'k8s_audit');
    assert.equal(k8sAuditSpec.sniff(pantherCases()[0]!.log), true);
  });
});
