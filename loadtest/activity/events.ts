import { activityIdFor } from '../../services/collectors/aws_cloudtrail/index.ts';
import { OCSF_VERSION, type ApiActivity } from '../../services/core/events.ts';

/** Who makes a call, as CloudTrail's userIdentity shows it. */
export interface Identity {
  /** actor.user.uid: the ARN (the partition key). */
  uid: string;
  name: string;
  type: 'IAMUser' | 'AssumedRole' | 'Root';
  account: string;
  accessKeyId: string | null;
  issuer: string | null;
}

/** One call to build. */
export interface CallSpec {
  time: number;
  uid: string;
  identity: Identity;
  /** `service:EventName` (service = eventSource without .amazonaws.com). */
  op: string;
  region: string;
  ip: string | null;
  /** sourceIPAddress when it is a service name (AWS services calling on the principal's behalf). */
  host: string | null;
  userAgent: string;
  errorCode: string | null;
  mfa: boolean | null;
  resources: ApiActivity['resources'];
}

/** A CloudTrail-shaped API Activity, as aws_cloudtrail's normalizer would produce it (without raw_data). */
export function apiCall(c: CallSpec): ApiActivity {
  const colon = c.op.indexOf(':');
  const service = `${c.op.slice(0, colon)}.amazonaws.com`;
  const eventName = c.op.slice(colon + 1);
  const activityId = activityIdFor(eventName);
  const failed = c.errorCode !== null;
  const consoleLogin = eventName === 'ConsoleLogin';
  return {
    class_uid: 6003,
    category_uid: 6,
    activity_id: activityId,
    type_uid: 600300 + activityId,
    severity_id: 1,
    time: c.time,
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    status_code: c.errorCode,
    status_detail: failed ? (consoleLogin ? 'Failed authentication' : `User is not authorized to perform: ${c.op}`) : null,
    metadata: {
      uid: c.uid,
      version: OCSF_VERSION,
      product_name: 'CloudTrail',
      vendor_name: 'AWS',
      log_name: consoleLogin ? 'AwsConsoleSignIn' : 'AwsApiCall',
      original_time: new Date(c.time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      source: 'aws_cloudtrail',
    },
    actor: {
      user: { uid: c.identity.uid, name: c.identity.name, type: c.identity.type, account_uid: c.identity.account, credential_uid: c.identity.accessKeyId },
      session: c.mfa === null && c.identity.issuer === null ? null : { is_mfa: c.mfa, issuer: c.identity.issuer, created_time: null },
      invoked_by: null,
    },
    api: { operation: eventName, service_name: service, request_uid: null, version: null },
    cloud: { provider: 'AWS', region: c.region, account_uid: c.identity.account },
    src_endpoint: { ip: c.ip, domain: c.ip === null ? c.host : null },
    user_agent: c.userAgent,
    resources: c.resources,
    unmapped: '{}',
    raw_data: null,
  };
}

/** A deterministic event id shaped like CloudTrail's eventID (a UUID). */
export function eventUid(seed: number, n: number): string {
  const a = (seed >>> 0).toString(16).padStart(8, '0');
  const b = n.toString(16).padStart(22, '0');
  return `${a}-${b.slice(0, 4)}-4${b.slice(4, 7)}-8${b.slice(7, 10)}-${b.slice(10, 22)}`;
}
