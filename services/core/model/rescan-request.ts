/**
 * A re-scan request (topic `sluice.rescan.v1`, JSON, keyed by `resourceKey`): an activity event
 * changed a resource the posture rules judge, so its configuration must be read again. The
 * config_rescan detector writes them; the aws_config_rescan role reads the resource's current
 * configuration item from AWS Config, applies `derived` (what the event itself says the new state
 * is) when the item is older than the event, and publishes it on the config topic.
 */

/** One change the event states completely, applied to an AWS Config item (API shape). */
export type RescanPatch =
  /** Sets a key of `supplementaryConfiguration` (a map of JSON text, as BatchGetResourceConfig returns it); null value removes it. */
  | { op: 'supplementary'; key: string; value: string | null }
  /** Appends entries to an array of `configuration` (dotted path), e.g. ipPermissions after AuthorizeSecurityGroupIngress. */
  | { op: 'append'; path: string; value: unknown[] };

export interface RescanRequest {
  /** Deterministic: hash of the event uid and the resource key, so a replayed event repeats the id. */
  id: string;
  type: 'config.rescan';
  /** `<account>/<region>/<resourceType>/<resourceId or name>`: the partition key. */
  resourceKey: string;
  /** AWS Config resource type, e.g. AWS::EC2::SecurityGroup. */
  resourceType: string;
  /** AWS Config resource id when the event gives it (sg-…, bucket name, key id); else null and resourceName is set. */
  resourceId: string | null;
  /** Resource name when the id is not in the event (IAM roles, users and policies: AWS Config ids them by AROA…/AIDA…/ANPA…). */
  resourceName: string | null;
  account: string | null;
  region: string | null;
  /** Event time (epoch ms): an item captured before it does not show the change yet. */
  time: number;
  /** Changes the event states completely; empty when only a re-read can tell the new state. */
  derived: RescanPatch[];
  cause: { source: string; operation: string; eventUid: string; principal: string | null };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 2048;
const strOrNull = (v: unknown): v is string | null => v === null || str(v);

function patchProblem(p: unknown, i: number): string | null {
  if (!isObj(p)) return `derived.${i} is not an object`;
  if (p.op === 'supplementary') return str(p.key) && (p.value === null || typeof p.value === 'string') ? null : `derived.${i}: supplementary needs a string key and a string or null value`;
  if (p.op === 'append') return str(p.path) && Array.isArray(p.value) ? null : `derived.${i}: append needs a string path and an array value`;
  return `derived.${i}: unknown op ${JSON.stringify(p.op)}`;
}

/** Validates an untrusted re-scan request (a topic record); returns it or the reason it is refused. */
export function parseRescanRequest(value: unknown): { ok: true; request: RescanRequest } | { ok: false; reason: string } {
  if (!isObj(value)) return { ok: false, reason: 'not a JSON object' };
  if (value.type !== 'config.rescan') return { ok: false, reason: `type is ${JSON.stringify(value.type)}, not "config.rescan"` };
  const problems: string[] = [];
  if (!str(value.id)) problems.push('id');
  if (!str(value.resourceKey)) problems.push('resourceKey');
  if (!str(value.resourceType) || !/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/.test(value.resourceType)) problems.push('resourceType (an AWS Config type such as AWS::S3::Bucket)');
  if (!strOrNull(value.resourceId)) problems.push('resourceId');
  if (!strOrNull(value.resourceName)) problems.push('resourceName');
  if (value.resourceId == null && value.resourceName == null) problems.push('resourceId or resourceName');
  if (!strOrNull(value.account)) problems.push('account');
  if (!strOrNull(value.region)) problems.push('region');
  if (typeof value.time !== 'number' || !Number.isFinite(value.time)) problems.push('time');
  if (!Array.isArray(value.derived)) problems.push('derived');
  else value.derived.forEach((p, i) => {
    const why = patchProblem(p, i);
    if (why) problems.push(why);
  });
  if (!isObj(value.cause) || !str(value.cause.operation) || !str(value.cause.eventUid)) problems.push('cause (operation, eventUid)');
  if (problems.length > 0) return { ok: false, reason: `invalid re-scan request: ${problems.join(', ')}` };
  return { ok: true, request: value as unknown as RescanRequest };
}
