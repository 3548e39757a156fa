/**
 * Google Cloud Audit Logs LogEntry -> OCSF API Activity (6003). Pure: no I/O, no clock, no randomness.
 * Reads the LogEntry JSON as Cloud Logging exports it (Pub/Sub, Cloud Storage JSON lines,
 * `gcloud logging read --format=json`, the entries.list API), whose `protoPayload` is a
 * `google.cloud.audit.AuditLog`: Admin Activity, Data Access, System Event and Policy Denied logs.
 * GKE Kubernetes entries (`serviceName: k8s.io`, `io.k8s.*` methods) are Kubernetes audit events:
 * they belong to ../k8s_audit (see isKubernetesEntry). The mapping is described field by field in
 * README.md next to this file.
 */
import { apiActivityEvent, apiActivityHeader, OCSF_VERSION, RAW_CAP_BYTES, type ApiActivity } from '../../core/events.ts';
import { ACTIVITY_VERBS, parseTimestamp, stableRecordUid } from '../aws_cloudtrail/index.ts';
import { capValue, clip, ipOrDomain, isObj, isPantherField, malformed, optArray, optInteger, optObject, optString, rawText, typeName, unmappedText, type Obj } from '../k8s_audit/fields.ts';
import { canonicalLogEntry } from './log-entry.ts';

export { canonicalLogEntry } from './log-entry.ts';

export const SOURCE_TYPE = 'gcp_audit';
export const PRODUCT_NAME = 'Cloud Audit Logs';
export const VENDOR_NAME = 'Google';
export const CLOUD_PROVIDER = 'GCP';
export const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog';
/** Payload values (request, response, metadata, ...) over this many JSON bytes are cut in unmapped. */
export const DEFAULT_OBJECT_CAP_BYTES = 16 * 1024;

export interface NormalizeOptions {
  /** raw_data is kept when JSON.stringify(record) is at most this many UTF-8 bytes. Default RAW_CAP_BYTES. */
  rawCapBytes?: number;
  /** unmapped is replaced by {"_truncated":true} when its JSON exceeds this many UTF-8 bytes. Default RAW_CAP_BYTES. */
  unmappedCapBytes?: number;
  /** protoPayload request/response/metadata/serviceData/resourceOriginalState over this many bytes become {"_truncated":true,"bytes":N}. */
  objectCapBytes?: number;
  /** epoch ms used as `time` for an entry without timestamp/receiveTimestamp; null/absent rejects such entries. */
  ingestTime?: number | null;
}

/** The payload type of a LogEntry: `@type`, or Panther's `at_sign_type` spelling. */
export function payloadType(pp: Obj): string | null {
  const t = pp['@type'] ?? pp.at_sign_type;
  return typeof t === 'string' ? t : null;
}

/**
 * A GKE Kubernetes audit entry: `serviceName: k8s.io` or an `io.k8s.*` method. These are mapped by
 * the k8s_audit normalizer (verbs, objectRef, pod specs), not here.
 */
export function isKubernetesEntry(record: unknown): boolean {
  const entry = canonicalLogEntry(record);
  if (!isObj(entry) || !isObj(entry.protoPayload)) return false;
  const pp = entry.protoPayload;
  return pp.serviceName === 'k8s.io' || (typeof pp.methodName === 'string' && pp.methodName.startsWith('io.k8s.'));
}

/**
 * A Cloud Audit Logs LogEntry (not checked further): a `protoPayload` object that is an AuditLog
 * (`@type`) or, in cut-down exports without `@type`, names a method or service.
 */
export function isAuditLogEntry(record: unknown): boolean {
  const entry = canonicalLogEntry(record);
  if (!isObj(entry) || !isObj(entry.protoPayload)) return false;
  const pp = entry.protoPayload;
  const type = payloadType(pp);
  if (type !== null) return type.endsWith('google.cloud.audit.AuditLog');
  return typeof pp.methodName === 'string' || typeof pp.serviceName === 'string' || Array.isArray(pp.authorizationInfo) || isObj(pp.authenticationInfo);
}

/** The four Cloud Audit Logs, by the log id at the end of logName (`…/logs/cloudaudit.googleapis.com%2Factivity`). */
export const AUDIT_LOG_KINDS = ['activity', 'data_access', 'system_event', 'policy'] as const;
export type AuditLogKind = (typeof AUDIT_LOG_KINDS)[number];

/** `projects/p/logs/cloudaudit.googleapis.com%2Factivity` -> parent `projects/p`, log id `cloudaudit.googleapis.com/activity`. */
export function parseLogName(logName: string): { parent: string | null; logId: string; kind: AuditLogKind | null } {
  const i = logName.indexOf('/logs/');
  const parent = i > 0 ? logName.slice(0, i) : null;
  const rawId = i >= 0 ? logName.slice(i + '/logs/'.length) : logName;
  let logId = rawId;
  try {
    logId = decodeURIComponent(rawId);
  } catch {
    // a stray % stays as written
  }
  const m = /^cloudaudit\.googleapis\.com\/(activity|data_access|system_event|policy)$/.exec(logId);
  return { parent, logId, kind: m ? (m[1] as AuditLogKind) : null };
}

/** `projects/my-proj` -> `my-proj`; `organizations/123`, `folders/456`, `billingAccounts/…` stay whole. */
function accountOfParent(parent: string): string {
  const m = /^projects\/([^/]+)$/.exec(parent);
  return m ? m[1]! : parent;
}

/** Verbs of GCP method names that CloudTrail's table lacks (compute `insert`, `patch`, ...). */
const GCP_VERBS: Readonly<Record<string, 1 | 2 | 3 | 4>> = Object.freeze({
  Insert: 1, Generate: 1, Sign: 2, Aggregated: 2, Test: 2, Fetch: 2, Read: 2, Export: 2, Batch: 2, Check: 2,
  Patch: 3, Undelete: 3, Move: 3, Resize: 3, Suspend: 3, Resume: 3, Rotate: 3, Restore: 3, Deploy: 3,
  Destroy: 4, Purge: 4, Cancel: 3,
});

/**
 * activity_id of a method name, from the verb of its last dot segment: `google.iam.admin.v1.CreateServiceAccountKey`
 * Create 1, `v1.compute.firewalls.insert` 1, `storage.objects.get` 2, `SetIamPolicy` 3, `…DeleteSink` 4,
 * `DestroyCryptoKeyVersion` 4; anything else 99. `type_uid` = 600300 + activity_id.
 */
export function gcpActivityId(method: string): 1 | 2 | 3 | 4 | 99 {
  const last = method.split('.').filter((s) => s !== '').pop() ?? '';
  const word = (last.match(/[A-Za-z][a-z]*/) ?? [''])[0];
  if (word === '') return 99;
  const verb = word.charAt(0).toUpperCase() + word.slice(1);
  if (Object.hasOwn(ACTIVITY_VERBS, verb)) return ACTIVITY_VERBS[verb]!;
  if (Object.hasOwn(GCP_VERBS, verb)) return GCP_VERBS[verb]!;
  return 99;
}

/**
 * The API service of a method when serviceName is missing (cut-down exports):
 * `google.iam.admin.v1.*` iam, `google.logging.v2.*` logging, `google.cloud.<x>.v<n>.*` <x>,
 * `v1.compute.*` / `beta.compute.*` compute, `storage.*` storage; else null.
 */
export function serviceOfMethod(method: string): string | null {
  let m = /^(?:v\d\w*|beta|alpha)\.compute\./.exec(method);
  if (m) return 'compute.googleapis.com';
  if (method.startsWith('storage.')) return 'storage.googleapis.com';
  if (method.startsWith('google.iam.admin.')) return 'iam.googleapis.com';
  if (method.startsWith('google.iam.credentials.')) return 'iamcredentials.googleapis.com';
  m = /^google\.cloud\.([a-z0-9]+)\.v\d/.exec(method);
  if (m) return `${m[1]}.googleapis.com`;
  m = /^google\.([a-z0-9]+)\.v\d/.exec(method);
  if (m) return `${m[1]}.googleapis.com`;
  return null;
}

/**
 * Parts of a resourceName: `projects/p/serviceAccounts/sa@p.iam.gserviceaccount.com` -> collection
 * `serviceAccounts`, name `sa@…`; `projects/_/buckets/b/objects/a/b.txt` -> `objects`, `a/b.txt`
 * (an object name keeps its slashes); a name ending with a collection (a list call) -> that collection, null.
 */
export function parseResourceName(name: string): { collection: string | null; id: string | null } {
  const segs = name.replace(/^\/\/[^/]+\//, '').split('/').filter((s) => s !== '');
  let collection: string | null = null;
  let id: string | null = null;
  for (let i = 0; i < segs.length; i += 2) {
    if (segs[i] === 'global' && i + 1 < segs.length) i++; // compute: projects/p/global/firewalls/f
    collection = segs[i]!;
    if (collection === 'objects' && i + 1 < segs.length) {
      id = segs.slice(i + 1).join('/');
      return { collection, id };
    }
    id = segs[i + 1] ?? null;
  }
  return { collection, id };
}

const SERVICE_AGENT_RE =
  /@(?:gcp-sa-[a-z0-9-]+\.iam|cloudservices|system|[a-z0-9-]+-robot\.iam|compute-system\.iam|container-engine-robot\.iam|cloudcomposer-accounts\.iam|dataflow-service-producer-prod\.iam|serverless-robot-prod\.iam)\.gserviceaccount\.com$/i;

/**
 * actor.user.type from the principal: `system@google.com` (Google's own actions) System; Google-managed service agents (`service-N@gcp-sa-*.iam…`,
 * `N@cloudservices…`, `*-robot.iam…`, `service-agent-manager@system…`) ServiceAgent; other `*.gserviceaccount.com` ServiceAccount;
 * a federated identity (`principal://…`, `principalSet://…`) FederatedIdentity; another email User.
 */
export function principalType(email: string | null, subject: string | null): string | null {
  if (email !== null) {
    if (email.toLowerCase() === 'system@google.com') return 'System';
    if (SERVICE_AGENT_RE.test(email)) return 'ServiceAgent';
    if (/\.gserviceaccount\.com$/i.test(email)) return 'ServiceAccount';
    if (email.includes('@')) return 'User';
  }
  const s = subject ?? email;
  if (s === null) return null;
  if (/^principal(set)?:\/\//i.test(s)) return 'FederatedIdentity';
  if (/^serviceAccount:/i.test(s)) return 'ServiceAccount';
  if (/^user:/i.test(s)) return 'User';
  return null;
}

/**
 * actor.user.account_uid: the project of a user-managed service account (`sa@<project>.iam.gserviceaccount.com`),
 * the project number of a default compute account (`<n>-compute@developer.gserviceaccount.com`), else the email's domain
 * (the Cloud Identity / Workspace domain of a user, `gmail.com` for a consumer account).
 */
export function principalAccount(email: string | null): string | null {
  if (email === null) return null;
  const at = email.lastIndexOf('@');
  if (at < 0) return null;
  const domain = email.slice(at + 1).toLowerCase();
  let m = /^([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(domain);
  if (m && !m[1]!.startsWith('gcp-sa-') && !SERVICE_AGENT_RE.test(email)) return m[1]!;
  m = /^(\d+)-compute$/.exec(email.slice(0, at));
  if (m && domain === 'developer.gserviceaccount.com') return m[1]!;
  return domain === '' ? null : domain;
}

/**
 * Compute Engine method names carry the API version the caller used (`v1.compute.firewalls.insert`,
 * `beta.compute.firewalls.insert` from the console and gcloud beta, `alpha.…`): one operation for
 * the three, written with `v1.`, and the version called in api.version, so a rule names a
 * method once.
 */
const COMPUTE_VERSIONED = /^(v1|beta|alpha)\.(compute\.[A-Za-z0-9_.]+)$/;
/** Deployment Manager writes its REST version the same way: `v2.`, `v2beta.`, `alpha.deploymentmanager.*` (one operation, `v2.`). */
const DEPLOYMENT_MANAGER_VERSIONED = /^(v2|v2beta|alpha)\.(deploymentmanager\.[A-Za-z0-9_.]+)$/;
/**
 * gRPC method names carry the API version of their package: `google.container.v1beta1.ClusterManager.UpdateCluster`
 * (gcloud beta), `google.cloud.sql.v1beta4.SqlInstancesService.Patch`, `google.cloud.secretmanager.v1beta2.…`,
 * `google.cloud.securitycenter.v1p1beta1.…`. A pre-release version (alpha/beta, with or without a point release) is
 * the same RPC as its major version's: written with `v<major>` and the version called in api.version.
 */
const GRPC_PRERELEASE = /^(google\.[a-z0-9_.]+?)\.(v\d+)((?:p\d+)?(?:alpha|beta)\d*)\.([A-Za-z0-9_.]+)$/;

/** The operation and API version of a method name (see COMPUTE_VERSIONED, DEPLOYMENT_MANAGER_VERSIONED, GRPC_PRERELEASE). */
export function canonicalMethod(method: string): { operation: string; version: string | null } {
  let m = COMPUTE_VERSIONED.exec(method);
  if (m) return { operation: `v1.${m[2]}`, version: m[1]! };
  m = DEPLOYMENT_MANAGER_VERSIONED.exec(method);
  if (m) return { operation: `v2.${m[2]}`, version: m[1]! };
  m = GRPC_PRERELEASE.exec(method);
  if (m) return { operation: `${m[1]}.${m[2]}.${m[4]}`, version: `${m[2]}${m[3]}` };
  return { operation: method, version: null };
}

/** protoPayload fields mapped to typed fields (the others stay in unmapped.protoPayload). */
const MAPPED_PAYLOAD = new Set(['@type', 'at_sign_type', 'serviceName', 'methodName']);
/** LogEntry fields mapped to typed fields; all others go to unmapped. */
const MAPPED_TOP = new Set(['protoPayload', 'timestamp', 'insertId']);
/** Payload values that can be large: capped one by one (objectCapBytes) so the rest of unmapped survives. */
const BIG_PAYLOAD_VALUES = ['request', 'response', 'metadata', 'serviceData', 'resourceOriginalState'];

/** The principal of a delegation step: first-party email, else the principal subject, else a third party's claims subject. */
function delegatorOf(step: unknown, path: string): string | null {
  if (!isObj(step)) malformed(`${path} must be an object, got ${typeName(step)}`);
  const first = optObject(step, 'firstPartyPrincipal', `${path}.firstPartyPrincipal`);
  const email = optString(first, 'principalEmail', `${path}.firstPartyPrincipal.principalEmail`);
  if (email !== null) return email;
  const subject = optString(step, 'principalSubject', `${path}.principalSubject`);
  if (subject !== null) return subject;
  const third = optObject(step, 'thirdPartyPrincipal', `${path}.thirdPartyPrincipal`);
  const claims = optObject(third, 'thirdPartyClaims', `${path}.thirdPartyPrincipal.thirdPartyClaims`);
  if (claims && typeof claims.sub === 'string' && claims.sub !== '') return claims.sub;
  return null;
}

/**
 * Normalizes one LogEntry whose protoPayload is an AuditLog to an ApiActivity.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field(s) when the record is not a Cloud Audit Logs entry.
 */
export function normalizeGcpAudit(record: unknown, opts: NormalizeOptions = {}): ApiActivity {
  if (!isObj(record)) malformed(`record must be a JSON object, got ${typeName(record)}`);
  const rec = canonicalLogEntry(record) as Obj;
  const ppValue = rec.protoPayload;
  if (ppValue === undefined || ppValue === null) malformed('not a Cloud Audit Logs entry: protoPayload is missing');
  if (!isObj(ppValue)) malformed(`protoPayload must be an object, got ${typeName(ppValue)}`);
  const pp = ppValue;
  const type = payloadType(pp);
  if (type !== null && !type.endsWith('google.cloud.audit.AuditLog')) {
    malformed(`not a Cloud Audit Logs entry: protoPayload @type is "${clip(type)}", not ${AUDIT_LOG_TYPE}`);
  }

  // Required: a time (or the ingest time when allowed). The method too, unless the entry still says
  // what was authorized (cut-down exports keep only authorizationInfo): then it is "unknown",
  // marked, and rules read the granted permissions.
  const problems: string[] = [];
  const fallbacks: string[] = [];
  let method: string | null = null;
  try {
    method = optString(pp, 'methodName', 'protoPayload.methodName');
    if (method === null) {
      if (Array.isArray(pp.authorizationInfo) && pp.authorizationInfo.length > 0) {
        method = 'unknown';
        fallbacks.push('operation');
      } else problems.push('protoPayload.methodName is missing');
    }
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  let time: number | null = null;
  let originalTime: string | null = null;
  for (const key of ['timestamp', 'receiveTimestamp']) {
    const v = rec[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') {
      problems.push(`${key} must be a string, got ${typeName(v)}`);
      break;
    }
    time = parseTimestamp(v);
    if (time === null) problems.push(`${key} "${clip(v)}" is not an RFC 3339 date-time`);
    else originalTime = v;
    break;
  }
  if (time === null && problems.length === 0) {
    if (opts.ingestTime === undefined || opts.ingestTime === null) problems.push('timestamp is missing');
    else {
      time = opts.ingestTime;
      originalTime = new Date(opts.ingestTime).toISOString();
      fallbacks.push('time');
    }
  }
  if (problems.length > 0) malformed(`not a Cloud Audit Logs entry: ${problems.join('; ')}`);
  if (method === null || time === null || originalTime === null) malformed('not a Cloud Audit Logs entry');

  // Where: the log, the project, the location.
  const logName = optString(rec, 'logName', 'logName');
  const log = logName === null ? null : parseLogName(logName);
  const resource = optObject(rec, 'resource', 'resource');
  const labels = optObject(resource, 'labels', 'resource.labels');
  const resourceType = optString(resource, 'type', 'resource.type');
  const project = optString(labels, 'project_id', 'resource.labels.project_id');
  const account = project ?? (log?.parent ? accountOfParent(log.parent) : null);
  const resourceLocation = optObject(pp, 'resourceLocation', 'protoPayload.resourceLocation');
  const currentLocations = optArray(resourceLocation, 'currentLocations', 'protoPayload.resourceLocation.currentLocations');
  const firstLocation = currentLocations && typeof currentLocations[0] === 'string' && currentLocations[0] !== '' ? currentLocations[0] : null;
  const region =
    optString(labels, 'location', 'resource.labels.location') ??
    optString(labels, 'region', 'resource.labels.region') ??
    optString(labels, 'zone', 'resource.labels.zone') ??
    firstLocation;

  // Who.
  const auth = optObject(pp, 'authenticationInfo', 'protoPayload.authenticationInfo');
  const email = optString(auth, 'principalEmail', 'protoPayload.authenticationInfo.principalEmail');
  const subject = optString(auth, 'principalSubject', 'protoPayload.authenticationInfo.principalSubject');
  const keyName = optString(auth, 'serviceAccountKeyName', 'protoPayload.authenticationInfo.serviceAccountKeyName');
  const delegation = optArray(auth, 'serviceAccountDelegationInfo', 'protoPayload.authenticationInfo.serviceAccountDelegationInfo') ?? [];
  const chain = delegation.map((s, i) => delegatorOf(s, `protoPayload.authenticationInfo.serviceAccountDelegationInfo[${i}]`));
  const service = optString(pp, 'serviceName', 'protoPayload.serviceName');

  let principal: string | null = email !== null ? email.toLowerCase() : subject;
  let userType = principalType(email, subject);
  if (principal === null && log?.kind === 'system_event') {
    // System Event entries record Google's own actions (live migration, preemption, autoscaling): no caller.
    principal = `system@${service ?? serviceOfMethod(method) ?? 'google'}`;
    userType = 'System';
  }
  if (principal === null) {
    principal = `unknown@${account ?? 'unknown'}`;
    fallbacks.push('principal');
  }

  // What.
  let serviceName = service;
  if (serviceName === null) {
    serviceName = serviceOfMethod(method);
    if (serviceName === null) serviceName = 'unknown';
    fallbacks.push('service');
  }
  const activityId = gcpActivityId(method);

  // Outcome: google.rpc.Status; proto3 JSON omits code 0, so `status: {}` or no status is OK.
  const status = optObject(pp, 'status', 'protoPayload.status');
  const code = optInteger(status, 'code', 'protoPayload.status.code');
  const message = optString(status, 'message', 'protoPayload.status.message');
  const failed = code !== null && code !== 0;

  // From where.
  const meta = optObject(pp, 'requestMetadata', 'protoPayload.requestMetadata');
  const callerIp = optString(meta, 'callerIp', 'protoPayload.requestMetadata.callerIp') ?? optString(meta, 'callerIP', 'protoPayload.requestMetadata.callerIP');
  const userAgent = optString(meta, 'callerSuppliedUserAgent', 'protoPayload.requestMetadata.callerSuppliedUserAgent');

  // On what.
  const resourceName = optString(pp, 'resourceName', 'protoPayload.resourceName');
  const resources: ApiActivity['resources'] = [];
  if (resourceName !== null) {
    const parts = parseResourceName(resourceName);
    resources.push({ uid: resourceName, type: resourceType ?? parts.collection, name: parts.id });
  }

  const insertId = optString(rec, 'insertId', 'insertId');
  const operation = optObject(rec, 'operation', 'operation');
  const operationId = optString(operation, 'id', 'operation.id');

  // Unmapped: every other LogEntry field, and the protoPayload minus @type/serviceName/methodName.
  const objectCap = opts.objectCapBytes ?? DEFAULT_OBJECT_CAP_BYTES;
  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(rec)) {
    if (MAPPED_TOP.has(k) || isPantherField(k)) continue;
    unmapped[k] = v;
  }
  const payload: Obj = {};
  for (const [k, v] of Object.entries(pp)) {
    if (MAPPED_PAYLOAD.has(k)) continue;
    payload[k] = BIG_PAYLOAD_VALUES.includes(k) ? capValue(v, objectCap) : v;
  }
  unmapped.protoPayload = payload;
  if (log !== null) unmapped.audit_log = log.kind ?? log.logId;
  if (fallbacks.length > 0) unmapped._sluice = { fallbacks };

  const invokedBy = chain.find((c) => c !== null) ?? null;

  return apiActivityEvent(apiActivityHeader(activityId, time, failed ? 'Failure' : 'Success', code === null ? null : String(code), message), {
    metadata: {
      uid: insertId ?? stableRecordUid(rec),
      version: OCSF_VERSION,
      product_name: PRODUCT_NAME,
      vendor_name: VENDOR_NAME,
      log_name: log?.logId ?? null,
      original_time: originalTime,
      source: SOURCE_TYPE,
    },
    actor: {
      user: {
        uid: principal,
        name: email ?? subject,
        type: userType,
        account_uid: principalAccount(email),
        credential_uid: keyName,
      },
      session: null,
      invoked_by: invokedBy !== null && invokedBy.toLowerCase() !== principal ? invokedBy : null,
    },
    api: {
      ...canonicalMethod(method),
      service_name: serviceName,
      request_uid: operationId,
    },
    cloud: { provider: CLOUD_PROVIDER, region, account_uid: account },
    src_endpoint: ipOrDomain(callerIp),
    user_agent: userAgent,
    resources,
    unmapped: unmappedText(unmapped, opts.unmappedCapBytes ?? RAW_CAP_BYTES),
    raw_data: rawText(rec, opts.rawCapBytes ?? RAW_CAP_BYTES),
  });
}
