import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractFeatures, hourOfWeek, hourOfWeekLabel, networkOf, operationKey, userAgentFamily } from './features.ts';
import { event, T0 } from './test-support.ts';

test('hour of week: Monday 00h UTC is 0, Sunday 23h is 167', () => {
  assert.equal(hourOfWeek(T0), 0); // 2024-01-01 was a Monday
  assert.equal(hourOfWeek(T0 + 6 * 86_400_000 + 23 * 3_600_000), 167);
  assert.equal(hourOfWeek(Date.UTC(1970, 0, 1, 5)), 3 * 24 + 5); // a Thursday
  assert.equal(hourOfWeekLabel(167), 'Sun 23:00 UTC');
});

test('networks: /24 for IPv4, /48 for IPv6, IPv4-mapped as IPv4, host names kept', () => {
  assert.equal(networkOf('203.0.113.77', null).network, '203.0.113.0/24');
  assert.equal(networkOf('2001:db8:abcd:12::1', null).network, '2001:db8:abcd::/48');
  assert.equal(networkOf('2001:db8::1', null).network, '2001:db8:0::/48');
  assert.equal(networkOf('::ffff:198.51.100.9', null).network, '198.51.100.0/24');
  assert.equal(networkOf(null, 'EC2.amazonaws.com').network, 'host:ec2.amazonaws.com');
  assert.equal(networkOf('AWS Internal', null).network, 'host:aws internal');
  assert.equal(networkOf(null, null).network, null);
});

test('user-agent families drop versions and platform details', () => {
  const cases: Array<[string, string]> = [
    ['aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64', 'aws-cli'],
    ['[aws-cli/1.18.136 Python/3.8.5 Linux/5.4.0-1025-aws botocore/1.17.59]', 'aws-cli'],
    ['Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0', 'boto3'],
    ['APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io)', 'terraform'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'browser'],
    ['console.amazonaws.com', 'console'],
    ['AWS Internal', 'console'],
    ['S3Console/0.4, aws-internal/3 aws-sdk-java/1.12', 'console'],
    ['python-requests/2.31.0', 'python-requests'],
    ['kubectl/v1.28.2 (linux/amd64) kubernetes/89a4ea3', 'kubectl'],
    ['Go-http-client/1.1', 'go-http-client'],
    ['', 'unknown'],
    ['ünïcode tool', '_n_code'],
  ];
  for (const [ua, family] of cases) assert.equal(userAgentFamily(ua), family, ua);
});

test('operation keys: service:Operation for AWS and Kubernetes, the ARM operation for Azure', () => {
  assert.equal(operationKey('iam.amazonaws.com', 'CreateAccessKey'), 'iam:CreateAccessKey');
  assert.equal(operationKey('k8s:core/secrets', 'get'), 'k8s:core/secrets:get');
  assert.equal(operationKey('MICROSOFT.AUTHORIZATION', 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE'), 'microsoft.authorization/roleassignments/write');
  assert.equal(operationKey('x', 'y'.repeat(500)).length, 200);
});

test('features of an event; missing values are null and the account falls back', () => {
  const f = extractFeatures(event({ time: T0 + 3_600_000, uid: 'u', status: 'Failure', service: 'kms.amazonaws.com', operation: 'Decrypt', region: 'EU-West-1' }));
  assert.deepEqual(
    { ...f, ipBytes: null },
    { op: 'kms:Decrypt', service: 'kms', region: 'eu-west-1', network: '198.51.100.0/24', ipBytes: null, userAgent: 'aws-cli', hourOfWeek: 1, error: true, account: '111122223333' },
  );
  const bare = event({ time: T0, uid: 'b', region: null, ip: null, ua: null });
  bare.cloud.account_uid = null;
  const g = extractFeatures(bare);
  assert.equal(g.region, null);
  assert.equal(g.network, null);
  assert.equal(g.userAgent, null);
  assert.equal(g.account, '111122223333'); // actor.user.account_uid
});
