/**
 * config_files collector ("shift left"): infrastructure-as-code files -> ConfigState (OCSF 5023)
 * on the 'config' stream, one event per resource, source `iac`, change_type `snapshot`, keyed by
 * `iac:<file>#<id>`: CloudFormation templates (YAML with short-form tags, or JSON), Terraform
 * source (`.tf`, `.tf.json`, variables/tfvars/locals resolved statically) and Terraform JSON
 * (`terraform show -json` of a plan or state, modules recursed), Azure Resource Manager templates
 * and Azure Bicep (`.bicep`, read as the ARM template it compiles to),
 * ECS task definitions (register-task-definition JSON), Dockerfiles (one resource per build
 * stage, known by name), Kubernetes manifests (multi-doc YAML or
 * JSON, List kinds expanded; kustomizations are not resources). `parseConfigFile` is the pure entry point used by `sluice scan`.
 * See README.md for the mapping and bad-input handling.
 */
import type { Clock } from '../../core/clock.ts';
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { isObj } from '../aws_config/config-state.ts';
import { isCloudFormation } from './cloudformation.ts';
import { createConfigFilesCollector } from './collector.ts';
import { ConfigFilesConfigSchema, parseConfigFilesConfig, type ConfigFilesConfigInput } from './config.ts';
import { isKubernetesObject } from './kubernetes.ts';
import { SOURCE_TYPE } from './resource.ts';
import { isTerraformJson } from './terraform.ts';
import { isArmTemplate } from './arm.ts';
import { isEcsTaskDefinitionJson } from './ecs.ts';

export { ConfigFilesConfigSchema, parseConfigFilesConfig } from './config.ts';
export type { ConfigFilesConfig, ConfigFilesConfigInput } from './config.ts';
export { createConfigFilesCollector } from './collector.ts';
export { parseConfigFile, POSITION_MAX_BYTES, MAX_YAML_ALIASES, DEFAULT_MAX_FILE_BYTES } from './parse.ts';
export type { ParseOptions } from './parse.ts';
export { CFN_TAGS, CFN_FUNCTIONS } from './cfn-yaml.ts';
export { isCloudFormation, readCloudFormation } from './cloudformation.ts';
export { isTerraformJson, readTerraform, redactSensitive, SENSITIVE } from './terraform.ts';
export type { TerraformRead } from './terraform.ts';
export { isKubernetesObject, readKubernetes, CLUSTER_SCOPED_KINDS, REDACTED } from './kubernetes.ts';
export { buildIacEvent, iacUid, iacTags, isIntrinsic, FORMATS, SOURCE_TYPE } from './resource.ts';
export type { IacResource, IacProblem, IacItem, FormatInfo, BuildOptions } from './resource.ts';
export { documentPositions, NO_POSITIONS } from './positions.ts';
export { parseHcl, parseHclExpression, parseHclTemplate, HclError } from './hcl.ts';
export type { Body as HclBody, Expr as HclExpr } from './hcl.ts';
export { evaluate as evaluateHcl, UNKNOWN, UNKNOWN_TEXT } from './hcl-eval.ts';
export { readTerraformSource, terraformModuleContext, isTerraformJsonSyntax } from './terraform-hcl.ts';
export type { TerraformModuleContext, TerraformSourceFile } from './terraform-hcl.ts';
export { isArmTemplate, isArmParameters, readArm } from './arm.ts';
export { isEcsTaskDefinitionJson, readEcsTaskDefinition } from './ecs.ts';
export { isKustomization, isKustomizationFileName, kustomizationReferences, KUSTOMIZATION_FILE_NAMES } from './kustomize.ts';
export { DOCKERFILE_STAGE_TYPE, DockerfileError, isDockerfileName, readDockerfile } from './dockerfile.ts';
export { BICEP_FORMAT, BicepError, BicepParametersError, bicepSourcesOf, isBicepName, isBicepParamName, readBicep } from './bicep.ts';
export type { BicepReadOptions } from './bicep.ts';
export type { KustomizationRefs } from './kustomize.ts';
export type { Positions, NodePath } from './positions.ts';

/**
 * Validates the config (throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem) and
 * returns the collector. The clock stamps event times (tests pass a ManualClock).
 */
export function configFilesCollector(config: ConfigFilesConfigInput = {}, clock?: Clock): Collector {
  return createConfigFilesCollector(parseConfigFilesConfig(config), clock);
}

/**
 * True for an IaC document parsed from JSON: a CloudFormation template, Terraform JSON, or a
 * Kubernetes object with metadata (not an audit event, not a core/v1 or events.k8s.io Event).
 */
export function sniffConfigFile(record: unknown): boolean {
  if (!isObj(record)) return false;
  const value: unknown = record;
  if (isCloudFormation(value) || isTerraformJson(value) || isArmTemplate(value) || isEcsTaskDefinitionJson(value)) return true;
  if (!isKubernetesObject(value)) return false;
  if (record.kind === 'Event' || record.kind === 'EventList') return false;
  return isObj(record.metadata) || Array.isArray(record.items);
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const configFilesSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description:
    'Infrastructure-as-code files (CloudFormation YAML/JSON, Terraform .tf/.tf.json source and plan/state JSON, ARM templates, Bicep, ECS task definitions, Dockerfiles, Kubernetes manifests) to ConfigState (OCSF 5023), one event per resource.',
  streams: ['config'],
  configSchema: ConfigFilesConfigSchema,
  create: (config?: Record<string, unknown>) => configFilesCollector(config as ConfigFilesConfigInput),
  sniff: sniffConfigFile,
} as const);
