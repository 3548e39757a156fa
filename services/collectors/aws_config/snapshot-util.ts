/**
 * Small helpers of the resource-snapshot reader (snapshot.ts, snapshot-types.ts). Pure.
 */
import { isObj, type Obj } from './config-state.ts';

/**
 * Keys whose values are maps of user-chosen names (tags, environment variables) or IAM policy
 * documents: their keys are kept as written when the rest is re-spelled.
 */
const KEEP_KEYS_BELOW = new Set(['Tags', 'Variables', 'AssumeRolePolicyDocument', 'PolicyDocument', 'Policy', 'KeyPolicy', 'InlinePolicies', 'SSLPolicies']);

/**
 * The describe-API spelling (PascalCase, `IpPermissions`, `MultiAZ`) re-spelled the way AWS Config
 * records most EC2, RDS, Redshift, CloudTrail, ACM and IAM items: the Java SDK's bean names, i.e.
 * the first letter lower-cased (`ipPermissions`, `multiAZ`, `iAMDatabaseAuthenticationEnabled`).
 * Recursive; the values of the keys above are kept as they are.
 */
export function lowerFirstKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerFirstKeys);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    const key = k.length > 0 ? k[0]!.toLowerCase() + k.slice(1) : k;
    Object.defineProperty(out, key, { value: KEEP_KEYS_BELOW.has(k) ? val : lowerFirstKeys(val), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The object without the named keys. */
export function omit(o: Obj, keys: readonly string[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** The first of the keys that holds a non-empty string. */
export function str(o: Obj, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

export function obj(v: unknown): Obj | null {
  return isObj(v) ? v : null;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * A time of the scanner's snapshot, as ISO text, or null. Go's zero time (`0001-01-01T00:00:00Z`),
 * which the scanner writes for "never", and the credential report's `N/A` / `no_information` /
 * `not_supported` are null.
 */
export function timeOrNull(v: unknown): string | null {
  if (typeof v !== 'string' || v === '' || v.startsWith('0001-01-01')) return null;
  if (v === 'N/A' || v === 'no_information' || v === 'not_supported') return null;
  return Number.isFinite(Date.parse(v)) ? v : null;
}

/** An IAM policy document (an object, or JSON text, possibly URL-encoded) as JSON text, or null. */
export function policyText(v: unknown): string | null {
  if (isObj(v)) return JSON.stringify(v);
  if (typeof v !== 'string' || v.trim() === '') return null;
  return v;
}
