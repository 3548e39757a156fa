/**
 * `sluice scan` on each template kind of issue 18: Terraform HCL (AWS and azurerm, .tf.json,
 * modules in sub-folders, tfvars), ARM templates, ECS task definitions (CLI JSON, CloudFormation,
 * Terraform) and kustomize folders. Bad templates exit 1 with their violations in valid SARIF,
 * good ones exit 0, none exits 2; a .tf file that does not parse exits 2 naming file and reason.
 * Fixtures: test/fixtures/config_files/ (SOURCE.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { scanCommand } from './index.ts';
import { sarifErrors } from '../../test/support/official-schemas/sarif.ts';

const FX = (p: string): string => fileURLToPath(new URL(`../../test/fixtures/config_files/${p}`, import.meta.url));
const REPO_K8S = fileURLToPath(new URL('../../k8s', import.meta.url));

interface Report {
  files: number;
  resources: number;
  violations: Array<{ rule: string; resource_name: string; file: string; line: number | null }>;
  errors: Array<{ file: string; message: string }>;
  exit_code: number;
}

async function scan(paths: string[], failOn: 'high' | 'informational' = 'high'): Promise<{ code: number; report: Report; sarif: unknown }> {
  let json = '';
  const code = await scanCommand(paths, { format: 'json', failOn }, (s) => (json += s));
  let sarifText = '';
  const sarifCode = await scanCommand(paths, { format: 'sarif', failOn }, (s) => (sarifText += s));
  assert.equal(sarifCode, code, 'the SARIF run exits the same');
  const sarif: unknown = JSON.parse(sarifText);
  assert.deepEqual(sarifErrors(sarif), [], 'valid against the official SARIF 2.1.0 schema');
  return { code, report: JSON.parse(json) as Report, sarif };
}

/** rule -> resource names, from the SARIF results (what a CI system sees). */
function sarifFindings(sarif: unknown): Map<string, string[]> {
  const runs = (sarif as { runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ logicalLocations: Array<{ name: string }> }> }> }> }).runs;
  const out = new Map<string, string[]>();
  for (const r of runs[0]!.results) out.set(r.ruleId, [...(out.get(r.ruleId) ?? []), r.locations[0]!.logicalLocations[0]!.name].sort());
  return out;
}

test('Terraform HCL for AWS: the issue\'s silent pass now fails with every violation in SARIF', async () => {
  const { code, report, sarif } = await scan([FX('terraform-hcl/aws-bad')]);
  assert.equal(code, 1);
  assert.deepEqual(report.errors, []);
  assert.equal(report.files, 5, 'main.tf, variables.tf, ecs.tf, terraform.tfvars and the module in modules/logs');
  const f = sarifFindings(sarif);
  assert.deepEqual(f.get('posture.aws.ec2.sg_ssh_open_to_world'), ['aws_security_group.bastion'], 'opened by terraform.tfvars through a dynamic block');
  assert.deepEqual(f.get('posture.aws.ec2.sg_rdp_open_to_world'), ['aws_security_group.bastion']);
  assert.deepEqual(f.get('posture.aws.rds.publicly_accessible'), ['aws_db_instance.orders']);
  assert.deepEqual(f.get('posture.aws.rds.storage_unencrypted'), ['aws_db_instance.orders']);
  assert.deepEqual(f.get('posture.aws.s3.public_access_block_resource_incomplete'), ['aws_s3_bucket_public_access_block.data']);
  assert.deepEqual(f.get('posture.aws.ec2.imdsv1_allowed'), ['aws_instance.web[0]', 'aws_instance.web[1]']);
  assert.deepEqual(f.get('posture.aws.ec2.volume_unencrypted'), ['aws_ebs_volume.scratch']);
  assert.deepEqual(f.get('posture.aws.cloudtrail.not_multi_region'), ['aws_cloudtrail.this[0]'], 'module in a sub-folder');
  assert.deepEqual(f.get('posture.aws.kms.rotation_disabled'), ['aws_kms_key.logs']);
  assert.deepEqual(f.get('posture.aws.ecs.privileged_container'), ['aws_ecs_task_definition.worker']);
  assert.deepEqual(f.get('posture.aws.ecs.host_pid_mode'), ['aws_ecs_task_definition.worker']);
  assert.deepEqual(f.get('posture.aws.ecs.host_network_mode'), ['aws_ecs_task_definition.worker']);
  assert.deepEqual(f.get('posture.aws.ecs.secrets_in_environment'), ['aws_ecs_task_definition.legacy', 'aws_ecs_task_definition.worker']);
  assert.deepEqual(f.get('posture.aws.ecs.container_runs_as_root'), ['aws_ecs_task_definition.legacy', 'aws_ecs_task_definition.worker']);
  const sg = report.violations.find((v) => v.rule === 'posture.aws.ec2.sg_ssh_open_to_world')!;
  assert.match(sg.file, /aws-bad\/main\.tf$/);
  assert.equal(sg.line, 34);
});

test('Terraform HCL for AWS and Azure, hardened: exit 0', async () => {
  const aws = await scan([FX('terraform-hcl/aws-good')], 'informational');
  assert.equal(aws.code, 0);
  assert.deepEqual(aws.report.violations, []);
  assert.equal(aws.report.resources, 14);
  const az = await scan([FX('terraform-hcl/azure-good')]);
  assert.equal(az.code, 0);
  assert.deepEqual(az.report.violations, []);
  assert.equal(az.report.resources, 11);
});

test('azurerm Terraform: NSG, storage, Key Vault, SQL, App Service and AKS violations', async () => {
  const { code, report, sarif } = await scan([FX('terraform-hcl/azure-bad')]);
  assert.equal(code, 1);
  assert.deepEqual(report.errors, []);
  assert.deepEqual([...sarifFindings(sarif)].sort(), [
    ['posture.azure.aks.auto_upgrade_off', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.azure_policy_off', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.defender_off', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.disk_encryption_set_missing', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.entra_id_integration_off', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.free_tier', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.host_encryption_off', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.local_accounts_enabled', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.monitoring_off', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.network_policy_missing', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.public_api_server', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.aks.rbac_disabled', ['azurerm_kubernetes_cluster.aks']],
    ['posture.azure.appservice.authentication_off', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.client_certificates_off', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.detailed_errors_off', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.ftp_allowed', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.health_check_off', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.http2_off', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.http_logs_off', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.https_only_disabled', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.managed_identity_off', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.min_tls_below_1_2', ['azurerm_linux_web_app.shop']],
    ['posture.azure.appservice.request_tracing_off', ['azurerm_linux_web_app.shop']],
    ['posture.azure.keyvault.logging_missing', ['azurerm_key_vault.kv']],
    ['posture.azure.keyvault.public_network_access', ['azurerm_key_vault.kv']],
    ['posture.azure.keyvault.purge_protection_disabled', ['azurerm_key_vault.kv']],
    ['posture.azure.keyvault.rbac_authorization_off', ['azurerm_key_vault.kv']],
    ['posture.azure.network.nsg_flow_log_missing', ['azurerm_network_security_group.jump']],
    ['posture.azure.network.private_endpoint_missing', ['azurerm_key_vault.kv', 'azurerm_mssql_server.sql', 'azurerm_storage_account.data']],
    ['posture.azure.nsg.rdp_open_to_internet', ['azurerm_network_security_group.jump']],
    ['posture.azure.nsg.ssh_open_to_internet', ['azurerm_network_security_rule.ssh']],
    ['posture.azure.sql.aad_admin_missing', ['azurerm_mssql_server.sql']],
    ['posture.azure.sql.auditing_disabled', ['azurerm_mssql_server_extended_auditing_policy.sql']],
    ['posture.azure.sql.firewall_allows_all', ['azurerm_mssql_firewall_rule.all']],
    ['posture.azure.sql.public_network_access', ['azurerm_mssql_server.sql']],
    ['posture.azure.sql.tde_disabled', ['azurerm_mssql_database.orders']],
    ['posture.azure.sql.tde_protector_not_cmk', ['azurerm_mssql_server.sql']],
    ['posture.azure.storage.blob_soft_delete_off', ['azurerm_storage_account.data']],
    ['posture.azure.storage.container_soft_delete_off', ['azurerm_storage_account.data']],
    ['posture.azure.storage.customer_managed_key_missing', ['azurerm_storage_account.data']],
    ['posture.azure.storage.https_only_disabled', ['azurerm_storage_account.data']],
    ['posture.azure.storage.infrastructure_encryption_off', ['azurerm_storage_account.data']],
    ['posture.azure.storage.locally_redundant_only', ['azurerm_storage_account.data']],
    ['posture.azure.storage.min_tls_below_1_2', ['azurerm_storage_account.data']],
    ['posture.azure.storage.network_default_allow', ['azurerm_storage_account.data']],
    ['posture.azure.storage.public_blob_access', ['azurerm_storage_account.data']],
    ['posture.azure.storage.queue_logging_incomplete', ['azurerm_storage_account.data']],
    ['posture.azure.storage.sas_expiration_policy_missing', ['azurerm_storage_account.data']],
    ['posture.azure.storage.shared_key_access', ['azurerm_storage_account.data']],
  ]);
});

test('ARM templates: the insecure one exits 1 with the same Azure rules; the hardened one and a parameters file exit 0', async () => {
  const bad = await scan([FX('arm/insecure.json')]);
  assert.equal(bad.code, 1);
  const f = sarifFindings(bad.sarif);
  assert.deepEqual(f.get('posture.azure.nsg.rdp_open_to_internet'), ['shop-nsg'], "source from [parameters('adminSource')]'s default");
  assert.deepEqual(f.get('posture.azure.storage.https_only_disabled')?.length, 1, "[not(parameters('allowHttp'))]");
  assert.deepEqual(f.get('posture.azure.keyvault.soft_delete_disabled'), ['shop-kv']);
  assert.deepEqual(f.get('posture.azure.sql.firewall_allows_all'), ['shop-sql/AllowAll'], 'a child resource');
  assert.deepEqual(f.get('posture.azure.sql.auditing_disabled'), ['shop-sql/default']);
  assert.deepEqual(f.get('posture.azure.appservice.min_tls_below_1_2'), ['shop-app']);
  assert.deepEqual(f.get('posture.azure.aks.rbac_disabled'), ['shop-aks']);
  const good = await scan([FX('arm/hardened.json'), FX('arm/insecure.parameters.json')]);
  assert.equal(good.code, 0);
  assert.deepEqual(good.report.violations, []);
  assert.deepEqual(good.report.errors, []);
});

test('ECS task definitions: CLI JSON and CloudFormation; a hardened Fargate definition is clean', async () => {
  const { code, sarif } = await scan([FX('ecs/worker-taskdef.json'), FX('ecs/service.yaml')]);
  assert.equal(code, 1);
  const f = sarifFindings(sarif);
  for (const rule of ['privileged_container', 'secrets_in_environment', 'container_runs_as_root', 'no_log_configuration', 'writable_root_filesystem']) {
    assert.deepEqual(f.get(`posture.aws.ecs.${rule}`), ['TaskDefinition', 'batch-worker'], rule);
  }
  assert.deepEqual(f.get('posture.aws.ecs.host_network_mode'), ['batch-worker']);
  assert.deepEqual(f.get('posture.aws.ecs.host_pid_mode'), ['batch-worker']);
  const good = await scan([FX('ecs/api-taskdef.json')], 'informational');
  assert.equal(good.code, 0);
  assert.equal(good.report.resources, 1);
});

test('kustomize: the repository\'s own k8s/ never exits 2; an overlay reads each referenced manifest once', async () => {
  const repo = await scan([REPO_K8S]);
  assert.ok(repo.code === 0 || repo.code === 1, `exit ${repo.code}: ${JSON.stringify(repo.report.errors)}`);
  assert.deepEqual(repo.report.errors, []);
  const only = await scan([`${REPO_K8S}/kustomization.yaml`]);
  assert.deepEqual(only.report.errors, []);
  // The folder also holds secrets/secret.example.yaml, which the kustomization leaves out on
  // purpose (Secrets are created out of band): one file (six Secrets); and the autoscaling overlays,
  // which build on the base rather than being listed by it: five files (two kustomizations, a
  // ScaledObject, a TriggerAuthentication and an HPA).
  assert.equal(only.report.files, repo.report.files - 1 - 5, 'naming the kustomization reads every manifest it lists');
  assert.equal(only.report.resources, repo.report.resources - 6 - 3, 'the example file holds six Secrets, the overlays three resources');

  const overlay = await scan([FX('kustomize/overlays/prod/kustomization.yaml')]);
  assert.deepEqual(overlay.report.errors, []);
  // overlay kustomization, base kustomization, base deployment (named twice, read once), base service, configmap.
  assert.equal(overlay.report.files, 5);
  assert.equal(overlay.report.resources, 3);
  assert.equal(overlay.code, 1, 'the base deployment is privileged');
  assert.deepEqual(sarifFindings(overlay.sarif).get('posture.k8s.privileged_container'), ['web']);
});

test('a .tf file that does not parse exits 2 with the file and the reason, never a silent 0', async () => {
  let text = '';
  const code = await scanCommand([FX('terraform-hcl/broken')], { format: 'text', failOn: 'high' }, (s) => (text += s));
  assert.equal(code, 2);
  assert.match(text, /broken\/network\.tf {2}ERROR {2}not valid Terraform \(HCL\): line 6 column 3/);
  const missing = await scan([FX('kustomize/base/deployment.yaml')]);
  assert.notEqual(missing.code, 2);
});

test('OpenShift SecurityContextConstraints: the permissive SCC is flagged, the restricted one is not', async () => {
  const { code, report, sarif } = await scan([FX('openshift/scc.yaml')]);
  assert.equal(code, 1);
  assert.deepEqual(report.errors, []);
  assert.equal(report.resources, 2);
  const f = sarifFindings(sarif);
  assert.deepEqual(f.get('posture.k8s.openshift.scc_privileged'), ['legacy-agents']);
  assert.deepEqual(f.get('posture.k8s.openshift.scc_host_namespaces'), ['legacy-agents']);
  assert.deepEqual(f.get('posture.k8s.openshift.scc_run_as_any_user'), ['legacy-agents']);
  assert.ok(report.violations.every((v) => v.resource_name === 'legacy-agents'));
});
