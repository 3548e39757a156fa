/**
 * AWS Config configuration item -> ConfigState (OCSF 5023). Pure: no I/O, no clock, no randomness.
 * The mapping is described field by field in README.md next to this file.
 */
import { OCSF_VERSION, RAW_CAP_BYTES } from '../../core/events.ts';
import type { ConfigChangeType, ConfigRelationship, ConfigState } from '../../core/model/config-state.ts';
import {
  ACTIVITY_COLLECT,
  ACTIVITY_LOG,
  CONFIG_STATE_CLASS_UID,
  DEFAULT_MAX_CONFIGURATION_BYTES,
  DISCOVERY_CATEGORY_UID,
  canonicalConfiguration,
  cappedRaw,
  cappedUnmapped,
  clip,
  isObj,
  isoTime,
  malformed,
  setOwn,
  tagsFrom,
  typeName,
  type Obj,
} from './config-state.ts';
import { rootContext, type ItemContext } from './forms.ts';
import { parseConfigTime, reviveDatetimes, type ParsedTime } from './time.ts';

export const SOURCE_TYPE = 'aws_config';

export interface NormalizeOptions {
  /** raw_data is kept when its JSON is at most this many UTF-8 bytes. Default RAW_CAP_BYTES. */
  rawCapBytes?: number;
  /** unmapped becomes {"_truncated":true} over this many bytes. Default RAW_CAP_BYTES. */
  unmappedCapBytes?: number;
  /** configuration text over this many bytes is left out (null); the hash still covers it. Default 512 KiB. */
  maxConfigurationBytes?: number;
}

/** Configuration item fields mapped to typed fields; the others go to `unmapped`. */
const MAPPED_FIELDS = new Set([
  'resourceType', 'resourceId', 'resourceName', 'ARN', 'arn', 'accountId', 'awsAccountId', 'awsRegion',
  'configurationItemCaptureTime', 'configurationItemStatus', 'tags', 'relationships', 'configuration',
  'supplementaryConfiguration',
]);

/** configurationItemStatus values of a deleted resource. */
export const DELETED_STATUSES: ReadonlySet<string> = new Set(['ResourceDeleted', 'ResourceDeletedNotRecorded']);

/** Status given to an oversized change notification, whose configuration is not included. */
export const OVERSIZED_STATUS = 'Oversized';

const DIFF_CHANGE_TYPES: Readonly<Record<string, ConfigChangeType>> = { CREATE: 'create', UPDATE: 'update', DELETE: 'delete' };

/**
 * change_type of an item: a deletion (status ResourceDeleted/ResourceDeletedNotRecorded or diff
 * DELETE) is always `delete`; otherwise an item of a configuration snapshot is `snapshot`; otherwise
 * the notification's configurationItemDiff.changeType (CREATE/UPDATE); otherwise from the status:
 * ResourceDiscovered -> create, anything else (OK, ResourceNotRecorded, ...) -> update.
 */
export function changeTypeFor(status: string | null, diffChangeType: string | null, snapshot: boolean): ConfigChangeType {
  const fromDiff = diffChangeType === null ? undefined : DIFF_CHANGE_TYPES[diffChangeType.toUpperCase()];
  if ((status !== null && DELETED_STATUSES.has(status)) || fromDiff === 'delete') return 'delete';
  if (snapshot) return 'snapshot';
  if (fromDiff !== undefined) return fromDiff;
  return status === 'ResourceDiscovered' ? 'create' : 'update';
}

/** Optional string field: absent, null or "" -> null; any other non-string is malformed. */
function optString(obj: Obj, key: string, path = key): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') malformed(`${path} must be a string, got ${typeName(v)}`);
  return v === '' ? null : v;
}

const ARN_ACCOUNT_RE = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/;

/**
 * A configuration (or supplementary value) given as JSON text is parsed: boto3 and the history API
 * return `configuration` as a string. "null" (a deleted resource) gives null.
 */
function parseConfiguration(value: unknown, path: string): Obj | null {
  if (value === undefined || value === null) return null;
  let v: unknown = value;
  if (typeof v === 'string') {
    if (v.trim() === '') return null;
    try {
      v = JSON.parse(v) as unknown;
    } catch (err) {
      malformed(`${path} is a string but not JSON text: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (v === null) return null;
  }
  if (!isObj(v)) malformed(`${path} must be an object (or its JSON text), got ${typeName(v)}`);
  return v;
}

/**
 * A value that is JSON text of an object or array, possibly encoded more than once (the history API
 * returns S3 AccessControlList as a JSON string of a JSON string), decoded; anything else as it is
 * ("null" stays the text "null").
 */
export function decodeJsonText(value: unknown, levels = 3): unknown {
  let v = value;
  for (let i = 0; i < levels && typeof v === 'string'; i++) {
    const head = v.trimStart()[0];
    if (head !== '{' && head !== '[' && head !== '"') break;
    let next: unknown;
    try {
      next = JSON.parse(v) as unknown;
    } catch {
      break;
    }
    if (typeof next === 'string' || typeof next === 'object') v = next;
    else break;
  }
  // Only a decoded object or array replaces the text; a string that decodes to a string stays as it is.
  return typeof v === 'object' && v !== null ? v : value;
}

/**
 * supplementaryConfiguration with values that are JSON text of an object or array parsed (the
 * history API returns every value as text, notifications return most as objects), so both forms
 * give the same canonical configuration.
 */
function parseSupplementary(value: unknown): Obj | null {
  if (value === undefined || value === null) return null;
  let v: unknown = value;
  if (typeof v === 'string') v = parseConfiguration(v, 'supplementaryConfiguration');
  if (v === null) return null;
  if (!isObj(v)) malformed(`supplementaryConfiguration must be an object, got ${typeName(v)}`);
  const out: Obj = {};
  for (const [k, sv] of Object.entries(v)) setOwn(out, k, decodeJsonText(sv));
  return Object.keys(out).length ? out : null;
}

function relationshipsFrom(value: unknown): ConfigRelationship[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) malformed(`relationships must be an array, got ${typeName(value)}`);
  return value.map((rel: unknown, i: number) => {
    if (!isObj(rel)) malformed(`relationships[${i}] must be an object, got ${typeName(rel)}`);
    return {
      uid: optString(rel, 'resourceId', `relationships[${i}].resourceId`),
      type: optString(rel, 'resourceType', `relationships[${i}].resourceType`),
      name: optString(rel, 'resourceName', `relationships[${i}].resourceName`),
      // Notifications call it `name`, the API `relationshipName`. AWS pads some with a trailing space.
      relation: (optString(rel, 'relationshipName', `relationships[${i}].relationshipName`) ?? optString(rel, 'name', `relationships[${i}].name`))?.trim() || null,
    };
  });
}

function timeOf(value: unknown, path: string, problems: string[]): ParsedTime | null {
  const t = parseConfigTime(value);
  if (t === null) {
    problems.push(
      typeof value === 'string'
        ? `${path} "${clip(value)}" is not a date-time`
        : `${path} must be a date-time (ISO-8601 text, epoch seconds or milliseconds, or a placebo datetime object), got ${typeof value === 'number' ? `the number ${value}` : typeName(value)}`,
    );
  }
  return t;
}

/**
 * Normalizes one configuration item (in any of the forms of README.md, already unwrapped by
 * forms.ts) to a ConfigState.
 * @param raw the native record kept in raw_data (the item, or the notification/event around it).
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field(s) when it is not a valid item.
 */
export function normalizeConfigItem(item: unknown, ctx: ItemContext = rootContext(), raw: unknown = item, opts: NormalizeOptions = {}): ConfigState {
  const rawCap = opts.rawCapBytes ?? RAW_CAP_BYTES;
  const unmappedCap = opts.unmappedCapBytes ?? RAW_CAP_BYTES;
  const maxConfig = opts.maxConfigurationBytes ?? DEFAULT_MAX_CONFIGURATION_BYTES;
  if (!isObj(item)) malformed(`configuration item must be a JSON object, got ${typeName(item)}`);
  const ci = item;

  // Required: resourceType, resourceId or ARN, a capture time. Every problem is listed.
  const problems: string[] = [];
  let resourceType: string | undefined;
  const rt = ci.resourceType;
  if (rt === undefined || rt === null) problems.push('resourceType is missing');
  else if (typeof rt !== 'string') problems.push(`resourceType must be a string, got ${typeName(rt)}`);
  else if (rt.trim() === '') problems.push('resourceType is empty');
  else resourceType = rt;

  const rid = ci.resourceId;
  if (rid !== undefined && rid !== null && typeof rid !== 'string') problems.push(`resourceId must be a string, got ${typeName(rid)}`);
  const arnKey = Object.hasOwn(ci, 'ARN') && ci.ARN !== null && ci.ARN !== '' ? 'ARN' : 'arn';
  const arnValue = ci[arnKey];
  if (arnValue !== undefined && arnValue !== null && typeof arnValue !== 'string') problems.push(`${arnKey} must be a string, got ${typeName(arnValue)}`);
  const resourceId = typeof rid === 'string' && rid !== '' ? rid : null;
  const arn = typeof arnValue === 'string' && arnValue !== '' ? arnValue : null;
  if (resourceId === null && arn === null && (rid === undefined || rid === null || rid === '')) problems.push('resourceId is missing (and there is no ARN)');

  let time: ParsedTime | null = null;
  const capture = ci.configurationItemCaptureTime;
  if (capture !== undefined && capture !== null) time = timeOf(capture, 'configurationItemCaptureTime', problems);
  else if (ctx.notificationTime !== undefined && ctx.notificationTime !== null) time = timeOf(ctx.notificationTime, 'notificationCreationTime', problems);
  else problems.push('configurationItemCaptureTime is missing');

  if (problems.length > 0) malformed(`not a configuration item: ${problems.join('; ')}`);
  if (resourceType === undefined || time === null) malformed('not a configuration item');

  // Optional fields (wrong types are malformed).
  const resourceName = optString(ci, 'resourceName');
  const region = optString(ci, 'awsRegion');
  const accountKey = Object.hasOwn(ci, 'accountId') ? 'accountId' : 'awsAccountId';
  const itemAccount = optString(ci, accountKey);
  const account = itemAccount ?? ctx.envelopeAccount ?? (arn ? (ARN_ACCOUNT_RE.exec(arn)?.[1] ?? null) : null);
  const nativeStatus = optString(ci, 'configurationItemStatus');
  const stateId = ci.configurationStateId;
  if (stateId !== undefined && stateId !== null && typeof stateId !== 'string' && typeof stateId !== 'number') {
    malformed(`configurationStateId must be a string or number, got ${typeName(stateId)}`);
  }
  let diffChangeType: string | null = null;
  if (isObj(ctx.diff)) {
    const ct = ctx.diff.changeType;
    if (ct !== undefined && ct !== null && typeof ct !== 'string') malformed(`configurationItemDiff.changeType must be a string, got ${typeName(ct)}`);
    diffChangeType = typeof ct === 'string' ? ct : null;
  }

  const tags = tagsFrom(ci.tags, 'tags');
  const relationships = relationshipsFrom(ci.relationships);

  // Configuration: the configuration object, supplementaryConfiguration merged under `supplementary`.
  const configuration = ctx.oversized ? null : parseConfiguration(reviveDatetimes(ci.configuration), 'configuration');
  const supplementary = ctx.oversized ? null : parseSupplementary(reviveDatetimes(ci.supplementaryConfiguration));
  const status = ctx.oversized ? OVERSIZED_STATUS : nativeStatus;
  const changeType = changeTypeFor(nativeStatus, diffChangeType, ctx.snapshot);

  let canonical: ReturnType<typeof canonicalConfiguration> | null = null;
  if (configuration !== null && changeType !== 'delete') {
    const merged: Obj = { ...configuration };
    if (supplementary !== null) setOwn(merged, Object.hasOwn(merged, 'supplementary') ? 'supplementaryConfiguration' : 'supplementary', supplementary);
    canonical = canonicalConfiguration(merged, maxConfig);
  }

  const uid = arn ?? `${account ?? 'unknown'}/${resourceType}/${resourceId ?? ''}`;
  const version = stateId === undefined || stateId === null || stateId === '' ? isoTime(time.ms) : String(stateId);

  // Unmapped: the item's other fields, envelope fields, and notes.
  const unmapped: Obj = {};
  const revived = reviveDatetimes(ci) as Obj;
  for (const [k, v] of Object.entries(revived)) if (!MAPPED_FIELDS.has(k)) setOwn(unmapped, k, v);
  if (ctx.oversized && nativeStatus !== null) unmapped.configurationItemStatus = nativeStatus;
  for (const [k, v] of Object.entries(ctx.envelope)) setOwn(unmapped, k, v);
  if (ctx.repaired !== null) unmapped._repaired = ctx.repaired;
  if (canonical !== null && canonical.text === null) unmapped._configuration_omitted_bytes = canonical.bytes;
  if (configuration !== null && changeType === 'delete') unmapped.configuration = configuration;

  const activityId = changeType === 'snapshot' ? ACTIVITY_COLLECT : ACTIVITY_LOG;
  return {
    class_uid: CONFIG_STATE_CLASS_UID,
    category_uid: DISCOVERY_CATEGORY_UID,
    activity_id: activityId,
    type_uid: CONFIG_STATE_CLASS_UID * 100 + activityId,
    time: time.ms,
    metadata: {
      uid: `${uid}@${version}`,
      version: OCSF_VERSION,
      product_name: 'Config',
      vendor_name: 'AWS',
      log_name: ctx.form,
      original_time: time.original,
      source: SOURCE_TYPE,
    },
    resource: { uid, type: resourceType, name: resourceName, account_uid: account, region, tags },
    change_type: changeType,
    source: 'aws_config',
    configuration: canonical?.text ?? null,
    configuration_hash: canonical?.hash ?? null,
    status,
    relationships,
    location: null,
    unmapped: cappedUnmapped(unmapped, unmappedCap),
    raw_data: cappedRaw(raw, rawCap),
  };
}
