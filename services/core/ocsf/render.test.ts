/** How Sluice's wire records and findings are rendered to OCSF 1.8.0, each checked against the official schema. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestEvent } from '../../rules/testing.ts';
import { sampleFinding } from '../../sinks/clickhouse/fixtures.ts';
import type { Finding } from '../events.ts';
import type { NetworkFlow } from '../model/network-flow.ts';
import { apiActivityToOcsf, eventToOcsf, findingToOcsf, networkActivityToOcsf, ocsfProblems } from './index.ts';
import { tacticObject } from './attack.ts';
import { findingToOcsf as renderUnchecked } from './finding.ts';

type Obj = Record<string, unknown>;
const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], o);

test('API Activity: OCSF objects for account, service, request, user agent; unmapped as an object; no nulls', () => {
  const e = buildTestEvent(
    { api: { operation: 'StopLogging', service_name: 'cloudtrail.amazonaws.com', request_uid: 'req-1' }, user_agent: 'aws-cli/2', actor: { user: { type: 'AssumedRole', account_uid: '123456789012' } }, unmapped: { requestParameters: { name: 'trail' } } },
    'aws_cloudtrail',
  );
  const o = apiActivityToOcsf(e);
  assert.deepEqual(ocsfProblems(o), []);
  assert.equal(get(o, 'api.service.name'), 'cloudtrail.amazonaws.com');
  assert.equal(get(o, 'api.request.uid'), 'req-1');
  assert.equal(get(o, 'http_request.user_agent'), 'aws-cli/2');
  assert.equal(get(o, 'actor.user.account.uid'), '123456789012');
  assert.deepEqual([get(o, 'actor.user.type_id'), get(o, 'actor.user.type')], [99, 'AssumedRole']);
  assert.deepEqual(get(o, 'unmapped.requestParameters'), { name: 'trail' });
  assert.deepEqual(get(o, 'metadata.profiles'), ['cloud']);
  assert.ok(!JSON.stringify(o).includes('null'), 'absent values are omitted');
});

test('API Activity: a source without address or host gives the required src_endpoint as Unknown', () => {
  const e = buildTestEvent({ src_endpoint: { ip: null, domain: null } }, 'aws_cloudtrail');
  const o = apiActivityToOcsf(e);
  assert.deepEqual(o.src_endpoint, { name: 'Unknown' });
  assert.deepEqual(ocsfProblems(o), []);
});

test('sign-ins are Authentication (3002): console login, SAML and OpenID federation; other STS calls stay API Activity', () => {
  const login = apiActivityToOcsf(buildTestEvent({ api: { operation: 'ConsoleLogin', service_name: 'signin.amazonaws.com' }, actor: { session: { is_mfa: false } } }, 'aws_cloudtrail'));
  assert.deepEqual(ocsfProblems(login), []);
  assert.deepEqual([login.class_uid, login.type_uid, login.activity_name, login.is_mfa], [3002, 300201, 'Logon', false]);
  const saml = apiActivityToOcsf(buildTestEvent({ api: { operation: 'AssumeRoleWithSAML', service_name: 'sts.amazonaws.com' } }, 'aws_cloudtrail'));
  assert.deepEqual([saml.class_uid, saml.auth_protocol_id, saml.auth_protocol], [3002, 5, 'SAML']);
  assert.deepEqual(ocsfProblems(saml), []);
  const assume = apiActivityToOcsf(buildTestEvent({ api: { operation: 'AssumeRole', service_name: 'sts.amazonaws.com' } }, 'aws_cloudtrail'));
  assert.equal(assume.class_uid, 6003);
});

test('Network Activity: endpoints, direction, traffic totals and verdict as action; workloads under unmapped', () => {
  const flow: NetworkFlow = {
    class_uid: 4001, category_uid: 4, activity_id: 6, activity_name: 'Traffic', type_uid: 400106, severity_id: 1, time: 1_700_000_000_000, start_time: null, end_time: null,
    metadata: { uid: 'f-1', version: '1.8.0', product_name: 'Hubble', vendor_name: 'Cilium', log_name: null, original_time: '', source: 'hubble' },
    src: { type: 'workload', workload: { cluster: 'c', namespace: 'shop', kind: 'Deployment', name: 'web', pod: 'web-1', labels: [], image_repository: null, image_version: null, service_account: null, app: 'web' }, ip: '10.0.0.1', port: 41000, fqdn: null, cidr_bucket: null, is_external: false, instance_uid: null, interface_uid: null },
    dst: { type: 'external', workload: null, ip: '203.0.113.9', port: 443, fqdn: 'api.example.com', cidr_bucket: null, is_external: true, instance_uid: null, interface_uid: null },
    connection_info: { protocol_name: 'TCP', protocol_num: 6, direction: 'egress', l7_protocol: null, tcp_flags: 2, icmp_type: null, icmp_code: null },
    verdict: 'DROPPED', verdict_reason: 'POLICY_DENIED', traffic: { bytes_in: 10, bytes_out: null, packets_in: 1, packets_out: 2 }, l7: null, process: null, cloud: null, node_name: 'n1', unmapped: '{}', raw_data: null,
  };
  const o = networkActivityToOcsf(flow);
  assert.deepEqual(ocsfProblems(o), []);
  assert.deepEqual(o.src_endpoint, { ip: '10.0.0.1', port: 41000, name: 'shop/web', svc_name: 'web' });
  assert.deepEqual(get(o, 'dst_endpoint.domain'), 'api.example.com');
  assert.deepEqual([get(o, 'connection_info.direction_id'), get(o, 'connection_info.direction'), get(o, 'connection_info.protocol_name')], [2, 'Outbound', 'tcp']);
  assert.deepEqual(o.traffic, { bytes_in: 10, bytes: 10, packets_in: 1, packets_out: 2, packets: 3 });
  assert.deepEqual([o.action_id, o.action], [2, 'Denied']);
  assert.deepEqual(get(o, 'metadata.profiles'), ['security_control']);
  assert.equal(get(o, 'unmapped.src_workload.kind'), 'Deployment');
  assert.equal(eventToOcsf({ class_uid: 1, note: 'an object chunk' }), null, 'streams that are not OCSF events have no OCSF form');
});

test('Detection Finding: id as finding_info.uid, ATT&CK objects, analytic type_id, Sluice fields under unmapped, no undefined attributes', () => {
  const f = sampleFinding();
  const o = findingToOcsf(f);
  assert.deepEqual(ocsfProblems(o), []);
  assert.equal(get(o, 'finding_info.uid'), f.id);
  assert.equal(get(o, 'metadata.uid'), f.id);
  assert.equal(o.id, undefined);
  assert.deepEqual(get(o, 'finding_info.attacks'), [{ technique: { uid: 'T1562' }, sub_technique: { uid: 'T1562.008' }, tactic: { uid: 'TA0005', name: 'Defense Evasion' }, version: '15' }]);
  assert.deepEqual([get(o, 'finding_info.analytic.type_id'), get(o, 'finding_info.analytic.type')], [1, 'Rule']);
  assert.deepEqual(get(o, 'unmapped.sluice.entity_key'), f.entity.key);
  assert.equal(get(o, 'cloud.account.uid'), '123456789012');
  const ev = (o.evidences as Obj[])[0]!;
  assert.equal(get(ev, 'actor.user.uid'), f.actor!.user.uid);
  assert.deepEqual(ev.data, f.evidences[0]);
});

test('ATT&CK tactics by uid or by name, and unknown names kept as names', () => {
  assert.deepEqual(tacticObject('TA0006'), { uid: 'TA0006', name: 'Credential Access' });
  assert.deepEqual(tacticObject('lateral movement'), { uid: 'TA0008', name: 'Lateral Movement' });
  assert.deepEqual(tacticObject('Something Else'), { name: 'Something Else' });
});

test('Compliance Finding: compliance object from the rule mappings, resource, remediation, Resolved on a pass', () => {
  const base = sampleFinding({ class_uid: 2003 as Finding['class_uid'], type_uid: 200301, detector: 'posture', rule: 'aws.s3.public' });
  const f: Finding = { ...base, actor: undefined, api: undefined, src_endpoint: undefined, evidences: [{ status: 'fail', reason: 'public', resource_uid: 'arn:aws:s3:::b', resource_type: 'AWS::S3::Bucket', resource_name: 'b', compliance: 'CIS AWS Foundations 3.0.0 2.1.4; AWS FSBP S3.8', remediation: 'Block public access.' }] };
  const o = findingToOcsf(f);
  assert.deepEqual(ocsfProblems(o), []);
  assert.deepEqual(o.compliance, { status_id: 3, status: 'Fail', status_detail: 'public', control: '2.1.4, S3.8', standards: ['CIS AWS Foundations 3.0.0', 'AWS FSBP'], requirements: ['CIS AWS Foundations 3.0.0 2.1.4', 'AWS FSBP S3.8'], desc: f.finding_info.desc });
  assert.deepEqual(o.resources, [{ uid: 'arn:aws:s3:::b', name: 'b', type: 'AWS::S3::Bucket' }]);
  assert.deepEqual(o.remediation, { desc: 'Block public access.' });
  const pass = findingToOcsf({ ...f, evidences: [{ ...f.evidences[0]!, status: 'pass' }] });
  assert.deepEqual([pass.status_id, pass.status, get(pass, 'compliance.status')], [4, 'Resolved', 'Pass']);
});

test('Vulnerability Finding: vulnerabilities and the image pass through; a missing CVE-or-advisory is caught by the schema', () => {
  const base = sampleFinding({ class_uid: 2002 as Finding['class_uid'], type_uid: 200201, detector: 'vulns', rule: 'GHSA-1' });
  const f: Finding = {
    ...base,
    actor: undefined, api: undefined, src_endpoint: undefined,
    vulnerabilities: [{ cve: { uid: 'CVE-2024-0001', cvss: [{ version: '3.1', base_score: 9.8, vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] }, affected_packages: [{ name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20', fixed_in_version: '4.17.21' }], is_fix_available: true }],
    resources: [{ uid: 'sha256:abc', name: 'registry.example/app', type: 'container_image', labels: ['1.0'] }],
  };
  assert.deepEqual(ocsfProblems(findingToOcsf(f)), []);
  // renderUnchecked: the exported findingToOcsf throws on invalid output when SLUICE_OCSF_ASSERT=1 (as under npm test).
  const bad = renderUnchecked({ ...f, vulnerabilities: [{ title: 'no id' }] });
  assert.match(ocsfProblems(bad)[0]!.message, /exactly one of advisory, cve, cwe/);
});
