/**
 * Typed readers for untrusted JSON records, shared by the collectors (hubble_flows, vpc_flow_logs,
 * sbom and osv use them as they are; k8s_audit/fields.ts and aws_config/config-state.ts build on them).
 * Each reader returns the value or null when absent, and throws SluiceError
 * SLUICE_ERR_INPUT_MALFORMED naming the field (by its path) when the JSON type is wrong.
 */
import type { Collector, RejectedRecord } from '../core/components.ts';
import { SluiceError, type ErrorCode } from '../core/errors.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "a string", "an object", "null", "an array"... for reasons. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' || typeof v === 'undefined' ? `an ${typeof v}` : `a ${typeof v}`;
}

export function malformed(reason: string): never {
  throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', reason);
}

/** Cuts a value quoted in a reason, so a huge field cannot make a huge reason. */
export function clip(s: string, max = 64): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Optional string: absent, null or "" -> null; another type is malformed. */
export function optString(obj: Obj, key: string, path: string = key): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') malformed(`${path} must be a string, got ${typeName(v)}`);
  return v === '' ? null : v;
}

/** Optional object: absent or null -> null; another type is malformed. */
export function optObject(obj: Obj, key: string, path: string = key): Obj | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (!isObj(v)) malformed(`${path} must be an object, got ${typeName(v)}`);
  return v;
}

/** Optional array: absent or null -> []; another type is malformed. */
export function optArray(obj: Obj, key: string, path: string = key): unknown[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) malformed(`${path} must be an array, got ${typeName(v)}`);
  return v;
}

/** Optional array of strings: absent or null -> []; a non-array or a non-string element is malformed. */
export function optStringArray(obj: Obj, key: string, path: string = key): string[] {
  return optArray(obj, key, path).map((v, i) => {
    if (typeof v !== 'string') malformed(`${path}[${i}] must be a string, got ${typeName(v)}`);
    return v;
  });
}

/** Optional array of objects: a non-object element is malformed. */
export function optObjectArray(obj: Obj, key: string, path: string = key): Obj[] {
  return optArray(obj, key, path).map((v, i) => {
    if (!isObj(v)) malformed(`${path}[${i}] must be an object, got ${typeName(v)}`);
    return v;
  });
}

export interface IntRange {
  min?: number;
  max?: number;
  /** Also accept a decimal string ("443"), as text formats and proto3 JSON uint64 write them. */
  strings?: boolean;
}

/** Optional integer within [min, max] (default: safe integers); absent or null -> null. */
export function optInt(obj: Obj, key: string, path: string = key, range: IntRange = {}): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && range.strings && /^-?\d{1,16}$/.test(v)) n = Number(v);
  else malformed(`${path} must be ${range.strings ? 'an integer or a decimal string' : 'an integer'}, got ${typeof v === 'string' ? `"${clip(v)}"` : typeName(v)}`);
  const min = range.min ?? Number.MIN_SAFE_INTEGER;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(n) || n < min || n > max) malformed(`${path} must be an integer in [${min}, ${max}], got ${clip(String(v))}`);
  return n;
}

/** Optional boolean: absent or null -> null; another type is malformed. */
export function optBool(obj: Obj, key: string, path: string = key): boolean | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') malformed(`${path} must be a boolean, got ${typeName(v)}`);
  return v;
}

/** Top-level fields added by Panther (p_log_type, p_parse_time, ...): not part of any native log. */
export function isPantherField(key: string): boolean {
  return key.startsWith('p_');
}

export const TRUNCATED_JSON = '{"_truncated":true}';

/** JSON text of a value, or {"_truncated":true} when over capBytes UTF-8 bytes. */
export function cappedJson(value: unknown, capBytes: number): string {
  const text = JSON.stringify(value) ?? 'null';
  return Buffer.byteLength(text, 'utf8') <= capBytes ? text : TRUNCATED_JSON;
}

/** raw_data: the text when at most capBytes UTF-8 bytes, else null. */
export function cappedRaw(text: string, capBytes: number): string | null {
  return text.length <= capBytes && Buffer.byteLength(text, 'utf8') <= capBytes ? text : null;
}

/** A RejectedRecord at stage 'collect'. */
export function rejected(source: string, position: string, reasonCode: ErrorCode, reason: string, raw: Buffer): RejectedRecord {
  return { kind: 'dead_letter', stage: 'collect', source, position, reasonCode, reason, raw };
}

/**
 * The code and reason of an exception thrown by a normalizer: a SluiceError is a verdict on the
 * record; anything else is a normalizer bug, reported as `normalizer failed unexpectedly: ...`.
 */
export function rejectionOf(err: unknown): { code: ErrorCode; reason: string } {
  if (err instanceof SluiceError) return { code: err.code, reason: err.message };
  return {
    code: 'SLUICE_ERR_INPUT_MALFORMED',
    reason: `normalizer failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
  };
}

/**
 * Longest mapped string field of a normalized event, in UTF-16 code units (64 Ki). A longer value
 * (a 150 MB user agent) is cut to this length, ends with TRUNCATION_MARK, and is counted: it would
 * otherwise be copied into the event, every finding and every sink row.
 */
export const MAX_FIELD_CHARS = 64 * 1024;

/** Appended to a string cut at MAX_FIELD_CHARS. */
export const TRUNCATION_MARK = '…[truncated]';

/** Fields with their own configurable caps (rawCapBytes, unmappedCapBytes, maxConfigurationBytes): left alone here. */
const OWN_CAP_FIELDS = new Set(['raw_data', 'unmapped', 'configuration']);

/**
 * Cuts every string field of a normalized event (nested objects and arrays included, Buffers not)
 * longer than `max` code units, in place; returns how many were cut. Never splits a surrogate pair.
 */
export function capStringFields(value: unknown, max: number = MAX_FIELD_CHARS, depth = 0): number {
  if (typeof value !== 'object' || value === null || depth > 64 || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return 0;
  let cut = 0;
  // Indexed and keyed loops, not Object.entries: this runs on every event, and the pairs it
  // allocated were a fifth of a CloudTrail record's normalization time.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) cut += capSlot(value as unknown as Record<number, unknown>, i, max, depth);
    return cut;
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (!OWN_CAP_FIELDS.has(k)) cut += capSlot(obj, k, max, depth);
  return cut;
}

/** Caps `holder[k]` in place: a string longer than `max`, or the strings nested under it; returns how many were cut. */
function capSlot<K extends string | number>(holder: Record<K, unknown>, k: K, max: number, depth: number): number {
  const v = holder[k];
  if (typeof v === 'string') {
    if (v.length <= max) return 0;
    holder[k] = capped(v, max);
    return 1;
  }
  return typeof v === 'object' && v !== null ? capStringFields(v, max, depth + 1) : 0;
}

/** `v` cut to `max` code units (never splitting a surrogate pair), with the truncation mark. */
function capped(v: string, max: number): string {
  let end = max;
  const c = v.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${v.slice(0, end)}${TRUNCATION_MARK}`;
}

/** A collector whose events have their string fields capped (capStringFields); counts what it cut. */
export interface CappedCollector extends Collector {
  /** String fields cut so far. */
  readonly truncatedFields: number;
}

/** Wraps a collector so that every event it emits has its string fields capped at `max`, counted. */
export function withFieldCaps(collector: Collector, max: number = MAX_FIELD_CHARS): CappedCollector {
  let truncated = 0;
  return {
    type: collector.type,
    get truncatedFields() {
      return truncated;
    },
    *collect(input) {
      for (const out of collector.collect(input)) {
        if (out.kind === 'event') truncated += capStringFields(out.event, max);
        yield out;
      }
    },
  };
}
