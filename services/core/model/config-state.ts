import type { EventMetadata } from '../events.ts';

/** change_type values: a change reported by the source, or a configuration read from a snapshot / IaC file. */
export type ConfigChangeType = 'create' | 'update' | 'delete' | 'snapshot';

/** source values: where a configuration comes from. */
export type ConfigSource = 'aws_config' | 'k8s' | 'iac';

/** location.format values for IaC resources. */
export type ConfigFileFormat = 'cloudformation' | 'terraform_plan' | 'kubernetes' | 'terraform_hcl' | 'arm' | 'ecs_task_definition' | 'dockerfile';

export interface ConfigTag {
  key: string;
  /** A non-string value (an IaC intrinsic function) as JSON text. */
  value: string | null;
}

export interface ConfigRelationship {
  uid: string | null;
  type: string | null;
  name: string | null;
  /** e.g. 'Is contained in Vpc', Ref, GetAtt, DependsOn, ownerReference. */
  relation: string | null;
}

export interface ConfigResource {
  /** ARN, else `<accountId>/<resourceType>/<resourceId>`; IaC `iac:<file>#<id>`; k8s `<cluster>/<namespace>/<kind>/<name>`. */
  uid: string;
  /** AWS::EC2::SecurityGroup, aws_s3_bucket, apps/v1/Deployment, ... */
  type: string;
  name: string | null;
  account_uid: string | null;
  region: string | null;
  /** Sorted by key. */
  tags: ConfigTag[];
}

export interface ConfigLocation {
  file: string;
  /** 1-based line where the resource starts, when known. */
  line: number | null;
  format: ConfigFileFormat;
}

/**
 * OCSF-aligned resource configuration state and change (OCSF 5023 Cloud Resources Inventory Info,
 * change after 5019). Avro: schemas/avro/config_state.v1.avsc (sluice.ocsf.ConfigState).
 * Stream: `config`, keyed by resource.uid. This file mirrors the Avro schema field by field.
 */
export interface ConfigState {
  /** 5023 Cloud Resources Inventory Info. */
  class_uid: number;
  /** 5 Discovery. */
  category_uid: number;
  /** 1 Log (the source logged it), 2 Collect (read from a snapshot or IaC file). */
  activity_id: number;
  /** class_uid * 100 + activity_id. */
  type_uid: number;
  /** Capture time, epoch ms. */
  time: number;
  metadata: EventMetadata;
  resource: ConfigResource;
  change_type: ConfigChangeType;
  source: ConfigSource;
  /** Canonical JSON text (keys sorted); null for deletions, oversized items, or over the size cap. */
  configuration: string | null;
  /** sha256 hex of the canonical configuration text. */
  configuration_hash: string | null;
  /** configurationItemStatus (OK, ResourceDiscovered, ResourceDeleted, ...), Oversized, or null for IaC. */
  status: string | null;
  relationships: ConfigRelationship[];
  /** IaC only. */
  location: ConfigLocation | null;
  /** JSON object text of source fields not mapped above. */
  unmapped: string;
  /** Raw record as JSON text, or null when it exceeded the cap. */
  raw_data: string | null;
}
