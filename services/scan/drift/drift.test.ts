/**
 * IaC-to-live drift on the fixtures (fixtures/README.md): Terraform source and a CloudFormation
 * template against AWS Config items (a snapshot file and NDJSON items), through `sluice scan
 * --live` and the library. Positives: a security group opened live, a public access block removed,
 * default encryption removed, key rotation turned off. Negatives: identical resources, a
 * non-security attribute that differs, unknown template values, unmatched and unmatchable
 * resources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigFile } from '../../collectors/config_files/index.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { assertValidOcsf } from '../../core/ocsf/index.ts';
import { sarifErrors } from '../../../test/support/official-schemas/sarif.ts';
import { scanCommand, type ScanReport } from '../index.ts';
import { checkDrift, collectLive, compareResources, maskedJson, matchResources, newestPerResource, readLiveInputs, LiveInputError, type LiveInventory } from './index.ts';

const FIX = fileURLToPath(new URL('./fixtures', import.meta.url));
const TF = join(FIX, 'terraform');
const CFN = join(FIX, 'cloudformation');
const LIVE = join(FIX, 'live');

async function run(args: { paths: string[]; live: string[]; format?: 'json' | 'sarif' | 'text'; liveStack?: string; skipRules?: string[] }): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await scanCommand(args.paths, { format: args.format ?? 'json', failOn: 'high', live: args.live, ...(args.liveStack ? { liveStack: args.liveStack } : {}), ...(args.skipRules ? { skipRules: args.skipRules } : {}) }, (s) => (text += s));
  return { code, text };
}

function templatesOf(file: string): ConfigState[] {
  return parseConfigFile(file, readFileSync(file), { time: 0 }).flatMap((o) => (o.kind === 'event' && o.stream === 'config' ? [o.event as ConfigState] : []));
}

function liveOf(...files: string[]): LiveInventory {
  const items: ConfigState[] = [];
  const rejected: LiveInventory['rejected'] = [];
  for (const f of files) collectLive(f, readFileSync(f), items, rejected);
  return { items: newestPerResource(items), files: files.length, rejected };
}

/** The live items of a file with one item's configuration changed. */
function liveWith(file: string, resourceId: string, change: (item: Record<string, unknown>) => void): LiveInventory {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { configurationItems: Array<Record<string, unknown>> };
  for (const item of doc.configurationItems) if (item.resourceId === resourceId) change(item);
  const items: ConfigState[] = [];
  const rejected: LiveInventory['rejected'] = [];
  collectLive(file, Buffer.from(JSON.stringify(doc)), items, rejected);
  return { items: newestPerResource(items), files: 1, rejected };
}

test('sluice scan --live: the four drifts of the fixtures, each at its template line, exit 1', async () => {
  const { code, text } = await run({ paths: [TF, CFN], live: [LIVE] });
  assert.equal(code, 1);
  const report = JSON.parse(text) as ScanReport;
  const drift = report.violations.filter((v) => v.rule.startsWith('drift.'));
  assert.deepEqual(
    drift.map((v) => [v.rule, v.resource_name, v.file.slice(FIX.length + 1), v.line, v.severity]),
    [
      ['drift.key_rotation', 'DataKey', 'cloudformation/storage.yaml', 10, 'medium'],
      ['drift.ingress', 'aws_security_group.web', 'terraform/main.tf', 17, 'high'],
      ['drift.public_access_block', 'aws_s3_bucket_public_access_block.logs', 'terraform/main.tf', 35, 'high'],
      ['drift.encryption', 'aws_s3_bucket.data', 'terraform/main.tf', 43, 'high'],
    ],
  );
  const sg = drift.find((v) => v.rule === 'drift.ingress')!.drift!;
  assert.equal(sg.template_value, '["tcp 443-443 0.0.0.0/0"]');
  assert.equal(sg.live_value, '["tcp 22-22 0.0.0.0/0","tcp 443-443 0.0.0.0/0"]');
  assert.equal(sg.live_uid, 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0a1b2c3d4e5f60718');
  assert.equal(sg.live_risk, 'Security group opened tcp 22-22 to 0.0.0.0/0');
  const key = drift.find((v) => v.rule === 'drift.key_rotation')!.drift!;
  assert.equal(key.matched_by, 'tag aws:cloudformation:logical-id=DataKey (stack storage-prod)');
  assert.deepEqual([key.template_value, key.live_value], ['true', 'false']);

  const d = report.drift!;
  assert.equal(d.live_items, 11);
  assert.equal(d.live_files, 2);
  assert.equal(d.drifted, 4);
  assert.equal(d.matched.length, 11);
  assert.deepEqual(
    d.unpaired.map((u) => [u.address, u.status]),
    [
      ['aws_kms_key.main', 'not_matchable'],
      ['aws_security_group.batch', 'not_matchable'],
      ['aws_s3_bucket.archive', 'unmatched'],
    ],
  );
  // Every finding is a valid OCSF 1.8.0 Detection Finding naming the template place and the live resource.
  assert.equal(d.findings.length, 4);
  for (const f of d.findings) {
    assertValidOcsf(f, 'drift finding');
    assert.equal(f.class_uid, 2004);
  }
  const pab = d.findings.find((f) => (f.finding_info as { analytic: { uid: string } }).analytic.uid === 'drift.public_access_block')!;
  const ev = (pab.evidences as Array<{ data: Record<string, unknown> }>)[0]!.data;
  assert.equal(ev.template_file, join(TF, 'main.tf'));
  assert.equal(ev.template_line, 35);
  assert.equal(ev.template_address, 'aws_s3_bucket_public_access_block.logs');
  assert.equal(ev.resource_uid, 'arn:aws:s3:::acme-logs-prod');
  assert.equal(ev.matched_by, 'bucket = "acme-logs-prod"');
  assert.equal(pab.severity, 'High');
  assert.deepEqual(pab.resources, [{ uid: 'arn:aws:s3:::acme-logs-prod', name: 'acme-logs-prod', type: 'AWS::S3::Bucket' }]);
});

test('negatives: identical, non-security differences and unknown template values give no drift', () => {
  const tf = templatesOf(join(TF, 'main.tf'));
  const cfn = templatesOf(join(CFN, 'storage.yaml'));
  const report = checkDrift([...tf, ...cfn], liveOf(join(LIVE, 'account-snapshot.json'), join(LIVE, 'storage-prod.ndjson')));
  const clean = report.matched.filter((m) => m.differences.length === 0).map((m) => m.template.address).sort();
  // role: identical; trail: tags and s3KeyPrefix differ (not security); db: storage_encrypted is a variable
  // without default; ParamKey: EnableKeyRotation is !Ref; UploadBucket: only tags differ; AppSecurityGroup:
  // its standalone AWS::EC2::SecurityGroupIngress makes the live rules; logs bucket states nothing compared.
  assert.deepEqual(clean, ['AppSecurityGroup', 'ParamKey', 'UploadBucket', 'aws_cloudtrail.main', 'aws_db_instance.app', 'aws_iam_role.ci', 'aws_s3_bucket.logs']);
});

test('a security group whose template rules stand alone (CloudFormation SecurityGroupIngress) drifts when a live rule is added', () => {
  const cfn = templatesOf(join(CFN, 'storage.yaml'));
  const live = liveOf(join(LIVE, 'storage-prod.ndjson'));
  const sg = live.items.find((e) => e.resource.type === 'AWS::EC2::SecurityGroup')!;
  const config = JSON.parse(sg.configuration!) as { ipPermissions: unknown[] };
  config.ipPermissions.push({ fromPort: 3389, toPort: 3389, ipProtocol: 'tcp', ipv6Ranges: [{ cidrIpv6: '::/0' }], ipv4Ranges: [], ipRanges: [], prefixListIds: [], userIdGroupPairs: [] });
  const opened = { ...sg, configuration: JSON.stringify(config) };
  const diffs = compareResources(cfn.find((e) => e.resource.name === 'AppSecurityGroup')!, opened, cfn);
  assert.deepEqual(diffs.map((d) => [d.attribute, d.severity, d.live_risk]), [['ingress', 'high', 'Security group opened tcp 3389-3389 to ::/0']]);
  // Without the standalone rule the template's own 22 from 10.20.0.0/16 is missing too: the merge is what keeps it clean.
  const alone = compareResources(cfn.find((e) => e.resource.name === 'AppSecurityGroup')!, sg, cfn.filter((e) => e.resource.name !== 'AppAdminIngress'));
  assert.equal(alone.length, 1);
  assert.equal(alone[0]!.severity, 'low'); // live has a rule the template lacks, but not a world-open one
  // A standalone rule whose CIDR is a parameter makes the group's ingress unknown: not compared.
  const yaml = readFileSync(join(CFN, 'storage.yaml'), 'utf8').replace('      CidrIp: 10.20.0.0/16', '      CidrIp: !Ref AdminCidr');
  const parametrized = parseConfigFile('storage.yaml', Buffer.from(yaml), { time: 0 }).flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
  assert.deepEqual(compareResources(parametrized.find((e) => e.resource.name === 'AppSecurityGroup')!, opened, parametrized), []);
});

test('a live trust policy opened to any principal is critical drift; a role without changes is not', () => {
  const tf = templatesOf(join(TF, 'main.tf'));
  const file = join(LIVE, 'account-snapshot.json');
  const open = liveWith(file, 'AROAEXAMPLECIDEPLOYER01', (item) => {
    (item.configuration as Record<string, unknown>).assumeRolePolicyDocument = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }));
  });
  const report = checkDrift(tf, open);
  const role = report.matched.find((m) => m.template.address === 'aws_iam_role.ci')!;
  assert.deepEqual(role.differences.map((d) => [d.attribute, d.template_value, d.live_value, d.severity]), [['trust_policy_public', 'false', 'true', 'critical']]);
});

test('Terraform plan JSON: an RDS instance made public live is critical drift; its encryption, equal on both sides, is not', () => {
  const plan = {
    format_version: '1.2',
    terraform_version: '1.5.7',
    planned_values: {
      root_module: {
        resources: [
          {
            address: 'aws_db_instance.app',
            mode: 'managed',
            type: 'aws_db_instance',
            name: 'app',
            provider_name: 'registry.terraform.io/hashicorp/aws',
            schema_version: 2,
            values: { identifier: 'app-db', engine: 'postgres', instance_class: 'db.t3.micro', allocated_storage: 20, publicly_accessible: false, storage_encrypted: true, password: 'not-in-a-plan' },
            sensitive_values: { password: true },
          },
        ],
      },
    },
  };
  const templates = parseConfigFile('plan.json', Buffer.from(JSON.stringify(plan)), { time: 0 }).flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
  const live = liveWith(join(LIVE, 'account-snapshot.json'), 'db-7QH3KZJ2XWPL4M5N6O7P8Q9R0S', (item) => {
    (item.configuration as Record<string, unknown>).publiclyAccessible = true;
  });
  const report = checkDrift(templates, live);
  assert.equal(report.matched.length, 1);
  assert.equal(report.matched[0]!.matched_by, 'identifier = "app-db"');
  assert.deepEqual(report.matched[0]!.differences.map((d) => [d.attribute, d.template_value, d.live_value, d.severity, d.live_risk]), [
    ['publicly_accessible', 'false', 'true', 'critical', 'RDS instance made publicly accessible'],
  ]);
});

test('a security group name shared by two live groups is ambiguous unless the template gives its VPC as a literal', () => {
  const file = join(LIVE, 'account-snapshot.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { configurationItems: Array<Record<string, unknown>> };
  const twin = JSON.parse(JSON.stringify(doc.configurationItems[0])) as Record<string, unknown> & { configuration: Record<string, unknown> };
  twin.resourceId = 'sg-0ffffeeeedddd0001';
  twin.ARN = 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0ffffeeeedddd0001';
  twin.configuration.vpcId = 'vpc-0aaaabbbbccccdddd';
  doc.configurationItems.push(twin);
  const items: ConfigState[] = [];
  collectLive('twin.json', Buffer.from(JSON.stringify(doc)), items, []);
  const live = newestPerResource(items);
  const unknownVpc = templatesOf(join(TF, 'main.tf')).filter((e) => e.resource.name === 'aws_security_group.web');
  const r1 = matchResources(unknownVpc, live);
  assert.equal(r1.pairs.length, 0);
  assert.equal(r1.unpaired[0]!.status, 'ambiguous');
  const tf = 'resource "aws_security_group" "web" {\n  name   = "web-prod"\n  vpc_id = "vpc-0aaaabbbbccccdddd"\n  ingress {\n    from_port   = 443\n    to_port     = 443\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n';
  const literalVpc = parseConfigFile('sg.tf', Buffer.from(tf), { time: 0 }).map((o) => (o.kind === 'event' ? (o.event as ConfigState) : null)).filter((e): e is ConfigState => e !== null);
  const r2 = matchResources(literalVpc, live);
  assert.equal(r2.pairs.length, 1);
  assert.equal(r2.pairs[0]!.live.resource.uid, twin.ARN);
  assert.equal(r2.pairs[0]!.matchedBy, 'name = "web-prod" in vpc-0aaaabbbbccccdddd');
});

test('with items of several stacks in the live input, a logical id alone is ambiguous until --live-stack names the stack', () => {
  const lines = readFileSync(join(LIVE, 'storage-prod.ndjson'), 'utf8').trim().split('\n');
  const other = JSON.parse(lines[2]!) as { tags: Record<string, string>; arn: string; resourceId: string; resourceName: string };
  other.tags['aws:cloudformation:logical-id'] = 'SomethingElse';
  other.tags['aws:cloudformation:stack-name'] = 'billing-prod';
  other.arn = 'arn:aws:s3:::billing-prod-bucket';
  other.resourceId = other.resourceName = 'billing-prod-bucket';
  const items: ConfigState[] = [];
  collectLive('two-stacks.ndjson', Buffer.from([...lines, JSON.stringify(other)].join('\n')), items, []);
  const live = { items: newestPerResource(items), files: 1, rejected: [] };
  const cfn = templatesOf(join(CFN, 'storage.yaml'));
  const without = checkDrift(cfn, live);
  assert.equal(without.matched.length, 0);
  assert.ok(without.unpaired.every((u) => u.status === 'ambiguous' && /2 CloudFormation stacks \(billing-prod, storage-prod\)/.test(u.reason)));
  const named = checkDrift(cfn, live, { stackName: 'storage-prod' });
  assert.deepEqual(named.matched.map((m) => m.template.address).sort(), ['AppSecurityGroup', 'DataKey', 'ParamKey', 'UploadBucket']);
  assert.equal(named.drifted, 1);
});

test('--live-stack restricts CloudFormation matches to one stack', async () => {
  const { code, text } = await run({ paths: [CFN], live: [LIVE], liveStack: 'storage-staging' });
  assert.equal(code, 0);
  const report = JSON.parse(text) as ScanReport;
  assert.equal(report.drift!.matched.length, 0);
  assert.ok(report.drift!.unpaired.every((u) => u.status === 'unmatched' && u.reason.includes('in stack storage-staging')));
});

test('BatchGetResourceConfig items carry no tags: CloudFormation resources stay unmatched and the reason says why', () => {
  const items = readFileSync(join(LIVE, 'storage-prod.ndjson'), 'utf8').trim().split('\n').map((l) => {
    const { tags: _tags, relatedEvents: _r, relationships: _s, ...base } = JSON.parse(l) as Record<string, unknown>;
    return { ...base, configuration: JSON.stringify(base.configuration) };
  });
  const got: ConfigState[] = [];
  collectLive('batch.json', Buffer.from(JSON.stringify({ baseConfigurationItems: items, unprocessedResourceKeys: [] })), got, []);
  assert.equal(got.length, 4);
  const report = checkDrift(templatesOf(join(CFN, 'storage.yaml')), { items: newestPerResource(got), files: 1, rejected: [] });
  assert.equal(report.matched.length, 0);
  const key = report.unpaired.find((u) => u.address === 'DataKey')!;
  assert.equal(key.status, 'unmatched');
  assert.match(key.reason, /BatchGetResourceConfig, which returns no tags/);
});

test('--skip-rule drift.* keeps drift in the report as suppressed, not counted', async () => {
  const { code, text } = await run({ paths: [TF], live: [LIVE], skipRules: ['drift.*'] });
  const report = JSON.parse(text) as ScanReport;
  assert.equal(report.violations.filter((v) => v.rule.startsWith('drift.')).length, 0);
  assert.deepEqual(report.suppressed.filter((v) => v.rule.startsWith('drift.')).map((v) => [v.rule, v.suppression.kind]), [
    ['drift.ingress', 'skip_rule'],
    ['drift.public_access_block', 'skip_rule'],
    ['drift.encryption', 'skip_rule'],
  ]);
  // Only posture violations can still fail the run now.
  assert.equal(code, report.violations.some((v) => v.severity === 'high' || v.severity === 'critical') ? 1 : 0);
});

test('SARIF: drift results at the template location with rule drift.<attribute>, valid against the SARIF 2.1.0 schema', async () => {
  const { code, text } = await run({ paths: [TF, CFN], live: [LIVE], format: 'sarif' });
  assert.equal(code, 1);
  const log = JSON.parse(text) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }>; properties?: { drift?: { live_uid: string } } }> }> };
  assert.deepEqual(sarifErrors(log), []);
  const drift = log.runs[0]!.results.filter((r) => r.ruleId.startsWith('drift.'));
  assert.equal(drift.length, 4);
  const sg = drift.find((r) => r.ruleId === 'drift.ingress')!;
  assert.equal(sg.locations[0]!.physicalLocation.artifactLocation.uri, 'services/scan/drift/fixtures/terraform/main.tf');
  assert.equal(sg.locations[0]!.physicalLocation.region!.startLine, 17);
  assert.equal(sg.properties!.drift!.live_uid, 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0a1b2c3d4e5f60718');
  assert.match(sg.message.text, /template \["tcp 443-443 0\.0\.0\.0\/0"\], live \["tcp 22-22 0\.0\.0\.0\/0","tcp 443-443 0\.0\.0\.0\/0"\]/);
  assert.ok(log.runs[0]!.tool.driver.rules.some((r) => r.id === 'drift.key_rotation'));
});

test('text output names the file:line, both values and the unpaired resources', async () => {
  const { code, text } = await run({ paths: [TF], live: [LIVE], format: 'text' });
  assert.equal(code, 1);
  assert.match(text, /main\.tf:17 {2}HIGH {2}drift\.ingress {2}aws_security_group\.web/);
  assert.match(text, /template: "aws:kms" {2}live: "none" {2}\(arn:aws:s3:::acme-data-prod\)/);
  assert.match(text, /main\.tf:96 {2}NOT MATCHABLE {2}aws_security_group\.batch \(aws_security_group\): name_prefix: Terraform generates the name/);
  assert.match(text, /drift: 11 live items from 2 files; 7 template resources matched, 3 drifted \(3 attributes\), 1 unmatched, 0 ambiguous, 2 not matchable/);
});

test('an unreadable or empty live input is a usage error (exit 2) with the reason', async () => {
  const missing = await run({ paths: [TF], live: [join(FIX, 'no-such-dir')], format: 'text' });
  assert.equal(missing.code, 2);
  assert.match(missing.text, /--live .*no-such-dir: no such file or directory/);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-drift-'));
  const trail = join(dir, 'cloudtrail.json');
  writeFileSync(trail, JSON.stringify({ Records: [{ eventVersion: '1.08', eventSource: 's3.amazonaws.com', eventName: 'PutBucketAcl', eventTime: '2022-10-14T09:00:00Z', awsRegion: 'eu-west-1' }] }));
  const notConfig = await run({ paths: [TF], live: [trail], format: 'text' });
  assert.equal(notConfig.code, 2);
  assert.match(notConfig.text, /--live: no AWS Config configuration item in 1 file\(s\); first problem: .*cloudtrail\.json: /);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"configurationItems": [');
  assert.throws(() => readLiveInputs([broken]), LiveInputError);
});

test('values are masked like config_drift masks them', () => {
  assert.equal(maskedJson({ password: 'hunter2', name: 'x' }), '{"password":"(masked 7 chars)","name":"x"}');
  assert.equal(maskedJson(['AKIAIOSFODNN7EXAMPLE']), '["(masked 20 chars)"]');
  assert.equal(maskedJson(true), 'true');
});

test('egress: compared where the template states it; a live allow-all to the internet is medium drift', () => {
  const live = liveOf(join(LIVE, 'storage-prod.ndjson'));
  const sg = live.items.find((e) => e.resource.type === 'AWS::EC2::SecurityGroup')!;
  const stated = readFileSync(join(CFN, 'storage.yaml'), 'utf8').replace(
    '          CidrIp: 10.0.0.0/8\n  AppAdminIngress:',
    '          CidrIp: 10.0.0.0/8\n      SecurityGroupEgress:\n        - IpProtocol: tcp\n          FromPort: 443\n          ToPort: 443\n          CidrIp: 10.0.0.0/8\n  AppAdminIngress:',
  );
  assert.notEqual(stated, readFileSync(join(CFN, 'storage.yaml'), 'utf8'), 'the fixture still has the AppSecurityGroup the test edits');
  const withEgress = parseConfigFile('storage.yaml', Buffer.from(stated), { time: 0 }).flatMap((o) => (o.kind === 'event' ? [o.event as ConfigState] : []));
  const diffs = compareResources(withEgress.find((e) => e.resource.name === 'AppSecurityGroup')!, sg, withEgress);
  const egress = diffs.find((d) => d.attribute === 'egress');
  assert.ok(egress, JSON.stringify(diffs));
  assert.equal(egress.severity, 'medium');
  assert.match(egress.live_value, /0\.0\.0\.0\/0/);
  assert.match(egress.template_value, /tcp 443-443 10\.0\.0\.0\/8/);
  // The fixture's template states no egress: the live default allow-all is not drift.
  const silent = templatesOf(join(CFN, 'storage.yaml'));
  assert.equal(compareResources(silent.find((e) => e.resource.name === 'AppSecurityGroup')!, sg, silent).some((d) => d.attribute === 'egress'), false);
});
