/**
 * CloudTrail record -> OCSF API Activity (6003). Pure: no I/O, no clock (the ingest time used for
 * records without a time is passed in), no randomness.
 * The mapping is described field by field in README.md next to this file.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { apiActivityEvent, apiActivityHeader, OCSF_VERSION, RAW_CAP_BYTES, type ApiActivity } from '../../core/events.ts';
import { clip, isObj, isPantherField, malformed, optObject, optString, typeName, type Obj } from '../fields.ts';
import { unwrapEventBridge } from './eventbridge.ts';
import { parseTextFields } from './forms.ts';

export const SOURCE_TYPE = 'aws_cloudtrail';

export type ActivityId = 1 | 2 | 3 | 4 | 99;

/**
 * Leading verb of eventName -> OCSF activity_id (1 Create, 2 Read, 3 Update, 4 Delete).
 * Anything else is 99 Other (e.g. ConsoleLogin, Decrypt, CopyDBSnapshot).
 */
export const ACTIVITY_VERBS: Readonly<Record<string, Exclude<ActivityId, 99>>> = Object.freeze({
  Create: 1, Put: 1, Run: 1, Add: 1, Attach: 1, Register: 1, Import: 1, Allocate: 1,
  Get: 2, List: 2, Describe: 2, Head: 2, Lookup: 2, Search: 2, Select: 2, Scan: 2, Query: 2, Download: 2,
  Update: 3, Modify: 3, Set: 3, Change: 3, Enable: 3, Disable: 3, Start: 3, Stop: 3, Reset: 3,
  Associate: 3, Disassociate: 3, Tag: 3, Untag: 3, Replace: 3, Authorize: 3, Revoke: 3, Assume: 3,
  Delete: 4, Remove: 4, Terminate: 4, Detach: 4, Deregister: 4, Release: 4,
});

/**
 * activity_id of a CloudTrail eventName, from its leading verb (ACTIVITY_VERBS).
 * `Schedule…Deletion` (ScheduleKeyDeletion) is Delete; a `Batch` prefix is skipped
 * (BatchGetSecretValue -> Get -> Read).
 */
export function activityIdFor(eventName: string): ActivityId {
  if (/^Schedule[A-Za-z]*Deletion$/.test(eventName)) return 4;
  const words = eventName.match(/[A-Za-z][a-z]*/g) ?? [];
  let word = words[0];
  if (word !== undefined && /^batch$/i.test(word) && words.length > 1) word = words[1];
  if (word === undefined) return 99;
  const verb = word.charAt(0).toUpperCase() + word.slice(1);
  return Object.hasOwn(ACTIVITY_VERBS, verb) ? ACTIVITY_VERBS[verb]! : 99;
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses an ISO-8601 date-time to epoch ms. Accepts CloudTrail's `2020-09-14T00:44:23Z`, Logstash's
 * `2020-09-14T00:44:23.000Z` and Panther's `2022-09-25 16:16:37[.fffffffff]`. A time without an
 * offset is UTC (never the host's zone). Fractions beyond milliseconds are truncated.
 * Returns null for anything else (Date.parse's implementation-defined formats are not accepted).
 */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return null; // e.g. 2021-02-30
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return null;
    t -= sign * (oh * 60 + om) * 60_000;
  }
  return Number.isFinite(t) ? t : null;
}

/** 'true'/'false', 'Yes'/'No' (any case) or a boolean; an unrecognized string -> null; other types are malformed. */
function optFlag(obj: Obj | null, key: string, path: string): boolean | null {
  if (obj === null) return null;
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') malformed(`${path} must be a string or boolean, got ${typeName(v)}`);
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === 'yes') return true;
  if (s === 'false' || s === 'no') return false;
  return null;
}

/** JSON with object keys sorted at every depth; the input to the stable record hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (isObj(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * metadata.uid for a record without eventID: sha256 (hex, first 32 chars) of the canonical JSON of
 * the record without Panther's p_* fields. Key order does not change it.
 */
export function stableRecordUid(record: Obj): string {
  const own: Obj = {};
  for (const [k, v] of Object.entries(record)) if (!isPantherField(k)) own[k] = v;
  return createHash('sha256').update(canonicalJson(own)).digest('hex').slice(0, 32);
}

/** Top-level fields mapped to a typed field; all others go to `unmapped`. */
const MAPPED_FIELDS = new Set([
  'eventTime', 'eventName', 'eventSource', 'eventID', 'eventType', 'awsRegion', 'sourceIPAddress',
  'userAgent', 'requestID', 'apiVersion', 'recipientAccountId', 'errorMessage', 'userIdentity', 'resources',
]);

/** userIdentity fields mapped to actor.*; the rest of userIdentity (sessionContext, onBehalfOf, ...) goes to unmapped.userIdentity. */
const MAPPED_IDENTITY_FIELDS = new Set(['type', 'principalId', 'arn', 'accountId', 'accessKeyId', 'userName', 'invokedBy']);

export const TRUNCATED_UNMAPPED = '{"_truncated":true}';

/**
 * Fallbacks applied to cut-down records, as listed in `unmapped._sluice.fallbacks` (in this order):
 *   - `lowercase_keys`: the record's keys were lower-cased (a data-lake export) and were mapped back;
 *   - `time`: no eventTime (nor Logstash @timestamp): the ingest time was used;
 *   - `principal`: no userIdentity: actor.user.uid is `unknown@<recipientAccountId or "unknown">`.
 */
export type CloudTrailFallback = 'lowercase_keys' | 'time' | 'principal';

/** actor.user.uid prefix of a record without userIdentity (cut-down test stubs): `unknown@<account>`. */
export const UNKNOWN_PRINCIPAL = 'unknown';

export interface NormalizeOptions {
  /** raw_data is kept when JSON.stringify(record) is at most this many UTF-8 bytes. Default RAW_CAP_BYTES. */
  rawCapBytes?: number;
  /** unmapped is replaced by {"_truncated":true} when its JSON exceeds this many UTF-8 bytes. Default RAW_CAP_BYTES. */
  unmappedCapBytes?: number;
  /** epoch ms used as `time` for a record that carries none; null/absent rejects such records. */
  ingestTime?: number | null;
}

/**
 * CloudTrail's own camelCase key names, by level, for records whose keys were lower-cased by a
 * data-lake export (Athena/Glue, Security Lake-style tables): `eventname` -> `eventName`. Only these
 * levels are renamed; requestParameters, responseElements, ... are service-defined and kept as they are.
 */
const CLOUDTRAIL_KEYS = {
  record: [
    'eventVersion', 'eventTime', 'eventSource', 'eventName', 'eventID', 'eventType', 'eventCategory', 'awsRegion',
    'sourceIPAddress', 'userAgent', 'userIdentity', 'requestID', 'requestParameters', 'responseElements',
    'additionalEventData', 'errorCode', 'errorMessage', 'apiVersion', 'managementEvent', 'readOnly', 'resources',
    'recipientAccountId', 'serviceEventDetails', 'sharedEventID', 'vpcEndpointId', 'vpcEndpointAccountId',
    'sessionCredentialFromConsole', 'edgeDeviceDetails', 'tlsDetails', 'insightDetails', 'addendum',
  ],
  userIdentity: [
    'type', 'principalId', 'arn', 'accountId', 'accessKeyId', 'userName', 'invokedBy', 'sessionContext',
    'onBehalfOf', 'credentialId', 'identityProvider', 'inScopeOf',
  ],
  sessionContext: ['sessionIssuer', 'attributes', 'webIdFederationData', 'sourceIdentity', 'ec2RoleDelivery', 'assumedRoot'],
  sessionIssuer: ['type', 'principalId', 'arn', 'accountId', 'userName'],
  attributes: ['creationDate', 'mfaAuthenticated'],
} as const;

/** One level of CloudTrail's key spelling: its keys by lower case, and the levels nested under some of them. */
interface KeyLevel {
  keys: ReadonlyMap<string, string>;
  nested: Readonly<Record<string, KeyLevel>>;
}

function level(keys: readonly string[], nested: Record<string, KeyLevel> = {}): KeyLevel {
  return { keys: new Map(keys.map((k) => [k.toLowerCase(), k])), nested };
}

const RECORD_KEYS: KeyLevel = level(CLOUDTRAIL_KEYS.record, {
  userIdentity: level(CLOUDTRAIL_KEYS.userIdentity, {
    sessionContext: level(CLOUDTRAIL_KEYS.sessionContext, {
      sessionIssuer: level(CLOUDTRAIL_KEYS.sessionIssuer),
      attributes: level(CLOUDTRAIL_KEYS.attributes),
    }),
  }),
});

/**
 * A copy of `obj` with each key that matches one of the level's keys case-insensitively renamed to its
 * CloudTrail spelling (key order kept); a key whose proper spelling is also present is left as it is.
 * The objects under the level's nested keys are renamed the same way.
 */
function withCloudTrailKeys(obj: Obj, lvl: KeyLevel): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    const proper = lvl.keys.get(k.toLowerCase());
    const key = proper !== undefined && (proper === k || !Object.hasOwn(obj, proper)) ? proper : k;
    const sub = Object.hasOwn(lvl.nested, key) ? lvl.nested[key] : undefined;
    out[key] = sub !== undefined && isObj(v) ? withCloudTrailKeys(v, sub) : v;
  }
  return out;
}

/** The record with CloudTrail's key spelling restored at the top level and in userIdentity/sessionContext. */
function restoreCloudTrailKeys(rec: Obj): Obj {
  return withCloudTrailKeys(rec, RECORD_KEYS);
}

/**
 * Normalizes one CloudTrail record (as in an S3 `Records` element, a whole EventBridge event, whose
 * `detail` is unwrapped and whose envelope identity goes to `unmapped.eventBridge`, or a
 * Logstash-shipped line) to an ApiActivity.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field(s) when the record is not a CloudTrail event.
 */
export function normalizeCloudTrail(record: unknown, opts: NormalizeOptions = {}): ApiActivity {
  const rawCap = opts.rawCapBytes ?? RAW_CAP_BYTES;
  const unmappedCap = opts.unmappedCapBytes ?? RAW_CAP_BYTES;
  if (!isObj(record)) malformed(`record must be a JSON object, got ${typeName(record)}`);
  // An EventBridge envelope carries the CloudTrail record in `detail` (see eventbridge.ts).
  const wrapped = unwrapEventBridge(record);
  const received = wrapped ? wrapped.detail : record;
  const fallbacks: CloudTrailFallback[] = [];

  // A data-lake export lower-cases every key (`eventname`, `useridentity`, ...): restore CloudTrail's spelling.
  let rec = received;
  if (received.eventName === undefined && received.eventname !== undefined) {
    rec = restoreCloudTrailKeys(received);
    fallbacks.push('lowercase_keys');
  }
  // Athena/Glue tables and CloudTrail Lake rows carry the object fields as JSON text.
  const parsed = parseTextFields(rec);
  if (parsed !== rec) rec = fallbacks.includes('lowercase_keys') ? restoreCloudTrailKeys(parsed) : parsed;

  // Required fields: collect every problem so the reason names them all.
  const problems: string[] = [];
  const lowerCased: string[] = [];
  const missing = (key: string): void => {
    problems.push(`${key} is missing`);
    if (rec[key.toLowerCase()] !== undefined) lowerCased.push(key.toLowerCase());
  };
  const requiredString = (key: 'eventName' | 'eventSource'): string | undefined => {
    const v = rec[key];
    if (v === undefined || v === null) missing(key);
    else if (typeof v !== 'string') problems.push(`${key} must be a string, got ${typeName(v)}`);
    else if (v.trim() === '') problems.push(`${key} is empty`);
    else return v;
    return undefined;
  };

  // eventTime; a Logstash-shipped record carries it as @timestamp instead (the cloudtrail codec moves it).
  // With neither, the ingest time when the caller gives one (fallback "time"), else a reject.
  let time: number | undefined;
  let originalTime: string | undefined;
  const eventTime = rec.eventTime;
  const timeSource = eventTime === undefined || eventTime === null ? '@timestamp' : 'eventTime';
  const timeValue = timeSource === 'eventTime' ? eventTime : rec['@timestamp'];
  if (timeValue === undefined || timeValue === null) {
    if (opts.ingestTime === undefined || opts.ingestTime === null) missing('eventTime');
    else {
      time = opts.ingestTime;
      originalTime = '';
      fallbacks.push('time');
    }
  } else if (typeof timeValue !== 'string') problems.push(`${timeSource} must be a string, got ${typeName(timeValue)}`);
  else {
    const t = parseTimestamp(timeValue);
    if (t === null) problems.push(`${timeSource} "${clip(timeValue)}" is not an ISO-8601 date-time`);
    else {
      time = t;
      originalTime = timeValue;
    }
  }
  const eventName = requiredString('eventName');
  const eventSource = requiredString('eventSource');
  // No userIdentity (rule-test stubs): the principal falls back to unknown@<account> (fallback "principal").
  const rawIdentity = rec.userIdentity;
  let identity: Obj | null = null;
  if (rawIdentity !== undefined && rawIdentity !== null) {
    if (isObj(rawIdentity)) identity = rawIdentity;
    else problems.push(`userIdentity must be an object, got ${typeName(rawIdentity)}`);
  }

  if (problems.length > 0) {
    const note = lowerCased.length
      ? ` (the record has lower-cased keys such as "${lowerCased[0]}": a data-lake export, not CloudTrail's own form)`
      : '';
    malformed(`not a CloudTrail event: ${problems.join('; ')}${note}`);
  }
  // The checks above guarantee these; the assertions only inform the type checker.
  if (time === undefined || originalTime === undefined || eventName === undefined || eventSource === undefined) {
    malformed('not a CloudTrail event');
  }
  if (identity === null) fallbacks.push('principal');
  const id: Obj = identity ?? {};

  // Optional top-level strings (wrong types are malformed).
  const eventId = optString(rec, 'eventID', 'eventID');
  const eventType = optString(rec, 'eventType', 'eventType');
  const region = optString(rec, 'awsRegion', 'awsRegion');
  const sourceIp = optString(rec, 'sourceIPAddress', 'sourceIPAddress');
  const userAgent = optString(rec, 'userAgent', 'userAgent');
  const requestId = optString(rec, 'requestID', 'requestID');
  const apiVersion = optString(rec, 'apiVersion', 'apiVersion');
  const recipientAccount = optString(rec, 'recipientAccountId', 'recipientAccountId');
  // An empty errorCode (a table export's empty column) is no error.
  const errorCode = optString(rec, 'errorCode', 'errorCode') || null;
  const errorMessage = optString(rec, 'errorMessage', 'errorMessage') || null;

  // Identity.
  const idType = optString(id, 'type', 'userIdentity.type');
  const principalId = optString(id, 'principalId', 'userIdentity.principalId');
  const arn = optString(id, 'arn', 'userIdentity.arn');
  const idAccount = optString(id, 'accountId', 'userIdentity.accountId');
  const accessKeyId = optString(id, 'accessKeyId', 'userIdentity.accessKeyId');
  const userName = optString(id, 'userName', 'userIdentity.userName');
  const invokedBy = optString(id, 'invokedBy', 'userIdentity.invokedBy');
  const sessionContext = optObject(id, 'sessionContext', 'userIdentity.sessionContext');
  const issuerObj = sessionContext && optObject(sessionContext, 'sessionIssuer', 'userIdentity.sessionContext.sessionIssuer');
  const attributes = sessionContext && optObject(sessionContext, 'attributes', 'userIdentity.sessionContext.attributes');
  const issuerArn = issuerObj ? optString(issuerObj, 'arn', 'userIdentity.sessionContext.sessionIssuer.arn') : null;
  const issuerUserName = issuerObj ? optString(issuerObj, 'userName', 'userIdentity.sessionContext.sessionIssuer.userName') : null;
  const creationDate = attributes ? optString(attributes, 'creationDate', 'userIdentity.sessionContext.attributes.creationDate') : null;

  const userAccount = idAccount ?? recipientAccount;
  // An IAM Identity Center user acting directly (type IdentityCenterUser) has no ARN nor principalId:
  // the user is `onBehalfOf.userId` in the identity store `onBehalfOf.identityStoreArn`.
  const onBehalfOf = optObject(id, 'onBehalfOf', 'userIdentity.onBehalfOf');
  const centerUserId = onBehalfOf ? optString(onBehalfOf, 'userId', 'userIdentity.onBehalfOf.userId') : null;
  const centerStore = onBehalfOf ? optString(onBehalfOf, 'identityStoreArn', 'userIdentity.onBehalfOf.identityStoreArn') : null;
  const centerUser = centerUserId === null ? null : `${centerStore ?? `${userAccount ?? 'unknown'}:IdentityCenterUser`}/user/${centerUserId}`;
  const userUid =
    identity === null
      ? `${UNKNOWN_PRINCIPAL}@${recipientAccount ?? 'unknown'}`
      : arn ??
        principalId ??
        (idType === 'AWSService' ? invokedBy : null) ??
        centerUser ??
        `${userAccount ?? 'unknown'}:${idType ?? 'Unknown'}${userName ? `:${userName}` : ''}`;

  let actorName = userName ?? (arn === null && principalId === null ? centerUserId : null);
  // Identity Center users' calls carry `credentialId` (the portal session's credential) instead of an access key.
  const credentialId = optString(id, 'credentialId', 'userIdentity.credentialId');
  const credentialUid = accessKeyId !== null && accessKeyId !== '' ? accessKeyId : (credentialId ?? accessKeyId);
  if (idType === 'AssumedRole') {
    const m = arn ? /:assumed-role\/([^/]+)\/(.+)$/.exec(arn) : null;
    actorName = m ? `${issuerUserName ?? m[1]}/${m[2]}` : (userName ?? issuerUserName);
  }

  // Session: MFA, issuer, creation.
  const isConsoleLogin = eventName === 'ConsoleLogin';
  let isMfa = optFlag(attributes, 'mfaAuthenticated', 'userIdentity.sessionContext.attributes.mfaAuthenticated');
  const additional = rec.additionalEventData;
  if (isConsoleLogin && isObj(additional)) {
    const used = optFlag(additional, 'MFAUsed', 'additionalEventData.MFAUsed');
    if (used !== null) isMfa = used;
  }
  const createdTime = creationDate === null ? null : parseTimestamp(creationDate);
  const session =
    isMfa === null && issuerArn === null && createdTime === null
      ? null
      : { is_mfa: isMfa, issuer: issuerArn, created_time: createdTime };

  // Status.
  const responseElements = rec.responseElements;
  const loginFailed = isConsoleLogin && isObj(responseElements) && responseElements.ConsoleLogin === 'Failure';
  const failed = errorCode !== null || loginFailed;

  // Resources.
  const resources: ApiActivity['resources'] = [];
  let resourcesKeptRaw = false;
  const rawResources = rec.resources;
  if (rawResources !== undefined && rawResources !== null) {
    if (!Array.isArray(rawResources)) malformed(`resources must be an array, got ${typeName(rawResources)}`);
    rawResources.forEach((r: unknown, i: number) => {
      if (!isObj(r)) {
        // Not CloudTrail's shape (seen: Python-repr strings in a Panther test); keep it in unmapped.
        resourcesKeptRaw = true;
        return;
      }
      const uid =
        optString(r, 'ARN', `resources[${i}].ARN`) ??
        optString(r, 'arn', `resources[${i}].arn`) ??
        optString(r, 'ARNPrefix', `resources[${i}].ARNPrefix`);
      resources.push({ uid, type: optString(r, 'type', `resources[${i}].type`), name: null });
    });
  }

  // Source endpoint.
  const srcIsIp = sourceIp !== null && isIP(sourceIp) !== 0;

  // Unmapped.
  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(rec)) {
    if (MAPPED_FIELDS.has(k) || isPantherField(k)) continue;
    unmapped[k] = v;
  }
  if (!failed && errorMessage !== null) unmapped.errorMessage = rec.errorMessage;
  if (resourcesKeptRaw) unmapped.resources = rawResources;
  const identityRest: Obj = {};
  for (const [k, v] of Object.entries(id)) if (!MAPPED_IDENTITY_FIELDS.has(k)) identityRest[k] = v;
  if (Object.keys(identityRest).length > 0) unmapped.userIdentity = identityRest;
  if (wrapped) unmapped.eventBridge = wrapped.envelope;
  if (fallbacks.length > 0) unmapped._sluice = { fallbacks };
  let unmappedText = JSON.stringify(unmapped);
  if (Buffer.byteLength(unmappedText, 'utf8') > unmappedCap) unmappedText = TRUNCATED_UNMAPPED;

  const rawText = JSON.stringify(record); // the envelope too, for an EventBridge event
  const activityId = activityIdFor(eventName);

  return apiActivityEvent(apiActivityHeader(activityId, time, failed ? 'Failure' : 'Success', errorCode, errorMessage), {
    metadata: {
      uid: eventId ?? stableRecordUid(received),
      version: OCSF_VERSION,
      product_name: 'CloudTrail',
      vendor_name: 'AWS',
      log_name: eventType,
      original_time: originalTime,
      source: SOURCE_TYPE,
    },
    actor: {
      user: { uid: userUid, name: actorName, type: idType, account_uid: userAccount, credential_uid: credentialUid },
      session,
      invoked_by: invokedBy,
    },
    api: { operation: eventName, service_name: eventSource, request_uid: requestId, version: apiVersion },
    cloud: { provider: 'AWS', region, account_uid: recipientAccount ?? idAccount },
    src_endpoint: { ip: srcIsIp ? sourceIp : null, domain: srcIsIp ? null : sourceIp },
    user_agent: userAgent,
    resources,
    unmapped: unmappedText,
    raw_data: Buffer.byteLength(rawText, 'utf8') <= rawCap ? rawText : null,
  });
}
