/**
 * What an executor is asked to do: the action kinds, and the parsing of an action event (the JSON
 * value of a record on the actions topic) into one typed request, or the reason it cannot be one.
 */
import type { SluiceConfig } from '../core/config.ts';

type Executors = SluiceConfig['remediation']['executors'];
/** The AWS action kinds (the values of remediation.executors.accounts.<id>.allow). */
export type AwsActionKind = Executors['accounts'][string]['allow'][number];
/** The Azure Blob action kinds (remediation.executors.azureBlob.accounts.<name>.allow). */
export type AzureActionKind = Executors['azureBlob']['accounts'][string]['allow'][number];
/** The GCS action kinds (remediation.executors.gcs.projects.<id>.allow). */
export type GcsActionKind = Executors['gcs']['projects'][string]['allow'][number];
/** Every action kind the executors carry out. */
export type ActionKind = AwsActionKind | AzureActionKind | GcsActionKind;

/** Every AWS kind, in a fixed order (checked against the config schema by the tests). */
export const ACTION_KINDS = Object.keys({
  's3.quarantine': true,
  's3.delete': true,
  's3.block_public_access': true,
  'ec2.revoke_ingress': true,
  'iam.deactivate_access_key': true,
} satisfies Record<AwsActionKind, true>) as AwsActionKind[];
export const AZURE_ACTION_KINDS = Object.keys({ 'azure_blob.quarantine': true, 'azure_blob.delete': true } satisfies Record<AzureActionKind, true>) as AzureActionKind[];
export const GCS_ACTION_KINDS = Object.keys({ 'gcs.quarantine': true, 'gcs.delete': true } satisfies Record<GcsActionKind, true>) as GcsActionKind[];

/** The world-open ranges a revoke_ingress may name. */
export const WORLD_CIDRS = ['0.0.0.0/0', '::/0'] as const;
export type WorldCidr = (typeof WORLD_CIDRS)[number];

/** One object version in S3. */
export interface S3ObjectTarget {
  bucket: string;
  key: string;
  /** The version the finding is about; null when the finding named none (unversioned or unknown). */
  versionId: string | null;
  /** ETag (without quotes) the finding saw; the executors refuse to act when the object changed since. */
  etag: string | null;
}

export interface IngressRuleTarget {
  groupId: string;
  /** Normalized: tcp, udp, icmp, icmpv6 or -1 (all). */
  protocol: string;
  /** Null for protocol -1. */
  fromPort: number | null;
  toPort: number | null;
  /** The world-open forms to revoke: the one the action names, or both. */
  cidrs: WorldCidr[];
}

/** A blob: DLP's bucket `<account>/<container>`, key = blob name. */
export interface BlobTarget {
  account: string;
  container: string;
  name: string;
  versionId: string | null;
  etag: string | null;
}

/** A GCS object: version_id is the generation. */
export interface GcsTarget {
  bucket: string;
  name: string;
  generation: string | null;
  etag: string | null;
}

export type ExecutorRequest =
  | { kind: 'azure_blob.quarantine'; target: BlobTarget }
  | { kind: 'azure_blob.delete'; target: BlobTarget }
  | { kind: 'gcs.quarantine'; target: GcsTarget }
  | { kind: 'gcs.delete'; target: GcsTarget }
  | { kind: 's3.quarantine'; target: S3ObjectTarget }
  | { kind: 's3.delete'; target: S3ObjectTarget }
  | { kind: 's3.block_public_access'; target: { bucket: string } }
  | { kind: 'ec2.revoke_ingress'; target: IngressRuleTarget }
  | { kind: 'iam.deactivate_access_key'; target: { userName: string | null; accessKeyId: string } };

/** An action an executor can handle, with where it applies. */
export interface ExecutableAction {
  id: string;
  request: ExecutorRequest;
  /** 12-digit account the action names (field `account`, or an ARN), else null (the default account). */
  account: string | null;
  /** Region the action names (field `region`, or an ARN), else null (the account's region). */
  region: string | null;
  /** Why the detector asked for it (the action's `reason`, `remediation` or `title`). */
  reason: string;
  findingId: string | null;
  detector: string | null;
}

/**
 * The result of parsing: an executable action; `none` for actions that are not for an executor
 * (no `action` field, as the posture detector's `posture.remediate`, or `alert`: the webhook's);
 * `invalid` with the reason for one that names an executor action but cannot be carried out.
 */
export type ParsedAction = { kind: 'executable'; action: ExecutableAction } | { kind: 'none' } | { kind: 'invalid'; executor: string; reason: string };

const ACTION_ID = /^[\w-]{1,128}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const PROTOCOLS: Readonly<Record<string, string>> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', icmpv6: 'icmpv6', '58': 'icmpv6', '-1': '-1', all: '-1' };

/** Normalizes an IP protocol name or number (tcp, 6, udp, 17, icmp, 1, icmpv6, 58, -1, all); null when unknown. */
export function normalizeProtocol(p: unknown): string | null {
  return PROTOCOLS[String(p).toLowerCase()] ?? null;
}

class Invalid extends Error {}

function str(v: unknown, what: string, re?: RegExp): string {
  if (typeof v !== 'string' || v === '' || (re && !re.test(v))) throw new Invalid(`${what} is missing or not valid`);
  return v;
}
function optStr(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** `arn:aws:<service>:<region>:<account>:<resource>` parts, or null. */
export function parseArn(arn: unknown): { service: string; region: string; account: string; resource: string } | null {
  if (typeof arn !== 'string') return null;
  const m = /^arn:aws[\w-]*:([\w-]+):([\w-]*):(\d{12}|):(.+)$/.exec(arn);
  return m ? { service: m[1]!, region: m[2]!, account: m[3]!, resource: m[4]! } : null;
}

const STORES = ['s3', 'azure_blob', 'gcs'] as const;
type Store = (typeof STORES)[number];

/** The object store of an object action; throws for one without executors (file, unknown). */
function storeOf(value: Record<string, unknown>): Store {
  const store = record(value.object).store;
  if (!(STORES as readonly unknown[]).includes(store)) throw new Invalid(`object store ${JSON.stringify(store ?? null)} has no executor (only ${STORES.join(', ')})`);
  return store as Store;
}

function blobObject(value: Record<string, unknown>): BlobTarget {
  const o = record(value.object);
  const bucket = str(o.bucket, 'object.bucket', /^[a-z0-9]{3,24}\/[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/);
  const [account, container] = bucket.split('/') as [string, string];
  return { account, container, name: str(o.key, 'object.key'), versionId: optStr(o.version_id), etag: optStr(o.etag)?.replace(/^"|"$/g, '') ?? null };
}

function gcsObject(value: Record<string, unknown>): GcsTarget {
  const o = record(value.object);
  const generation = typeof o.version_id === 'number' ? String(o.version_id) : optStr(o.version_id);
  if (generation !== null && !/^\d{1,20}$/.test(generation)) throw new Invalid('object.version_id is not a GCS generation (digits)');
  return { bucket: str(o.bucket, 'object.bucket', /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/), name: str(o.key, 'object.key'), generation, etag: optStr(o.etag)?.replace(/^"|"$/g, '') ?? null };
}

function s3Object(value: Record<string, unknown>): S3ObjectTarget {
  const o = record(value.object);
  return { bucket: str(o.bucket, 'object.bucket', BUCKET), key: str(o.key, 'object.key'), versionId: optStr(o.version_id), etag: optStr(o.etag)?.replace(/^"|"$/g, '') ?? null };
}

function port(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1 || v > 65535) throw new Invalid(`${what} is missing or not a port`);
  return v;
}

function ingress(t: Record<string, unknown>): IngressRuleTarget {
  const groupId = str(t.group_id, 'target.group_id', /^sg-[0-9a-f]{8,17}$/);
  const protocol = normalizeProtocol(t.protocol);
  if (protocol === null) throw new Invalid('target.protocol is missing or not tcp, udp, icmp, icmpv6 or -1');
  const all = protocol === '-1';
  const fromPort = all ? null : port(t.from_port, 'target.from_port');
  const toPort = all ? null : port(t.to_port ?? t.from_port, 'target.to_port');
  let cidrs: WorldCidr[] = [...WORLD_CIDRS];
  if (t.cidr !== undefined) {
    if (!(WORLD_CIDRS as readonly unknown[]).includes(t.cidr)) throw new Invalid(`target.cidr ${JSON.stringify(t.cidr)} is not world-open (0.0.0.0/0 or ::/0): only world-open rules are revoked`);
    cidrs = [t.cidr as WorldCidr];
  }
  return { groupId, protocol, fromPort, toPort, cidrs };
}

function request(action: string, value: Record<string, unknown>): ExecutorRequest {
  const t = record(value.target);
  switch (action) {
    case 'quarantine':
    case 'delete': {
      const store = storeOf(value);
      if (store === 'azure_blob') return action === 'quarantine' ? { kind: 'azure_blob.quarantine', target: blobObject(value) } : { kind: 'azure_blob.delete', target: blobObject(value) };
      if (store === 'gcs') return action === 'quarantine' ? { kind: 'gcs.quarantine', target: gcsObject(value) } : { kind: 'gcs.delete', target: gcsObject(value) };
      return action === 'quarantine' ? { kind: 's3.quarantine', target: s3Object(value) } : { kind: 's3.delete', target: s3Object(value) };
    }
    case 'block_public_access': {
      const arn = parseArn(value.resource_uid);
      const bucket = t.bucket ?? (arn?.service === 's3' && !arn.resource.includes('/') ? arn.resource : undefined);
      return { kind: 's3.block_public_access', target: { bucket: str(bucket, 'target.bucket', BUCKET) } };
    }
    case 'revoke_ingress':
      return { kind: 'ec2.revoke_ingress', target: ingress(t) };
    case 'deactivate_access_key':
      return {
        kind: 'iam.deactivate_access_key',
        target: { userName: t.user_name === undefined || t.user_name === null ? null : str(t.user_name, 'target.user_name', /^[\w+=,.@-]{1,64}$/), accessKeyId: str(t.access_key_id, 'target.access_key_id', /^[A-Z0-9]{16,128}$/) },
      };
    default:
      throw new Invalid(`unknown action ${JSON.stringify(action)}`);
  }
}

const EXECUTOR_OF: Readonly<Record<string, ActionKind>> = { quarantine: 's3.quarantine', delete: 's3.delete', block_public_access: 's3.block_public_access', revoke_ingress: 'ec2.revoke_ingress', deactivate_access_key: 'iam.deactivate_access_key' };

/**
 * Parses an action event. Fields read: `id`, `action` (quarantine, delete, block_public_access,
 * revoke_ingress, deactivate_access_key; `alert` and an absent `action` are not for executors),
 * `object` ({store: s3 | azure_blob | gcs, bucket, key, version_id, etag}, as the dlp detector
 * writes it; an azure_blob bucket is `<account>/<container>`, a gcs version_id the generation) or `target`,
 * optional `account` and `region` (else taken from an ARN in `target.arn` or `resource_uid`),
 * `reason`, `finding_id`, `detector`.
 */
export function parseAction(value: unknown): ParsedAction {
  const v = record(value);
  const action = v.action;
  if (action === undefined || action === 'alert') return { kind: 'none' };
  const store = record(v.object).store;
  const objectExecutor = (action === 'quarantine' || action === 'delete') && (store === 'azure_blob' || store === 'gcs') ? `${store}.${action}` : null;
  const executor = typeof action === 'string' ? (objectExecutor ?? EXECUTOR_OF[action] ?? `unknown:${action.slice(0, 64)}`) : 'unknown';
  try {
    if (typeof action !== 'string') throw new Invalid('action is not a string');
    const id = str(v.id, 'id', ACTION_ID);
    const req = request(action, v);
    const arn = parseArn(record(v.target).arn) ?? parseArn(v.resource_uid);
    const aws = !req.kind.startsWith('azure_blob.') && !req.kind.startsWith('gcs.');
    // Azure: the storage account named by the object; GCS: the project the action names, else the config's mapping of buckets.
    const account = req.kind.startsWith('azure_blob.') ? (req.target as BlobTarget).account : (optStr(v.account) ?? (arn?.account || null));
    if (aws && account !== null && !ACCOUNT.test(account)) throw new Invalid('account is not a 12-digit AWS account id');
    const region = optStr(v.region) ?? (arn?.region || null);
    if (aws && region !== null && !REGION.test(region)) throw new Invalid('region is not an AWS region');
    const reason = optStr(v.reason) ?? optStr(v.remediation) ?? optStr(v.title) ?? '';
    return { kind: 'executable', action: { id, request: req, account, region, reason, findingId: optStr(v.finding_id), detector: optStr(v.detector) } };
  } catch (err) {
    if (err instanceof Invalid) return { kind: 'invalid', executor, reason: err.message };
    throw err;
  }
}
