import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OCSF_VERSION } from '../../core/events.ts';
import { otrfRecord, pantherLog } from '../../../test/fixtures/cloudtrail/load.ts';
import {
  activityIdFor,
  canonicalJson,
  normalizeCloudTrail,
  parseTimestamp,
  stableRecordUid,
  TRUNCATED_UNMAPPED,
} from './normalize.ts';
import { unmappedOf, assertMalformed } from '../../../test/fixtures/activity-kit.ts';

// Expected values below were written from reading the raw records in test/fixtures/cloudtrail.

/** normalizeCloudTrail(record) throws SLUICE_ERR_INPUT_MALFORMED matching `reason`. */
const assertRecordMalformed = (record: unknown, reason: RegExp): void => assertMalformed(() => normalizeCloudTrail(record), reason);

describe('normalizeCloudTrail on OTRF (Logstash-shipped) events', () => {
  it('line 1: IAMUser pedro, DescribeInstanceTypes, MFA session, time from @timestamp', () => {
    const e = normalizeCloudTrail(otrfRecord(1));
    assert.equal(e.class_uid, 6003);
    assert.equal(e.category_uid, 6);
    assert.equal(e.activity_id, 2);
    assert.equal(e.type_uid, 600302);
    assert.equal(e.severity_id, 1);
    assert.equal(e.time, Date.UTC(2020, 8, 14, 0, 44, 23));
    assert.equal(e.status, 'Success');
    assert.equal(e.status_id, 1);
    assert.equal(e.status_code, null);
    assert.equal(e.status_detail, null);
    assert.deepEqual(e.metadata, {
      uid: 'fd4f1042-c7f6-4107-a6ee-d841d92596e7',
      version: OCSF_VERSION,
      product_name: 'CloudTrail',
      vendor_name: 'AWS',
      log_name: 'AwsApiCall',
      original_time: '2020-09-14T00:44:23.000Z',
      source: 'aws_cloudtrail',
    });
    assert.deepEqual(e.actor, {
      user: {
        uid: 'arn:aws:iam::123456789123:user/pedro',
        name: 'pedro',
        type: 'IAMUser',
        account_uid: '123456789123',
        credential_uid: 'ASIA5FLZVX4OI4ZDQJOL',
      },
      session: { is_mfa: true, issuer: null, created_time: Date.UTC(2020, 8, 13, 17, 16, 47) },
      invoked_by: null,
    });
    assert.deepEqual(e.api, {
      operation: 'DescribeInstanceTypes',
      service_name: 'ec2.amazonaws.com',
      request_uid: '2db6a7b5-876c-4995-8258-e6f09d9ef934',
      version: null,
    });
    assert.deepEqual(e.cloud, { provider: 'AWS', region: 'us-east-1', account_uid: '123456789123' });
    assert.deepEqual(e.src_endpoint, { ip: '1.2.3.4', domain: null });
    assert.equal(e.user_agent, 'console.ec2.amazonaws.com');
    assert.deepEqual(e.resources, []);
    const un = unmappedOf(e);
    assert.equal(un['@timestamp'], '2020-09-14T00:44:23.000Z');
    assert.equal(un['@version'], '1');
    assert.equal(un.eventVersion, '1.05');
    assert.equal(un.responseElements, null);
    assert.deepEqual(un.requestParameters, {
      DescribeInstanceTypesRequest: {
        NextToken:
          'AAIAAUCZLcGdOTmfTz2Vwy7qCVgVq6KNMDDo2s_UFVQdUl8JzmoaM3geYg-eTVO56npOwVkgRcbnccOAIh5xaIntUaFwx3Yzg5z0gJcGwKSvIHr7PoKDSMugzTo27wztP16CU4jRhTPQdzL5kAyA8MMWqgrYKoT5J0xc',
        MaxResults: 100,
      },
    });
    // The unmapped part of userIdentity stays; the mapped identity fields do not repeat there.
    assert.deepEqual(Object.keys(un.userIdentity as object), ['sessionContext']);
    for (const k of ['eventName', 'eventSource', 'eventID', 'awsRegion', 'sourceIPAddress', 'userAgent', 'requestID']) {
      assert.ok(!(k in un), `${k} is mapped, not in unmapped`);
    }
    assert.deepEqual(JSON.parse(e.raw_data ?? 'null'), otrfRecord(1));
  });

  it('line 40: AssumeRole by the EC2 service (AWSService, no ARN, no account) keyed by invokedBy', () => {
    const e = normalizeCloudTrail(otrfRecord(40));
    assert.equal(e.actor.user.uid, 'ec2.amazonaws.com');
    assert.equal(e.actor.user.type, 'AWSService');
    assert.equal(e.actor.user.name, null);
    assert.equal(e.actor.user.account_uid, '123456789123'); // from recipientAccountId
    assert.equal(e.actor.user.credential_uid, null);
    assert.equal(e.actor.invoked_by, 'ec2.amazonaws.com');
    assert.equal(e.actor.session, null);
    assert.equal(e.api.operation, 'AssumeRole');
    assert.equal(e.api.service_name, 'sts.amazonaws.com');
    assert.equal(e.activity_id, 3);
    assert.deepEqual(e.src_endpoint, { ip: null, domain: 'ec2.amazonaws.com' });
    assert.deepEqual(e.resources, [
      { uid: 'arn:aws:iam::123456789123:role/MordorLogCollectorStack-LogCollectorRole-1JJTG88NNY4KN', type: 'AWS::IAM::Role', name: null },
    ]);
    assert.equal(e.metadata.uid, '0f902c35-794c-4864-b2e0-3c4564b857b0');
    assert.equal(e.time, Date.UTC(2020, 8, 14, 0, 50, 17));
    assert.equal(unmappedOf(e).sharedEventID, 'f47b2d52-f5ef-4a87-87ed-8d0456842506');
  });

  it('line 80: GetObject of ring.txt with the stolen instance-role keys (AssumedRole)', () => {
    const e = normalizeCloudTrail(otrfRecord(80));
    assert.deepEqual(e.actor.user, {
      uid: 'arn:aws:sts::123456789123:assumed-role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/i-0317f6c6b66ae9c40',
      name: 'MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/i-0317f6c6b66ae9c40',
      type: 'AssumedRole',
      account_uid: '123456789123',
      credential_uid: 'ASIA5FLZVX4OPVKKVBMX',
    });
    assert.deepEqual(e.actor.session, {
      is_mfa: false,
      issuer: 'arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0',
      created_time: Date.UTC(2020, 8, 14, 0, 48, 30),
    });
    assert.equal(e.api.operation, 'GetObject');
    assert.equal(e.api.service_name, 's3.amazonaws.com');
    assert.equal(e.api.request_uid, 'A471D1060ED5FD07');
    assert.equal(e.activity_id, 2);
    assert.equal(e.user_agent, '[aws-cli/1.18.136 Python/3.8.5 Darwin/19.5.0 botocore/1.17.59]');
    assert.deepEqual(e.resources, [
      { uid: 'arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a/ring.txt', type: 'AWS::S3::Object', name: null },
      { uid: 'arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a', type: 'AWS::S3::Bucket', name: null },
    ]);
    assert.equal(e.metadata.uid, '771299cb-e200-4926-9604-c85358b30499');
    assert.equal(e.time, Date.UTC(2020, 8, 14, 1, 2, 34));
    const un = unmappedOf(e);
    assert.equal(un.eventCategory, 'Data');
    assert.equal(un.readOnly, true);
    assert.equal(un.managementEvent, false);
    assert.equal((un.additionalEventData as Record<string, unknown>).bytesTransferredOut, 89);
  });

  it('line 45: ListObjects maps resources[].ARNPrefix as the resource uid', () => {
    const e = normalizeCloudTrail(otrfRecord(45));
    assert.deepEqual(e.resources, [
      { uid: 'arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a/', type: 'AWS::S3::Object', name: null },
      { uid: 'arn:aws:s3:::mordors3stack-s3bucket-llp2yingx64a', type: 'AWS::S3::Bucket', name: null },
    ]);
    assert.equal(e.activity_id, 2);
  });
});

describe('normalizeCloudTrail on Panther rule-test events', () => {
  it('AWS.Console.RootLoginFailed#0: failed root console login without MFA', () => {
    const e = normalizeCloudTrail(pantherLog('AWS.Console.RootLoginFailed#0'));
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_id, 2);
    assert.equal(e.status_code, null);
    assert.equal(e.status_detail, null);
    assert.equal(e.api.operation, 'ConsoleLogin');
    assert.equal(e.api.service_name, 'signin.amazonaws.com');
    assert.equal(e.activity_id, 99);
    assert.equal(e.type_uid, 600399);
    assert.deepEqual(e.actor.user, {
      uid: 'arn:aws:iam::123456789012:root',
      name: 'root',
      type: 'Root',
      account_uid: '123456789012',
      credential_uid: null,
    });
    assert.deepEqual(e.actor.session, { is_mfa: false, issuer: null, created_time: null });
    assert.equal(e.metadata.log_name, 'AwsConsoleSignIn');
    assert.equal(e.metadata.uid, '1');
    assert.equal(e.time, Date.UTC(2019, 0, 1));
    assert.deepEqual(e.src_endpoint, { ip: '111.111.111.111', domain: null });
    assert.equal(e.cloud.region, 'us-east-1');
  });

  it('AWS.Console.RootLoginFailed#1: the same login succeeding', () => {
    const e = normalizeCloudTrail(pantherLog('AWS.Console.RootLoginFailed#1'));
    assert.equal(e.status, 'Success');
    assert.equal(e.status_id, 1);
    assert.equal(e.actor.session?.is_mfa, false);
  });

  it('AWS.EC2.MultiInstanceConnect#2: AccessDenied, Panther nanosecond time, p_* fields dropped', () => {
    const e = normalizeCloudTrail(pantherLog('AWS.EC2.MultiInstanceConnect#2'));
    assert.equal(e.status, 'Failure');
    assert.equal(e.status_id, 2);
    assert.equal(e.status_code, 'AccessDenied');
    assert.equal(
      e.status_detail,
      'User: arn:aws:sts::111122223333:assumed-role/SampleRole/bobson.dugnutt is not authorized to perform: ec2-instance-connect:SendSSHPublicKey on resource: arn:aws:ec2:us-west-2:111122223333:instance/i-abcdef01234567890 because no identity-based policy allows the ec2-instance-connect:SendSSHPublicKey action',
    );
    assert.equal(e.time, Date.UTC(2025, 0, 13, 20, 46, 57));
    assert.equal(e.metadata.original_time, '2025-01-13 20:46:57.000000000');
    assert.equal(e.metadata.uid, '3ad527a2-8799-4561-8def-963a6dcdbbb5');
    assert.equal(e.api.operation, 'SendSSHPublicKey');
    assert.equal(e.api.service_name, 'ec2-instance-connect.amazonaws.com');
    assert.equal(e.activity_id, 99);
    assert.equal(e.cloud.region, 'us-west-2');
    assert.equal(e.cloud.account_uid, '111122223333');
    assert.equal(e.actor.user.uid, 'arn:aws:sts::111122223333:assumed-role/SampleRole/bobson.dugnutt');
    assert.equal(e.actor.user.name, 'SampleRole/bobson.dugnutt');
    assert.deepEqual(e.actor.session, {
      is_mfa: false,
      issuer: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-west-2/SampleRole',
      created_time: Date.UTC(2025, 0, 13, 20, 46, 53),
    });
    assert.equal(e.user_agent, 'stratus-red-team_95b154bb-bcb2-4582-82f4-b3dbb6cfc1d9');
    const un = unmappedOf(e);
    assert.equal(un.errorCode, 'AccessDenied');
    assert.ok(!('errorMessage' in un), 'errorMessage is status_detail');
    assert.deepEqual(un.tlsDetails, {
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: 'ec2-instance-connect.us-west-2.amazonaws.com',
      tlsVersion: 'TLSv1.3',
    });
    assert.ok(!Object.keys(un).some((k) => k.startsWith('p_')), 'no Panther p_* fields');
  });

  it('AWS.STS.GetSessionToken.Misuse#1: no ARN, principalId or eventID -> account:type:userName and a hash uid', () => {
    const log = pantherLog('AWS.STS.GetSessionToken.Misuse#1');
    const e = normalizeCloudTrail(log);
    assert.equal(e.actor.user.uid, '123456789012:IAMUser:example-user');
    assert.equal(e.actor.user.name, 'example-user');
    assert.equal(e.actor.user.account_uid, '123456789012');
    assert.equal(e.status_code, 'AccessDenied');
    assert.equal(e.status_detail, null);
    assert.equal(e.activity_id, 2);
    assert.match(e.metadata.uid, /^[0-9a-f]{32}$/);
    assert.equal(e.metadata.uid, stableRecordUid(log));
    assert.equal(e.time, Date.UTC(2024, 0, 15, 10, 30));
  });

  it('AWS.CloudTrail.ResourceMadePublic#6: identity without ARN or any account -> unknown:type:userName', () => {
    const e = normalizeCloudTrail(pantherLog('AWS.CloudTrail.ResourceMadePublic#6'));
    assert.equal(e.actor.user.uid, 'unknown:AssumedRole:TestRole');
    assert.equal(e.actor.user.name, 'TestRole');
    assert.equal(e.actor.user.account_uid, null);
    assert.equal(e.cloud.account_uid, null);
    assert.deepEqual(e.src_endpoint, { ip: null, domain: null });
    assert.equal(e.time, Date.UTC(2024, 0, 1));
    assert.equal(e.activity_id, 1); // PutBucketPolicy
    assert.deepEqual(unmappedOf(e).requestParameters, { bucketPolicy: 'invalid-json-policy' });
  });

  it('AWS.EC2.ManyPasswordReadAttempts#2: AWSAccount principal; string resources kept in unmapped', () => {
    const e = normalizeCloudTrail(pantherLog('AWS.EC2.ManyPasswordReadAttempts#2'));
    assert.equal(e.actor.user.uid, 'SAMPLE_PRINCIPAL_ID:lambda-name');
    assert.equal(e.actor.user.type, 'AWSAccount');
    assert.equal(e.actor.user.account_uid, '111122223333');
    assert.deepEqual(e.resources, []);
    const un = unmappedOf(e);
    assert.deepEqual(un.resources, [
      "{'accountId': '111122223333', 'arn': 'arn:aws:iam::111122223333:role/SampleRole', 'type': 'AWS::IAM::Role'}",
    ]);
    assert.equal(un.readOnly, 'True');
    assert.equal(e.time, Date.UTC(2024, 11, 12, 16, 4, 32));
  });

  it('AWS.CloudTrail.IMDSCredentialExfiltration#4: "AWS Internal" is not an IP; name from the ARN alone', () => {
    const e = normalizeCloudTrail(pantherLog('AWS.CloudTrail.IMDSCredentialExfiltration#4'));
    assert.deepEqual(e.src_endpoint, { ip: null, domain: 'AWS Internal' });
    assert.equal(e.actor.user.uid, 'arn:aws:sts::123456789012:assumed-role/MyAppRole/i-0abcdef1234567890');
    assert.equal(e.actor.user.name, 'MyAppRole/i-0abcdef1234567890');
    assert.equal(e.actor.user.account_uid, '123456789012');
    assert.equal(e.actor.session, null);
  });

  it('AWS.UnusedRegion#1 and #2: lower-case resources[].arn, apiVersion, space-separated time', () => {
    const e1 = normalizeCloudTrail(pantherLog('AWS.UnusedRegion#1'));
    assert.deepEqual(e1.resources, [{ uid: 'arn:aws:kms:us-west-2:123456789012:key/1111', type: 'AWS::KMS::Key', name: null }]);
    assert.equal(e1.api.operation, 'Decrypt');
    assert.equal(e1.activity_id, 99);
    assert.equal(e1.cloud.region, 'ap-east-1');
    const e2 = normalizeCloudTrail(pantherLog('AWS.UnusedRegion#2'));
    assert.equal(e2.api.version, '20140328');
    assert.equal(e2.time, Date.UTC(2021, 9, 21, 22, 29, 6));
    assert.equal(e2.activity_id, 1); // CreateLogStream
    assert.equal(e2.actor.user.name, 'example-role/example-user');
  });

  it('AWS.Lambda.UpdateFunctionConfiguration#0 and #3: versioned eventName, FederatedUser', () => {
    const e0 = normalizeCloudTrail(pantherLog('AWS.Lambda.UpdateFunctionConfiguration#0'));
    assert.equal(e0.api.operation, 'UpdateFunctionConfiguration20150331v2');
    assert.equal(e0.activity_id, 3);
    assert.equal(e0.actor.user.uid, 'arn:aws:iam::123456789012:user/john.developer');
    assert.equal(e0.actor.user.credential_uid, 'AKIAI123456789EXAMPLE');
    assert.deepEqual(e0.src_endpoint, { ip: '203.0.113.50', domain: null });
    const e3 = normalizeCloudTrail(pantherLog('AWS.Lambda.UpdateFunctionConfiguration#3'));
    assert.equal(e3.actor.user.type, 'FederatedUser');
    assert.equal(e3.actor.user.uid, 'arn:aws:sts::123456789012:federated-user/federated-user');
  });
});

describe('activityIdFor', () => {
  const cases: Array<[string, number]> = [
    ['CreateUser', 1], ['PutBucketPolicy', 1], ['RunInstances', 1], ['AttachRolePolicy', 1], ['AddUserToGroup', 1],
    ['RegisterTaskDefinition', 1], ['ImportKeyPair', 1], ['AllocateAddress', 1],
    ['GetObject', 2], ['ListBuckets', 2], ['DescribeInstances', 2], ['HeadObject', 2], ['LookupEvents', 2],
    ['SearchResources', 2], ['SelectObjectContent', 2], ['Scan', 2], ['Query', 2], ['DownloadDBLogFilePortion', 2],
    ['BatchGetSecretValue', 2], ['listBuckets', 2],
    ['UpdateTrail', 3], ['ModifyDBInstance', 3], ['SetDefaultPolicyVersion', 3], ['ChangePassword', 3],
    ['EnableMFADevice', 3], ['DisableKey', 3], ['StopLogging', 3], ['StartLogging', 3], ['ResetImageAttribute', 3],
    ['AssociateAddress', 3], ['DisassociateAddress', 3], ['TagResource', 3], ['UntagResource', 3],
    ['ReplaceRoute', 3], ['AuthorizeSecurityGroupIngress', 3], ['RevokeSecurityGroupIngress', 3], ['AssumeRoleWithSAML', 3],
    ['DeleteTrail', 4], ['RemoveUserFromGroup', 4], ['TerminateInstances', 4], ['DetachRolePolicy', 4],
    ['DeregisterImage', 4], ['ReleaseAddress', 4], ['ScheduleKeyDeletion', 4], ['BatchDeleteImage', 4],
    ['ConsoleLogin', 99], ['Decrypt', 99], ['CopyDBSnapshot', 99], ['SendSSHPublicKey', 99], ['Batch', 99], ['', 99],
    ['Settle', 99], ['Getaway', 99],
  ];
  for (const [name, id] of cases) {
    it(`${name || '(empty)'} -> ${id}`, () => assert.equal(activityIdFor(name), id));
  }
});

describe('parseTimestamp', () => {
  it('reads CloudTrail, Logstash and Panther forms as UTC', () => {
    const t = Date.UTC(2020, 8, 14, 0, 44, 23);
    assert.equal(parseTimestamp('2020-09-14T00:44:23Z'), t);
    assert.equal(parseTimestamp('2020-09-14T00:44:23.000Z'), t);
    assert.equal(parseTimestamp('2020-09-14 00:44:23'), t);
    assert.equal(parseTimestamp('2020-09-14 00:44:23.123456789'), t + 123);
    assert.equal(parseTimestamp('2020-09-14T02:44:23+02:00'), t);
    assert.equal(parseTimestamp('2020-09-13T19:44:23-0500'), t);
  });

  it('refuses what is not an ISO-8601 date-time', () => {
    for (const bad of ['yesterday', 'Sep 14, 2020, 7:01:26 AM', '2021-02-30T00:00:00Z', '2020-13-01T00:00:00Z', '2020-09-14T00:44Z', '1600044263', '']) {
      assert.equal(parseTimestamp(bad), null, bad);
    }
  });
});

describe('metadata.uid without eventID', () => {
  const log = pantherLog('AWS.STS.GetSessionToken.Misuse#1');

  function reorder(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reorder);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorder(v)]));
    }
    return value;
  }

  it('is the same for the same record with its keys in another order, at every depth', () => {
    const shuffled = reorder(log) as Record<string, unknown>;
    assert.notEqual(JSON.stringify(shuffled), JSON.stringify(log));
    assert.equal(canonicalJson(shuffled), canonicalJson(log));
    assert.equal(normalizeCloudTrail(shuffled).metadata.uid, normalizeCloudTrail(log).metadata.uid);
  });

  it('ignores Panther p_* fields and changes when the event changes', () => {
    const base = normalizeCloudTrail(log).metadata.uid;
    assert.equal(normalizeCloudTrail({ ...log, p_parse_time: '2024-01-15 10:31:00.1' }).metadata.uid, base);
    assert.notEqual(normalizeCloudTrail({ ...log, sourceIPAddress: '203.0.113.51' }).metadata.uid, base);
  });

  it('is sha256 hex, first 32 chars', () => {
    assert.match(stableRecordUid(log), /^[0-9a-f]{32}$/);
    assert.equal(stableRecordUid({ b: 1, a: [2, { d: 3, c: 4 }] }), stableRecordUid({ a: [2, { c: 4, d: 3 }], b: 1 }));
    assert.notEqual(stableRecordUid({ a: [1, 2] }), stableRecordUid({ a: [2, 1] }));
  });
});

describe('caps', () => {
  const rec = otrfRecord(80);
  const rawLen = Buffer.byteLength(JSON.stringify(rec));

  it('keeps raw_data up to rawCapBytes and drops it above', () => {
    assert.notEqual(normalizeCloudTrail(rec, { rawCapBytes: rawLen }).raw_data, null);
    assert.equal(normalizeCloudTrail(rec, { rawCapBytes: rawLen - 1 }).raw_data, null);
  });

  it('replaces unmapped by {"_truncated":true} above unmappedCapBytes', () => {
    const full = normalizeCloudTrail(rec).unmapped;
    const len = Buffer.byteLength(full);
    assert.equal(normalizeCloudTrail(rec, { unmappedCapBytes: len }).unmapped, full);
    assert.equal(normalizeCloudTrail(rec, { unmappedCapBytes: len - 1 }).unmapped, TRUNCATED_UNMAPPED);
    assert.equal(TRUNCATED_UNMAPPED, '{"_truncated":true}');
  });
});

describe('session and MFA', () => {
  const base = pantherLog('AWS.EC2.MultiInstanceConnect#2');
  const withAttributes = (attributes: Record<string, unknown>): Record<string, unknown> => ({
    ...base,
    userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/R/s', sessionContext: { attributes } },
  });

  it('accepts mfaAuthenticated as a boolean or a string in any case', () => {
    assert.equal(normalizeCloudTrail(withAttributes({ mfaAuthenticated: true })).actor.session?.is_mfa, true);
    assert.equal(normalizeCloudTrail(withAttributes({ mfaAuthenticated: 'True' })).actor.session?.is_mfa, true);
    assert.equal(normalizeCloudTrail(withAttributes({ mfaAuthenticated: 'false' })).actor.session?.is_mfa, false);
  });

  it('gives a null session when there is no MFA flag, issuer or creation date', () => {
    assert.equal(normalizeCloudTrail(withAttributes({ mfaAuthenticated: 'maybe' })).actor.session, null);
    assert.equal(normalizeCloudTrail(withAttributes({})).actor.session, null);
  });

  it('uses additionalEventData.MFAUsed for ConsoleLogin', () => {
    const login = pantherLog('AWS.Console.RootLoginFailed#1');
    const yes = { ...login, additionalEventData: { MFAUsed: 'Yes' } };
    assert.equal(normalizeCloudTrail(yes).actor.session?.is_mfa, true);
    const { additionalEventData: _drop, ...none } = login;
    assert.equal(normalizeCloudTrail(none).actor.session, null);
  });
});

describe('records that are not CloudTrail events', () => {
  const good = pantherLog('AWS.RDS.ClusterFailover#2');

  it('rejects non-objects', () => {
    assertRecordMalformed('x', /record must be a JSON object, got a string/);
    assertRecordMalformed([good], /record must be a JSON object, got an array/);
    assertRecordMalformed(null, /got null/);
  });

  it('names each missing or mistyped required field', () => {
    const { eventName: _n, ...noName } = good;
    assertRecordMalformed(noName, /eventName is missing/);
    assertRecordMalformed({ ...good, eventName: 42 }, /eventName must be a string, got a number/);
    assertRecordMalformed({ ...good, eventName: ' ' }, /eventName is empty/);
    assertRecordMalformed({ ...good, eventSource: false }, /eventSource must be a string, got a boolean/);
    assertRecordMalformed({ ...good, userIdentity: 'root' }, /userIdentity must be an object, got a string/);
    assertRecordMalformed({ ...good, userIdentity: [] }, /userIdentity must be an object, got an array/);
    assertRecordMalformed({ ...good, eventTime: 'yesterday' }, /eventTime "yesterday" is not an ISO-8601 date-time/);
    assertRecordMalformed({ ...good, eventTime: 1600044263 }, /eventTime must be a string, got a number/);
    const { eventTime: _t, eventSource: _s, ...neither } = good;
    assertRecordMalformed(neither, /^not a CloudTrail event: eventTime is missing; eventSource is missing$/);
    assertRecordMalformed({}, /^not a CloudTrail event: eventTime is missing; eventName is missing; eventSource is missing$/);
  });

  it('still needs eventName and eventSource when the ingest time covers eventTime', () => {
    const opts = { ingestTime: 0 };
    assert.throws(() => normalizeCloudTrail({}, opts), /not a CloudTrail event: eventName is missing; eventSource is missing$/);
    const { eventSource: _s, ...noSource } = good;
    assert.throws(() => normalizeCloudTrail(noSource, opts), /not a CloudTrail event: eventSource is missing/);
    assert.throws(() => normalizeCloudTrail({ ...good, eventTime: 'yesterday' }, opts), /eventTime "yesterday" is not an ISO-8601 date-time/);
  });

  it('names mistyped optional fields', () => {
    assertRecordMalformed({ ...good, awsRegion: 7 }, /^awsRegion must be a string, got a number$/);
    assertRecordMalformed({ ...good, sourceIPAddress: ['1.2.3.4'] }, /sourceIPAddress must be a string/);
    assertRecordMalformed({ ...good, resources: {} }, /resources must be an array, got an object/);
    assertRecordMalformed({ ...good, resources: [{ ARN: 1 }] }, /resources\[0\]\.ARN must be a string/);
    assertRecordMalformed({ ...good, userIdentity: { type: 'IAMUser', arn: {} } }, /userIdentity\.arn must be a string, got an object/);
    assertRecordMalformed(
      { ...good, userIdentity: { type: 'IAMUser', sessionContext: { attributes: { mfaAuthenticated: 1 } } } },
      /userIdentity\.sessionContext\.attributes\.mfaAuthenticated must be a string or boolean/,
    );
  });

  it('points at lower-cased keys when eventName is in CloudTrail\'s spelling but other required keys are not', () => {
    const { eventSource: _s, ...rest } = good;
    assertRecordMalformed({ ...rest, eventsource: 'rds.amazonaws.com' }, /eventSource is missing \(the record has lower-cased keys such as "eventsource"/);
  });

  it('takes the time from Logstash @timestamp only when eventTime is absent', () => {
    const t = normalizeCloudTrail({ ...good, '@timestamp': '2000-01-01T00:00:00.000Z' });
    assert.equal(t.time, Date.UTC(2024, 0, 18, 3, 30));
    assert.equal(unmappedOf(t)['@timestamp'], '2000-01-01T00:00:00.000Z');
    const { eventTime: _t, ...logstash } = good;
    assert.equal(normalizeCloudTrail({ ...logstash, '@timestamp': '2000-01-01T00:00:00.000Z' }).time, Date.UTC(2000, 0, 1));
    assertRecordMalformed({ ...logstash, '@timestamp': 'soon' }, /@timestamp "soon" is not an ISO-8601 date-time/);
  });
});

describe('fallbacks for cut-down records (unmapped._sluice.fallbacks)', () => {
  const good = pantherLog('AWS.RDS.ClusterFailover#2');
  const fallbacks = (e: { unmapped: string }): unknown => (unmappedOf(e)._sluice as { fallbacks?: unknown } | undefined)?.fallbacks;

  it('records none for a complete record', () => {
    assert.equal(unmappedOf(normalizeCloudTrail(good, { ingestTime: 5 }))._sluice, undefined);
  });

  it('time: no eventTime nor @timestamp -> the given ingest time, original_time ""', () => {
    const { eventTime: _t, ...noTime } = good;
    assertRecordMalformed(noTime, /^not a CloudTrail event: eventTime is missing$/);
    const e = normalizeCloudTrail(noTime, { ingestTime: Date.UTC(2025, 0, 1) });
    assert.equal(e.time, Date.UTC(2025, 0, 1));
    assert.equal(e.metadata.original_time, '');
    assert.deepEqual(fallbacks(e), ['time']);
    assert.equal(e.metadata.uid, normalizeCloudTrail(noTime, { ingestTime: 7 }).metadata.uid);
    // eventTime, then @timestamp, win over the ingest time.
    assert.equal(normalizeCloudTrail(good, { ingestTime: 7 }).time, Date.UTC(2024, 0, 18, 3, 30));
    assert.equal(normalizeCloudTrail({ ...noTime, '@timestamp': '2000-01-01T00:00:00.000Z' }, { ingestTime: 7 }).time, Date.UTC(2000, 0, 1));
  });

  it('principal: no userIdentity -> unknown@<recipientAccountId or "unknown">, type null', () => {
    const { userIdentity: _u, ...noIdentity } = good;
    const e = normalizeCloudTrail({ ...noIdentity, recipientAccountId: '123456789012' });
    assert.deepEqual(e.actor.user, { uid: 'unknown@123456789012', name: null, type: null, account_uid: '123456789012', credential_uid: null });
    assert.equal(e.actor.session, null);
    assert.equal(e.actor.invoked_by, null);
    assert.deepEqual(fallbacks(e), ['principal']);
    const { recipientAccountId: _r, ...noAccount } = noIdentity;
    assert.equal(normalizeCloudTrail(noAccount).actor.user.uid, 'unknown@unknown');
    assert.equal(normalizeCloudTrail({ ...noIdentity, userIdentity: null }).actor.user.uid.startsWith('unknown@'), true);
  });

  it('lowercase_keys: a record with every key lower-cased is read with CloudTrail\'s spelling, nested identity too', () => {
    const lower = (v: unknown, depth: number): unknown =>
      depth > 0 && typeof v === 'object' && v !== null && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lower(x, depth - 1)]))
        : v;
    const rec = {
      ...good,
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:s',
        arn: 'arn:aws:sts::123456789012:assumed-role/R/s',
        accountId: '123456789012',
        accessKeyId: 'ASIAEXAMPLE',
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::123456789012:role/R', userName: 'R' },
          attributes: { mfaAuthenticated: 'true', creationDate: '2024-01-18T03:00:00Z' },
        },
      },
      requestParameters: { dBClusterIdentifier: 'db-1' },
    };
    const want = normalizeCloudTrail(rec);
    const exported = lower(rec, 5) as Record<string, unknown>;
    assert.equal(exported.eventName, undefined);
    assert.equal(exported.eventname, 'FailoverDBCluster');
    const got = normalizeCloudTrail(exported);
    assert.deepEqual(fallbacks(got), ['lowercase_keys']);
    // Same event, except raw_data (as received) and the service-defined requestParameters (kept as exported).
    const strip = (e: typeof want): unknown => {
      const u = unmappedOf(e);
      delete u._sluice;
      delete u.requestParameters;
      return { ...e, unmapped: u, raw_data: null };
    };
    assert.deepEqual(strip(got), strip(want));
    assert.equal(got.actor.session?.is_mfa, true);
    assert.equal(got.actor.session?.issuer, 'arn:aws:iam::123456789012:role/R');
    assert.equal(got.actor.user.name, 'R/s');
    assert.deepEqual(unmappedOf(got).requestParameters, { dbclusteridentifier: 'db-1' });
    assert.equal(got.raw_data, JSON.stringify(exported));
  });

  it('lowercase_keys applies only when eventName is absent and eventname present; a proper key wins over its lower-case twin', () => {
    const withTwin = normalizeCloudTrail({ ...good, eventname: 'Other' });
    assert.equal(withTwin.api.operation, 'FailoverDBCluster');
    assert.equal(fallbacks(withTwin), undefined);
    assert.equal(unmappedOf(withTwin).eventname, 'Other');
    const { eventName: _n, awsRegion: _r, ...rest } = good;
    const mixed = normalizeCloudTrail({ ...rest, eventname: 'FailoverDBCluster', awsRegion: 'eu-west-1', awsregion: 'us-east-2' });
    assert.equal(mixed.cloud.region, 'eu-west-1');
    assert.equal(unmappedOf(mixed).awsregion, 'us-east-2');
    assert.deepEqual(fallbacks(mixed), ['lowercase_keys']);
  });

  it('AWS.IPSet.Modified#0 (a data-lake export without userIdentity): lowercase_keys and principal', () => {
    const e = normalizeCloudTrail(pantherLog('AWS.IPSet.Modified#0'));
    assert.deepEqual(fallbacks(e), ['lowercase_keys', 'principal']);
    assert.equal(e.api.operation, 'CreateIPSet');
    assert.equal(e.metadata.uid, 'abc-123');
    assert.equal(e.actor.user.uid, 'unknown@123456789012');
  });

  it('all three in the order lowercase_keys, time, principal', () => {
    const e = normalizeCloudTrail({ eventname: 'ListBuckets', eventsource: 's3.amazonaws.com', recipientaccountid: '1' }, { ingestTime: 3 });
    assert.deepEqual(fallbacks(e), ['lowercase_keys', 'time', 'principal']);
    assert.equal(e.actor.user.uid, 'unknown@1');
    assert.equal(e.time, 3);
  });
});
