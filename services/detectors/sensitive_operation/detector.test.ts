import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SensitiveOperationDetector } from './detector.ts';
import { apiActivity } from '../../../test/fixtures/events/api-activity.ts';

const meta = { key: 'arn:aws:iam::123456789012:user/alice', topic: 'sluice.activity.v1', partition: 0, offset: '0' };
const detector = new SensitiveOperationDetector({ enabled: true, extraOperations: ['kms.amazonaws.com:ScheduleKeyDeletion'] });
const rulesFor = (e: ReturnType<typeof apiActivity>) => detector.process(e, meta).map((f) => f.rule);

test('cases: event -> expected rules', () => {
  const cases: Array<[string, ReturnType<typeof apiActivity>, string[]]> = [
    ['StopLogging', apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com' }), ['aws.cloudtrail.logging_stopped']],
    ['failed StopLogging is not "logging stopped"', apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', status: 'Failure' }), []],
    ['DeleteTrail', apiActivity({ operation: 'DeleteTrail', service: 'cloudtrail.amazonaws.com' }), ['aws.cloudtrail.trail_deleted']],
    ['same name, other service', apiActivity({ operation: 'DeleteTrail', service: 's3.amazonaws.com' }), []],
    ['root console login with MFA', apiActivity({ operation: 'ConsoleLogin', service: 'signin.amazonaws.com', userType: 'Root', mfa: true }), ['aws.signin.root_console_login']],
    [
      'root console login without MFA',
      apiActivity({ operation: 'ConsoleLogin', service: 'signin.amazonaws.com', userType: 'Root', mfa: false }),
      ['aws.signin.root_console_login', 'aws.signin.console_login_without_mfa'],
    ],
    ['IAM user login without MFA', apiActivity({ operation: 'ConsoleLogin', service: 'signin.amazonaws.com', mfa: false }), ['aws.signin.console_login_without_mfa']],
    ['IAM user login, MFA unknown', apiActivity({ operation: 'ConsoleLogin', service: 'signin.amazonaws.com', mfa: null }), []],
    ['failed login without MFA', apiActivity({ operation: 'ConsoleLogin', service: 'signin.amazonaws.com', mfa: false, status: 'Failure' }), []],
    ['federated role login (MFA is enforced by the IdP)', apiActivity({ operation: 'ConsoleLogin', service: 'signin.amazonaws.com', userType: 'AssumedRole', mfa: false }), []],
    ['configured extra operation', apiActivity({ operation: 'ScheduleKeyDeletion', service: 'kms.amazonaws.com' }), ['custom.kms.amazonaws.com.ScheduleKeyDeletion']],
    ['benign', apiActivity({ operation: 'ListBuckets' }), []],
  ];
  for (const [name, event, expected] of cases) assert.deepEqual(rulesFor(event), expected, name);
});

test('finding ids are deterministic per (rule, principal, event) and distinct otherwise', () => {
  const e1 = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'evt-a' });
  const e2 = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'evt-b' });
  const [a1] = detector.process(e1, meta);
  const [a2] = detector.process(e1, meta);
  const [b] = detector.process(e2, meta);
  assert.ok(a1 && a2 && b);
  assert.equal(a1.id, a2.id);
  assert.notEqual(a1.id, b.id);
  assert.match(a1.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(a1.finding_info.related_events, [{ uid: 'evt-a' }]);
  assert.equal(a1.class_uid, 2004);
  assert.equal(a1.severity, 'High');
  assert.equal(a1.entity.key, meta.key);
});

test('disabled detector finds nothing', () => {
  const off = new SensitiveOperationDetector({ enabled: false, extraOperations: [] });
  assert.deepEqual(off.process(apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com' }), meta), []);
});
