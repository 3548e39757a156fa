/**
 * Companion resources linked to the resources they configure (terraform-companions.ts), in
 * Terraform source (across a module's files, by reference or literal name) and in plan / state
 * JSON (by the recorded references or known values), and the posture verdicts that follow.
 * Inline templates written for these tests (Sluice project, Apache-2.0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigState } from '../../core/model/config-state.ts';
import { configStateView, resourceView } from '../../rules/resource-view.ts';
import { postureRuleSet } from '../../scan/index.ts';
import { parseConfigFile } from './parse.ts';
import { terraformModuleContext } from './terraform-hcl.ts';

type Files = Record<string, string>;

/** Every resource of a module (files of one folder) as `sluice scan` reads them: address -> event. */
function readModule(files: Files): Map<string, ConfigState> {
  const module = terraformModuleContext(Object.entries(files).map(([name, text]) => ({ name, text })));
  const out = new Map<string, ConfigState>();
  for (const [name, text] of Object.entries(files)) {
    for (const o of parseConfigFile(name, Buffer.from(text), { time: 0, terraformModule: module })) {
      assert.equal(o.kind, 'event', JSON.stringify(o));
      if (o.kind === 'event') out.set((o.event as ConfigState).resource.name!, o.event as ConfigState);
    }
  }
  return out;
}

const config = (e: ConfigState | undefined): Record<string, unknown> => JSON.parse(e!.configuration!) as Record<string, unknown>;
const unmapped = (e: ConfigState | undefined): Record<string, unknown> => JSON.parse(e!.unmapped!) as Record<string, unknown>;
const rules = postureRuleSet();
const failed = (e: ConfigState | undefined): string[] => rules.evaluate(configStateView(e!)).failed.map((r) => r.id).sort();

const BUCKETS = `
resource "aws_s3_bucket" "data" { bucket = "acme-data" }
resource "aws_s3_bucket" "logs" { bucket = "acme-logs" }
resource "aws_s3_bucket" "bare" { bucket = "acme-bare" }
`;
const SETTINGS = `
resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration { status = "Enabled" }
}
resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = "acme-logs"
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = "\${aws_s3_bucket.data.bucket}"
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
  }
}
`;

test('HCL: companions in another file of the module attach to their bucket by reference and by literal name', () => {
  const m = readModule({ 'main.tf': BUCKETS, 'settings.tf': SETTINGS });
  const data = config(m.get('aws_s3_bucket.data')).sluice_links as Record<string, unknown>;
  assert.deepEqual(Object.keys(data).sort(), ['aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_versioning']);
  assert.deepEqual(data.aws_s3_bucket_versioning, [{ address: 'aws_s3_bucket_versioning.data', values: { versioning_configuration: [{ status: 'Enabled' }] } }]);
  assert.deepEqual(Object.keys(config(m.get('aws_s3_bucket.logs')).sluice_links as object), ['aws_s3_bucket_public_access_block']);
  assert.deepEqual(config(m.get('aws_s3_bucket.bare')).sluice_links, {}, 'a target with no companion says so');
  assert.equal(config(m.get('aws_s3_bucket_versioning.data')).sluice_links, undefined, 'companions are not targets');

  const view = configStateView(m.get('aws_s3_bucket.data')!);
  assert.equal(view.versioning, true);
  assert.deepEqual(view.encryption, { algorithm: 'aws:kms', kms_key: null });
  const data2 = failed(m.get('aws_s3_bucket.data'));
  assert.ok(!data2.includes('posture.aws.s3.versioning_disabled') && !data2.includes('posture.aws.s3.default_encryption_missing') && !data2.includes('posture.aws.s3.kms_encryption_missing'));
  assert.ok(data2.includes('posture.aws.s3.public_access_block_disabled'), 'no public access block for this bucket');
  assert.ok(!failed(m.get('aws_s3_bucket.logs')).includes('posture.aws.s3.public_access_block_disabled'));
  const bare = failed(m.get('aws_s3_bucket.bare'));
  for (const r of ['versioning_disabled', 'default_encryption_missing', 'access_logging_disabled', 'public_access_block_disabled']) assert.ok(bare.includes(`posture.aws.s3.${r}`), r);
});

test('HCL: a link that cannot be resolved is never guessed; its setting is not judged on any bucket, and the companion says why', () => {
  const m = readModule({
    'main.tf': BUCKETS,
    'vars.tf': 'variable "target" {}\nresource "aws_s3_bucket_versioning" "other" {\n  bucket = var.target\n  versioning_configuration { status = "Enabled" }\n}\n',
  });
  const links = config(m.get('aws_s3_bucket.bare')).sluice_links as Record<string, unknown>;
  assert.deepEqual(links.unknown, ['aws_s3_bucket_versioning']);
  assert.match(String(unmapped(m.get('aws_s3_bucket_versioning.other')).link), /not known statically/);
  const bare = failed(m.get('aws_s3_bucket.bare'));
  assert.ok(!bare.includes('posture.aws.s3.versioning_disabled'), 'versioning unknown: not judged');
  assert.ok(bare.includes('posture.aws.s3.access_logging_disabled'), 'logging has no unresolved companion: judged');
});

test('HCL: a literal name no resource has, or a reference to an undeclared resource, makes the setting unknown', () => {
  const m = readModule({
    'main.tf': `${BUCKETS}\nresource "aws_s3_bucket_logging" "x" {\n  bucket        = "someone-elses-bucket"\n  target_bucket = "acme-logs"\n}\nresource "aws_flow_log" "f" {\n  vpc_id       = aws_vpc.elsewhere.id\n  traffic_type = "ALL"\n}\nresource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }\n`,
  });
  assert.match(String(unmapped(m.get('aws_s3_bucket_logging.x')).link), /no resource of this module is named "someone-elses-bucket"/);
  assert.match(String(unmapped(m.get('aws_flow_log.f')).link), /aws_vpc\.elsewhere is not declared/);
  assert.deepEqual((config(m.get('aws_vpc.main')).sluice_links as Record<string, unknown>).unknown, ['aws_flow_log']);
  assert.ok(!failed(m.get('aws_vpc.main')).includes('posture.aws.ec2.vpc_flow_logs_missing'));
});

test('HCL: count instances link by index; a VPC with its flow log and default security group is not reported', () => {
  const m = readModule({
    'main.tf': `
resource "aws_s3_bucket" "b" {
  count  = 2
  bucket = "acme-\${count.index}"
}
resource "aws_s3_bucket_versioning" "v" {
  bucket = aws_s3_bucket.b[1].id
  versioning_configuration { status = "Enabled" }
}
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_flow_log" "main" {
  vpc_id       = aws_vpc.main.id
  traffic_type = "ALL"
}
resource "aws_default_security_group" "main" { vpc_id = aws_vpc.main.id }
resource "aws_vpc" "bare" { cidr_block = "10.1.0.0/16" }
`,
  });
  assert.equal(configStateView(m.get('aws_s3_bucket.b[1]')!).versioning, true);
  assert.equal(configStateView(m.get('aws_s3_bucket.b[0]')!).versioning, false);
  assert.ok(failed(m.get('aws_s3_bucket.b[0]')).includes('posture.aws.s3.versioning_disabled'));
  assert.ok(!failed(m.get('aws_vpc.main')).some((r) => r === 'posture.aws.ec2.vpc_flow_logs_missing' || r === 'posture.aws.ec2.vpc_default_sg_unmanaged'));
  assert.ok(failed(m.get('aws_vpc.bare')).includes('posture.aws.ec2.vpc_flow_logs_missing'));
  assert.ok(failed(m.get('aws_vpc.bare')).includes('posture.aws.ec2.vpc_default_sg_unmanaged'));
});

test('HCL azurerm: SQL auditing, private endpoints and storage network rules link by id and by name', () => {
  const m = readModule({
    'main.tf': `
resource "azurerm_mssql_server" "audited" { name = "sql-a" }
resource "azurerm_mssql_server" "plain" { name = "sql-b" }
resource "azurerm_mssql_server_extended_auditing_policy" "a" {
  server_id         = azurerm_mssql_server.audited.id
  retention_in_days = 120
}
resource "azurerm_private_endpoint" "pe" {
  name = "pe"
  private_service_connection {
    name                           = "c"
    private_connection_resource_id = azurerm_mssql_server.audited.id
    is_manual_connection           = false
  }
}
resource "azurerm_storage_account" "st" { name = "acmest" }
resource "azurerm_storage_account_network_rules" "st" {
  storage_account_name = azurerm_storage_account.st.name
  default_action       = "Deny"
}
`,
  });
  const audited = failed(m.get('azurerm_mssql_server.audited'));
  const plain = failed(m.get('azurerm_mssql_server.plain'));
  for (const r of ['posture.azure.sql.server_auditing_missing', 'posture.azure.network.private_endpoint_missing']) {
    assert.ok(!audited.includes(r), `audited: ${r}`);
    assert.ok(plain.includes(r), `plain: ${r}`);
  }
  assert.equal(configStateView(m.get('azurerm_storage_account.st')!).network_default_action, 'deny');
  assert.ok(!failed(m.get('azurerm_storage_account.st')).includes('posture.azure.storage.network_default_allow'));
});

test('a Terraform argument set to an apply-time reference is set, not absent (unknown_paths)', () => {
  const m = readModule({
    'main.tf': 'resource "aws_kms_key" "k" { enable_key_rotation = true }\nresource "aws_ebs_volume" "a" {\n  size       = 10\n  encrypted  = true\n  kms_key_id = aws_kms_key.k.arn\n}\nresource "aws_ebs_volume" "b" {\n  size      = 10\n  encrypted = true\n}\n',
  });
  assert.deepEqual(configStateView(m.get('aws_ebs_volume.a')!).unknown_paths, ['kms_key_id']);
  assert.ok(!failed(m.get('aws_ebs_volume.a')).includes('posture.aws.kms.customer_managed_key_missing'));
  assert.ok(failed(m.get('aws_ebs_volume.b')).includes('posture.aws.kms.customer_managed_key_missing'));
});

/** A minimal `terraform show -json` of a plan: a bucket, its versioning (bucket known only after apply), a bare bucket. */
const PLAN = {
  format_version: '1.2',
  terraform_version: '1.7.4',
  planned_values: {
    root_module: {
      resources: [
        { address: 'aws_s3_bucket.data', mode: 'managed', type: 'aws_s3_bucket', name: 'data', values: { bucket: 'acme-data' } },
        { address: 'aws_s3_bucket.bare', mode: 'managed', type: 'aws_s3_bucket', name: 'bare', values: { bucket: 'acme-bare' } },
        { address: 'aws_s3_bucket_versioning.data', mode: 'managed', type: 'aws_s3_bucket_versioning', name: 'data', values: { versioning_configuration: [{ status: 'Enabled' }] } },
        { address: 'aws_s3_bucket_logging.data', mode: 'managed', type: 'aws_s3_bucket_logging', name: 'data', values: { bucket: 'acme-data', target_bucket: 'acme-logs' } },
      ],
    },
  },
  configuration: {
    root_module: {
      resources: [
        { address: 'aws_s3_bucket_versioning.data', type: 'aws_s3_bucket_versioning', expressions: { bucket: { references: ['aws_s3_bucket.data.id', 'aws_s3_bucket.data'] } } },
      ],
    },
  },
};

test('plan JSON: companions link by the references Terraform recorded, or by a known value', () => {
  const events = new Map<string, ConfigState>();
  for (const o of parseConfigFile('plan.json', Buffer.from(JSON.stringify(PLAN)), { time: 0 })) if (o.kind === 'event') events.set((o.event as ConfigState).resource.name!, o.event as ConfigState);
  const links = config(events.get('aws_s3_bucket.data')).sluice_links as Record<string, unknown>;
  assert.deepEqual(Object.keys(links).sort(), ['aws_s3_bucket_logging', 'aws_s3_bucket_versioning']);
  const data = failed(events.get('aws_s3_bucket.data'));
  assert.ok(!data.includes('posture.aws.s3.versioning_disabled') && !data.includes('posture.aws.s3.access_logging_disabled'));
  const bare = failed(events.get('aws_s3_bucket.bare'));
  assert.ok(bare.includes('posture.aws.s3.versioning_disabled') && bare.includes('posture.aws.s3.access_logging_disabled'));
});

test('the same bucket rules hold on CloudFormation and Terraform with companions', () => {
  const rulesOf = (type: string, format: 'cloudformation' | 'terraform_plan', configuration: Record<string, unknown>): string[] =>
    rules.evaluate(resourceView({ uid: 'u', type, name: 'b', format, configuration })).failed.map((r) => r.id).filter((id) => id.startsWith('posture.aws.s3.')).sort();
  const cfn = rulesOf('AWS::S3::Bucket', 'cloudformation', { VersioningConfiguration: { Status: 'Enabled' }, LoggingConfiguration: { DestinationBucketName: 'logs' } });
  const tf = rulesOf('aws_s3_bucket', 'terraform_plan', {
    bucket: 'b',
    sluice_links: { aws_s3_bucket_versioning: [{ address: 'v', values: { versioning_configuration: [{ status: 'Enabled' }] } }], aws_s3_bucket_logging: [{ address: 'l', values: { target_bucket: 'logs' } }] },
  });
  // CloudFormation has no bucket policy on the bucket (its own resource) and judges ownership controls inline.
  assert.deepEqual(tf.filter((r) => r !== 'posture.aws.s3.policy_allows_http'), cfn);
});

test('credentials of a companion are masked in the copy its target carries', () => {
  const m = readModule({
    'main.tf': `
resource "azurerm_mssql_server" "s" { name = "sql-s" }
resource "azurerm_mssql_server_security_alert_policy" "p" {
  server_name = azurerm_mssql_server.s.name
  state       = "Enabled"
}
resource "azurerm_mssql_server_vulnerability_assessment" "va" {
  server_security_alert_policy_id = azurerm_mssql_server_security_alert_policy.p.id
  storage_container_path          = "https://st.blob.core.windows.net/va/"
  storage_account_access_key      = "c2VjcmV0LWtleS12YWx1ZQ=="
}
`,
  });
  const links = config(m.get('azurerm_mssql_server_security_alert_policy.p')).sluice_links as Record<string, Array<{ values: Record<string, unknown> }>>;
  assert.equal(links.azurerm_mssql_server_vulnerability_assessment![0]!.values.storage_account_access_key, '(sensitive)');
  assert.equal(links.azurerm_mssql_server_vulnerability_assessment![0]!.values.storage_container_path, 'https://st.blob.core.windows.net/va/');
  assert.ok(!failed(m.get('azurerm_mssql_server_security_alert_policy.p')).includes('posture.azure.sql.vulnerability_assessment_missing'));
});
