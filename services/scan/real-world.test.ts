/**
 * `sluice scan` on real-world templates (issue 18): test/fixtures/iac/real-world/ holds templates
 * copied unchanged from public, permissively licensed repositories (each folder's SOURCE.md names
 * repository, commit, path and licence): Kubernetes manifests and Dockerfiles (kubernetes/examples),
 * a kustomize folder (kubernetes-sigs/kustomize), CloudFormation with an ECS task definition and
 * Dockerfiles (aws-samples/ecs-refarch-cloudformation), ARM templates and a parameters file
 * (Azure/azure-quickstart-templates) and a Terraform module with an example and a wrapper
 * (terraform-aws-modules/terraform-aws-key-pair) and Terraform examples of terraform-google-modules. Target: at least 99% of files parse, no file
 * exits 2, every kind is read into resources, and the misconfigurations the templates are known for
 * are reported. Two upstream files that repeat a YAML key (real-world-invalid/) exit 2 with the line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import type { ConfigState } from '../core/model/config-state.ts';
import { postureRuleSet, readScanInputs, scanFiles } from './index.ts';

const DIR = fileURLToPath(new URL('../../test/fixtures/iac/real-world/', import.meta.url));
const INVALID = fileURLToPath(new URL('../../test/fixtures/iac/real-world-invalid/', import.meta.url));

/** Files in the corpus (README.md and the SOURCE.md / LICENSE files are not templates and are not walked). */
const CORPUS_FILES = 63;

test('the real-world corpus: every file parses (>= 99%, no exit 2) and every template kind gives resources', () => {
  const { files, errors } = readScanInputs([DIR]);
  assert.deepEqual(errors, []);
  assert.equal(files.length, CORPUS_FILES);
  const formats = new Map<string, number>();
  const report = scanFiles(files, {
    failOn: 'critical',
    rules: postureRuleSet(),
    onResource: (e: ConfigState) => formats.set(e.location?.format ?? '?', (formats.get(e.location?.format ?? '?') ?? 0) + 1),
  });
  const failed = report.errors.map((e) => `${relative(DIR, e.file)}: ${e.message}`);
  assert.deepEqual(failed, [], 'files that do not parse');
  assert.deepEqual(report.skipped, []);
  const parsed = (report.files - new Set(report.errors.map((e) => e.file)).size) / report.files;
  assert.ok(parsed >= 0.99, `parse rate ${parsed}`);
  assert.notEqual(report.exit_code, 2);
  for (const f of ['kubernetes', 'cloudformation', 'arm', 'terraform_hcl', 'dockerfile']) assert.ok((formats.get(f) ?? 0) > 0, `no ${f} resource in ${JSON.stringify([...formats])}`);
  assert.ok(report.resources >= 72, `${report.resources} resources`);
});

test('the real-world corpus: the misconfigurations these templates are known for are reported', () => {
  const { files } = readScanInputs([DIR]);
  const report = scanFiles(files, { failOn: 'critical', rules: postureRuleSet() });
  const got = new Set(report.violations.map((v) => `${relative(DIR, v.file)}|${v.rule}`));
  for (const want of [
    // a ReplicationController mounting the Docker socket, privileged, on the host network and PID namespace
    'kubernetes-examples/_archived/sysdig-cloud/sysdig-rc.yaml|posture.k8s.privileged_container',
    'kubernetes-examples/_archived/sysdig-cloud/sysdig-rc.yaml|posture.k8s.host_pid',
    'kubernetes-examples/_archived/sysdig-cloud/sysdig-rc.yaml|posture.k8s.host_path_volume',
    // MYSQL_ROOT_PASSWORD as a literal env value, image mysql:latest
    'kubernetes-examples/_archived/javaee/mysql-pod.yaml|posture.k8s.secret_in_env',
    'kubernetes-examples/_archived/javaee/mysql-pod.yaml|posture.k8s.image_latest_tag',
    // the kustomize folder is followed: its Deployment is judged
    'kustomize-examples/examples/helloWorld/deployment.yaml|posture.k8s.runs_as_root',
    // a load balancer security group open to all traffic from 0.0.0.0/0; the ALB listener on plain HTTP
    'ecs-refarch-cloudformation/infrastructure/security-groups.yaml|posture.aws.ec2.sg_all_traffic_open_to_world',
    'ecs-refarch-cloudformation/infrastructure/load-balancers.yaml|posture.aws.elbv2.http_listener_without_redirect',
    // Dockerfiles: no USER in the final stage; sudo in RUN
    'kubernetes-examples/guestbook/php-redis/Dockerfile|posture.docker.final_stage_runs_as_root',
    'ecs-refarch-cloudformation/services/fluentd-log-aggregator/src/Dockerfile|posture.docker.package_upgrade_or_sudo',
    // ARM: a Key Vault open to all networks without purge protection; a storage account with default network rules
    'azure-quickstart-templates/quickstarts/microsoft.keyvault/key-vault-create/azuredeploy.json|posture.azure.keyvault.purge_protection_disabled',
    'azure-quickstart-templates/quickstarts/microsoft.storage/storage-account-create/azuredeploy.json|posture.azure.storage.network_default_allow',
  ]) {
    assert.ok(got.has(want), `missing ${want}`);
  }
  // The ECS service runs as USER nobody in its image, but the task definition sets no user: judged on the template as written.
  assert.ok(got.has('ecs-refarch-cloudformation/services/product-service/service.yaml|posture.aws.ecs.container_runs_as_root'));
  // The product-service Dockerfile switches to USER nobody: not reported as root.
  assert.ok(!got.has('ecs-refarch-cloudformation/services/product-service/src/Dockerfile|posture.docker.final_stage_runs_as_root'));
});

test('real-world files that repeat a YAML mapping key exit 2 naming file and line, never a silent pass', () => {
  const { files } = readScanInputs([INVALID]);
  assert.equal(files.length, 2);
  const report = scanFiles(files, { failOn: 'critical', rules: postureRuleSet() });
  assert.equal(report.exit_code, 2);
  assert.deepEqual(
    report.errors.map((e) => `${relative(INVALID, e.file)}: ${e.message}`).sort(),
    [
      'kubernetes-examples/_archived/openshift-origin/etcd-controller.yaml: line 12: not valid YAML: Map keys must be unique',
      'kubernetes-examples/_archived/volumes/scaleio/sc-pvc.yaml: line 12: not valid YAML: Map keys must be unique',
    ],
  );
});
