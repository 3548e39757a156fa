import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ManualClock } from '../../core/clock.ts';
import type { ApiActivity } from '../../core/events.ts';
import {
  MALFORMED_NDJSON,
  OTRF_FILE,
  S3_SAMPLE_GZ,
  otrfRecord,
  pantherCases,
  readBytes,
} from '../../../test/fixtures/cloudtrail/load.ts';
import {
  awsCloudTrailCollector,
  awsCloudTrailSpec,
  AwsCloudTrailConfigSchema,
  createAwsCloudTrailCollector,
  normalizeCloudTrail,
  parseAwsCloudTrailConfig,
  stableRecordUid,
  type AwsCloudTrailConfigInput,
} from './index.ts';
import { assertAvroRoundTrip, split } from '../../../test/fixtures/activity-kit.ts';
import { assertConfigProblems, assertFieldsDocumented, assertOnlyRejects } from '../../../test/fixtures/collector-kit.ts';

/** The collector with a ManualClock, so the ingest time of records without a time is known. */
function collectorAt(ms: number, config: AwsCloudTrailConfigInput = {}): ReturnType<typeof createAwsCloudTrailCollector> {
  return createAwsCloudTrailCollector(parseAwsCloudTrailConfig(config), { clock: new ManualClock(ms) });
}

function fallbacksOf(event: ApiActivity): string[] | undefined {
  const unmapped = JSON.parse(event.unmapped) as { _sluice?: { fallbacks: string[] } };
  return unmapped._sluice?.fallbacks;
}

describe('aws_cloudtrail collector on the OTRF breach dataset (103 Logstash-shipped events)', () => {
  const collector = awsCloudTrailCollector();
  const { events, rejects } = split(collector.collect({ name: 'otrf.jsonl', bytes: readBytes(OTRF_FILE) }));

  it('normalizes every event, none rejected', () => {
    assert.deepEqual(rejects, []);
    assert.equal(events.length, 103);
  });

  it('emits on the activity stream, keyed by principal, with file positions', () => {
    events.forEach((e, i) => {
      assert.equal(e.kind, 'event');
      assert.equal(e.stream, 'activity');
      assert.equal(e.position, `otrf.jsonl#${i}`);
      assert.equal(e.key, e.event.actor.user.uid);
    });
    const keys = new Set(events.map((e) => e.key));
    assert.deepEqual([...keys].sort(), [
      'arn:aws:iam::123456789123:user/pedro',
      'arn:aws:sts::123456789123:assumed-role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/i-0317f6c6b66ae9c40',
      'ec2.amazonaws.com',
    ]);
  });

  it('every event round-trips through the Avro schema', () => {
    events.forEach((e) => assertAvroRoundTrip(e.event, e.position));
  });
});

describe('aws_cloudtrail collector on Panther rule tests (133 AWS.CloudTrail cases)', () => {
  const INGEST = Date.UTC(2025, 0, 2, 3, 4, 5);
  const collector = collectorAt(INGEST);
  const cases = pantherCases();
  // Rule-test stubs that are not complete CloudTrail events (see test/fixtures/cloudtrail/SOURCE.md):
  // each is normalized with these fallbacks (unmapped._sluice.fallbacks) and this principal.
  const EXPECTED_FALLBACKS: Record<string, { fallbacks: string[]; uid: string }> = {
    'AWS.CloudTrail.PasswordSpraying#0': { fallbacks: ['time'], uid: '111122223333:IAMUser:alice' },
    'AWS.CloudTrail.PasswordSpraying#1': { fallbacks: ['time'], uid: '111122223333:IAMUser:alice' },
    'AWS.CloudTrail.PasswordSpraying#2': { fallbacks: ['time'], uid: '111122223333:IAMUser:alice' },
    'AWS.CloudTrail.PasswordSpraying#3': { fallbacks: ['time'], uid: '111122223333:Root:root' },
    'AWS.CloudTrail.VPCE.S3ExternalIP#2': { fallbacks: ['time'], uid: 'AIDAEXAMPLE' },
    'AWS.EC2.EBS.Encryption.Disabled#0': { fallbacks: ['time', 'principal'], uid: 'unknown@123456789' },
    'AWS.EC2.EBS.Encryption.Disabled#1': { fallbacks: ['principal'], uid: 'unknown@unknown' },
    'AWS.SecretsManager.BatchRetrieveSecrets#0': { fallbacks: ['time', 'principal'], uid: 'unknown@012345678901' },
    'AWS.SecretsManager.BatchRetrieveSecretsCatchAll#0': { fallbacks: ['time', 'principal'], uid: 'unknown@012345678901' },
    'AWS.SecretsManager.BatchRetrieveSecretsCatchAll#1': { fallbacks: ['time', 'principal'], uid: 'unknown@012345678901' },
    'AWS.SecretsManager.RetrieveSecretsMultiRegion#0': { fallbacks: ['time', 'principal'], uid: 'unknown@012345678901' },
    'AWS.SecretsManager.RetrieveSecretsMultiRegion#1': { fallbacks: ['time', 'principal'], uid: 'unknown@012345678901' },
    'AWS.IPSet.Modified#0': { fallbacks: ['lowercase_keys', 'principal'], uid: 'unknown@123456789012' },
    'AWS.IPSet.Modified#1': { fallbacks: ['lowercase_keys', 'principal'], uid: 'unknown@123456789012' },
    'AWS.IPSet.Modified#2': { fallbacks: ['lowercase_keys', 'principal'], uid: 'unknown@123456789012' },
  };
  const NO_TIME = Object.keys(EXPECTED_FALLBACKS).filter((id) => EXPECTED_FALLBACKS[id]!.fallbacks.includes('time'));

  it('holds 133 cases, all of log_type AWS.CloudTrail', () => {
    assert.equal(cases.length, 133);
    assert.ok(cases.every((c) => c.log_type === 'AWS.CloudTrail'));
  });

  it('normalizes all 133, the 15 stubs with exactly the expected fallbacks, and no dead letters', () => {
    const withFallbacks: string[] = [];
    for (const c of cases) {
      const out = [...collector.collect({ name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) })];
      assert.equal(out.length, 1, c.case_id);
      const [o] = out;
      assert.ok(o?.kind === 'event' && o.stream === 'activity', `${c.case_id} rejected: ${o?.kind === 'dead_letter' ? o.reason : ''}`);
      assert.equal(o.position, `${c.case_id}#0`);
      assert.equal(o.key, o.event.actor.user.uid);
      assertAvroRoundTrip(o.event, c.case_id);
      const want = EXPECTED_FALLBACKS[c.case_id];
      const got = fallbacksOf(o.event);
      if (want === undefined) {
        assert.equal(got, undefined, `${c.case_id}: no fallback expected`);
        continue;
      }
      withFallbacks.push(c.case_id);
      assert.deepEqual(got, want.fallbacks, c.case_id);
      assert.equal(o.event.actor.user.uid, want.uid, c.case_id);
      if (want.fallbacks.includes('time')) {
        assert.equal(o.event.time, INGEST, c.case_id);
        assert.equal(o.event.metadata.original_time, '', c.case_id);
      } else {
        assert.notEqual(o.event.metadata.original_time, '', c.case_id);
      }
      if (want.fallbacks.includes('principal')) {
        assert.equal(o.event.actor.user.type, null, c.case_id);
        assert.equal(o.event.actor.user.name, null, c.case_id);
        assert.equal(o.event.actor.session, null, c.case_id);
      }
    }
    assert.deepEqual(withFallbacks.sort(), Object.keys(EXPECTED_FALLBACKS).sort());
  });

  it('maps a lower-cased data-lake export (AWS.IPSet.Modified#0) back to CloudTrail fields', () => {
    const c = cases.find((x) => x.case_id === 'AWS.IPSet.Modified#0')!;
    const [o] = [...collector.collect({ name: 'ipset', bytes: Buffer.from(JSON.stringify(c.log)) })];
    assert.ok(o?.kind === 'event' && o.stream === 'activity');
    const e = o.event;
    assert.equal(e.api.operation, 'CreateIPSet');
    assert.equal(e.api.service_name, 'guardduty.amazonaws.com');
    assert.equal(e.activity_id, 1);
    assert.equal(e.time, Date.UTC(2022, 6, 17, 4, 50, 23));
    assert.equal(e.metadata.original_time, '2022-07-17 04:50:23');
    assert.equal(e.metadata.uid, 'abc-123');
    assert.equal(e.metadata.log_name, 'AwsApiCall');
    assert.deepEqual(e.cloud, { provider: 'AWS', region: 'us-east-1', account_uid: '123456789012' });
    assert.equal(e.actor.user.account_uid, '123456789012');
    assert.deepEqual(JSON.parse(e.unmapped), { eventVersion: '1.08', _sluice: { fallbacks: ['lowercase_keys', 'principal'] } });
    assert.equal(e.raw_data, JSON.stringify(c.log)); // as received, keys still lower-cased
  });

  it('gives the records without eventTime the collector clock of the input, and a uid that does not depend on it', () => {
    const later = collectorAt(INGEST + 60_000);
    for (const id of NO_TIME) {
      const log = cases.find((c) => c.case_id === id)!.log as Record<string, unknown>;
      const bytes = Buffer.from(JSON.stringify(log));
      const [a] = [...collector.collect({ name: id, bytes })];
      const [b] = [...later.collect({ name: id, bytes })];
      assert.ok(a?.kind === 'event' && a.stream === 'activity' && b?.kind === 'event' && b.stream === 'activity', id);
      assert.equal(a.event.time, INGEST, id);
      assert.equal(b.event.time, INGEST + 60_000, id);
      assert.equal(a.event.metadata.uid, b.event.metadata.uid, id);
      if (log.eventID === undefined) assert.equal(a.event.metadata.uid, stableRecordUid(log), id);
    }
  });

  it('reads all 133 logs in one NDJSON file: 133 events in order, one ingest time for the input', () => {
    const ndjson = Buffer.from(cases.map((c) => JSON.stringify(c.log)).join('\n'));
    const { events, rejects } = split(collector.collect({ name: 'panther.ndjson', bytes: ndjson }));
    assert.deepEqual(rejects, []);
    assert.equal(events.length, 133);
    events.forEach((e, i) => assert.equal(e.position, `panther.ndjson#${i}`));
    const ipset = cases.findIndex((c) => c.case_id === 'AWS.IPSet.Modified#0');
    assert.deepEqual(fallbacksOf(events[ipset]!.event), ['lowercase_keys', 'principal']);
    const noTime = events.filter((e) => fallbacksOf(e.event)?.includes('time'));
    assert.equal(noTime.length, NO_TIME.length);
    assert.ok(noTime.every((e) => e.event.time === INGEST));
  });

  it('with missingTime "reject", dead-letters exactly the 11 records without eventTime', () => {
    const strict = collectorAt(INGEST, { missingTime: 'reject' });
    const rejected: string[] = [];
    for (const c of cases) {
      const [o] = [...strict.collect({ name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) })];
      if (o?.kind !== 'dead_letter') continue;
      rejected.push(c.case_id);
      assert.match(o.reason, /^not a CloudTrail event: eventTime is missing$/, c.case_id);
      assert.equal(o.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
      assert.equal(o.stage, 'collect');
      assert.equal(o.source, 'aws_cloudtrail');
      assert.equal(o.position, `${c.case_id}#0`);
    }
    assert.equal(NO_TIME.length, 11);
    assert.deepEqual(rejected.sort(), [...NO_TIME].sort());
  });
});

describe('aws_cloudtrail collector on the S3 object form', () => {
  const collector = awsCloudTrailCollector();

  it('reads a gzip\'d {"Records":[...]} object', () => {
    const { events, rejects } = split(collector.collect({ name: 's3://trail/AWSLogs/sample.json.gz', bytes: readBytes(S3_SAMPLE_GZ) }));
    assert.deepEqual(rejects, []);
    assert.deepEqual(
      events.map((e) => [e.position, e.event.api.operation]),
      [
        ['s3://trail/AWSLogs/sample.json.gz#0', 'DescribeInstanceTypes'],
        ['s3://trail/AWSLogs/sample.json.gz#1', 'AssumeRole'],
        ['s3://trail/AWSLogs/sample.json.gz#2', 'GetObject'],
        ['s3://trail/AWSLogs/sample.json.gz#3', 'ConsoleLogin'],
        ['s3://trail/AWSLogs/sample.json.gz#4', 'SendSSHPublicKey'],
        ['s3://trail/AWSLogs/sample.json.gz#5', 'CreateLogStream'],
      ],
    );
    // OTRF line 1 in CloudTrail's own form: same event, time read from eventTime.
    const first = events[0]!.event;
    assert.equal(first.metadata.uid, 'fd4f1042-c7f6-4107-a6ee-d841d92596e7');
    assert.equal(first.metadata.original_time, '2020-09-14T00:44:23Z');
    assert.equal(first.time, normalizeCloudTrail(otrfRecord(1)).time);
    assert.equal(events[3]!.event.status, 'Failure');
    events.forEach((e) => assertAvroRoundTrip(e.event, e.position));
  });

  it('reads the same object uncompressed and as a top-level array', () => {
    const plain = JSON.parse(gunzipSync(readBytes(S3_SAMPLE_GZ)).toString('utf8')) as { Records: unknown[] };
    const a = split(collector.collect({ name: 'a', bytes: Buffer.from(JSON.stringify(plain)) }));
    const b = split(collector.collect({ name: 'b', bytes: Buffer.from(JSON.stringify(plain.Records)) }));
    assert.equal(a.events.length, 6);
    assert.deepEqual(b.events.map((e) => e.event), a.events.map((e) => e.event));
  });

  it('rejects unreadable gzip as one SLUICE_ERR_INPUT_UNREADABLE record', () => {
    const gz = readBytes(S3_SAMPLE_GZ);
    const out = [...collector.collect({ name: 'cut.json.gz', bytes: gz.subarray(0, 200) })];
    assert.equal(out.length, 1);
    const [r] = out;
    assert.equal(r?.kind, 'dead_letter');
    if (r?.kind !== 'dead_letter') return;
    assert.equal(r.reasonCode, 'SLUICE_ERR_INPUT_UNREADABLE');
    assert.equal(r.stage, 'collect');
    assert.equal(r.source, 'aws_cloudtrail');
    assert.equal(r.position, 'cut.json.gz#0');
  });
});

describe('aws_cloudtrail collector on malformed.ndjson', () => {
  const collector = awsCloudTrailCollector();
  const out = [...collector.collect({ name: 'malformed.ndjson', bytes: readBytes(MALFORMED_NDJSON) })];

  it('sends each bad line to the dead-letter stream with its position and reason, and keeps going', () => {
    const summary = out.map((o) =>
      o.kind === 'dead_letter' ? [o.position, o.reasonCode, o.reason] : o.stream === 'activity' ? [o.position, 'event', o.event.api.operation] : [o.position, 'event', o.stream],
    );
    const expected: Array<[string, string, string | RegExp]> = [
      ['#0', 'event', 'DescribeInstanceTypes'],
      ['#1', 'SLUICE_ERR_INPUT_MALFORMED', /^line 2: not valid JSON/],
      ['#2', 'event', 'FailoverDBCluster'],
      ['#3', 'SLUICE_ERR_INPUT_MALFORMED', /^line 4: not a CloudTrail event: eventName must be a string, got a number$/],
      ['#4', 'SLUICE_ERR_INPUT_MALFORMED', /^line 6: not a CloudTrail event: eventName is missing$/],
      ['#5', 'SLUICE_ERR_INPUT_MALFORMED', /^line 7: not a CloudTrail event: userIdentity must be an object, got a string$/],
      ['#6', 'SLUICE_ERR_INPUT_MALFORMED', /^line 8: not a CloudTrail event: eventTime "yesterday" is not an ISO-8601 date-time$/],
      ['#7', 'SLUICE_ERR_INPUT_MALFORMED', /^line 9: record must be a JSON object, got a string$/],
      ['#8', 'SLUICE_ERR_INPUT_MALFORMED', /^line 10: awsRegion must be a string, got a number$/],
      ['#9', 'event', 'GetObject'],
      ['#10', 'event', 'ConsoleLogin'],
      ['#11', 'SLUICE_ERR_INPUT_MALFORMED', /^line 12: not a CloudTrail event: eventSource is missing$/],
      ['#12', 'event', 'DeleteBucketReplication'],
    ];
    assert.equal(summary.length, expected.length, JSON.stringify(summary, null, 1));
    expected.forEach(([pos, kind, what], i) => {
      const [gotPos, gotKind, gotWhat] = summary[i]!;
      assert.equal(gotPos, `malformed.ndjson${pos}`);
      assert.equal(gotKind, kind, `${pos}: ${gotWhat}`);
      if (typeof what === 'string') assert.equal(gotWhat, what);
      else assert.match(String(gotWhat), what);
    });
  });

  it('keeps the raw line bytes of a rejected record', () => {
    const lines = readFileSync(MALFORMED_NDJSON, 'utf8').split('\n');
    const truncated = out[1];
    assert.equal(truncated?.kind, 'dead_letter');
    assert.equal(truncated?.kind === 'dead_letter' && truncated.raw.toString('utf8'), lines[1]);
    const wrongType = out[3];
    assert.equal(wrongType?.kind === 'dead_letter' && wrongType.raw.toString('utf8'), lines[3]);
  });

  it('never throws, whatever the bytes', () => {
    assertOnlyRejects(collector, [Buffer.from('{"Records": 5}'), Buffer.from('[1, "a", null]'), Buffer.from([0x1f, 0x8b])]);
  });
});

describe('aws_cloudtrail config and spec', () => {
  it('defaults to the 64 KiB raw cap and rejects unknown keys, reporting every problem', () => {
    const cfg = AwsCloudTrailConfigSchema.parse({});
    assert.equal(cfg.rawCapBytes, 64 * 1024);
    assert.equal(cfg.unmappedCapBytes, 64 * 1024);
    assert.equal(cfg.missingTime, 'ingest_time');
    assert.throws(() => parseAwsCloudTrailConfig({ missingTime: 'ingest' }), /missingTime/);
    assertConfigProblems(() => awsCloudTrailCollector({ rawCapBytes: 70000, bogus: 1 } as never), ['rawCapBytes', 'bogus']);
  });

  it('documents every config field', () => {
    assertFieldsDocumented(AwsCloudTrailConfigSchema);
  });

  it('applies the caps from config', () => {
    const c = awsCloudTrailCollector({ rawCapBytes: 0, unmappedCapBytes: 2 });
    const [o] = [...c.collect({ name: 'x', bytes: Buffer.from(JSON.stringify(otrfRecord(1))) })];
    assert.equal(o?.kind, 'event');
    if (o?.kind !== 'event' || o.stream !== 'activity') return;
    assert.equal(o.event.raw_data, null);
    assert.equal(o.event.unmapped, '{"_truncated":true}');
  });

  it('awsCloudTrailCollector(config) uses the system clock for records without eventTime', () => {
    const stub = { eventName: 'DescribeInstances', eventSource: 'ec2.amazonaws.com', userIdentity: { type: 'Root' } };
    const before = Date.now();
    const [o] = [...awsCloudTrailCollector().collect({ name: 'x', bytes: Buffer.from(JSON.stringify(stub)) })];
    const after = Date.now();
    assert.ok(o?.kind === 'event' && o.stream === 'activity');
    assert.ok(o.event.time >= before && o.event.time <= after);
    assert.deepEqual(fallbacksOf(o.event), ['time']);
  });

  it('still rejects what is not CloudTrail: {} and records without eventName or eventSource', () => {
    const c = collectorAt(0);
    for (const rec of [{}, { eventName: 'X' }, { eventSource: 'ec2.amazonaws.com' }, { eventname: 'X' }, { recipientAccountId: '1' }]) {
      const [o] = [...c.collect({ name: 'x', bytes: Buffer.from(JSON.stringify(rec)) })];
      assert.equal(o?.kind, 'dead_letter', JSON.stringify(rec));
      assert.match(o?.kind === 'dead_letter' ? o.reason : '', /^not a CloudTrail event: .*is missing/);
    }
  });

  it('sniffs minimal records (no eventVersion, no userIdentity) by an AWS service eventSource, and normalizes them', () => {
    const minimal = { eventSource: 'ec2.amazonaws.com', eventName: 'DisableEbsEncryptionByDefault', awsRegion: 'us-east-1', recipientAccountId: '111122223333', sourceIPAddress: '203.0.113.9' };
    const lowered = { eventsource: 'guardduty.amazonaws.com', eventname: 'CreateIPSet', eventtime: '2024-03-01 10:00:00', recipientaccountid: '111122223333' };
    assert.equal(awsCloudTrailSpec.sniff(minimal), true);
    assert.equal(awsCloudTrailSpec.sniff(lowered), true);
    // Not CloudTrail: another service's name, a non-string eventName, a bare name without the AWS domain.
    for (const rec of [
      { eventSource: 'example.com', eventName: 'X' },
      { eventSource: 'ec2.amazonaws.com', eventName: 7 },
      { eventSource: 'amazonaws.com', eventName: 'X' },
      { eventsource: 'ec2.amazonaws.com.example.org', eventname: 'X' },
      { eventSource: 'ec2.amazonaws.com' },
    ]) assert.equal(awsCloudTrailSpec.sniff(rec), false, JSON.stringify(rec));

    const c = collectorAt(Date.UTC(2024, 2, 1, 12));
    const [a] = [...c.collect({ name: 'x', bytes: Buffer.from(JSON.stringify(minimal)) })];
    assert.ok(a?.kind === 'event' && a.stream === 'activity', JSON.stringify(a));
    assert.equal(a.event.api.operation, 'DisableEbsEncryptionByDefault');
    assert.equal(a.event.actor.user.uid, 'unknown@111122223333');
    assert.equal(a.event.time, Date.UTC(2024, 2, 1, 12));
    assert.deepEqual(fallbacksOf(a.event), ['time', 'principal']);
    assertAvroRoundTrip(a.event, 'minimal record');

    const [b] = [...c.collect({ name: 'y', bytes: Buffer.from(JSON.stringify(lowered)) })];
    assert.ok(b?.kind === 'event' && b.stream === 'activity', JSON.stringify(b));
    assert.equal(b.event.api.service_name, 'guardduty.amazonaws.com');
    assert.equal(b.event.api.operation, 'CreateIPSet');
    assert.deepEqual(fallbacksOf(b.event), ['lowercase_keys', 'principal']);

    // missingTime: reject dead-letters the minimal record instead (no crash).
    const [r] = [...collectorAt(0, { missingTime: 'reject' }).collect({ name: 'z', bytes: Buffer.from(JSON.stringify(minimal)) })];
    assert.equal(r?.kind, 'dead_letter');
    assert.match(r?.kind === 'dead_letter' ? r.reason : '', /eventTime is missing/);
  });

  it('exposes its spec', () => {
    assert.equal(awsCloudTrailSpec.type, 'aws_cloudtrail');
    assert.equal(awsCloudTrailSpec.create().type, 'aws_cloudtrail');
    assert.equal(awsCloudTrailSpec.configSchema, AwsCloudTrailConfigSchema);
  });
});
