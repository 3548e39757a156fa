import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertValidOcsf, ocsfProblems } from './validate.ts';

/** A minimal valid OCSF 1.8.0 API Activity, written by hand from the schema. */
function apiActivity(): Record<string, unknown> {
  return {
    class_uid: 6003,
    category_uid: 6,
    activity_id: 4,
    activity_name: 'Delete',
    type_uid: 600304,
    severity_id: 1,
    severity: 'Informational',
    time: 1_700_000_000_000,
    metadata: { version: '1.8.0', product: { name: 'CloudTrail', vendor_name: 'AWS' }, profiles: ['cloud'] },
    actor: { user: { uid: 'AIDAEXAMPLE', type_id: 1, type: 'User', account: { uid: '123456789012' } } },
    api: { operation: 'DeleteTrail', service: { name: 'cloudtrail.amazonaws.com' }, request: { uid: 'r-1' } },
    cloud: { provider: 'AWS', region: 'us-east-1' },
    src_endpoint: { ip: '198.51.100.7' },
    unmapped: { anything: { goes: [1, 2] } },
  };
}

const paths = (e: unknown): string[] => ocsfProblems(e).map((p) => p.path);

test('a hand-written event that follows the schema is valid', () => {
  assert.deepEqual(ocsfProblems(apiActivity()), []);
  assert.doesNotThrow(() => assertValidOcsf(apiActivity()));
});

test('attributes the class or object does not define are reported with their path', () => {
  const e = apiActivity();
  e.user_agent = 'aws-cli';
  (e.api as Record<string, unknown>).service_name = 'cloudtrail.amazonaws.com';
  (e.actor as { user: Record<string, unknown> }).user.account_uid = '123456789012';
  assert.deepEqual(paths(e).sort(), ['actor.user.account_uid', 'api.service_name', 'user_agent']);
});

test('null is reported: an absent attribute is omitted, not null', () => {
  const e = apiActivity();
  e.status_detail = null;
  assert.deepEqual(ocsfProblems(e), [{ path: 'status_detail', message: 'null: omit the attribute instead' }]);
});

test('required attributes: of the class, of an object, and of a declared profile only when declared', () => {
  const e = apiActivity();
  delete e.src_endpoint;
  delete (e.api as Record<string, unknown>).operation;
  assert.deepEqual(paths(e).sort(), ['api.operation', 'src_endpoint']);
  const noCloud = apiActivity();
  delete noCloud.cloud;
  assert.deepEqual(paths(noCloud), ['cloud'], 'cloud is required once the cloud profile is declared');
  const undeclared = apiActivity();
  (undeclared.metadata as Record<string, unknown>).profiles = [];
  assert.match(ocsfProblems(undeclared)[0]!.message, /only by profile cloud/);
  delete undeclared.cloud;
  assert.deepEqual(ocsfProblems(undeclared), [], 'without the profile, cloud is neither allowed nor required');
});

test('types, enums, regexes and ranges', () => {
  const e = apiActivity();
  e.time = '2024-01-01';
  e.severity_id = 7;
  (e.src_endpoint as Record<string, unknown>).ip = 'not-an-ip';
  (e.src_endpoint as Record<string, unknown>).port = 70_000;
  const problems = ocsfProblems(e);
  assert.deepEqual(problems.map((p) => p.path).sort(), ['severity_id', 'src_endpoint.ip', 'src_endpoint.port', 'time']);
  assert.match(problems.find((p) => p.path === 'severity_id')!.message, /not a defined value/);
});

test('a sibling must be the caption of its id, except for Other (99)', () => {
  const e = apiActivity();
  e.severity = 'High';
  assert.deepEqual(paths(e), ['severity']);
  const other = apiActivity();
  (other.actor as { user: Record<string, unknown> }).user.type_id = 99;
  (other.actor as { user: Record<string, unknown> }).user.type = 'AssumedRole';
  assert.deepEqual(ocsfProblems(other), []);
});

test('class checks: unknown class, category, type_uid, version and profiles', () => {
  assert.deepEqual(paths({ ...apiActivity(), class_uid: 1234 }), ['class_uid']);
  assert.deepEqual(paths({ ...apiActivity(), type_uid: 600301 }), ['type_uid']);
  assert.deepEqual([...new Set(paths({ ...apiActivity(), category_uid: 2 }))], ['category_uid']);
  const old = apiActivity();
  (old.metadata as Record<string, unknown>).version = '1.3.0';
  assert.deepEqual(paths(old), ['metadata.version']);
  const bogus = apiActivity();
  (bogus.metadata as Record<string, unknown>).profiles = ['cloud', 'no_such_profile'];
  assert.deepEqual(paths(bogus), ['metadata.profiles[1]']);
});

test('object constraints: at_least_one and just_one', () => {
  const e = apiActivity();
  e.src_endpoint = { port: 443 };
  assert.match(ocsfProblems(e)[0]!.message, /network_endpoint needs at least one of ip/);
  const finding = {
    class_uid: 2002,
    category_uid: 2,
    activity_id: 1,
    type_uid: 200201,
    severity_id: 4,
    time: 1,
    metadata: { version: '1.8.0', product: { name: 'Sluice' } },
    finding_info: { uid: 'f-1', title: 't', analytic: { uid: 'a', type_id: 1, type: 'Rule' } },
    vulnerabilities: [{ cve: { uid: 'CVE-2024-0001' }, advisory: { uid: 'GHSA-xxxx-xxxx-xxxx' } }],
  };
  assert.match(ocsfProblems(finding)[0]!.message, /vulnerability needs exactly one of advisory, cve, cwe \(has advisory, cve\)/);
  finding.vulnerabilities = [{ cve: { uid: 'CVE-2024-0001' } } as never];
  assert.deepEqual(ocsfProblems(finding), []);
});

test('arrays: an array where one value is expected and the reverse', () => {
  const e = apiActivity();
  e.resources = { uid: 'x' };
  (e.api as Record<string, unknown>).operation = ['a'];
  assert.deepEqual(paths(e).sort(), ['api.operation', 'resources']);
});

test('assertValidOcsf names the first problem and how many more there are', () => {
  const e = apiActivity();
  e.user_agent = 'x';
  e.status_code = null;
  assert.throws(() => assertValidOcsf(e, 'event'), /^Error: invalid OCSF event: user_agent: not an attribute of api_activity \(and 1 more: status_code\)$/);
});
