/**
 * Reader of cloud-scanner resource snapshots (Panther's AWS cloud-security resources): a JSON object
 * with a dotted `ResourceType` (`AWS.S3.Bucket`), or an explicit wrapper
 * `{"resourceType": "AWS.S3.Bucket", "resource": {...}, "observedAt"?: "<ISO time>"}` for
 * snapshots that do not name their type. Each becomes one or two AWS Config items
 * (snapshot-types.ts) that forms.ts hands to normalizeConfigItem like any other item. An unknown
 * type, or a wrapper whose resource is not an object, is a rejection with the reason.
 */
import { clip, isObj, typeName, type Obj } from './config-state.ts';
import { SNAPSHOT_TYPES, snapshotType } from './snapshot-types.ts';
import { obj, str } from './snapshot-util.ts';

/** `AWS.` followed by dotted words: the scanner's resource type naming. */
const DOTTED_TYPE = /^AWS(\.[A-Za-z0-9]+)+$/;

/** metadata.log_name of the items read from a snapshot. */
export const SNAPSHOT_FORM = 'ResourceSnapshot';

/** The snapshot and its type name, when the record is one (bare or wrapped); null otherwise. */
export function snapshotOf(r: Obj): { type: string; resource: unknown; observedAt: unknown } | null {
  if (typeof r.resourceType === 'string' && DOTTED_TYPE.test(r.resourceType) && Object.hasOwn(r, 'resource')) {
    return { type: r.resourceType, resource: r.resource, observedAt: r.observedAt ?? null };
  }
  if (typeof r.ResourceType === 'string' && DOTTED_TYPE.test(r.ResourceType)) return { type: r.ResourceType, resource: r, observedAt: null };
  return null;
}

/** True for a record this reader reads (for a source sniffer). */
export function isResourceSnapshot(record: unknown): boolean {
  return isObj(record) && snapshotOf(record) !== null;
}

export type SnapshotResult = { ok: true; items: Obj[]; type: string } | { ok: false; reason: string };

/** The resource's tags: a map, or the EC2 `[{Key, Value}]` list. */
function tagsOf(v: unknown): Obj {
  if (isObj(v)) return v;
  const out: Obj = {};
  if (Array.isArray(v)) for (const t of v) if (isObj(t) && typeof t.Key === 'string') out[t.Key] = t.Value ?? null;
  return out;
}

/**
 * The AWS Config items of one snapshot record. `now` gives the capture time when neither the
 * wrapper (`observedAt`) nor the snapshot (`LastUpdated`) says when it was taken: the time it was
 * read, as the aws_account collector dates the accounts it reads.
 */
export function snapshotItems(r: Obj, now: () => number = Date.now): SnapshotResult | null {
  const s = snapshotOf(r);
  if (s === null) return null;
  const t = snapshotType(s.type);
  if (t === undefined) {
    return { ok: false, reason: `not a known resource snapshot type "${clip(s.type)}" (known: ${SNAPSHOT_TYPES.map((x) => x.type).join(', ')})` };
  }
  const res = obj(s.resource);
  if (res === null) return { ok: false, reason: `resource snapshot ${t.type}: resource must be a JSON object, got ${typeName(s.resource)}` };
  const when = [s.observedAt, res.LastUpdated].find((v): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v)));
  const observedIso = when !== undefined ? new Date(Date.parse(when)).toISOString() : new Date(now()).toISOString();
  const region = str(res, 'Region');
  const account = str(res, 'AccountId');
  const envelopeId = str(res, 'ResourceId', 'ResourceID');
  const items = t.build(res, observedIso).map((it) => {
    const arn = it.arn ?? (envelopeId?.startsWith('arn:') ? envelopeId : null);
    return {
      version: '1.3',
      accountId: account ?? (arn ? (/^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1] ?? null) : null),
      configurationItemCaptureTime: observedIso,
      configurationItemStatus: 'OK',
      resourceType: it.resourceType,
      resourceId: it.resourceId ?? envelopeId ?? '(unnamed)',
      resourceName: it.resourceName,
      arn,
      awsRegion: region === 'global' ? null : region,
      tags: tagsOf(res.Tags),
      relationships: [],
      configuration: it.configuration,
      supplementaryConfiguration: it.supplementaryConfiguration ?? {},
    };
  });
  return { ok: true, items, type: t.type };
}
