/**
 * Building blocks of a ConfigState event shared by the collectors of the `config` stream
 * (aws_config here, config_files next door): OCSF class constants, the canonical configuration
 * text and its hash, tags, and size caps. Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';
import { RAW_CAP_BYTES } from '../../core/events.ts';
import type { ConfigTag } from '../../core/model/config-state.ts';
import { canonicalJson } from '../aws_cloudtrail/index.ts';
import { isObj, malformed, typeName, type Obj } from '../fields.ts';

export { canonicalJson } from '../aws_cloudtrail/index.ts';
export { clip, isObj, malformed, typeName, type Obj } from '../fields.ts';

/** OCSF 1.8.0 Cloud Resources Inventory Info. */
export const CONFIG_STATE_CLASS_UID = 5023;
/** OCSF Discovery. */
export const DISCOVERY_CATEGORY_UID = 5;
/** The source logged this configuration (a configuration item, notification, history entry). */
export const ACTIVITY_LOG = 1;
/** The configuration was collected from a snapshot or a file. */
export const ACTIVITY_COLLECT = 2;

export const TRUNCATED_UNMAPPED = '{"_truncated":true}';

/** Default cap on the canonical configuration text kept in `configuration` (the hash always covers all of it). */
export const DEFAULT_MAX_CONFIGURATION_BYTES = 512 * 1024;

/** Sets an own enumerable property, also for the key `__proto__` (which plain assignment would treat as the prototype). */
export function setOwn(target: Obj, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface CanonicalConfiguration {
  /** Canonical JSON text, or null when it is over the cap. */
  text: string | null;
  /** sha256 hex of the full canonical text. */
  hash: string;
  /** UTF-8 size of the full canonical text. */
  bytes: number;
}

/**
 * The canonical configuration text (object keys sorted at every depth, no whitespace) and its
 * sha256. Two configurations that differ only in key order give the same text and hash. Over
 * `maxBytes` the text is dropped (null) but the hash still covers all of it, so drift is still seen.
 */
export function canonicalConfiguration(value: unknown, maxBytes = DEFAULT_MAX_CONFIGURATION_BYTES): CanonicalConfiguration {
  const text = canonicalJson(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  return { text: bytes <= maxBytes ? text : null, hash: sha256Hex(text), bytes };
}

/** A tag value as text: strings as they are, null as null, anything else (an intrinsic function, a number) as canonical JSON. */
export function tagValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  return canonicalJson(v);
}

/**
 * Tags in either native form, sorted by key: a map `{"k": "v"}` (AWS Config, Kubernetes labels,
 * Terraform, SAM) or a list of `{key, value}` / `{Key, Value}` (EC2 `tags`, CloudFormation `Tags`).
 * Absent or null gives []. Anything else is malformed (the reason names `path`).
 * List entries that are not objects with a string key are malformed too.
 */
export function tagsFrom(value: unknown, path: string): ConfigTag[] {
  if (value === undefined || value === null) return [];
  const tags: ConfigTag[] = [];
  if (Array.isArray(value)) {
    value.forEach((t: unknown, i: number) => {
      if (!isObj(t)) malformed(`${path}[${i}] must be an object, got ${typeName(t)}`);
      const key = t.key ?? t.Key;
      if (typeof key !== 'string') malformed(`${path}[${i}].key must be a string, got ${typeName(key)}`);
      tags.push({ key, value: tagValue(Object.hasOwn(t, 'value') ? t.value : t.Value) });
    });
  } else if (isObj(value)) {
    for (const [key, v] of Object.entries(value)) tags.push({ key, value: tagValue(v) });
  } else {
    malformed(`${path} must be an object or an array, got ${typeName(value)}`);
  }
  return tags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** JSON text of `value` when at most `capBytes` UTF-8 bytes, else null. */
export function cappedRaw(value: unknown, capBytes = RAW_CAP_BYTES): string | null {
  const text = JSON.stringify(value) ?? 'null';
  return Buffer.byteLength(text, 'utf8') <= capBytes ? text : null;
}

/** JSON text of the unmapped fields, or {"_truncated":true} when over `capBytes`. */
export function cappedUnmapped(unmapped: Obj, capBytes = RAW_CAP_BYTES): string {
  const text = JSON.stringify(unmapped);
  return Buffer.byteLength(text, 'utf8') <= capBytes ? text : TRUNCATED_UNMAPPED;
}

/** ISO-8601 text of an epoch-ms time (UTC, milliseconds). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
