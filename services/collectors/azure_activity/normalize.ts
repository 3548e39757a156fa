/**
 * Azure Monitor activity log record -> OCSF API Activity (6003). Pure: no I/O, no clock, no randomness.
 * Reads the resource-log form streamed to Event Hubs / storage (`time`, `operationName`,
 * `resultType`, `identity.claims`, …), the REST API form (`eventTimestamp`, `operationName.value`,
 * `status.value`, `claims`, `caller`, `httpRequest`, …), and data-plane resource logs that share the
 * top-level schema (StorageRead/StorageWrite/StorageDelete: `statusCode`, `identity.type`, `uri`),
 * and rows of the Log Analytics `AzureActivity` table (renamed to the resource-log names first).
 * The mapping is described field by field in README.md next to this file.
 */
import { apiActivityEvent, apiActivityHeader, OCSF_VERSION, RAW_CAP_BYTES, type ApiActivity } from '../../core/events.ts';
import { activityIdFor, parseTimestamp, stableRecordUid } from '../aws_cloudtrail/index.ts';
import { clip, ipOrDomain, isObj, isPantherField, malformed, optInteger, optObject, optString, rawText, typeName, unmappedText, type Obj } from '../k8s_audit/fields.ts';
import { subscriptionOf } from '../k8s_audit/normalize.ts';
import { activityLogAlertEvent, objectOrJsonText } from './alert-payload.ts';

export const SOURCE_TYPE = 'azure_activity';
export const PRODUCT_NAME = 'Azure Activity Log';
export const VENDOR_NAME = 'Microsoft';
export const CLOUD_PROVIDER = 'Azure';

/** Claim names as they appear in activity logs (long URIs) and in raw tokens (short names). */
export const CLAIMS = Object.freeze({
  objectId: ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'],
  upn: ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn', 'upn'],
  name: ['name', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', 'unique_name'],
  email: ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'email'],
  appId: ['appid', 'azp'],
  tenantId: ['http://schemas.microsoft.com/identity/claims/tenantid', 'tid'],
  authMethods: ['http://schemas.microsoft.com/claims/authnmethodsreferences', 'amr'],
  identityType: ['idtyp'],
  issuer: ['iss'],
  issuedAt: ['iat'],
  ipAddress: ['ipaddr'],
} as const);

export interface NormalizeOptions {
  /** raw_data is kept when JSON.stringify(record) is at most this many UTF-8 bytes. Default RAW_CAP_BYTES. */
  rawCapBytes?: number;
  /** unmapped is replaced by {"_truncated":true} when its JSON exceeds this many UTF-8 bytes. Default RAW_CAP_BYTES. */
  unmappedCapBytes?: number;
}

/** A kube-audit diagnostics record (AKS): the Kubernetes audit event is in properties.log. */
export function isKubeAuditRecord(record: unknown): boolean {
  return isObj(record) && typeof record.category === 'string' && /^kube-audit/i.test(record.category);
}

/** A string, or a REST LocalizableString `{"value": "...", "localizedValue": "..."}`: its value. */
function optLocalized(obj: Obj | null, key: string, path: string): string | null {
  if (!obj) return null;
  const v = obj[key];
  if (isObj(v)) return optString(v, 'value', `${path}.value`);
  return optString(obj, key, path);
}

/** A claim's value by any of its names; claims are strings (amr may be a list, iat a number). */
function claim(claims: Obj | null, names: readonly string[], path: string, numeric = false): string | null {
  if (!claims) return null;
  for (const n of names) {
    const v = claims[n];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(',');
    if (numeric && typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') malformed(`${path}["${n}"] must be a string, got ${typeName(v)}`);
    const t = v.trim();
    if (t !== '') return t;
  }
  return null;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** GUIDs and user principal names compare case-insensitively in Entra ID: keys are lower-cased. */
function keyCase(s: string): string {
  return GUID_RE.test(s) || s.includes('@') ? s.toLowerCase() : s;
}

/** Parts of an ARM resource id: provider namespace, type path and name of the last resource. */
export function parseResourceId(resourceId: string): { namespace: string | null; type: string | null; name: string | null } {
  const segs = resourceId.split('/').filter((s) => s !== '');
  let p = -1;
  for (let i = segs.length - 1; i >= 0; i--) {
    if (segs[i]!.toLowerCase() === 'providers') {
      p = i;
      break;
    }
  }
  if (p === -1) {
    // /subscriptions/<id>[/resourceGroups/<rg>]: the last key/value pair.
    if (segs.length >= 2) return { namespace: null, type: segs[segs.length - 2]!, name: segs[segs.length - 1]! };
    return { namespace: null, type: segs[0] ?? null, name: null };
  }
  const rest = segs.slice(p + 1);
  const namespace = rest[0] ?? null;
  const typeParts = namespace === null ? [] : [namespace];
  let name: string | null = null;
  for (let i = 1; i < rest.length; i += 2) {
    typeParts.push(rest[i]!);
    name = rest[i + 1] ?? null;
  }
  return { namespace, type: typeParts.length > 0 ? typeParts.join('/') : null, name };
}

const SUCCESS_WORDS = new Set(['success', 'succeeded']);
const FAILURE_WORDS = new Set(['failure', 'failed']);

/**
 * Status from resultType (REST status.value); without it, from resultSignature (REST subStatus),
 * an HTTP statusCode (data-plane logs), properties.metricResponseType or the storage statusText.
 */
function statusOf(
  resultType: string | null,
  signature: string | null,
  httpCode: number | null,
  metric: string | null,
  statusText: string | null,
): ApiActivity['status'] {
  if (resultType !== null) {
    const w = resultType.trim().toLowerCase();
    if (SUCCESS_WORDS.has(w)) return 'Success';
    if (FAILURE_WORDS.has(w)) return 'Failure';
    // Start, Accept, Active, In Progress, Resolved, ...: not an outcome.
    return 'Unknown';
  }
  if (signature !== null) {
    const s = signature.trim();
    if (/^\d{3}$/.test(s)) return Number(s) >= 400 ? 'Failure' : 'Success';
    if (/^succeeded\b/i.test(s) || /^success\b/i.test(s)) return 'Success';
    if (/^failed\b/i.test(s) || /^failure\b/i.test(s)) return 'Failure';
  }
  if (httpCode !== null) return httpCode >= 400 ? 'Failure' : 'Success';
  if (metric !== null) return metric.toLowerCase() === 'success' ? 'Success' : 'Failure';
  // Storage statusText: Success, SASSuccess, AnonymousSuccess...; anything else names an error.
  if (statusText !== null) return /success$/i.test(statusText.trim()) ? 'Success' : 'Failure';
  return 'Unknown';
}

/**
 * activity_id of an operation. ARM operations `<Provider>/<type>/<verb>`: write 1 Create (a PUT
 * creates or replaces), read 2, delete 4, `…/action` 2 when the action starts with list, get or read
 * (listKeys), else 99. Data-plane names (GetBlob, PutBlob, DeleteBlob) use CloudTrail's verb table.
 */
export function azureActivityId(operation: string): 1 | 2 | 3 | 4 | 99 {
  const segs = operation.split('/').filter((s) => s !== '');
  if (segs.length < 2) return activityIdFor(operation);
  const last = segs[segs.length - 1]!.toLowerCase();
  if (last === 'write') return 1;
  if (last === 'read') return 2;
  if (last === 'delete') return 4;
  if (last === 'action' && segs.length >= 2) {
    const action = segs[segs.length - 2]!.toLowerCase();
    if (/^(list|get|read)/.test(action)) return 2;
  }
  return 99;
}

/** The resource provider: `MICROSOFT.AUTHORIZATION` (upper-cased, as Event Hubs writes it). */
function providerOf(operation: string | null, restProvider: string | null, resourceId: string | null, category: string | null, uri: string | null): string | null {
  if (restProvider !== null) return restProvider.toUpperCase();
  if (operation !== null && operation.includes('/')) {
    const first = operation.split('/')[0]!;
    if (first.includes('.')) return first.toUpperCase();
  }
  if (resourceId !== null) {
    const ns = parseResourceId(resourceId).namespace;
    if (ns !== null) return ns.toUpperCase();
  }
  if (category !== null && /^storage(read|write|delete)$/i.test(category)) return 'MICROSOFT.STORAGE';
  if (uri !== null && /^https?:\/\/[^/]+\.(blob|file|queue|table|dfs)\.core\.windows\.net\//i.test(uri)) return 'MICROSOFT.STORAGE';
  return null;
}

/**
 * The action the caller was authorized for: `authorization.action` (REST form) or
 * `identity.authorization.action` (resource-log form). It names the operation when a record has no
 * operationName (exports that keep only the authorization block).
 */
function authorizedAction(rec: Obj): string | null {
  const holders = [rec.authorization, isObj(rec.identity) ? rec.identity.authorization : undefined];
  for (const h of holders) {
    if (isObj(h) && typeof h.action === 'string' && h.action.trim() !== '') return h.action.trim();
  }
  return null;
}

/**
 * A row of the Log Analytics `AzureActivity` table (Sentinel exports, data export rules, API
 * queries): PascalCase columns (`TimeGenerated`, `OperationNameValue`, `ActivityStatusValue`,
 * `Properties_d`…) instead of the resource-log names.
 */
export function isLogAnalyticsActivity(record: unknown): boolean {
  return (
    isObj(record) &&
    record.operationName === undefined &&
    (typeof record.OperationNameValue === 'string' || typeof record.OperationName === 'string') &&
    (typeof record.TimeGenerated === 'string' || typeof record.EventSubmissionTimestamp === 'string')
  );
}

/** A JSON-object column: the `_d` dynamic form, or the text form parsed; null otherwise. */
function laObject(rec: Obj, dynamicKey: string, textKey: string): Obj | null {
  const d = rec[dynamicKey];
  if (isObj(d)) return d;
  const t = rec[textKey];
  if (isObj(t)) return t;
  if (typeof t === 'string' && t.trim().startsWith('{')) {
    try {
      const v: unknown = JSON.parse(t);
      if (isObj(v)) return v;
    } catch {
      // not JSON: left as text in unmapped
    }
  }
  return null;
}

/**
 * Log Analytics AzureActivity row -> the resource-log field names this normalizer reads. Every
 * column not renamed is kept (in unmapped); empty strings count as absent, as Log Analytics writes
 * them for missing values.
 */
function fromLogAnalytics(la: Obj): Obj {
  const text = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = la[k];
      if (typeof v === 'string' && v.trim() !== '') return v;
    }
    return undefined;
  };
  const renamed = new Set([
    'TimeGenerated', 'EventSubmissionTimestamp', 'OperationNameValue', 'OperationName', 'ActivityStatusValue', 'ActivityStatus',
    'ActivitySubstatusValue', 'ActivitySubstatus', 'Caller', 'CallerIpAddress', '_ResourceId', 'ResourceId', 'SubscriptionId',
    'CategoryValue', 'Category', 'ResourceProviderValue', 'ResourceProvider', 'CorrelationId', 'Level', 'EventDataId', 'TenantId',
    'OperationId', 'Properties_d', 'Properties', 'Claims_d', 'Claims', 'Authorization_d', 'Authorization', 'HTTPRequest',
  ]);
  const out: Obj = {};
  for (const [k, v] of Object.entries(la)) if (!renamed.has(k)) out[k] = v;
  const set = (k: string, v: unknown): void => {
    if (v !== undefined && v !== null) out[k] = v;
  };
  set('time', text('TimeGenerated', 'EventSubmissionTimestamp'));
  set('operationName', text('OperationNameValue', 'OperationName'));
  set('resultType', text('ActivityStatusValue', 'ActivityStatus'));
  set('resultSignature', text('ActivitySubstatusValue', 'ActivitySubstatus'));
  set('caller', text('Caller'));
  set('callerIpAddress', text('CallerIpAddress'));
  set('resourceId', text('_ResourceId', 'ResourceId'));
  set('subscriptionId', text('SubscriptionId'));
  set('category', text('CategoryValue', 'Category'));
  set('resourceProviderName', text('ResourceProviderValue', 'ResourceProvider'));
  set('correlationId', text('CorrelationId'));
  set('level', text('Level'));
  set('eventDataId', text('EventDataId'));
  set('tenantId', text('TenantId'));
  set('operationId', text('OperationId'));
  set('properties', laObject(la, 'Properties_d', 'Properties') ?? text('Properties'));
  const claims = laObject(la, 'Claims_d', 'Claims');
  const authorization = laObject(la, 'Authorization_d', 'Authorization');
  if (claims !== null || authorization !== null) {
    const identity: Obj = {};
    if (claims !== null) identity.claims = claims;
    if (authorization !== null) identity.authorization = authorization;
    out.identity = identity;
  }
  set('httpRequest', laObject(la, 'HTTPRequest', 'HTTPRequest') ?? undefined);
  return out;
}

/**
 * The activity log category. Microsoft's mapping of the storage / Event Hubs schema documents
 * `category` as the operation type (`Write`, `Delete`, `Action`) with the category itself in
 * `properties.eventCategory`, "Administrative" when that is absent; newer records write the
 * category in `category`. Both give the same log_name.
 */
function logNameOf(category: string | null, eventCategory: string | null): string | null {
  if (category !== null && /^(write|delete|action)$/i.test(category.trim())) return eventCategory ?? 'Administrative';
  return category ?? eventCategory;
}

/** Top-level fields mapped 1:1 to a typed field; every other field goes to `unmapped`. */
const MAPPED_FIELDS = new Set([
  'time', 'eventTimestamp', 'operationName', 'operationVersion', 'callerIpAddress', 'location', 'eventDataId', 'subscriptionId',
  'resourceId',
]);

/**
 * Normalizes one activity log record (an element of an Event Hubs / storage `records` array, a
 * JSON-lines storage line, or a REST API `value` element) to an ApiActivity.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field(s) when the record is not an Azure activity record.
 */
export function normalizeAzureActivity(record: unknown, opts: NormalizeOptions = {}): ApiActivity {
  if (!isObj(record)) malformed(`record must be a JSON object, got ${typeName(record)}`);
  const original = record;
  const rec = isLogAnalyticsActivity(record) ? fromLogAnalytics(record as Obj) : (activityLogAlertEvent(record) ?? record);

  // Required: what was done, and when. Collect every problem so the reason names them all.
  const problems: string[] = [];
  let operation: string | null = null;
  let operationFromAuthorization = false;
  try {
    operation = optLocalized(rec, 'operationName', 'operationName');
    if (operation === null) {
      operation = authorizedAction(rec);
      if (operation === null) problems.push('operationName is missing');
      else operationFromAuthorization = true;
    }
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  let time: number | null = null;
  let originalTime: string | null = null;
  const timeKey = rec.time === undefined && rec.eventTimestamp !== undefined ? 'eventTimestamp' : 'time';
  const timeValue = rec[timeKey];
  if (timeValue === undefined || timeValue === null || timeValue === '') problems.push('time is missing');
  else if (typeof timeValue !== 'string') problems.push(`${timeKey} must be a string, got ${typeName(timeValue)}`);
  else {
    time = parseTimestamp(timeValue);
    if (time === null) problems.push(`${timeKey} "${clip(timeValue)}" is not an ISO-8601 date-time`);
    else originalTime = timeValue;
  }
  if (problems.length > 0) malformed(`not an Azure activity record: ${problems.join('; ')}`);
  if (operation === null || time === null || originalTime === null) malformed('not an Azure activity record');

  const resourceId = optString(rec, 'resourceId', 'resourceId');
  const category = optLocalized(rec, 'category', 'category');
  const uri = optString(rec, 'uri', 'uri');
  // JSON text is parsed (and kept parsed in unmapped); any other string stays in unmapped as written.
  const properties = objectOrJsonText(rec.properties);
  const restProvider = optLocalized(rec, 'resourceProviderName', 'resourceProviderName');

  // Identity: the resource-log form nests claims/authorization under identity; REST has them top-level.
  const identity = optObject(rec, 'identity', 'identity');
  // Key Vault AuditEvent records write the claims as identity.claim (singular).
  const claims = optObject(identity, 'claims', 'identity.claims') ?? optObject(identity, 'claim', 'identity.claim') ?? optObject(rec, 'claims', 'claims');
  const claimsPath = identity && isObj(identity.claims) ? 'identity.claims' : identity && isObj(identity.claim) ? 'identity.claim' : 'claims';
  // Storage resource logs (StorageRead/Write/Delete) write identity.authorization as a list of RBAC
  // decisions (action, roleAssignmentId, principals, result…), not the ARM {scope, action, evidence}
  // object: it names no evidence, so it is left to unmapped.
  const identityAuthorization = identity !== null && Array.isArray(identity.authorization) ? null : optObject(identity, 'authorization', 'identity.authorization');
  const authorization = identityAuthorization ?? optObject(rec, 'authorization', 'authorization');
  const evidence = optObject(authorization, 'evidence', 'identity.authorization.evidence');
  const requester = optObject(identity, 'requester', 'identity.requester');
  const identityType = optString(identity, 'type', 'identity.type');
  const tokenHash = optString(identity, 'tokenHash', 'identity.tokenHash');

  const oid = claim(claims, CLAIMS.objectId, claimsPath);
  const upn = claim(claims, CLAIMS.upn, claimsPath);
  const claimName = claim(claims, CLAIMS.name, claimsPath);
  const email = claim(claims, CLAIMS.email, claimsPath);
  const appId = claim(claims, CLAIMS.appId, claimsPath);
  const tid = claim(claims, CLAIMS.tenantId, claimsPath);
  const amr = claim(claims, CLAIMS.authMethods, claimsPath);
  const idtyp = claim(claims, CLAIMS.identityType, claimsPath);
  const iss = claim(claims, CLAIMS.issuer, claimsPath);
  const iat = claim(claims, CLAIMS.issuedAt, claimsPath, true);
  const claimIp = claim(claims, CLAIMS.ipAddress, claimsPath);
  const caller = optString(rec, 'caller', 'caller');
  const evidencePrincipal = optString(evidence, 'principalId', 'identity.authorization.evidence.principalId');
  const evidenceType = optString(evidence, 'principalType', 'identity.authorization.evidence.principalType');
  const requesterOid = optString(requester, 'objectId', 'identity.requester.objectId');
  const requesterUpn = optString(requester, 'upn', 'identity.requester.upn');
  const requesterApp = optString(requester, 'appId', 'identity.requester.appId');
  const tenantId = optString(rec, 'tenantId', 'tenantId');

  const subscription = subscriptionOf(resourceId) ?? (optString(rec, 'subscriptionId', 'subscriptionId')?.toLowerCase() ?? null);
  const accountName = optString(properties, 'accountName', 'properties.accountName');

  // Principal (the partition key): the most stable id the record gives, in this order.
  const fallbacks: string[] = [];
  if (operationFromAuthorization) fallbacks.push('operation');
  const viaEvidence = evidencePrincipal !== null && evidenceType !== null && evidenceType.toLowerCase() !== 'group' ? evidencePrincipal : null;
  const named = oid ?? upn ?? caller ?? requesterOid ?? requesterUpn ?? claimName ?? email ?? viaEvidence ?? appId ?? requesterApp;
  let principal =
    named !== null
      ? keyCase(named)
      : identityType !== null
        ? tokenHash !== null
          ? `${identityType}:${tokenHash}`
          : `${identityType}@${accountName ?? subscription ?? tenantId ?? 'unknown'}`
        : null;
  if (principal === null) {
    principal = `unknown@${subscription ?? accountName ?? tenantId ?? 'unknown'}`;
    fallbacks.push('principal');
  }
  const userName = upn ?? requesterUpn ?? caller ?? claimName ?? email ?? null;
  let userType: string | null = null;
  if (viaEvidence !== null && (oid === null || keyCase(oid) === keyCase(viaEvidence))) userType = evidenceType; // the evidence names the caller
  else if (idtyp !== null) userType = idtyp.toLowerCase() === 'app' ? 'ServicePrincipal' : idtyp.toLowerCase() === 'user' ? 'User' : idtyp;
  else if (upn !== null || requesterUpn !== null) userType = 'User';
  else if (appId !== null && oid !== null) userType = 'ServicePrincipal'; // an app token has no upn
  else if (identityType !== null) userType = identityType; // data plane: SAS, AccountKey, OAuth, Anonymous

  const isMfa = amr === null ? null : amr.toLowerCase().split(/[\s,]+/).includes('mfa');
  const iatSeconds = iat !== null && /^\d{1,12}$/.test(iat) ? Number(iat) : null;
  const session =
    isMfa === null && iss === null && iatSeconds === null
      ? null
      : { is_mfa: isMfa, issuer: iss, created_time: iatSeconds === null ? null : iatSeconds * 1000 };
  const appActsForUser = appId !== null && principal !== keyCase(appId) ? appId : null;

  // Operation and service.
  const armStyle = operation.includes('/');
  const apiOperation = armStyle ? operation.toUpperCase() : operation;
  let service = providerOf(operation, restProvider, resourceId, category, uri);
  if (service === null) {
    service = 'unknown';
    fallbacks.push('service');
  }
  const activityId = azureActivityId(operation);

  // Status.
  const resultType = optLocalized(rec, 'resultType', 'resultType') ?? optLocalized(rec, 'status', 'status');
  const resultSignatureField = optLocalized(rec, 'resultSignature', 'resultSignature') ?? optLocalized(rec, 'subStatus', 'subStatus');
  // statusCode: an HTTP code in data-plane logs (number, or digits); a word ("Created") counts as a signature.
  const rawStatusCode = rec.statusCode;
  const statusWord = typeof rawStatusCode === 'string' && !/^\s*\d+\s*$/.test(rawStatusCode) && rawStatusCode.trim() !== '' ? rawStatusCode.trim() : null;
  const httpCode = statusWord === null ? optInteger(rec, 'statusCode', 'statusCode') : null;
  const metric = optString(properties, 'metricResponseType', 'properties.metricResponseType');
  const resultSignature = resultSignatureField ?? statusWord;
  const status = statusOf(resultType, resultSignature, httpCode, metric, optString(rec, 'statusText', 'statusText'));
  const statusCode = resultSignature ?? (httpCode === null ? null : String(httpCode));
  const detail =
    optString(rec, 'resultDescription', 'resultDescription') ??
    optString(rec, 'statusText', 'statusText') ??
    (typeof rec.description === 'string' && rec.description.trim() !== '' ? rec.description : null) ??
    optString(properties, 'statusMessage', 'properties.statusMessage');

  // Where from.
  // Activity-log alert notifications write httpRequest as JSON text; text that is not JSON stays in unmapped.
  const httpRequest = typeof rec.httpRequest === 'string' ? objectOrJsonText(rec.httpRequest) : optObject(rec, 'httpRequest', 'httpRequest');
  const callerIp =
    optString(rec, 'callerIpAddress', 'callerIpAddress') ?? optString(httpRequest, 'clientIpAddress', 'httpRequest.clientIpAddress') ?? claimIp;
  const userAgent = optString(properties, 'userAgentHeader', 'properties.userAgentHeader') ?? optString(properties, 'userAgent', 'properties.userAgent');

  // Resources.
  const resources: ApiActivity['resources'] = [];
  if (resourceId !== null) {
    const parts = parseResourceId(resourceId);
    resources.push({ uid: resourceId, type: parts.type, name: parts.name });
  }
  const objectKey = optString(properties, 'objectKey', 'properties.objectKey');
  if (objectKey !== null) {
    const serviceType = optString(properties, 'serviceType', 'properties.serviceType');
    const name = objectKey.split('/').filter((s) => s !== '').pop() ?? null;
    resources.push({ uid: objectKey, type: serviceType === null ? 'storage object' : `${serviceType} object`, name });
  }

  const requestUid =
    optString(properties, 'serviceRequestId', 'properties.serviceRequestId') ??
    optString(httpRequest, 'clientRequestId', 'httpRequest.clientRequestId') ??
    optString(rec, 'correlationId', 'correlationId');
  const eventDataId = optString(rec, 'eventDataId', 'eventDataId') ?? optString(properties, 'eventDataId', 'properties.eventDataId');
  const location = optString(rec, 'location', 'location');
  const region = location ?? optString(properties, 'resourceLocation', 'properties.resourceLocation');

  // Unmapped.
  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(rec)) {
    if (MAPPED_FIELDS.has(k) || isPantherField(k)) continue;
    unmapped[k] = k === 'properties' && properties !== null ? properties : k === 'httpRequest' && httpRequest !== null ? httpRequest : v;
  }
  if (fallbacks.length > 0) unmapped._sluice = { fallbacks };

  return apiActivityEvent(apiActivityHeader(activityId, time, status, statusCode, detail), {
    metadata: {
      uid: eventDataId ?? stableRecordUid(original),
      version: OCSF_VERSION,
      product_name: PRODUCT_NAME,
      vendor_name: VENDOR_NAME,
      log_name: logNameOf(category, optString(properties, 'eventCategory', 'properties.eventCategory')),
      original_time: originalTime,
      source: SOURCE_TYPE,
    },
    actor: {
      user: {
        uid: principal,
        name: userName,
        type: userType,
        account_uid: tid?.toLowerCase() ?? tenantId?.toLowerCase() ?? null,
        credential_uid: tokenHash,
      },
      session,
      invoked_by: appActsForUser,
    },
    api: {
      operation: apiOperation,
      service_name: service,
      request_uid: requestUid,
      version: optString(rec, 'operationVersion', 'operationVersion'),
    },
    cloud: { provider: CLOUD_PROVIDER, region, account_uid: subscription },
    src_endpoint: ipOrDomain(callerIp),
    user_agent: userAgent,
    resources,
    unmapped: unmappedText(unmapped, opts.unmappedCapBytes ?? RAW_CAP_BYTES),
    raw_data: rawText(original, opts.rawCapBytes ?? RAW_CAP_BYTES),
  });
}
