import { isIP } from 'node:net';
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
  kafka: { api_key: string | null; topic: string | null; error_code: number | null; correlation_id: number | null } | null;
}

export interface FlowProcess {
  binary: string | null;
  pid: number | null;
  parent_binary: string | null;
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

/** OCSF 1.3 Network Activity activity ids. */
export const NETWORK_ACTIVITY = { Unknown: 0, Open: 1, Close: 2, Reset: 3, Fail: 4, Refuse: 5, Traffic: 6, Other: 99 } as const;
export type NetworkActivityName = keyof typeof NETWORK_ACTIVITY;
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

function ipv4Octets(ip: string): [number, number, number, number] | null {
  if (isIP(ip) !== 4) return null;
  return ip.split('.').map(Number) as [number, number, number, number];
}

/** Expands an IPv6 address (with optional embedded IPv4) to 8 hextets; null if not IPv6. */
function ipv6Hextets(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  let text = ip.split('%')[0]!.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = ipv4Octets(v4[1]!);
    if (!o) return null;
    text = `${text.slice(0, v4.index)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, null];
  const h = head === '' ? [] : head.split(':');
  const t = tail === null || tail === '' ? [] : tail.split(':');
  const fill = tail === null ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  const all = [...h, ...fill, ...t].map((x) => parseInt(x, 16));
  return all.length === 8 && all.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? all : null;
}

/**
 * The network an external address is bucketed into: its /24 for IPv4, its /48 for IPv6
 * (`203.0.113.0/24`, `2001:db8:1::/48`). Null when `ip` is not an IP address.
 */
export function cidrBucket(ip: string): string | null {
  const o = ipv4Octets(ip);
  if (o) return `${o[0]}.${o[1]}.${o[2]}.0/24`;
  const h = ipv6Hextets(ip);
  if (h) return `${h.slice(0, 3).map((x) => x.toString(16)).join(':')}::/48`;
  return null;
}

/**
 * True for a globally routable address; false for private and special-purpose ranges:
 * IPv4 0/8, 10/8, 100.64/10 (shared CGNAT space), 127/8, 169.254/16, 172.16/12, 192.0.0/24,
 * 192.168/16, 198.18/15, 224/4 and above; IPv6 ::/128, ::1, fc00::/7, fe80::/10, ff00::/8, and
 * IPv4-mapped addresses by their IPv4 rule. Also false when `ip` is not an address.
 */
export function isExternalIp(ip: string): boolean {
  const o = ipv4Octets(ip);
  if (o) {
    const [a, b, c] = o;
    if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
    if (a === 100 && b >= 64 && b <= 127) return false;
    if (a === 169 && b === 254) return false;
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 192 && b === 0 && c === 0) return false;
    if (a === 198 && (b === 18 || b === 19)) return false;
    return true;
  }
  const h = ipv6Hextets(ip);
  if (!h) return false;
  if (h.every((x) => x === 0)) return false;
  if (h.slice(0, 7).every((x) => x === 0) && h[7] === 1) return false;
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    return isExternalIp(`${h[6]! >> 8}.${h[6]! & 0xff}.${h[7]! >> 8}.${h[7]! & 0xff}`);
  }
  const first = h[0]!;
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00) return false;
  return true;
}

/**
 * The stream key of a flow: its source identity.
 *   workload            -> `<cluster>/<namespace or ->/<kind>/<name>`
 *   external            -> `external/<cidr_bucket>`
 *   host, remote-node, health, reserved -> `<cluster>/-/reserved/<entity>` (cluster from `reservedCluster`)
 *   ip (internal, IP-only) -> `ip/<address>`
 *   anything else       -> `unknown`
 */
export function flowKey(src: FlowEndpoint, reservedCluster = 'unknown', reservedEntity: string | null = null): string {
  const w = src.workload;
  if (w) return `${w.cluster}/${w.namespace ?? '-'}/${w.kind}/${w.name}`;
  if (src.type === 'external' && src.cidr_bucket) return `external/${src.cidr_bucket}`;
  if (src.type === 'host' || src.type === 'remote-node' || src.type === 'health' || src.type === 'reserved') {
    return `${reservedCluster}/-/reserved/${reservedEntity ?? src.type}`;
  }
  if (src.ip) return `ip/${src.ip}`;
  return 'unknown';
}
