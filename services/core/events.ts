/**
 * The normalized event model. Field names follow OCSF 1.8.0 where they are flat (the wire form); services/core/ocsf/ renders the OCSF form; each type mirrors an Avro schema
 * under schemas/avro/ (the Avro file is the contract on the wire, this is its TypeScript view).
 */

export const OCSF_VERSION = '1.8.0';

/**
 * metadata shared by every normalized event. `uid` is the native event id when the source has one
 * (CloudTrail eventID, Kubernetes auditID, Azure eventDataId...), else a stable hash of the raw record.
 */
export interface EventMetadata {
  uid: string;
  version: string;
  product_name: string;
  vendor_name: string;
  log_name: string | null;
  original_time: string;
  source: string;
}

/** schemas/avro/api_activity.v1.avsc — OCSF API Activity (6003). */
export interface ApiActivity {
  class_uid: number;
  category_uid: number;
  activity_id: number;
  type_uid: number;
  severity_id: number;
  time: number;
  status_id: number;
  status: 'Success' | 'Failure' | 'Unknown';
  status_code: string | null;
  status_detail: string | null;
  metadata: EventMetadata;
  actor: {
    user: {
      uid: string;
      name: string | null;
      type: string | null;
      account_uid: string | null;
      credential_uid: string | null;
    };
    session: { is_mfa: boolean | null; issuer: string | null; created_time: number | null } | null;
    invoked_by: string | null;
  };
  api: { operation: string; service_name: string; request_uid: string | null; version: string | null };
  cloud: { provider: string; region: string | null; account_uid: string | null };
  src_endpoint: { ip: string | null; domain: string | null };
  user_agent: string | null;
  resources: Array<{ uid: string | null; type: string | null; name: string | null }>;
  /** JSON object text of source fields not mapped above. */
  unmapped: string;
  /** Raw record as JSON text, or null when it exceeded the cap. */
  raw_data: string | null;
}

/** Avro record names of each schema, as listed in schemas/avro/index.json. */
export const SCHEMA_NAMES = {
  apiActivity: 'sluice.ocsf.ApiActivity',
  configState: 'sluice.ocsf.ConfigState',
  networkActivity: 'sluice.ocsf.NetworkActivity',
  objectChunk: 'sluice.ObjectChunk',
  imageInventory: 'sluice.ImageInventory',
  advisory: 'sluice.Advisory',
  processActivity: 'sluice.ocsf.ProcessActivity',
  finding: 'sluice.ocsf.Finding',
  deadLetter: 'sluice.DeadLetter',
} as const;
export type SchemaName = (typeof SCHEMA_NAMES)[keyof typeof SCHEMA_NAMES];

export type DeadLetterStage = 'collect' | 'decode' | 'detect' | 'sink';

/** schemas/avro/dead_letter.v1.avsc */
export interface DeadLetterRecord {
  stage: DeadLetterStage;
  source: string;
  position: string;
  reason_code: string;
  reason: string;
  time: number;
  raw: Buffer;
  raw_truncated: boolean;
}

export const RAW_CAP_BYTES = 64 * 1024;

export const SEVERITY = { Informational: 1, Low: 2, Medium: 3, High: 4, Critical: 5 } as const;
export type SeverityName = keyof typeof SEVERITY;

/**
 * OCSF Detection Finding (2004), as published on the findings topic (JSON) and stored in ClickHouse.
 * `id` is deterministic: the same detector, rule and triggering event always give the same id.
 */
/** OCSF Findings classes Sluice emits: Vulnerability 2002, Compliance 2003, Detection 2004, Data Security 2006. */
export type FindingClassUid = 2002 | 2003 | 2004 | 2006;

export interface Finding {
  id: string;
  class_uid: FindingClassUid;
  category_uid: 2;
  activity_id: 1;
  /** class_uid * 100 + activity_id, e.g. 200401. */
  type_uid: number;
  time: number;
  severity_id: number;
  severity: SeverityName;
  message: string;
  metadata: { version: string; product: { name: 'Sluice'; vendor_name: 'Sluice' }; uid: string };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    analytic: { uid: string; name: string; type: 'Rule' | 'Behavioral' };
    attacks: Array<{ technique_uid: string; tactic?: string }>;
    first_seen_time: number;
    last_seen_time: number;
    related_events: Array<{ uid: string }>;
  };
  detector: string;
  rule: string;
  entity: { kind: 'principal' | 'resource' | 'workload' | 'object' | 'image'; key: string };
  count: number;
  evidences: Array<Record<string, string | number | boolean | null>>;
  cloud: { provider: string; region: string | null; account_uid: string | null };
  actor?: { user: { uid: string; name: string | null; type: string | null } };
  api?: { operation: string; service_name: string };
  src_endpoint?: { ip: string | null };
  /** Vulnerability Finding (2002) only: OCSF `vulnerability` objects, passed through to the OCSF form as they are. */
  vulnerabilities?: OcsfVulnerability[];
  /** OCSF `resource_details` the finding is about (e.g. the container image of a 2002), passed through as they are. */
  resources?: OcsfResource[];
}

/** OCSF 1.8.0 `cvss` (the subset Sluice fills). */
export interface OcsfCvss {
  version: string;
  base_score: number;
  vector_string?: string;
  severity?: string;
}

/** OCSF 1.8.0 `affected_package` (the subset Sluice fills). */
export interface OcsfAffectedPackage {
  name: string;
  version: string;
  purl?: string;
  package_manager?: string;
  fixed_in_version?: string;
  type?: string;
}

/**
 * OCSF 1.8.0 `vulnerability`. Exactly one of `advisory`, `cve` or `cwe` (the object's `just_one`
 * constraint): an OSV record with a CVE alias gives `cve`, one without gives `advisory`.
 */
export interface OcsfVulnerability {
  title?: string;
  desc?: string;
  severity?: string;
  cve?: { uid: string; cvss?: OcsfCvss[]; title?: string; references?: string[] };
  advisory?: { uid: string; title?: string; references?: string[]; created_time?: number; modified_time?: number };
  affected_packages?: OcsfAffectedPackage[];
  related_vulnerabilities?: string[];
  references?: string[];
  is_fix_available?: boolean;
  first_seen_time?: number;
  last_seen_time?: number;
  remediation?: { desc: string; references?: string[] };
}

/** OCSF 1.8.0 `resource_details` (the subset Sluice fills; `uid` or `name` must be set). */
export interface OcsfResource {
  uid?: string;
  name?: string;
  type?: string;
  labels?: string[];
  region?: string;
  namespace?: string;
  version?: string;
}

/** OCSF API Activity: class 6003 in category 6 (Application Activity). */
export const API_ACTIVITY_CLASS = { class_uid: 6003, category_uid: 6 } as const;

/** The fields every API Activity event opens with; the outcome is Success, Failure or Unknown. */
export type ApiActivityHeader = Pick<ApiActivity, 'class_uid' | 'category_uid' | 'activity_id' | 'type_uid' | 'severity_id' | 'time' | 'status_id' | 'status' | 'status_code' | 'status_detail'>;

/**
 * The header of a normalized API Activity event: class, category, activity and type uid
 * (class * 100 + activity), severity Informational (normalization does not judge), time and
 * outcome. `detail` is kept only for a failure.
 */
export function apiActivityHeader(activityId: number, time: number, status: ApiActivity['status'], code: string | null, detail: string | null): ApiActivityHeader {
  // Written out, not `...API_ACTIVITY_CLASS`: on Node 20 an object spread followed by more
  // properties costs about 0.5 µs per property (4.8 µs here, against 0.01 µs written out).
  return {
    class_uid: API_ACTIVITY_CLASS.class_uid,
    category_uid: API_ACTIVITY_CLASS.category_uid,
    activity_id: activityId,
    type_uid: API_ACTIVITY_CLASS.class_uid * 100 + activityId,
    severity_id: 1,
    time,
    status_id: status === 'Success' ? 1 : status === 'Failure' ? 2 : 0,
    status,
    status_code: code,
    status_detail: status === 'Failure' ? detail : null,
  };
}

/**
 * An API Activity event: `header` (apiActivityHeader) with `rest` added by Object.assign, not
 * `{ ...header, ...rest }`: on Node 20 an object spread followed by more properties costs about
 * 0.5 µs per added property. `rest` is checked as an object literal of the remaining fields.
 */
export function apiActivityEvent(header: ApiActivityHeader, rest: Omit<ApiActivity, keyof ApiActivityHeader>): ApiActivity {
  return Object.assign(header, rest);
}
