import { SluiceError } from '../../core/errors.ts';
/**
 * Kubernetes audit record -> OCSF API Activity (6003). Pure: no I/O, no clock (the ingest time used
 * for records without a time is passed in), no randomness. Three record forms are read here:
 *   - native `audit.k8s.io/v1` Event (self-managed clusters, EKS, webhook, file replay);
 *   - GKE Cloud Audit Logs LogEntry (`protoPayload` with `methodName: io.k8s.…`);
 *   - AKS diagnostics record (`category: kube-audit[-admin]`, the Event as JSON text in `properties.log`).
 * The CloudWatch Logs subscription envelope (EKS) and EventList are expanded by the collector,
 * which hands each Event here with its context. README.md next to this file has the field mapping.
 */
import { apiActivityEvent, apiActivityHeader, OCSF_VERSION, RAW_CAP_BYTES, type ApiActivity } from '../../core/events.ts';
import { parseTimestamp, stableRecordUid } from '../aws_cloudtrail/index.ts';
import { capValue, clip, ipOrDomain, isObj, isPantherField, malformed, optArray, optFirstString, optInteger, optObject, optString, rawText, typeName, unmappedText, type Obj } from './fields.ts';
import { canonicalLogEntry } from '../gcp_audit/log-entry.ts';
import { aksTableRowToEvent, isAksAuditTableRow } from './aks-table.ts';

export const SOURCE_TYPE = 'k8s_audit';
export const PRODUCT_NAME = 'Kubernetes Audit';
export const VENDOR_NAME = 'Kubernetes';

/** actor.user.uid of an event that names no user (only seen in cut-down test stubs). */
export const UNKNOWN_PRINCIPAL = 'unknown';
/** api.operation of an event that names no verb. */
export const UNKNOWN_OPERATION = 'unknown';

export const K8S_PROVIDERS = ['Kubernetes', 'EKS', 'GKE', 'AKS'] as const;
export type K8sProvider = (typeof K8S_PROVIDERS)[number];

export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof AUDIT_STAGES)[number];
/** Stages normalized by default. RequestReceived only duplicates the later stage of the same request. */
export const DEFAULT_STAGES: readonly AuditStage[] = ['ResponseStarted', 'ResponseComplete', 'Panic'];
/** Stages after which nothing more is logged for the request: their uid is the bare auditID. */
const FINAL_STAGES = new Set(['ResponseComplete', 'Panic']);

/** Kubernetes verb -> OCSF activity_id (1 Create, 2 Read, 3 Update, 4 Delete; others 99). */
export const VERB_ACTIVITY: Readonly<Record<string, 1 | 2 | 3 | 4>> = Object.freeze({
  create: 1,
  get: 2,
  list: 2,
  watch: 2,
  update: 3,
  patch: 3,
  delete: 4,
  deletecollection: 4,
});

/** Where an event came from, beyond the event itself. */
export interface K8sContext {
  provider: K8sProvider;
  cluster: string | null;
  accountUid: string | null;
  region: string | null;
  /** metadata.log_name: the GKE logName, the AKS category, the CloudWatch log group. */
  logName: string | null;
  /** A transport time (AKS record `time`, CloudWatch `logEvents[].timestamp`) for events without their own. */
  transportTime?: { ms: number; text: string } | null;
  /** Fields of the wrapper (AKS record, CloudWatch envelope) kept in unmapped under this key. */
  wrapper?: { key: string; fields: Obj } | null;
}

export interface K8sNormalizeOptions {
  /** raw_data is kept when its JSON is at most this many UTF-8 bytes. Default RAW_CAP_BYTES. */
  rawCapBytes?: number;
  /** unmapped becomes {"_truncated":true} over this many bytes. Default RAW_CAP_BYTES. */
  unmappedCapBytes?: number;
  /** requestObject/responseObject (GKE request/response) over this many bytes become {"_truncated":true,"bytes":N}. Default 16 KiB. */
  objectCapBytes?: number;
  /** Stages normalized; an event of another stage is rejected. Default DEFAULT_STAGES. */
  stages?: readonly string[];
  /** epoch ms used as `time` for an event that carries none; null/absent rejects such events. */
  ingestTime?: number | null;
  /** Context of native events (from config): provider, cluster, account, region. */
  defaults?: Partial<Pick<K8sContext, 'provider' | 'cluster' | 'accountUid' | 'region'>>;
}

export const DEFAULT_OBJECT_CAP_BYTES = 16 * 1024;

/** What every form yields before it becomes an ApiActivity. */
interface Facts {
  principal: string | null;
  userUid: string | null;
  credential: string | null;
  issuer: string | null;
  verb: string | null;
  group: string | null;
  version: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  hasObject: boolean;
  path: string | null;
  source: string | null;
  userAgent: string | null;
  code: number | null;
  statusWord: string | null;
  message: string | null;
  reason: string | null;
  decision: string | null;
  time: { ms: number; text: string } | null;
  uid: string | null;
  stage: string | null;
  unmapped: Obj;
}

// ---------------------------------------------------------------------------------------------
// Form detection

export type K8sForm = 'native' | 'gke' | 'aks' | 'aks-table';

/** Which record form this is, or null when it is none of them. Does not validate the fields. */
export function k8sFormOf(record: unknown): K8sForm | null {
  if (!isObj(record)) return null;
  if (isObj(record.protoPayload) || isObj(record.protopayload)) return 'gke';
  if (isAksAuditTableRow(record)) return 'aks-table';
  const category = record.category;
  if (typeof category === 'string' && /^kube-audit/i.test(category)) return 'aks';
  const kind = record.kind;
  const apiVersion = record.apiVersion;
  if (kind === 'EventList') return null;
  if (typeof apiVersion === 'string') return apiVersion.startsWith('audit.k8s.io/') ? 'native' : null;
  const auditish = 'verb' in record || 'requestURI' in record || 'objectRef' in record || 'auditID' in record;
  if (kind === 'Event') return auditish ? 'native' : null;
  if (kind !== undefined) return null;
  // No kind/apiVersion (a cut-down export): a verb with what it acted on, and who or from where.
  const actedOn = 'objectRef' in record || 'requestURI' in record;
  const who = 'user' in record || 'sourceIPs' in record || 'responseStatus' in record || 'auditID' in record || 'stage' in record;
  return typeof record.verb === 'string' && actedOn && who ? 'native' : null;
}

// ---------------------------------------------------------------------------------------------
// Time

function readTime(obj: Obj, key: string, path: string): { ms: number; text: string } | null {
  const text = optString(obj, key, path);
  if (text === null) return null;
  const ms = parseTimestamp(text);
  if (ms === null) malformed(`${path} "${clip(text)}" is not an ISO-8601 date-time`);
  return { ms, text };
}

// ---------------------------------------------------------------------------------------------
// Native audit.k8s.io Event

/** Fields of a native Event mapped to typed fields (the rest go to unmapped). */
const NATIVE_MAPPED = new Set([
  'kind', 'apiVersion', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus',
  'requestReceivedTimestamp', 'auditID', 'requestObject', 'responseObject',
]);

function nativeFacts(ev: Obj, p: string, objectCap: number): Facts {
  const kind = optString(ev, 'kind', `${p}kind`);
  if (kind !== null && kind !== 'Event') malformed(`${p}kind is "${clip(kind)}", not "Event"`);
  const apiVersion = optString(ev, 'apiVersion', `${p}apiVersion`);
  if (apiVersion !== null && !apiVersion.startsWith('audit.k8s.io/')) {
    malformed(`${p}apiVersion "${clip(apiVersion)}" is not audit.k8s.io/*: not a Kubernetes audit event`);
  }
  const verb = optString(ev, 'verb', `${p}verb`);
  const requestURI = optString(ev, 'requestURI', `${p}requestURI`);
  const objectRef = optObject(ev, 'objectRef', `${p}objectRef`);
  if (verb === null && requestURI === null && objectRef === null) {
    malformed(`not a Kubernetes audit event: ${p}verb, ${p}requestURI and ${p}objectRef are all missing`);
  }

  const user = optObject(ev, 'user', `${p}user`);
  const username = optString(user, 'username', `${p}user.username`);
  const userUid = optString(user, 'uid', `${p}user.uid`);
  const extra = optObject(user, 'extra', `${p}user.extra`);
  const accessKeyId = optFirstString(extra, 'accessKeyId', `${p}user.extra.accessKeyId`);
  const credentialId = optFirstString(extra, 'authentication.kubernetes.io/credential-id', `${p}user.extra["authentication.kubernetes.io/credential-id"]`);
  const canonicalArn = optFirstString(extra, 'canonicalArn', `${p}user.extra.canonicalArn`);

  const sourceIPs = optArray(ev, 'sourceIPs', `${p}sourceIPs`);
  let source: string | null = null;
  if (sourceIPs !== null && sourceIPs.length > 0) {
    const first: unknown = sourceIPs[0];
    if (typeof first !== 'string') malformed(`${p}sourceIPs[0] must be a string, got ${typeName(first)}`);
    source = first.trim() === '' ? null : first;
  }
  const userAgent = optString(ev, 'userAgent', `${p}userAgent`);

  const group = optString(objectRef, 'apiGroup', `${p}objectRef.apiGroup`);
  const version = optString(objectRef, 'apiVersion', `${p}objectRef.apiVersion`);
  const resource = optString(objectRef, 'resource', `${p}objectRef.resource`);
  const subresource = optString(objectRef, 'subresource', `${p}objectRef.subresource`);
  const namespace = optString(objectRef, 'namespace', `${p}objectRef.namespace`);
  const name = optString(objectRef, 'name', `${p}objectRef.name`);

  const responseStatus = optObject(ev, 'responseStatus', `${p}responseStatus`);
  const code = optInteger(responseStatus, 'code', `${p}responseStatus.code`);
  const statusWord = optString(responseStatus, 'status', `${p}responseStatus.status`);
  const message = optString(responseStatus, 'message', `${p}responseStatus.message`);
  const reason = optString(responseStatus, 'reason', `${p}responseStatus.reason`);

  const annotations = optObject(ev, 'annotations', `${p}annotations`);
  const decision = optString(annotations, 'authorization.k8s.io/decision', `${p}annotations["authorization.k8s.io/decision"]`);

  const time = readTime(ev, 'requestReceivedTimestamp', `${p}requestReceivedTimestamp`) ?? readTime(ev, 'stageTimestamp', `${p}stageTimestamp`);
  const auditID = optString(ev, 'auditID', `${p}auditID`);
  const stage = optString(ev, 'stage', `${p}stage`);

  // Unmapped: everything not mapped above, with the parts of user/objectRef/responseStatus left over.
  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(ev)) {
    if (NATIVE_MAPPED.has(k) || isPantherField(k)) continue;
    unmapped[k] = v;
  }
  if (user) {
    const rest: Obj = {};
    for (const [k, v] of Object.entries(user)) if (k !== 'username') rest[k] = v;
    if (Object.keys(rest).length > 0) unmapped.user = rest;
  }
  if (sourceIPs !== null && sourceIPs.length > 1) unmapped.sourceIPs = sourceIPs;
  if (objectRef) {
    const mapped = new Set(['apiGroup', 'apiVersion', 'resource', 'subresource', 'namespace', 'name']);
    const rest: Obj = {};
    for (const [k, v] of Object.entries(objectRef)) if (!mapped.has(k)) rest[k] = v;
    if (Object.keys(rest).length > 0) unmapped.objectRef = rest;
  }
  if (responseStatus) {
    const rest: Obj = {};
    for (const [k, v] of Object.entries(responseStatus)) if (k !== 'code') rest[k] = v;
    if (Object.keys(rest).length > 0) unmapped.responseStatus = rest;
  }
  if (ev.requestObject !== undefined) unmapped.requestObject = capValue(ev.requestObject, objectCap);
  if (ev.responseObject !== undefined) unmapped.responseObject = capValue(ev.responseObject, objectCap);

  return {
    principal: username ?? userUid,
    userUid,
    credential: accessKeyId ?? credentialId,
    issuer: canonicalArn,
    verb,
    group,
    version,
    resource,
    subresource,
    namespace,
    name,
    hasObject: objectRef !== null,
    path: requestURI,
    source,
    userAgent,
    code,
    statusWord,
    message,
    reason,
    decision,
    time,
    uid: auditID,
    stage,
    unmapped,
  };
}

// ---------------------------------------------------------------------------------------------
// GKE: Cloud Audit Logs LogEntry

/**
 * Parses a GKE resourceName (`core/v1/namespaces/default/pods/test/exec`,
 * `rbac.authorization.k8s.io/v1/clusterroles/all-reader`) into objectRef parts.
 */
export function parseGkeResourceName(text: string): {
  group: string; version: string | null; namespace: string | null; resource: string | null; name: string | null; subresource: string | null;
} | null {
  const segs = text.split('/').filter((s) => s !== '');
  if (segs.length < 3) return null;
  const [group, version, ...rest] = segs as [string, string, ...string[]];
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    return { group, version, namespace: rest[1]!, resource: rest[2]!, name: rest[3] ?? null, subresource: rest[4] ?? null };
  }
  return { group, version, namespace: null, resource: rest[0] ?? null, name: rest[1] ?? null, subresource: rest[2] ?? null };
}

/** Built-in API groups named `<x>.k8s.io`, which GKE's method names shorten to `<x>` (groups such as apps, batch, policy have no suffix). */
const GKE_K8S_IO_GROUPS: ReadonlySet<string> = new Set([
  'admissionregistration', 'apiextensions', 'apiregistration', 'authentication', 'authorization', 'certificates', 'coordination',
  'discovery', 'events', 'networking', 'node', 'resource', 'scheduling', 'storage', 'storagemigration',
]);

/** io.k8s.<group>.<version>.<resource>[.<subresource>].<verb> -> its parts (the API group as the native objectRef names it). */
function parseGkeMethod(method: string): { verb: string; group: string | null; version: string | null; resource: string | null; subresource: string | null } {
  const segs = method.split('.');
  const verb = segs[segs.length - 1]!;
  // A custom resource's method starts with its reversed group, of any length: only the verb and resource are sure.
  if (!method.startsWith('io.k8s.')) return { verb, group: null, version: null, resource: segs.length >= 3 ? segs[segs.length - 2]! : null, subresource: null };
  const body = segs.slice(2, -1); // after io.k8s
  // The group may have several segments, reversed and without `.k8s.io` (io.k8s.authorization.rbac.v1.clusterroles.create,
  // io.k8s.admissionregistration.v1…): the version segment (v1, v1beta1, v2alpha1) splits group from resource.
  const at = body.findIndex((x, i) => i > 0 && /^v[0-9]+((alpha|beta)[0-9]+)?$/.test(x));
  if (at > 1) {
    const group = body.slice(0, at).reverse().join('.') + '.k8s.io';
    return { verb, group, version: body[at]!, resource: body[at + 1] ?? null, subresource: body[at + 2] ?? null };
  }
  const [short, version, resource, subresource] = body;
  const group = short !== undefined && GKE_K8S_IO_GROUPS.has(short) ? `${short}.k8s.io` : short;
  return { verb, group: group ?? null, version: version ?? null, resource: resource ?? null, subresource: subresource ?? null };
}

/** google.rpc.Code -> HTTP status, as documented in google/rpc/code.proto. */
const RPC_TO_HTTP: Record<number, number> = {
  1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
};

const GKE_MAPPED_TOP = new Set(['protoPayload', 'resource', 'timestamp', 'logName', 'insertId']);
const GKE_MAPPED_PAYLOAD = new Set(['methodName', 'resourceName', 'authenticationInfo', 'requestMetadata', 'request', 'response']);

function gkeFacts(rec: Obj, objectCap: number): { facts: Facts; ctx: Partial<K8sContext> } {
  const pp = optObject(rec, 'protoPayload', 'protoPayload')!;
  const method = optString(pp, 'methodName', 'protoPayload.methodName');
  if (method === null) malformed('not a GKE Kubernetes audit entry: protoPayload.methodName is missing');
  // Custom resources are logged under their own group (`io.cert-manager.v1.certificates.create`) with serviceName k8s.io.
  if (!method.startsWith('io.k8s.') && pp.serviceName !== 'k8s.io') {
    malformed(`not a GKE Kubernetes audit entry: protoPayload.methodName "${clip(method)}" is not an io.k8s.* method`);
  }
  const m = parseGkeMethod(method);

  const auth = optObject(pp, 'authenticationInfo', 'protoPayload.authenticationInfo');
  const email = optString(auth, 'principalEmail', 'protoPayload.authenticationInfo.principalEmail');
  const subject = optString(auth, 'principalSubject', 'protoPayload.authenticationInfo.principalSubject');
  const meta = optObject(pp, 'requestMetadata', 'protoPayload.requestMetadata');
  const callerIp = optString(meta, 'callerIp', 'protoPayload.requestMetadata.callerIp') ?? optString(meta, 'callerIP', 'protoPayload.requestMetadata.callerIP');
  const userAgent = optString(meta, 'callerSuppliedUserAgent', 'protoPayload.requestMetadata.callerSuppliedUserAgent');

  // The resource: protoPayload.resourceName, else the first authorizationInfo[].resource
  // (inside protoPayload, or beside it as in some exports).
  let resourceName = optString(pp, 'resourceName', 'protoPayload.resourceName');
  let authz: unknown[] | null = optArray(pp, 'authorizationInfo', 'protoPayload.authorizationInfo');
  let authzPath = 'protoPayload.authorizationInfo';
  if (authz === null) {
    authz = optArray(rec, 'authorizationInfo', 'authorizationInfo');
    authzPath = 'authorizationInfo';
  }
  let denied = false;
  (authz ?? []).forEach((a: unknown, i: number) => {
    if (!isObj(a)) malformed(`${authzPath}[${i}] must be an object, got ${typeName(a)}`);
    const granted = a.granted;
    if (granted !== undefined && granted !== null && typeof granted !== 'boolean') {
      malformed(`${authzPath}[${i}].granted must be a boolean, got ${typeName(granted)}`);
    }
    if (granted === false) denied = true;
    const r = optString(a, 'resource', `${authzPath}[${i}].resource`);
    if (resourceName === null && r !== null) resourceName = r;
  });
  const parsed = resourceName === null ? null : parseGkeResourceName(resourceName);

  // Status: google.rpc status (proto3 JSON omits code 0, so `status: {}` is OK), the k8s Status in
  // the response, and authorization grants.
  const rpc = optObject(pp, 'status', 'protoPayload.status');
  const rpcCode = optInteger(rpc, 'code', 'protoPayload.status.code');
  const rpcMessage = optString(rpc, 'message', 'protoPayload.status.message');
  const response = optObject(pp, 'response', 'protoPayload.response');
  const responseCode = response && response.kind === 'Status' ? optInteger(response, 'code', 'protoPayload.response.code') : null;
  const responseStatus = response ? (typeof response.status === 'string' ? response.status : null) : null;
  const responseMessage = response && response.kind === 'Status' ? optString(response, 'message', 'protoPayload.response.message') : null;
  const responseReason = response && response.kind === 'Status' ? optString(response, 'reason', 'protoPayload.response.reason') : null;
  // Without a Kubernetes Status in the response, the google.rpc code gives the HTTP code by its
  // documented mapping (PERMISSION_DENIED 7 -> 403, UNAUTHENTICATED 16 -> 401, ...), and a denied
  // authorization without any code is a 403, so rules on status codes read GKE like the others.
  const code: number | null = responseCode ?? (rpcCode !== null && rpcCode !== 0 ? (RPC_TO_HTTP[rpcCode] ?? 500) : denied ? 403 : null);
  let statusWord: string | null = null;
  if (responseStatus === 'Failure' || (rpcCode !== null && rpcCode !== 0) || denied) statusWord = 'Failure';
  else if (rpc !== null || response !== null) statusWord = 'Success';

  const time = readTime(rec, 'timestamp', 'timestamp') ?? readTime(rec, 'receiveTimestamp', 'receiveTimestamp');
  const insertId = optString(rec, 'insertId', 'insertId');
  const operation = optObject(rec, 'operation', 'operation');
  const operationId = optString(operation, 'id', 'operation.id');

  const resourceObj = optObject(rec, 'resource', 'resource');
  const labels = optObject(resourceObj, 'labels', 'resource.labels');
  const logName = optString(rec, 'logName', 'logName');

  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(rec)) {
    if (GKE_MAPPED_TOP.has(k) || isPantherField(k)) continue;
    unmapped[k] = v;
  }
  const ppRest: Obj = {};
  for (const [k, v] of Object.entries(pp)) if (!GKE_MAPPED_PAYLOAD.has(k)) ppRest[k] = v;
  if (auth) {
    const rest: Obj = {};
    for (const [k, v] of Object.entries(auth)) if (k !== 'principalEmail') rest[k] = v;
    if (Object.keys(rest).length > 0) ppRest.authenticationInfo = rest;
  }
  if (pp.request !== undefined) ppRest.request = capValue(pp.request, objectCap);
  if (pp.response !== undefined) ppRest.response = capValue(pp.response, objectCap);
  if (resourceName !== null) ppRest.resourceName = resourceName;
  unmapped.protoPayload = ppRest;
  if (isObj(resourceObj) && resourceObj.type !== undefined) unmapped.resourceType = resourceObj.type;
  if (insertId !== null) unmapped.insertId = insertId;

  const facts: Facts = {
    principal: email ?? subject,
    userUid: null,
    credential: null,
    issuer: null,
    verb: m.verb,
    group: parsed?.group ?? m.group,
    version: parsed?.version ?? m.version,
    resource: parsed?.resource ?? m.resource,
    subresource: parsed?.subresource ?? m.subresource,
    namespace: parsed?.namespace ?? null,
    name: parsed?.name ?? null,
    hasObject: parsed !== null || m.resource !== null,
    path: parsed === null && m.resource === null ? resourceName : null,
    source: callerIp,
    userAgent,
    code,
    statusWord,
    message: responseMessage ?? rpcMessage,
    reason: responseReason,
    decision: denied ? 'forbid' : null,
    time,
    uid: insertId ?? operationId,
    stage: null,
    unmapped,
  };
  const ctx: Partial<K8sContext> = {
    provider: 'GKE',
    cluster: optString(labels, 'cluster_name', 'resource.labels.cluster_name'),
    accountUid: optString(labels, 'project_id', 'resource.labels.project_id'),
    region: optString(labels, 'location', 'resource.labels.location'),
    logName,
  };
  return { facts, ctx };
}

// ---------------------------------------------------------------------------------------------
// AKS: Azure diagnostics record carrying the Event as JSON text

/** `/subscriptions/<id>/…` -> id (lower-cased; subscription ids are GUIDs). */
export function subscriptionOf(resourceId: string | null): string | null {
  if (resourceId === null) return null;
  const m = /\/subscriptions\/([^/]+)/i.exec(resourceId);
  return m ? m[1]!.toLowerCase() : null;
}

function aksUnwrap(rec: Obj): { event: Obj; ctx: Partial<K8sContext> } {
  const properties = optObject(rec, 'properties', 'properties');
  if (properties === null) malformed('not an AKS kube-audit record: properties is missing');
  const log = properties.log;
  let event: unknown;
  if (typeof log === 'string') {
    try {
      event = JSON.parse(log);
    } catch (err) {
      malformed(`properties.log is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else if (log === undefined || log === null) {
    malformed('not an AKS kube-audit record: properties.log is missing');
  } else {
    event = log;
  }
  if (!isObj(event)) malformed(`properties.log must hold a JSON object, got ${typeName(event)}`);

  const resourceId = optString(rec, 'resourceId', 'resourceId');
  const category = optString(rec, 'category', 'category');
  const time = readTime(rec, 'time', 'time');
  const cluster = resourceId ? (/\/managedClusters\/([^/]+)/i.exec(resourceId)?.[1] ?? null) : null;

  const wrapper: Obj = {};
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'properties' || k === 'time' || k === 'category' || isPantherField(k)) continue;
    wrapper[k] = v;
  }
  for (const [k, v] of Object.entries(properties)) if (k !== 'log') wrapper[k] = v;
  return {
    event,
    ctx: {
      provider: 'AKS',
      cluster,
      accountUid: subscriptionOf(resourceId),
      region: optString(rec, 'location', 'location'),
      logName: category,
      transportTime: time,
      wrapper: Object.keys(wrapper).length > 0 ? { key: 'aks', fields: wrapper } : null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Building the ApiActivity

/** AKS control-plane identities (the resource provider, control-plane components and node clients). */
const AKS_SYSTEM_USERS = new Set(['aksService', 'masterclient', 'nodeclient', 'aksProblemDetector']);

function userTypeOf(principal: string): string {
  if (principal.startsWith('system:serviceaccount:')) return 'ServiceAccount';
  if (principal.startsWith('system:node:')) return 'Node';
  if (principal === 'system:anonymous') return 'Anonymous';
  if (principal.startsWith('system:') || principal.startsWith('eks:') || AKS_SYSTEM_USERS.has(principal)) return 'System';
  if (principal.endsWith('.gserviceaccount.com')) return 'ServiceAccount';
  return 'User';
}

/** `k8s:<apiGroup or core>/<resource>[/<subresource>]`, or `k8s:nonresource` for paths such as /healthz. */
export function k8sServiceName(group: string | null, resource: string | null, subresource: string | null, hasObject: boolean): string {
  if (!hasObject) return 'k8s:nonresource';
  return `k8s:${group ?? 'core'}/${resource ?? 'unknown'}${subresource ? `/${subresource}` : ''}`;
}

/** Version-free object path: `<group or core>/[namespaces/<ns>/]<resource>[/<name>]`. */
export function k8sResourceUid(group: string | null, namespace: string | null, resource: string | null, name: string | null): string {
  return `${group ?? 'core'}/${namespace ? `namespaces/${namespace}/` : ''}${resource ?? 'unknown'}${name ? `/${name}` : ''}`;
}

function build(f: Facts, ctx: K8sContext, raw: unknown, hashBasis: Obj, opts: K8sNormalizeOptions): ApiActivity {
  const fallbacks: string[] = [];

  const stages = opts.stages ?? DEFAULT_STAGES;
  if (f.stage !== null && !stages.includes(f.stage)) {
    throw new SluiceError('SLUICE_ERR_INPUT_FILTERED', `stage "${clip(f.stage)}" is not collected (configured stages: ${stages.join(', ')})`);
  }

  let time = f.time ?? ctx.transportTime ?? null;
  if (time === null) {
    if (opts.ingestTime === undefined || opts.ingestTime === null) {
      malformed('the event has no time (requestReceivedTimestamp and stageTimestamp are missing)');
    }
    time = { ms: opts.ingestTime, text: '' };
    fallbacks.push('time');
  }

  let principal = f.principal;
  if (principal === null) {
    principal = UNKNOWN_PRINCIPAL;
    fallbacks.push('principal');
  }
  let verb = f.verb;
  if (verb === null) {
    verb = UNKNOWN_OPERATION;
    fallbacks.push('operation');
  }
  const activityId = Object.hasOwn(VERB_ACTIVITY, verb) ? VERB_ACTIVITY[verb]! : 99;

  // Status: HTTP code first, then the Status word; an authorization "forbid" is always a failure.
  let status: ApiActivity['status'] = 'Unknown';
  if (f.code !== null) status = f.code >= 400 ? 'Failure' : 'Success';
  else if (f.statusWord === 'Failure') status = 'Failure';
  else if (f.statusWord === 'Success') status = 'Success';
  if (f.decision === 'forbid') status = 'Failure';

  const resources: ApiActivity['resources'] = [];
  if (f.hasObject) {
    resources.push({ uid: k8sResourceUid(f.group, f.namespace, f.resource, f.name), type: f.resource, name: f.name });
  } else if (f.path !== null) {
    resources.push({ uid: f.path.split('?')[0] ?? f.path, type: 'nonResourceURL', name: null });
  }

  let uid = f.uid;
  if (uid !== null && f.stage !== null && !FINAL_STAGES.has(f.stage)) uid = `${uid}:${f.stage}`;

  const unmapped: Obj = { ...f.unmapped };
  if (ctx.cluster !== null) unmapped.cluster = ctx.cluster;
  if (ctx.wrapper) unmapped[ctx.wrapper.key] = ctx.wrapper.fields;
  if (fallbacks.length > 0) unmapped._sluice = { fallbacks };

  const endpoint = ipOrDomain(f.source);
  return apiActivityEvent(apiActivityHeader(activityId, time.ms, status, f.code === null ? null : String(f.code), f.message ?? f.reason ?? (f.decision === 'forbid' ? 'authorization decision: forbid' : null)), {
    metadata: {
      uid: uid ?? stableRecordUid(hashBasis),
      version: OCSF_VERSION,
      product_name: PRODUCT_NAME,
      vendor_name: VENDOR_NAME,
      log_name: ctx.logName,
      original_time: time.text,
      source: SOURCE_TYPE,
    },
    actor: {
      user: {
        uid: principal,
        name: f.principal,
        type: f.principal === null ? null : userTypeOf(f.principal),
        account_uid: ctx.accountUid,
        credential_uid: f.credential,
      },
      session: f.issuer === null ? null : { is_mfa: null, issuer: f.issuer, created_time: null },
      invoked_by: null,
    },
    api: {
      operation: verb,
      service_name: k8sServiceName(f.group, f.resource, f.subresource, f.hasObject),
      request_uid: f.uid,
      version: f.version,
    },
    cloud: { provider: ctx.provider, region: ctx.region, account_uid: ctx.accountUid },
    src_endpoint: endpoint,
    user_agent: f.userAgent,
    resources,
    unmapped: unmappedText(unmapped, opts.unmappedCapBytes ?? RAW_CAP_BYTES),
    raw_data: rawText(raw, opts.rawCapBytes ?? RAW_CAP_BYTES),
  });
}

function contextFrom(opts: K8sNormalizeOptions, over: Partial<K8sContext>): K8sContext {
  const d = opts.defaults ?? {};
  return {
    provider: over.provider ?? d.provider ?? 'Kubernetes',
    cluster: over.cluster !== undefined ? over.cluster : (d.cluster ?? null),
    accountUid: over.accountUid !== undefined ? over.accountUid : (d.accountUid ?? null),
    region: over.region !== undefined ? over.region : (d.region ?? null),
    logName: over.logName ?? null,
    transportTime: over.transportTime ?? null,
    wrapper: over.wrapper ?? null,
  };
}

/** Panther exports name the feed in p_log_type; Amazon.EKS.Audit says the native event is from EKS. */
function pantherProvider(rec: Obj): K8sProvider | undefined {
  return rec.p_log_type === 'Amazon.EKS.Audit' ? 'EKS' : undefined;
}

/**
 * Normalizes one native audit.k8s.io Event with the given context (used for CloudWatch-delivered
 * EKS events and the webhook). `raw` is what raw_data keeps (default: the event).
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field when the event is not usable.
 */
export function normalizeK8sAuditEvent(
  event: unknown,
  context: Partial<K8sContext>,
  opts: K8sNormalizeOptions = {},
  raw: unknown = event,
): ApiActivity {
  if (!isObj(event)) malformed(`record must be a JSON object, got ${typeName(event)}`);
  const facts = nativeFacts(event, '', opts.objectCapBytes ?? DEFAULT_OBJECT_CAP_BYTES);
  return build(facts, contextFrom(opts, context), raw, event, opts);
}

/**
 * Normalizes one record of any supported form (native Event, GKE LogEntry, AKS kube-audit record).
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field(s) when the record is not a Kubernetes audit event.
 */
export function normalizeK8sAudit(record: unknown, opts: K8sNormalizeOptions = {}): ApiActivity {
  if (!isObj(record)) malformed(`record must be a JSON object, got ${typeName(record)}`);
  const objectCap = opts.objectCapBytes ?? DEFAULT_OBJECT_CAP_BYTES;
  const form = k8sFormOf(record);
  if (form === 'gke') {
    // An export that lower-cased the LogEntry fields (protopayload, logname, insertid) reads as the API writes them.
    const entry = canonicalLogEntry(record) as Obj;
    const { facts, ctx } = gkeFacts(entry, objectCap);
    return build(facts, contextFrom(opts, ctx), record, entry, opts);
  }
  if (form === 'aks-table') {
    const { event, rest } = aksTableRowToEvent(record);
    const facts = nativeFacts(event, '', objectCap);
    const resourceId = optString(rest, '_ResourceId', '_ResourceId');
    const ctx: Partial<K8sContext> = {
      provider: 'AKS',
      cluster: resourceId ? (/\/managedClusters\/([^/]+)/i.exec(resourceId)?.[1] ?? null) : null,
      accountUid: subscriptionOf(resourceId),
      region: null,
      logName: typeof rest.Type === 'string' ? rest.Type : null,
      transportTime: readTime(rest, 'TimeGenerated', 'TimeGenerated'),
      wrapper: Object.keys(rest).length > 0 ? { key: 'aks', fields: rest } : null,
    };
    return build(facts, contextFrom(opts, ctx), record, event, opts);
  }
  if (form === 'aks') {
    const { event, ctx } = aksUnwrap(record);
    const facts = nativeFacts(event, 'properties.log.', objectCap);
    return build(facts, contextFrom(opts, ctx), record, event, opts);
  }
  if (record.kind === 'EventList') malformed('an EventList must be split into its items before normalizing');
  const facts = nativeFacts(record, '', objectCap);
  const provider = pantherProvider(record);
  return build(facts, contextFrom(opts, provider ? { provider } : {}), record, record, opts);
}
