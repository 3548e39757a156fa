import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoCollector } from '../auto.ts';
import { COLLECTOR_SPECS } from '../registry.ts';
import type { ApiActivity } from '../../core/events.ts';
import { awsCloudTrailCollector } from './index.ts';
import { mergeLakeRow, parseTextFields } from './forms.ts';

/** A console-free CLI call as CloudTrail logs it (CloudTrail user guide, "CloudTrail record contents"). */
const RECORD = {
  eventVersion: '1.09',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEEXAMPLE01:ana',
    arn: 'arn:aws:sts::111122223333:assumed-role/Admin/ana',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
    sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/Admin', userName: 'Admin' }, attributes: { creationDate: '2024-06-03T09:00:00Z', mfaAuthenticated: 'true' } },
  },
  eventTime: '2024-06-03T10:00:00Z',
  eventSource: 'ecr.amazonaws.com',
  eventName: 'SetRepositoryPolicy',
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.8',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: { repositoryName: 'payments-api', policyText: '{"Statement":[]}', force: false },
  responseElements: { registryId: '111122223333', repositoryName: 'payments-api' },
  eventID: '7e1c3b2a-0000-4000-8000-000000000003',
  readOnly: false,
  eventType: 'AwsApiCall',
  recipientAccountId: '111122223333',
};

function events(bytes: unknown, viaAuto = false): ApiActivity[] {
  const input = { name: 'in', bytes: Buffer.from(typeof bytes === 'string' ? bytes : JSON.stringify(bytes)) };
  const outs = [...(viaAuto ? autoCollector(COLLECTOR_SPECS) : awsCloudTrailCollector()).collect(input)];
  for (const o of outs) if (o.kind === 'dead_letter') assert.fail(`dead letter: ${o.reason}`);
  return outs.map((o) => (o as { event: ApiActivity }).event);
}

/** The fields a rule reads, compared across forms. */
function essence(e: ApiActivity): unknown {
  const u = JSON.parse(e.unmapped) as Record<string, unknown>;
  return { op: e.api.operation, svc: e.api.service_name, actor: e.actor, status: e.status, ip: e.src_endpoint, time: e.time, uid: e.metadata.uid, req: u.requestParameters, resp: u.responseElements };
}

const plain = essence(events(RECORD)[0]!);

test('a CloudWatch Logs subscription message gives each log event as a record (plain and through --source auto)', () => {
  const message = {
    messageType: 'DATA_MESSAGE',
    owner: '111122223333',
    logGroup: 'aws-cloudtrail-logs-111122223333',
    logStream: '111122223333_CloudTrail_us-east-1',
    subscriptionFilters: ['to-firehose'],
    logEvents: [
      { id: '1', timestamp: 1717408800000, message: JSON.stringify(RECORD) },
      { id: '2', timestamp: 1717408800000, message: JSON.stringify({ ...RECORD, eventID: 'second' }) },
    ],
  };
  for (const viaAuto of [false, true]) {
    const got = events(message, viaAuto);
    assert.equal(got.length, 2);
    assert.deepEqual(essence(got[0]!), plain);
    assert.equal(got[1]!.metadata.uid, 'second');
  }
  assert.deepEqual(events({ messageType: 'CONTROL_MESSAGE', logGroup: '', logEvents: [{ id: '', timestamp: 0, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] }), []);
});

test('a log event whose message is not JSON is a dead letter naming it', () => {
  const outs = [...awsCloudTrailCollector().collect({ name: 'in', bytes: Buffer.from(JSON.stringify({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', timestamp: 0, message: 'not json' }] })) })];
  assert.equal(outs.length, 1);
  assert.equal(outs[0]!.kind, 'dead_letter');
  assert.match((outs[0] as { reason: string }).reason, /logEvents\[0\]\.message is not JSON/);
});

test('CloudTrail Lake GetQueryResults rows (one-key maps, objects as JSON text) give the same event', () => {
  const row = Object.entries(RECORD).map(([k, v]) => ({ [k]: typeof v === 'string' ? v : JSON.stringify(v) }));
  for (const viaAuto of [false, true]) {
    const got = events({ QueryStatus: 'FINISHED', QueryResultRows: [row, row] }, viaAuto);
    assert.equal(got.length, 2);
    assert.deepEqual(essence(got[0]!), plain);
  }
});

test('dotted Lake column names are nested back', () => {
  assert.deepEqual(mergeLakeRow([{ eventName: 'X' }, { 'userIdentity.arn': 'a' }, { 'userIdentity.type': 'IAMUser' }]), { eventName: 'X', userIdentity: { arn: 'a', type: 'IAMUser' } });
});

test('an Athena export (lower-case keys, object columns as JSON text, empty errorcode) gives the same event', () => {
  const lower: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(RECORD)) lower[k.toLowerCase()] = typeof v === 'object' ? JSON.stringify(k === 'userIdentity' ? { type: 'AssumedRole', principalid: RECORD.userIdentity.principalId, arn: RECORD.userIdentity.arn, accountid: '111122223333', accesskeyid: 'ASIAEXAMPLEEXAMPLE01', sessioncontext: RECORD.userIdentity.sessionContext } : v) : v;
  lower.errorcode = '';
  const got = essence(events(lower)[0]!) as Record<string, unknown>;
  assert.deepEqual({ ...got }, plain);
});

test('parseTextFields leaves objects, plain text and bad JSON as they are', () => {
  const rec = { requestParameters: { a: 1 }, responseElements: 'null', additionalEventData: '{oops}', userAgent: '{x}' };
  assert.deepEqual(parseTextFields(rec), { requestParameters: { a: 1 }, responseElements: null, additionalEventData: '{oops}', userAgent: '{x}' });
  const same = { requestParameters: { a: 1 } };
  assert.equal(parseTextFields(same), same);
});

test('an IAM Identity Center user (type IdentityCenterUser, no ARN) is told apart by its identity-store user id', () => {
  const id = (userId: string) => ({
    ...RECORD,
    eventSource: 'identitystore.amazonaws.com',
    eventName: 'ListGroupMembershipsForMember',
    userIdentity: {
      type: 'IdentityCenterUser',
      accountId: '111122223333',
      onBehalfOf: { userId, identityStoreArn: 'arn:aws:identitystore::111122223333:identitystore/d-1234567890' },
      credentialId: 'EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE',
    },
  });
  const [a, b] = [events(id('544894e8-80c1-707f-60e3-3ba6510dfac1'))[0]!, events(id('0000aaaa-80c1-707f-60e3-3ba6510dfac1'))[0]!];
  assert.equal(a.actor.user.uid, 'arn:aws:identitystore::111122223333:identitystore/d-1234567890/user/544894e8-80c1-707f-60e3-3ba6510dfac1');
  assert.equal(a.actor.user.name, '544894e8-80c1-707f-60e3-3ba6510dfac1');
  assert.equal(a.actor.user.type, 'IdentityCenterUser');
  assert.equal(a.actor.user.credential_uid, 'EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE');
  assert.notEqual(a.actor.user.uid, b.actor.user.uid);
});
