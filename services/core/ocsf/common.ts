import type { EventMetadata } from '../events.ts';
import { OCSF_SCHEMA_VERSION } from './schema.ts';

/** A JSON object in OCSF form: attributes that are absent are omitted, never null. */
export type OcsfObject = { [key: string]: OcsfValue };
export type OcsfValue = string | number | boolean | OcsfObject | OcsfValue[];

/**
 * Drops null and undefined attributes (OCSF prefers an absent attribute to a null one), and
 * objects that end up empty. Arrays keep their order; null elements are dropped.
 */
export function compact(value: Record<string, unknown>): OcsfObject {
  const out: OcsfObject = {};
  for (const [k, v] of Object.entries(value)) {
    const c = compactValue(v);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

function compactValue(v: unknown): OcsfValue | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.map(compactValue).filter((x): x is OcsfValue => x !== undefined);
  if (typeof v === 'object') {
    const o = compact(v as Record<string, unknown>);
    return Object.keys(o).length > 0 ? o : undefined;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** `unmapped` as an object: the wire form carries it as JSON text so rules parse it only when they read it. */
export function unmappedObject(text: string | null | undefined, extra?: Record<string, unknown>): OcsfObject | undefined {
  let parsed: unknown = {};
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { text };
    }
  }
  const base = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  const merged = compact(extra ? { ...base, ...extra } : base);
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/**
 * OCSF `metadata` of a normalized event: product and vendor as the `product` object, the declared
 * profiles, and the source's own event id and time.
 */
export function eventMetadata(m: EventMetadata, profiles: readonly string[]): Record<string, unknown> {
  return {
    uid: m.uid,
    version: OCSF_SCHEMA_VERSION,
    product: { name: m.product_name, vendor_name: m.vendor_name },
    log_name: m.log_name,
    original_time: m.original_time || null,
    source: m.source || null,
    profiles: profiles.length > 0 ? [...profiles] : null,
  };
}

export const SEVERITY_CAPTIONS: Readonly<Record<number, string>> = { 0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal', 99: 'Other' };

/** OCSF `cloud`: provider, region and the account as an object. */
export function cloudObject(provider: string | null | undefined, region: string | null | undefined, accountUid: string | null | undefined): Record<string, unknown> | null {
  if (!provider) return null;
  return { provider, region, account: accountUid ? { uid: accountUid } : null };
}

/**
 * The classification every OCSF event opens with: class, category, activity with its caption,
 * type_uid (class_uid * 100 + activity_id), severity with its caption, and time.
 */
export function eventHeader(
  classUid: number,
  categoryUid: number,
  activityId: number,
  activityCaptions: Readonly<Record<number, string>>,
  severityId: number,
  time: number,
): Record<string, unknown> {
  return {
    class_uid: classUid,
    category_uid: categoryUid,
    activity_id: activityId,
    activity_name: activityCaptions[activityId],
    type_uid: classUid * 100 + activityId,
    severity_id: severityId,
    severity: SEVERITY_CAPTIONS[severityId],
    time,
  };
}
