/**
 * Typed field readers shared by the k8s_audit and azure_activity normalizers. Each reader returns
 * null for an absent/null/empty value and throws SLUICE_ERR_INPUT_MALFORMED naming the field when
 * the value has the wrong JSON type, so "wrong type anywhere" ends as a rejected record, never a crash.
 * Unlike the base readers in ../fields.ts, these also accept a missing parent object (null), treat a
 * blank string as absent, and read an absent array as null.
 */
import { isIP } from 'node:net';
import {
  cappedJson,
  cappedRaw,
  clip,
  malformed,
  optArray as baseOptArray,
  optObject as baseOptObject,
  optString as baseOptString,
  TRUNCATED_JSON,
  typeName,
  type Obj,
} from '../fields.ts';

export { clip, isObj, isPantherField, malformed, typeName, type Obj } from '../fields.ts';

/** Optional string: absent, null or blank -> null; any other non-string is malformed. */
export function optString(obj: Obj | null | undefined, key: string, path: string): string | null {
  const v = obj ? baseOptString(obj, key, path) : null;
  return v === null || v.trim() === '' ? null : v;
}

/** Optional object: absent or null -> null; any other non-object is malformed. */
export function optObject(obj: Obj | null | undefined, key: string, path: string): Obj | null {
  return obj ? baseOptObject(obj, key, path) : null;
}

/** Optional array: absent or null -> null; any other non-array is malformed. */
export function optArray(obj: Obj | null | undefined, key: string, path: string): unknown[] | null {
  const v = obj?.[key];
  return v === undefined || v === null ? null : baseOptArray(obj!, key, path);
}

/** Optional integer, also accepted as a decimal string ("403"); anything else is malformed. */
export function optInteger(obj: Obj | null | undefined, key: string, path: string): number | null {
  if (!obj) return null;
  const v = obj[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v)) return Number(v);
  return malformed(`${path} must be an integer, got ${typeof v === 'string' ? `"${clip(v)}"` : typeName(v)}`);
}

/**
 * First string of a string-or-string-array value (Kubernetes user.extra values are arrays).
 * Absent/null/empty -> null; an element or value of another type is malformed.
 */
export function optFirstString(obj: Obj | null | undefined, key: string, path: string): string | null {
  if (!obj) return null;
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (!Array.isArray(v)) malformed(`${path} must be a string or an array of strings, got ${typeName(v)}`);
  const first: unknown = v[0];
  if (first === undefined || first === null) return null;
  if (typeof first !== 'string') malformed(`${path}[0] must be a string, got ${typeName(first)}`);
  return first.trim() === '' ? null : first;
}

/**
 * Splits "1.2.3.4:5678", "[2001:db8::1]:443" or a bare address/name into its host part.
 * A bare IPv6 address (several colons, no brackets) is returned as is.
 */
export function hostPart(text: string): string {
  const s = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) return bracketed[1]!;
  const v4port = /^([^:]+):\d+$/.exec(s);
  if (v4port) return v4port[1]!;
  return s;
}

/** An address goes to src_endpoint.ip when node:net accepts it, else (a name) to domain. */
export function ipOrDomain(source: string | null): { ip: string | null; domain: string | null } {
  if (source === null) return { ip: null, domain: null };
  const host = hostPart(source);
  return isIP(host) !== 0 ? { ip: host, domain: null } : { ip: null, domain: host === '' ? null : host };
}

/** JSON text of a value, or a `{"_truncated":true,"bytes":N}` stand-in when over `capBytes`. */
export function capValue(value: unknown, capBytes: number): unknown {
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes <= capBytes ? value : { _truncated: true, bytes };
}

export const TRUNCATED_UNMAPPED = TRUNCATED_JSON;

/** `unmapped` text: the JSON of the object, or {"_truncated":true} when over `capBytes`. */
export function unmappedText(unmapped: Obj, capBytes: number): string {
  return cappedJson(unmapped, capBytes);
}

/** raw_data: the record's JSON when at most `capBytes`, else null. */
export function rawText(record: unknown, capBytes: number): string | null {
  return cappedRaw(JSON.stringify(record) ?? 'null', capBytes);
}
