import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../../core/clock.ts';
import type { CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import {
  EVENTHUBS_FILE,
  MALFORMED_NDJSON,
  REST_FILE,
  STORAGE_FILE,
  pantherCases,
  readBytes,
} from '../../../test/fixtures/azure_activity/load.ts';
import { otherSourceRecords, pantherCases as k8sPantherCases } from '../../../test/fixtures/k8s_audit/load.ts';
import { sniffK8sAudit } from '../k8s_audit/index.ts';
import { AzureActivityConfigSchema, azureActivityCollector, azureActivitySpec, sniffAzureActivity } from './index.ts';
import { assertAvroRoundTrip, assertDeepNestingIsSafe, split } from '../../../test/fixtures/activity-kit.ts';
import { rng } from '../../../test/fixtures/rng.ts';

const INGEST = Date.UTC(2030, 0, 1);

const collector = azureActivityCollector({}, { clock: new ManualClock(INGEST) });

describe('azure_activity collector on Panther rule tests (82 Azure.MonitorActivity cases)', () => {
  const cases = pantherCases();

  it('has the 82 cases', () => assert.equal(cases.length, 82));

  it('normalizes every case: 0 rejects, valid Avro, keyed by principal', () => {
    const rejected: string[] = [];
    for (const c of cases) {
      const { events, rejects } = split(collector.collect({ name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) }));
      for (const r of rejects) rejected.push(`${c.case_id}: ${r.reason}`);
      for (const e of events) {
        assert.equal(e.stream, 'activity');
        assert.equal(e.key, e.event.actor.user.uid);
        assert.equal(e.position, `${c.case_id}#0`);
        assert.equal(e.event.cloud.provider, 'Azure');
        assertAvroRoundTrip(e.event, c.case_id);
      }
    }
    assert.deepEqual(rejected, []);
  });

  it('sniffs every case as Azure activity and none as Kubernetes audit', () => {
    for (const c of cases) {
      assert.ok(sniffAzureActivity(c.log), `${c.case_id} not sniffed`);
      assert.ok(!sniffK8sAudit(c.log), `${c.case_id} sniffed as k8s_audit`);
    }
  });

  it('normalizes the 7 AKS kube-audit cases of the k8s set (delegated to k8s_audit, provider AKS)', () => {
    const aks = k8sPantherCases().filter((c) => c.log_type === 'Azure.MonitorActivity');
    assert.equal(aks.length, 7);
    for (const c of aks) {
      const { events, rejects } = split(collector.collect({ name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) }));
      assert.deepEqual(rejects, [], c.case_id);
      assert.equal(events[0]!.event.cloud.provider, 'AKS');
      assert.equal(events[0]!.event.metadata.source, 'k8s_audit');
      assertAvroRoundTrip(events[0]!.event, c.case_id);
    }
  });
});

describe('azure_activity collector on an Event Hubs message (derived/eventhubs-records.json)', () => {
  const { events, rejects } = split(collector.collect({ name: 'hub/0@17', bytes: readBytes(EVENTHUBS_FILE) }));

  it('splits {"records":[...]} into one event per record, with positions', () => {
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => e.position), ['hub/0@17#0', 'hub/0@17#1', 'hub/0@17#2', 'hub/0@17#3', 'hub/0@17#4']);
    assert.deepEqual(events.map((e) => e.key), [
      '6b6d44f0-b13a-46a0-bfde-161324d4c34d',
      'unknown@12345678-1234-1234-1234-123456789abc',
      'denethor@lotr.com',
      'SAS:key1(EXAMPLE_HASH)',
      'admin@example.com',
    ]);
  });

  it('maps the AKS kube-audit record with its cluster context', () => {
    const aks = events[4]!.event;
    assert.equal(aks.cloud.provider, 'AKS');
    assert.equal(aks.cloud.account_uid, '44444444-4444-4444-4444-444444444444');
    assert.equal(aks.api.operation, 'create');
    assert.equal(aks.api.service_name, 'k8s:core/pods');
    assert.equal(aks.metadata.uid, 'abc-123');
    assert.equal(aks.time, Date.UTC(2025, 11, 22, 14, 0, 0), 'the record time (the stub event has none)');
    assert.equal(JSON.parse(aks.unmapped).cluster, 'prod-aks-cluster');
  });

  it('dead-letters kube-audit records when configured to leave them to k8s_audit', () => {
    const c = azureActivityCollector({ kubeAudit: 'reject' });
    const out = split(c.collect({ name: 'hub', bytes: readBytes(EVENTHUBS_FILE) }));
    assert.equal(out.events.length, 4);
    assert.equal(out.rejects.length, 1);
    assert.equal(out.rejects[0]!.position, 'hub#4');
    assert.match(out.rejects[0]!.reason, /kube-audit record: collected by k8s_audit/);
  });

  it('reads the same message gzip-compressed', () => {
    const gz = split(collector.collect({ name: 'hub/0@17', bytes: gzipSync(readBytes(EVENTHUBS_FILE)) }));
    assert.deepEqual(gz.events.map((e) => e.event), events.map((e) => e.event));
  });
});

describe('azure_activity collector on a storage blob (JSON lines) and the REST form', () => {
  it('reads PT1H.json JSON lines', () => {
    const { events, rejects } = split(collector.collect({ name: 'PT1H.json', bytes: readBytes(STORAGE_FILE) }));
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => e.event.api.operation), [
      'MICROSOFT.INSIGHTS/ACTIONGROUPS/DELETE',
      'MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION',
      'MICROSOFT.ADVISOR/RECOMMENDATIONS/AVAILABLE/ACTION',
    ]);
    events.forEach((e) => assertAvroRoundTrip(e.event, e.position));
  });

  it('reads a REST {"value":[...]} response', () => {
    const { events, rejects } = split(collector.collect({ name: 'rest', bytes: readBytes(REST_FILE) }));
    assert.deepEqual(rejects, []);
    assert.deepEqual(events.map((e) => [e.key, e.event.status]), [
      ['attacker@example.com', 'Success'],
      ['unknown@12345678-1234-1234-1234-123456789abc', 'Failure'],
    ]);
  });
});

describe('azure_activity collector on malformed.ndjson', () => {
  const outputs = [...collector.collect({ name: 'bad.ndjson', bytes: readBytes(MALFORMED_NDJSON) })];
  const at = (i: number): CollectorOutput => outputs[i]!;

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
      'bad.ndjson#10 event',
    ]);
  });

  it('names the problem of each bad line', () => {
    const reason = (i: number): string => (at(i) as RejectedRecord).reason;
    assert.match(reason(1), /^line 2: not valid JSON/);
    assert.match(reason(2), /^line 3: not an Azure activity record: operationName must be a string, got a number$/);
    assert.match(reason(3), /^line 4: not an Azure activity record: time is missing$/);
    assert.match(reason(4), /^line 6: not an Azure activity record: time "yesterday" is not an ISO-8601 date-time$/);
    assert.match(reason(5), /^line 7: record must be a JSON object, got a string$/);
    assert.match(reason(6), /^line 8: identity must be an object, got a string$/);
    assert.match(reason(8), /^line 9: not an Azure activity record: time is missing$/);
    assert.match(reason(9), /^line 10: callerIpAddress must be a string, got an array$/);
    for (const i of [1, 2, 3, 4, 5, 6, 8, 9]) {
      const r = at(i) as RejectedRecord;
      assert.equal(r.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
      assert.equal(r.stage, 'collect');
      assert.equal(r.source, 'azure_activity');
    }
    assert.equal((at(6) as RejectedRecord).raw.toString('utf8').split('\n').length, 1, 'raw is the line');
  });
});

describe('azure_activity collector on garbage (never throws, every record rejected)', () => {
  const rand = rng(42);
  const logs = pantherCases().map((c) => c.log);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const wrongValues: unknown[] = [42, -1.5, true, [], [1, 'a'], {}, { value: 3 }, 'x'.repeat(200_000)];
  const typedFields: Record<string, unknown[]> = {
    operationName: [42, true, [], {}, { value: 3 }, null],
    time: [42, true, [], {}, null, 'not a time', '2024-13-45T99:99:99Z'],
    resourceId: [42, true, [], {}],
    callerIpAddress: [42, true, [], {}],
    identity: [42, 'root', [], true],
    location: [42, [], {}],
    correlationId: [42, [], {}],
  };

  it('rejects 2,000 truncated, binary, wrong-type and huge records without throwing', () => {
    const inputs: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const kind = i % 6;
      const log = pick(logs);
      if (kind === 0) inputs.push(Buffer.from(JSON.stringify(log).slice(0, 1 + Math.floor(rand() * 200))));
      else if (kind === 1) inputs.push(Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))));
      else if (kind === 2) inputs.push(Buffer.from(JSON.stringify(pick(wrongValues))));
      else if (kind === 3) {
        const field = pick(Object.keys(typedFields));
        inputs.push(Buffer.from(JSON.stringify({ ...log, [field]: pick(typedFields[field]!) })));
      } else if (kind === 4) inputs.push(Buffer.from(JSON.stringify({ records: pick([5, 'x', null, {}]) })));
      else inputs.push(Buffer.from(JSON.stringify({ operationName: 'x'.repeat(100_000), note: pick(wrongValues) })));
    }
    let n = 0;
    for (const [i, bytes] of inputs.entries()) {
      const outs = [...collector.collect({ name: `g${i}`, bytes })];
      if (bytes.toString('utf8') !== '[]') assert.ok(outs.length >= 1, `input ${i} gave no output`); // [] holds no record
      for (const o of outs) {
        n++;
        assert.equal(o.kind, 'dead_letter', `input ${i} (${bytes.subarray(0, 80).toString('utf8')}) was not rejected`);
      }
    }
    assert.ok(n >= 1800);
  });

  it('rejects an empty records array as nothing and a top-level null as one reject', () => {
    assert.deepEqual([...collector.collect({ name: 'e', bytes: Buffer.from('{"records":[]}') })], []);
    const [r] = [...collector.collect({ name: 'n', bytes: Buffer.from('null') })];
    assert.equal(r?.kind, 'dead_letter');
  });
});

describe('azure_activity collector on deeply nested JSON', () => {
  it('rejects a 200,000-deep array and gives one output for a record nested 5,000 deep, never an exception', () => {
    assertDeepNestingIsSafe(collector, (nested) => `{"time":"2024-01-01T00:00:00Z","operationName":"a/b/write","resourceId":"/x","properties":${nested}}`);
  });
});

describe('azure_activity sniff, config and spec', () => {
  it('is false for the records of every other source', () => {
    for (const [name, record] of Object.entries(otherSourceRecords())) assert.equal(sniffAzureActivity(record), false, name);
    for (const c of k8sPantherCases()) assert.equal(sniffAzureActivity(c.log), false, c.case_id);
    for (const bad of [null, 'x', 42, [], {}, { operationName: 'a/b/write' }]) assert.equal(sniffAzureActivity(bad), false, JSON.stringify(bad));
    assert.equal(
      sniffAzureActivity({ TimeGenerated: '2025-03-04T10:00:00Z', Type: 'AzureActivity', OperationNameValue: 'MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION', ActivityStatusValue: 'Success' }),
      true,
      'Log Analytics AzureActivity row',
    );
    assert.equal(sniffAzureActivity({ TimeGenerated: '2025-03-04T10:00:00Z', OperationName: 'x' }), false, 'a bare OperationName is not enough');
  });

  it('rejects unknown keys and bad values, listing every problem', () => {
    assert.throws(
      () => azureActivityCollector({ bogus: 1, rawCapBytes: -1 } as never),
      (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_CONFIG_INVALID' && /2 problems/.test(err.message) && /bogus/.test(err.message),
    );
    assert.ok(AzureActivityConfigSchema.safeParse({}).success);
  });

  it('exposes the spec', () => {
    assert.equal(azureActivitySpec.type, 'azure_activity');
    assert.deepEqual(azureActivitySpec.streams, ['activity']);
    assert.equal(azureActivitySpec.create({}).type, 'azure_activity');
    assert.equal(azureActivitySpec.sniff(pantherCases()[0]!.log), true);
  });
});
