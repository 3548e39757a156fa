/**
 * One IaC resource found in a file, and its ConfigState event. Shared by the CloudFormation,
 * Terraform and Kubernetes readers. Pure: no I/O, no clock.
 */
import { OCSF_VERSION, RAW_CAP_BYTES } from '../../core/events.ts';
import type { ConfigFileFormat, ConfigRelationship, ConfigState, ConfigTag } from '../../core/model/config-state.ts';
import {
  ACTIVITY_COLLECT,
  CONFIG_STATE_CLASS_UID,
  DEFAULT_MAX_CONFIGURATION_BYTES,
  DISCOVERY_CATEGORY_UID,
  canonicalConfiguration,
  cappedRaw,
  cappedUnmapped,
  isObj,
  setOwn,
  tagValue,
  type Obj,
} from '../aws_config/config-state.ts';

export const SOURCE_TYPE = 'config_files';

/** What a format reader found: one resource, before it becomes an event. */
export interface IacResource {
  /** The id inside the file: CloudFormation logical id, Terraform address, `<kind>/<namespace>/<name>`. */
  id: string;
  type: string;
  name: string | null;
  configuration: unknown;
  tags: ConfigTag[];
  relationships: ConfigRelationship[];
  /** 1-based line of the resource's start, when known. */
  line: number | null;
  unmapped: Obj;
  /** The resource as written (long form), for raw_data. */
  raw: unknown;
}

/** A resource the reader could not accept, with the line it starts on. */
export interface IacProblem {
  reason: string;
  line: number | null;
  raw: unknown;
}

export type IacItem = { kind: 'resource'; resource: IacResource } | { kind: 'problem'; problem: IacProblem };

export interface FormatInfo {
  format: ConfigFileFormat;
  product: string;
  vendor: string;
}

export const FORMATS: Readonly<Record<ConfigFileFormat, FormatInfo>> = Object.freeze({
  cloudformation: { format: 'cloudformation', product: 'CloudFormation', vendor: 'AWS' },
  terraform_plan: { format: 'terraform_plan', product: 'Terraform', vendor: 'HashiCorp' },
  kubernetes: { format: 'kubernetes', product: 'Kubernetes', vendor: 'Kubernetes' },
  terraform_hcl: { format: 'terraform_hcl', product: 'Terraform', vendor: 'HashiCorp' },
  arm: { format: 'arm', product: 'Azure Resource Manager', vendor: 'Microsoft' },
  ecs_task_definition: { format: 'ecs_task_definition', product: 'Amazon ECS', vendor: 'AWS' },
  dockerfile: { format: 'dockerfile', product: 'Dockerfile', vendor: 'Docker' },
});

export interface BuildOptions {
  rawCapBytes?: number;
  unmappedCapBytes?: number;
  maxConfigurationBytes?: number;
}

/** `iac:<file>#<id>`: the resource uid (and the topic key) of an IaC resource. */
export function iacUid(file: string, id: string): string {
  return `iac:${file}#${id}`;
}

/**
 * Tags of an IaC resource, forgiving: a CloudFormation `Tags` list may hold intrinsic functions
 * (`!If [...]`), and a whole `Tags` value may be one. Entries that are not `{Key, Value}` objects
 * (or `{key, value}`) are skipped; a map (`{k: v}`, SAM, Terraform, Kubernetes labels) is read
 * entry by entry unless it is an intrinsic function (`{"Ref": ...}`, `{"Fn::...": ...}`). Sorted by key.
 */
export function iacTags(value: unknown): ConfigTag[] {
  const tags: ConfigTag[] = [];
  if (Array.isArray(value)) {
    for (const t of value) {
      if (!isObj(t)) continue;
      const key = t.Key ?? t.key;
      if (typeof key !== 'string') continue;
      tags.push({ key, value: tagValue(Object.hasOwn(t, 'Value') ? t.Value : t.value) });
    }
  } else if (isObj(value) && !isIntrinsic(value)) {
    for (const [key, v] of Object.entries(value)) tags.push({ key, value: tagValue(v) });
  }
  return tags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A CloudFormation intrinsic function in long form: one key, `Ref`, `Condition` or `Fn::…`. */
export function isIntrinsic(value: unknown): boolean {
  if (!isObj(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0]!.startsWith('Fn::'));
}

/** Builds the ConfigState of one IaC resource. */
export function buildIacEvent(file: string, info: FormatInfo, r: IacResource, time: number, originalTime: string, opts: BuildOptions = {}): ConfigState {
  const canonical = canonicalConfiguration(r.configuration, opts.maxConfigurationBytes ?? DEFAULT_MAX_CONFIGURATION_BYTES);
  const uid = iacUid(file, r.id);
  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(r.unmapped)) setOwn(unmapped, k, v);
  if (canonical.text === null) unmapped._configuration_omitted_bytes = canonical.bytes;
  return {
    class_uid: CONFIG_STATE_CLASS_UID,
    category_uid: DISCOVERY_CATEGORY_UID,
    activity_id: ACTIVITY_COLLECT,
    type_uid: CONFIG_STATE_CLASS_UID * 100 + ACTIVITY_COLLECT,
    time,
    metadata: {
      uid: `${uid}@${canonical.hash.slice(0, 16)}`,
      version: OCSF_VERSION,
      product_name: info.product,
      vendor_name: info.vendor,
      log_name: info.format,
      original_time: originalTime,
      source: SOURCE_TYPE,
    },
    resource: { uid, type: r.type, name: r.name, account_uid: null, region: null, tags: r.tags },
    change_type: 'snapshot',
    source: 'iac',
    configuration: canonical.text,
    configuration_hash: canonical.hash,
    status: null,
    relationships: r.relationships,
    location: { file, line: r.line, format: info.format },
    unmapped: cappedUnmapped(unmapped, opts.unmappedCapBytes ?? RAW_CAP_BYTES),
    raw_data: cappedRaw(r.raw, opts.rawCapBytes ?? RAW_CAP_BYTES),
  };
}
