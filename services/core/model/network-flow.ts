import { isExternalIp as netIsExternalIp, networkOf } from '../net.ts';
import type { EventMetadata } from '../events.ts';

/**
 * OCSF Network Activity (4001) with workload identities on both ends. Avro: schemas/avro/network_flow.v1.avsc (sluice.ocsf.NetworkActivity).
 * Stream: `flow`, keyed by the source identity (see flowKey). This file mirrors the Avro schema field
 * by field, and holds the pure helpers that define the key (cidrBucket, isExternalIp, flowKey).
 */
export interface NetworkFlow {
  class_uid: number;
  category_uid: number;
  activity_id: NetworkActivityId;
  activity_name: string;
  type_uid: number;
  severity_id: number;
  /** Event time, epoch ms. */
  time: number;
  start_time: number | null;
  end_time: number | null;
  metadata: EventMetadata;
  src: FlowEndpoint;
  dst: FlowEndpoint;
  connection_info: ConnectionInfo;
  /** FORWARDED, DROPPED, REDIRECTED, AUDIT, ERROR, TRACED, TRANSLATED or UNKNOWN. */
  verdict: string;
  verdict_reason: string | null;
  traffic: FlowTraffic | null;
  l7: FlowL7 | null;
  process: FlowProcess | null;
  cloud: FlowCloud | null;
  node_name: string | null;
  /** JSON object text of source fields not mapped above. */
  unmapped: string;
  /** Raw record as JSON text (or the text line), or null when it exceeded the cap. */
  raw_data: string | null;
}

/** workload, external, host, remote-node, health, reserved, ip or unknown (see the schema doc). */
export type FlowEndpointType = 'workload' | 'external' | 'host' | 'remote-node' | 'health' | 'reserved' | 'ip' | 'unknown';

export interface FlowEndpoint {
  type: FlowEndpointType;
  workload: FlowWorkload | null;
  ip: string | null;
  port: number | null;
  fqdn: string | null;
  cidr_bucket: string | null;
  is_external: boolean;
  instance_uid: string | null;
  interface_uid: string | null;
}

export interface FlowWorkload {
  cluster: string;
  namespace: string | null;
  kind: string;
  name: string;
  pod: string | null;
  labels: Array<{ key: string; value: string }>;
  image_repository: string | null;
  image_version: string | null;
  service_account: string | null;
  /**
   * The application this workload runs (see applicationOf): Deployments that differ only by
   * version (reviews-v1, reviews-v2) share it. When set, it is the identity of the end (flowKey,
   * flow_baseline peers); absent or null keeps the controller (`kind/name`) as the identity.
   */
  app?: string | null;
  /** The application version: version label, else image tag or digest, else the controller name's version suffix. */
  app_version?: string | null;
}

export interface ConnectionInfo {
  protocol_name: string;
  protocol_num: number | null;
  direction: FlowDirection;
  l7_protocol: 'http' | 'dns' | 'kafka' | null;
  tcp_flags: number | null;
  icmp_type: number | null;
  icmp_code: number | null;
}

export type FlowDirection = 'ingress' | 'egress' | 'unknown';

export interface FlowTraffic {
  bytes_in: number | null;
  bytes_out: number | null;
  packets_in: number | null;
  packets_out: number | null;
}

export interface FlowL7 {
  type: string | null;
  latency_ns: number | null;
  http: { method: string | null; url: string | null; code: number | null; protocol: string | null } | null;
  dns: {
    query: string | null;
    qtypes: string[];
    rcode: number | null;
    rcode_name: string | null;
    ips: string[];
    rrtypes: string[];
    ttl: number | null;
  } | null;
  kafka: {
    api_key: string | null;
    /** Kafka API version of the request (Hubble `api_version`); absent in records written before it was kept. */
    api_version?: number | null;
    topic: string | null;
    error_code: number | null;
    correlation_id: number | null;
  } | null;
}

export interface FlowProcess {
  binary: string | null;
  pid: number | null;
  parent_binary: string | null;
  /** Container name inside the pod (Tetragon), when known. */
  container?: string | null;
}

export interface FlowCloud {
  provider: string;
  region: string | null;
  account_uid: string | null;
  vpc_uid: string | null;
  subnet_uid: string | null;
}

export const NETWORK_ACTIVITY_CLASS_UID = 4001;
export const NETWORK_ACTIVITY_CATEGORY_UID = 4;

/** OCSF 1.8.0 Network Activity activity ids. */
export const NETWORK_ACTIVITY = { Unknown: 0, Open: 1, Close: 2, Reset: 3, Fail: 4, Refuse: 5, Traffic: 6, Other: 99 } as const;
export type NetworkActivityName = keyof typeof NETWORK_ACTIVITY;

/** The fields every Network Activity event opens with: class, category, activity and type uid, severity Informational. */
export function networkActivityHeader(activity: NetworkActivityName): Pick<NetworkFlow, 'class_uid' | 'category_uid' | 'activity_id' | 'activity_name' | 'type_uid' | 'severity_id'> {
  const id = NETWORK_ACTIVITY[activity];
  return {
    class_uid: NETWORK_ACTIVITY_CLASS_UID,
    category_uid: NETWORK_ACTIVITY_CATEGORY_UID,
    activity_id: id,
    activity_name: activity,
    type_uid: NETWORK_ACTIVITY_CLASS_UID * 100 + id,
    severity_id: 1,
  };
}

type NetworkActivityHeaderKeys = 'class_uid' | 'category_uid' | 'activity_id' | 'activity_name' | 'type_uid' | 'severity_id';

/**
 * A Network Activity event: the header of `activity`, then `rest`. Object.assign, not
 * `{ ...networkActivityHeader(a), ...rest }`: on Node 20 an object spread followed by more
 * properties costs about 0.5 µs per added property.
 */
export function networkActivityEvent(activity: NetworkActivityName, rest: Omit<NetworkFlow, NetworkActivityHeaderKeys>): NetworkFlow {
  return Object.assign(networkActivityHeader(activity), rest);
}
export type NetworkActivityId = (typeof NETWORK_ACTIVITY)[NetworkActivityName];

/** OCSF tcp_flags bitmask values. */
export const TCP_FLAG_BITS: Readonly<Record<string, number>> = Object.freeze({
  FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128, NS: 256,
});

/** IANA protocol numbers -> the names used in connection_info.protocol_name. */
export const IP_PROTOCOL_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'ICMPv4', 2: 'IGMP', 4: 'IPv4', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH',
  58: 'ICMPv6', 89: 'OSPF', 103: 'PIM', 112: 'VRRP', 132: 'SCTP',
});

/** protocol_name of an IANA protocol number: the table above, else `IP-<n>`. */
export function protocolName(num: number): string {
  return IP_PROTOCOL_NAMES[num] ?? `IP-${num}`;
}

/** DNS RCODEs (RFC 1035, 2136, 6895) -> names. */
export const DNS_RCODE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN',
  7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE',
});

/**
 * The network an external address is bucketed into: its /24 for IPv4, its /48 for IPv6
 * (`203.0.113.0/24`, `2001:db8:1::/48`). Null when `ip` is not an IP address.
 */
export function cidrBucket(ip: string): string | null {
  return networkOf(ip);
}

/**
 * True for an address outside the infrastructure; false for private and special-purpose ranges
 * (services/core/net.ts `isExternalIp`: 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.0.0/24, 192.168/16, 198.18/15, 224/3; IPv6 ::, ::1, fc00::/7, fe80::/10, ff00::/8;
 * IPv4-mapped addresses by their IPv4 rule). Also false when `ip` is not an address.
 */
export function isExternalIp(ip: string): boolean {
  return netIsExternalIp(ip);
}

/**
 * The identity of a workload end: `<cluster>/<namespace or ->/app/<app>` when its application is
 * known (FlowWorkload.app), else `<cluster>/<namespace or ->/<kind>/<name>` (the controller).
 */
export function workloadKey(w: Pick<FlowWorkload, 'cluster' | 'namespace' | 'kind' | 'name' | 'app'>): string {
  return w.app ? `${w.cluster}/${w.namespace ?? '-'}/app/${w.app}` : `${w.cluster}/${w.namespace ?? '-'}/${w.kind}/${w.name}`;
}

/** How applicationOf reads a workload (the collectors' `identity` config). */
export interface ApplicationRules {
  /** Labels naming the application, tried in order. */
  applicationLabels: readonly string[];
  /** Label scoping the application (two Helm releases of one chart are two applications); null: none. */
  instanceLabel: string | null;
  /** Labels naming the version, tried in order. */
  versionLabels: readonly string[];
}

export const DEFAULT_APPLICATION_RULES: ApplicationRules = Object.freeze({
  applicationLabels: Object.freeze(['app.kubernetes.io/name', 'app']),
  instanceLabel: 'app.kubernetes.io/instance',
  versionLabels: Object.freeze(['app.kubernetes.io/version', 'version']),
});

/** A version suffix of a controller name: `-v2`, `-v1-4`, `-v1.5.0`, `-1.5.0` (a dotted version). */
const VERSION_SUFFIX = /^(.+?)-(v\d+(?:[.-]\d+)*|\d+\.\d+(?:\.\d+)*)$/

/** Splits a controller name into the application and its version suffix (`reviews-v2` -> reviews, v2). */
export function splitVersionSuffix(name: string): { name: string; version: string | null } {
  const m = VERSION_SUFFIX.exec(name);
  return m ? { name: m[1]!, version: m[2]! } : { name, version: null };
}

/**
 * The application and version of a workload end, never from an IP or a pod:
 *   application = the first `applicationLabels` label, else the controller name with a version
 *   suffix stripped (`reviews-v2` -> `reviews`); `@<instance>` is appended when the instance label
 *   is set and differs from the application (two releases of one chart stay apart);
 *   version = the first `versionLabels` label, else the image tag or digest, else the stripped suffix.
 * Kind `Pod` (a bare pod) keeps its own name as its application unless a label names one.
 */
export function applicationOf(
  w: Pick<FlowWorkload, 'kind' | 'name' | 'labels' | 'image_version'>,
  rules: ApplicationRules = DEFAULT_APPLICATION_RULES,
): { app: string; version: string | null } {
  const label = (names: readonly string[]): string | null => {
    for (const n of names) for (const l of w.labels) if (l.key === n && l.value !== '') return l.value;
    return null;
  };
  const split = w.kind === 'Pod' ? { name: w.name, version: null } : splitVersionSuffix(w.name);
  let app = label(rules.applicationLabels) ?? split.name;
  const instance = rules.instanceLabel ? label([rules.instanceLabel]) : null;
  if (instance && instance !== app) app = `${app}@${instance}`;
  return { app, version: label(rules.versionLabels) ?? w.image_version ?? split.version };
}

/**
 * The stream key of a flow: its source identity.
 *   workload            -> `<cluster>/<namespace or ->/app/<app>`, or `<cluster>/<namespace or ->/<kind>/<name>` without an application
 *   external            -> `external/<cidr_bucket>`
 *   host, remote-node, health, reserved -> `<cluster>/-/reserved/<entity>` (cluster from `reservedCluster`)
 *   ip (internal, IP-only) -> `ip/<address>`
 *   anything else       -> `unknown`
 */
export function flowKey(src: FlowEndpoint, reservedCluster = 'unknown', reservedEntity: string | null = null): string {
  const w = src.workload;
  if (w) return workloadKey(w);
  if (src.type === 'external' && src.cidr_bucket) return `external/${src.cidr_bucket}`;
  if (src.type === 'host' || src.type === 'remote-node' || src.type === 'health' || src.type === 'reserved') {
    return `${reservedCluster}/-/reserved/${reservedEntity ?? src.type}`;
  }
  if (src.ip) return `ip/${src.ip}`;
  return 'unknown';
}
