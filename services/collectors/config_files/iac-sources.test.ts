/**
 * Terraform source (.tf, .tf.json, tfvars, modules), ARM templates, ECS task definitions and
 * kustomize files through parseConfigFile, on the fixtures in test/fixtures/config_files/
 * (terraform-hcl/, arm/, ecs/, kustomize/; see SOURCE.md).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { RejectedRecord } from '../../core/components.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { CONFIG_STATE_AVSC, readBytes, readText } from '../../../test/fixtures/config_files/load.ts';
import { parseConfigFile } from './index.ts';
import { kustomizationReferences } from './kustomize.ts';
import { terraformModuleContext, type TerraformModuleContext } from './terraform-hcl.ts';
import { _armPrivate } from './arm.ts';
import { UNKNOWN } from './hcl-eval.ts';

type Obj = Record<string, unknown>;
const configStateType = avro.Type.forSchema(JSON.parse(readFileSync(CONFIG_STATE_AVSC, 'utf8')) as avro.Schema);

function parse(name: string, bytes: Buffer | string, module?: TerraformModuleContext): { events: ConfigState[]; rejects: RejectedRecord[] } {
  const outs = parseConfigFile(name, typeof bytes === 'string' ? Buffer.from(bytes) : bytes, { time: 0, ...(module ? { terraformModule: module } : {}) });
  const events: ConfigState[] = [];
  const rejects: RejectedRecord[] = [];
  for (const o of outs) {
    if (o.kind === 'dead_letter') rejects.push(o);
    else if (o.stream === 'config') {
      const e = o.event as ConfigState;
      assert.ok(configStateType.isValid(e), `${e.resource.uid} is a valid ConfigState`);
      events.push(e);
    }
  }
  return { events, rejects };
}

const cfg = (e: ConfigState): Obj => JSON.parse(e.configuration!) as Obj;
const byId = (events: ConfigState[]): Map<string, ConfigState> => new Map(events.map((e) => [e.resource.uid.slice(e.resource.uid.indexOf('#') + 1), e]));

const AWS_BAD = ['main.tf', 'variables.tf', 'ecs.tf', 'terraform.tfvars'].map((f) => `terraform-hcl/aws-bad/${f}`);
const awsBadModule = (): TerraformModuleContext => terraformModuleContext(AWS_BAD.map((f) => ({ name: f, text: readText(f) })));

describe('Terraform HCL source', () => {
  it('the module context: defaults, tfvars over defaults, locals built on variables and other locals', () => {
    const m = awsBadModule();
    assert.deepEqual(m.vars.admin_cidrs, ['0.0.0.0/0'], 'terraform.tfvars overrides the default');
    assert.equal(m.vars.environment, 'dev');
    assert.equal(m.vars.db_password, UNKNOWN, 'no default, no tfvars: unknown');
    assert.equal(m.locals.name_prefix, 'shop-dev');
    assert.deepEqual(m.locals.common_tags, { Environment: 'dev', Owner: 'platform' });
  });

  it('reads resources in the plan values shape: dynamic blocks, count, for_each, unknowns listed, lines', () => {
    const { events, rejects } = parse('terraform-hcl/aws-bad/main.tf', readBytes('terraform-hcl/aws-bad/main.tf'), awsBadModule());
    assert.deepEqual(rejects, []);
    const r = byId(events);
    assert.deepEqual([...r.keys()], [
      'aws_vpc.main',
      'aws_security_group.bastion',
      'aws_db_instance.orders',
      'aws_s3_bucket.data["assets"]',
      'aws_s3_bucket.data["logs"]',
      'aws_s3_bucket_public_access_block.data',
      'aws_instance.web[0]',
      'aws_instance.web[1]',
      'aws_ebs_volume.scratch',
    ], 'data sources, providers and module calls are not resources');
    const sg = r.get('aws_security_group.bastion')!;
    assert.equal(sg.location?.format, 'terraform_hcl');
    assert.equal(sg.location?.line, 34);
    assert.equal(sg.metadata.product_name, 'Terraform');
    const sgc = cfg(sg);
    assert.deepEqual(sgc.ingress, [
      { description: 'admin 22', from_port: 22, to_port: 22, protocol: 'tcp', cidr_blocks: ['0.0.0.0/0'] },
      { description: 'admin 3389', from_port: 3389, to_port: 3389, protocol: 'tcp', cidr_blocks: ['0.0.0.0/0'] },
    ]);
    assert.equal(sgc.name, 'shop-dev-bastion');
    assert.equal(sgc.vpc_id, undefined, 'a resource reference is unknown, not guessed');
    assert.deepEqual((JSON.parse(sg.unmapped as string) as Obj).unknown, ['vpc_id']);
    assert.deepEqual(sg.resource.tags, [{ key: 'Environment', value: 'dev' }, { key: 'Owner', value: 'platform' }]);
    const db = cfg(r.get('aws_db_instance.orders')!);
    assert.equal(db.publicly_accessible, true);
    assert.equal(db.password, undefined, 'a variable without a value is left out');
    assert.equal(cfg(r.get('aws_s3_bucket.data["logs"]')!).bucket, 'shop-dev-logs');
    assert.match(JSON.stringify(r.get('aws_s3_bucket_public_access_block.data')!.unmapped), /for_each is not known statically/);
    const web1 = cfg(r.get('aws_instance.web[1]')!);
    assert.deepEqual(web1.metadata_options, [{ http_endpoint: 'enabled', http_tokens: 'optional' }]);
    assert.equal((web1.tags as Obj).Name, 'shop-dev-web-1', 'count.index per instance');
  });

  it('without the module context a file still uses its own variables and locals', () => {
    const { events } = parse('modules/logs/main.tf', readBytes('terraform-hcl/aws-bad/modules/logs/main.tf'));
    const r = byId(events);
    assert.deepEqual([...r.keys()], ['aws_cloudtrail.this[0]', 'aws_kms_key.logs'], 'count = var.trail_enabled ? 1 : 0 with default true');
    assert.equal(cfg(r.get('aws_cloudtrail.this[0]')!).is_multi_region_trail, false);
    const off = parse('m.tf', 'variable "on" { default = false }\nresource "aws_kms_key" "k" {\n  count = var.on ? 1 : 0\n}\n');
    assert.equal(off.events.length, 0, 'count 0: no instance');
  });

  it('ECS container definitions: jsonencode of HCL objects and heredoc JSON text', () => {
    const { events, rejects } = parse('terraform-hcl/aws-bad/ecs.tf', readBytes('terraform-hcl/aws-bad/ecs.tf'), awsBadModule());
    assert.deepEqual(rejects, []);
    const r = byId(events);
    const worker = JSON.parse(cfg(r.get('aws_ecs_task_definition.worker')!).container_definitions as string) as Obj[];
    assert.equal(worker[0]!.privileged, true);
    assert.deepEqual(worker[0]!.environment, [
      { name: 'QUEUE_URL', value: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs' },
      { name: 'DB_PASSWORD', value: 's3cr3t-in-git' },
      { name: 'ENVIRONMENT', value: 'dev' },
    ]);
    const legacy = JSON.parse(cfg(r.get('aws_ecs_task_definition.legacy')!).container_definitions as string) as Obj[];
    assert.equal(legacy[0]!.user, 'root');
  });

  it('.tf.json (JSON syntax): templates in strings, objects as blocks, lines of resources', () => {
    const { events, rejects } = parse('terraform-hcl/json/main.tf.json', readBytes('terraform-hcl/json/main.tf.json'));
    assert.deepEqual(rejects, []);
    const r = byId(events);
    assert.deepEqual(cfg(r.get('aws_security_group.web')!).ingress, [{ from_port: 22, to_port: 22, protocol: 'tcp', cidr_blocks: ['0.0.0.0/0'] }]);
    assert.deepEqual(cfg(r.get('aws_security_group.web')!).tags, { Name: 'web' }, 'tags stay a map');
    assert.deepEqual(cfg(r.get('aws_instance.app')!).metadata_options, [{ http_tokens: 'required' }], 'a nested object is a block: a list');
    assert.equal(r.get('aws_security_group.web')!.location?.line, 7);
  });

  it('a .tf file that does not parse is one rejection naming the line; tfvars hold no resource', () => {
    const { events, rejects } = parse('terraform-hcl/broken/network.tf', readBytes('terraform-hcl/broken/network.tf'));
    assert.equal(events.length, 0);
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0]!.reasonCode, 'SLUICE_ERR_INPUT_MALFORMED');
    assert.match(rejects[0]!.reason, /^not valid Terraform \(HCL\): line 6 column 3: expected "," or "]"/);
    const bad = parse('x.tf.json', '{"resource": ');
    assert.equal(bad.rejects.length, 1);
    assert.deepEqual(parse('terraform.tfvars', readBytes('terraform-hcl/aws-bad/terraform.tfvars')), { events: [], rejects: [] });
    const badVars = parse('prod.auto.tfvars', 'admin_cidrs = ["10.0.0.0/8"\n');
    assert.equal(badVars.rejects.length, 1, 'a broken tfvars file is an error, not a silent fallback to the defaults');
    assert.match(badVars.rejects[0]!.reason, /^not valid Terraform variables \(HCL\): line 2/);
  });
});

describe('ARM templates', () => {
  it('expressions: parameters with defaults, variables, pure functions; the rest unknown', () => {
    const ctx = { params: { p: { defaultValue: 'shop' }, q: { type: 'string' } }, vars: { v: "[concat(parameters('p'), '-x')]" }, evaluating: new Set<string>() };
    const r = (s: string): unknown => _armPrivate.resolveValue(s, ctx);
    assert.equal(r("[variables('v')]"), 'shop-x');
    assert.equal(r("[format('{0}-{1}', parameters('p'), 7)]"), 'shop-7');
    assert.equal(r("[toUpper(parameters('P'))]"), 'SHOP', 'names are case-insensitive');
    assert.equal(r("[if(equals(parameters('p'), 'shop'), 'a', 'b')]"), 'a');
    assert.equal(r("[not(bool('true'))]"), false);
    assert.equal(r("[parameters('q')]"), UNKNOWN, 'no defaultValue');
    assert.equal(r('[resourceGroup().location]'), UNKNOWN);
    assert.equal(r("[concat('a', uniqueString(resourceGroup().id))]"), UNKNOWN);
    assert.equal(r('[[literal]'), '[literal]');
    assert.equal(r("[createObject('a', 1).a]"), 1);
    assert.equal(r("['it''s']"), "it's");
  });

  it('resources and child resources, names resolved, unknowns listed, parameters files ignored', () => {
    const { events, rejects } = parse('arm/insecure.json', readBytes('arm/insecure.json'));
    assert.deepEqual(rejects, []);
    const ids = events.map((e) => e.resource.uid.slice(e.resource.uid.indexOf('#') + 1));
    assert.deepEqual(ids, [
      'Microsoft.Network/networkSecurityGroups/shop-nsg',
      "Microsoft.Storage/storageAccounts/[variables('storageName')]",
      'Microsoft.KeyVault/vaults/shop-kv',
      'Microsoft.Sql/servers/shop-sql',
      'Microsoft.Sql/servers/firewallRules/shop-sql/AllowAll',
      'Microsoft.Sql/servers/auditingSettings/shop-sql/default',
      'Microsoft.Web/sites/shop-app',
      'Microsoft.ContainerService/managedClusters/shop-aks',
    ]);
    const nsg = events[0]!;
    assert.equal(nsg.location?.format, 'arm');
    assert.equal(nsg.location?.line, 17);
    assert.equal(nsg.metadata.vendor_name, 'Microsoft');
    const rule = ((cfg(nsg).properties as Obj).securityRules as Obj[])[0]!;
    assert.equal((rule.properties as Obj).sourceAddressPrefix, '*', 'parameter default resolved');
    assert.equal(cfg(events[1]!).properties && (cfg(events[1]!).properties as Obj).supportsHttpsTrafficOnly, false, 'not(parameters(...))');
    assert.ok(((JSON.parse(events[1]!.unmapped as string) as Obj).unknown as string[]).includes('location'));
    assert.equal((cfg(events[3]!).properties as Obj).administratorLoginPassword, undefined, 'securestring without default: unknown');
    assert.deepEqual(parse('arm/insecure.parameters.json', readBytes('arm/insecure.parameters.json')), { events: [], rejects: [] });
  });

  it('languageVersion 2.0 symbolic resources, a false condition, bad resources', () => {
    const t = JSON.stringify({
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      languageVersion: '2.0',
      contentVersion: '1.0.0.0',
      parameters: { deploy: { type: 'bool', defaultValue: false } },
      resources: {
        kv: { type: 'Microsoft.KeyVault/vaults', apiVersion: '2022-07-01', name: 'kv1', properties: {} },
        skipped: { condition: "[parameters('deploy')]", type: 'Microsoft.Storage/storageAccounts', name: 'st', properties: {} },
        noType: { name: 'x' },
      },
    });
    const { events, rejects } = parse('v2.json', t);
    assert.deepEqual(events.map((e) => e.resource.name), ['kv1']);
    assert.equal(rejects.length, 1);
    assert.match(rejects[0]!.reason, /resources\.noType: type is missing/);
  });
});

describe('ECS task definitions (register-task-definition JSON)', () => {
  it('one AWS::ECS::TaskDefinition per file, id = family, configuration as given', () => {
    const { events, rejects } = parse('ecs/worker-taskdef.json', readBytes('ecs/worker-taskdef.json'));
    assert.deepEqual(rejects, []);
    assert.equal(events.length, 1);
    const e = events[0]!;
    assert.equal(e.resource.type, 'AWS::ECS::TaskDefinition');
    assert.equal(e.resource.uid, 'iac:ecs/worker-taskdef.json#batch-worker');
    assert.equal(e.location?.format, 'ecs_task_definition');
    assert.equal(cfg(e).pidMode, 'host');
    const wrapped = parse('d.json', JSON.stringify({ taskDefinition: { family: 'f', containerDefinitions: [{ name: 'a', image: 'b' }] } }));
    assert.equal(wrapped.events[0]!.resource.name, 'f', 'describe-task-definition output is unwrapped');
    const bad = parse('b.json', JSON.stringify({ family: 'f', containerDefinitions: [{ name: 'a', image: 'b' }, 3] }));
    assert.match(bad.rejects[0]!.reason, /containerDefinitions\[1\] must be an object/);
  });
});

describe('kustomize', () => {
  it('a Kustomization, with or without apiVersion/kind, is no resource and no error', () => {
    assert.deepEqual(parse('kustomize/base/kustomization.yaml', readBytes('kustomize/base/kustomization.yaml')), { events: [], rejects: [] });
    assert.deepEqual(parse('kustomize/overlays/prod/kustomization.yaml', readBytes('kustomize/overlays/prod/kustomization.yaml')), { events: [], rejects: [] });
    // The same content under another name is not IaC: rejected as before.
    assert.equal(parse('other.yaml', readBytes('kustomize/overlays/prod/kustomization.yaml')).rejects.length, 1);
    // The legacy `apiVersion: v1` + `kind: Kustomization` spelling (kubernetes-sigs/kustomize examples/helloWorld) has no
    // metadata and is no Kubernetes object either.
    const legacy = 'apiVersion: v1\nkind: Kustomization\ncommonLabels:\n  app: hello\nresources:\n- deployment.yaml\n';
    assert.deepEqual(parse('examples/helloWorld/kustomization.yaml', legacy), { events: [], rejects: [] });
    assert.equal(parse('hello.yaml', legacy).rejects.length, 1);
    // Invalid YAML in a kustomization is still reported.
    assert.equal(parse('kustomization.yaml', 'resources: [a\n  b: c').rejects.length, 1);
  });

  it('references: local files and folders; remote bases apart; patches not followed', () => {
    assert.deepEqual(kustomizationReferences(readText('kustomize/overlays/prod/kustomization.yaml')), {
      local: ['../../base', '../../base/deployment.yaml', 'configmap.yaml'],
      remote: ['https://github.com/example/shared//base?ref=v1.0.0'],
    });
    assert.deepEqual(kustomizationReferences('bases: [../b]\ncomponents: [../c]\nresources: [git@github.com:x/y.git]\n'), { local: ['../b', '../c'], remote: ['git@github.com:x/y.git'] });
  });
});
