/**
 * The GCP posture pack on Terraform google_* resources as `sluice scan` reads them: HCL source
 * (through the config_files HCL reader) and plan JSON give the same views and the same verdicts.
 * Templates: services/scan/fixtures/gcp/ (TerraGoat-style misconfigurations and their fixes,
 * written for these tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { postureRuleSet, scanCommand, scanFiles } from '../scan/index.ts';
import { resourceKind, resourceView } from './resource-view.ts';

const rules = postureRuleSet();

function violations(name: string, text: string): string[] {
  const report = scanFiles([{ name, bytes: Buffer.from(text) }], { failOn: 'high', rules });
  assert.deepEqual(report.errors, []);
  return report.violations.map((v) => v.rule).sort();
}

const BAD_TF = readFileSync(new URL('../scan/fixtures/gcp/violating.tf', import.meta.url), 'utf8');

const CLEAN_TF = readFileSync(new URL('../scan/fixtures/gcp/clean.tf', import.meta.url), 'utf8');

test('a TerraGoat-style GCP .tf file fails the CIS Google Cloud checks it breaks', () => {
  const got = violations('gcp/main.tf', BAD_TF);
  for (const id of [
    'posture.gcp.firewall.ssh_open_to_world',
    'posture.gcp.firewall.rdp_open_to_world',
    'posture.gcp.compute.default_sa_full_scope',
    'posture.gcp.compute.project_ssh_keys_allowed',
    'posture.gcp.compute.os_login_disabled',
    'posture.gcp.compute.serial_port_enabled',
    'posture.gcp.compute.ip_forwarding',
    'posture.gcp.compute.public_ip',
    'posture.gcp.storage.uniform_access_disabled',
    'posture.gcp.iam.public_member',
    'posture.gcp.sql.open_authorized_network',
    'posture.gcp.sql.ssl_not_required',
    'posture.gcp.sql.backups_disabled',
    'posture.gcp.gke.legacy_abac',
    'posture.gcp.gke.private_nodes_disabled',
    'posture.gcp.gke.network_policy_disabled',
    'posture.gcp.gke.control_plane_open',
    'posture.gcp.gke.logging_disabled',
    'posture.gcp.kms.rotation_over_90_days',
    'posture.gcp.iam.primitive_role',
    'posture.gcp.iam.user_managed_sa_key',
  ]) {
    assert.ok(got.includes(id), `${id} missing from ${got.join(', ')}`);
  }
});

test('the fixed GCP .tf file passes every bundled posture rule', () => {
  assert.deepEqual(violations('gcp/clean.tf', CLEAN_TF), []);
});

test('HCL source and plan JSON of the same firewall give the same view', () => {
  const plan = JSON.stringify({
    format_version: '1.2',
    planned_values: { root_module: { resources: [{ address: 'google_compute_firewall.allow_all', mode: 'managed', type: 'google_compute_firewall', name: 'allow_all', values: { name: 'fw', network: 'vpc', source_ranges: ['0.0.0.0/0'], allow: [{ protocol: 'tcp', ports: ['0-65535'] }], deny: [], direction: 'INGRESS', disabled: false } }] } },
  });
  assert.deepEqual(violations('plan.json', plan), ['posture.gcp.firewall.all_ports_open_to_world', 'posture.gcp.firewall.database_or_cleartext_ports_open', 'posture.gcp.firewall.logging_off', 'posture.gcp.firewall.rdp_open_to_world', 'posture.gcp.firewall.ssh_open_to_world']);
});

test('every google_* IAM form is one kind; unknown google types are other', () => {
  for (const t of ['google_project_iam_member', 'google_project_iam_binding', 'google_project_iam_policy', 'google_storage_bucket_iam_member', 'google_kms_crypto_key_iam_binding', 'google_storage_bucket_acl']) {
    assert.equal(resourceKind(t, 'terraform_plan'), 'gcp.iam.binding', t);
  }
  assert.equal(resourceKind('google_dns_managed_zone', 'terraform_plan'), 'other');
  const v = resourceView({ uid: 'u', type: 'google_project_iam_policy', name: null, format: 'terraform_plan', configuration: { policy_data: 'not json' } });
  assert.deepEqual(v.bindings, [], 'a policy_data that is not JSON gives no binding, no throw');
});

test('sluice scan on the GCP fixture folder: the violating file exits 1, the clean one 0', async () => {
  const dir = fileURLToPath(new URL('../scan/fixtures/gcp/', import.meta.url));
  let out = '';
  assert.equal(await scanCommand([`${dir}violating.tf`], { format: 'sarif', failOn: 'high' }, (t) => (out += t)), 1);
  const sarif = JSON.parse(out) as { runs: Array<{ results: unknown[] }> };
  assert.ok(sarif.runs[0]!.results.length >= 21, `${sarif.runs[0]!.results.length} results`);
  assert.equal(await scanCommand([`${dir}clean.tf`], { format: 'json', failOn: 'informational' }, () => {}), 0);
});
