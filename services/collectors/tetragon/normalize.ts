/**
 * Tetragon JSON export event -> OCSF Network Activity (4001) on the `flow` stream, with the process
 * (binary, parent binary, pid, container) and its pod (workload, image, labels) as the source
 * identity. Pure: no I/O, no clock, no randomness. README.md next to this file has the mapping.
 */
import { isIP } from 'node:net';
import { OCSF_VERSION, RAW_CAP_BYTES } from '../../core/events.ts';
import {
  cidrBucket,
  DEFAULT_APPLICATION_RULES,
  flowKey,
  isExternalIp,
  networkActivityEvent,
  type ApplicationRules,
  type FlowEndpoint,
  type FlowWorkload,
  type NetworkActivityName,
  type NetworkFlow,
} from '../../core/model/network-flow.ts';
import { parseTimestamp, stableRecordUid } from '../aws_cloudtrail/index.ts';
import { cappedJson, cappedRaw, clip, isObj, malformed, optInt, optObject, optObjectArray, optString, typeName, type Obj } from '../fields.ts';
import { clusterFromNodeName } from '../hubble_flows/workload.ts';
import { maskRecordArguments } from './arguments.ts';
import { workloadOf } from './pod.ts';

export const SOURCE_TYPE = 'tetragon';

/** The event types of Tetragon's GetEventsResponse (`process_exec`, ...), as JSON keys. */
export const TETRAGON_EVENT_TYPES: readonly string[] = [
  'process_exec', 'process_exit', 'process_kprobe', 'process_tracepoint', 'process_uprobe', 'process_lsm',
  'process_connect', 'process_listen', 'process_close', 'process_loader', 'process_throttle', 'rate_limit_info', 'test',
];

/** kprobe functions read as network calls: connection opened, or closed. */
const KPROBE_OPEN = new Set(['tcp_connect', 'tcp_v4_connect', 'tcp_v6_connect', 'udp_sendmsg', 'ip4_datagram_connect', 'ip6_datagram_connect']);
const KPROBE_CLOSE = new Set(['tcp_close', 'tcp_set_state_close']);

export interface TetragonNormalizeOptions {
  cluster?: string | null;
  /** Application identity rules; null keys ends by controller. Default: DEFAULT_APPLICATION_RULES. */
  application?: ApplicationRules | null;
  rawCapBytes?: number;
  unmappedCapBytes?: number;
}

/** A normalized network call and its stream key; `null` event when the record is a Tetragon event that is not one. */
export type TetragonResult = { key: string; event: NetworkFlow } | { key: null; event: null; type: string; reason: string };

/** The event type key of a record (`process_connect`, ...), or null. */
export function tetragonEventType(record: Obj): string | null {
  for (const t of TETRAGON_EVENT_TYPES) if (isObj(record[t])) return t;
  return null;
}

interface Connection {
  activity: NetworkActivityName;
  srcIp: string | null;
  srcPort: number | null;
  dstIp: string | null;
  dstPort: number | null;
  protocol: string;
  /** True for a listen: the process serves the port (the flow is read as a reply, an inbound edge). */
  serving: boolean;
  extra: Obj;
}

const PROTOCOLS: Readonly<Record<string, [string, number]>> = {
  TCP: ['TCP', 6], IPPROTO_TCP: ['TCP', 6], UDP: ['UDP', 17], IPPROTO_UDP: ['UDP', 17], SCTP: ['SCTP', 132], IPPROTO_SCTP: ['SCTP', 132],
};

function ipOf(obj: Obj, key: string, path: string): string | null {
  const v = optString(obj, key, path);
  if (v !== null && isIP(v) === 0) malformed(`${path} "${clip(v)}" is not an IP address`);
  return v;
}

const port = (obj: Obj, key: string, path: string): number | null => optInt(obj, key, path, { min: 0, max: 65535, strings: true });

/** The connection a network event describes, or a reason why the event is not one. */
function connectionOf(type: string, body: Obj): Connection | string {
  const rest = (keys: string[]): Obj => {
    const out: Obj = {};
    for (const [k, v] of Object.entries(body)) if (!keys.includes(k)) out[k] = v;
    return out;
  };
  if (type === 'process_connect' || type === 'process_close') {
    return {
      activity: type === 'process_connect' ? 'Open' : 'Close',
      srcIp: ipOf(body, 'source_ip', `${type}.source_ip`),
      srcPort: port(body, 'source_port', `${type}.source_port`),
      dstIp: ipOf(body, 'destination_ip', `${type}.destination_ip`),
      dstPort: port(body, 'destination_port', `${type}.destination_port`),
      protocol: optString(body, 'protocol', `${type}.protocol`) ?? 'TCP',
      serving: false,
      extra: rest(['process', 'parent', 'source_ip', 'source_port', 'destination_ip', 'destination_port', 'protocol']),
    };
  }
  if (type === 'process_listen') {
    return {
      activity: 'Open',
      srcIp: ipOf(body, 'ip', `${type}.ip`),
      srcPort: port(body, 'port', `${type}.port`),
      dstIp: null,
      dstPort: null,
      protocol: optString(body, 'protocol', `${type}.protocol`) ?? 'TCP',
      serving: true,
      extra: rest(['process', 'parent', 'ip', 'port', 'protocol']),
    };
  }
  if (type === 'process_kprobe') {
    const fn = optString(body, 'function_name', 'process_kprobe.function_name') ?? '';
    const open = KPROBE_OPEN.has(fn);
    if (!open && !KPROBE_CLOSE.has(fn)) return `process_kprobe on ${clip(fn)} is not a network call`;
    const sock = optObjectArray(body, 'args', 'process_kprobe.args')
      .map((a, i) => optObject(a, 'sock_arg', `process_kprobe.args[${i}].sock_arg`))
      .find((s): s is Obj => s !== null);
    if (!sock) return `process_kprobe on ${clip(fn)} carries no sock_arg`;
    return {
      activity: open ? 'Open' : 'Close',
      srcIp: ipOf(sock, 'saddr', 'sock_arg.saddr'),
      srcPort: port(sock, 'sport', 'sock_arg.sport'),
      dstIp: ipOf(sock, 'daddr', 'sock_arg.daddr'),
      dstPort: port(sock, 'dport', 'sock_arg.dport'),
      protocol: optString(sock, 'protocol', 'sock_arg.protocol') ?? (fn.startsWith('udp') || fn.includes('datagram') ? 'UDP' : 'TCP'),
      serving: false,
      extra: { ...rest(['process', 'parent', 'args']), sock_arg: sock },
    };
  }
  return `${type} is not a network call`;
}

interface ProcessInfo {
  binary: string | null;
  pid: number | null;
  podObj: Obj | null;
  rest: Obj;
}

function processInfo(p: Obj | null, path: string): ProcessInfo {
  if (!p) return { binary: null, pid: null, podObj: null, rest: {} };
  const binary = optString(p, 'binary', `${path}.binary`);
  const pid = optInt(p, 'pid', `${path}.pid`, { min: 0, max: 0xffffffff });
  const podObj = optObject(p, 'pod', `${path}.pod`);
  const rest: Obj = {};
  // Arguments are left out of unmapped (they may hold secrets); raw_data keeps the record as written.
  for (const k of ['exec_id', 'parent_exec_id', 'uid', 'auid', 'cwd', 'flags', 'start_time', 'docker']) if (p[k] !== undefined) rest[k] = p[k];
  return { binary, pid, podObj, rest };
}

function end(ip: string | null, p: number | null, workload: FlowWorkload | null, hostProcess: boolean): FlowEndpoint {
  const type = workload ? 'workload' : hostProcess ? 'host' : ip === null ? 'unknown' : isExternalIp(ip) ? 'external' : 'ip';
  return {
    type,
    workload,
    ip,
    port: p,
    fqdn: null,
    cidr_bucket: type === 'external' && ip !== null ? cidrBucket(ip) : null,
    is_external: type === 'external',
    instance_uid: null,
    interface_uid: null,
  };
}

/**
 * Normalizes one Tetragon export record (`{"process_connect":{…},"node_name","time"}`). Network
 * calls (process_connect, process_close, process_listen, process_kprobe on tcp_connect and kin)
 * become a NetworkFlow; other Tetragon events (process_exec, process_exit, other kprobes) give
 * `{ key: null, event: null, reason }`.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field when the record is not a Tetragon event.
 */
export function normalizeTetragonEvent(record: unknown, opts: TetragonNormalizeOptions = {}): TetragonResult {
  if (!isObj(record)) malformed(`record must be a JSON object, got ${typeName(record)}`);
  const type = tetragonEventType(record);
  if (type === null) malformed(`not a Tetragon event: none of ${TETRAGON_EVENT_TYPES.slice(0, 9).join(', ')}, ... is an object`);
  const body = record[type] as Obj;
  const conn = connectionOf(type, body);
  if (typeof conn === 'string') return { key: null, event: null, type, reason: conn };
  const timeText = optString(record, 'time', 'time');
  if (timeText === null) malformed(`not a Tetragon network event: ${type} without a time`);
  const time = parseTimestamp(timeText);
  if (time === null) malformed(`time "${clip(timeText)}" is not an RFC 3339 date-time`);
  const [protocolName, protocolNum] = PROTOCOLS[conn.protocol.toUpperCase()] ?? [conn.protocol.toUpperCase(), null];

  const nodeName = optString(record, 'node_name', 'node_name');
  const cluster = opts.cluster ?? (nodeName ? clusterFromNodeName(nodeName) : null) ?? 'unknown';
  const proc = processInfo(optObject(body, 'process', `${type}.process`), `${type}.process`);
  const parent = processInfo(optObject(body, 'parent', `${type}.parent`), `${type}.parent`);
  const rules = opts.application === undefined ? DEFAULT_APPLICATION_RULES : opts.application;
  const w = proc.podObj ? workloadOf(proc.podObj, cluster, rules) : null;

  // A listen is the process serving a port: source = the process's end, read as a reply (inbound edge) with no peer.
  const src = end(conn.srcIp, conn.srcPort, w?.workload ?? null, w === null);
  const dst = end(conn.dstIp, conn.dstPort, null, false);
  const unmapped: Obj = { is_reply: conn.serving, event_type: type, ...conn.extra, process: proc.rest, ...(Object.keys(parent.rest).length ? { parent: parent.rest } : {}), ...(w ? { pod: w.rest } : {}) };
  const event: NetworkFlow = networkActivityEvent(conn.activity, {
    time,
    start_time: null,
    end_time: null,
    metadata: {
      uid: stableRecordUid(record),
      version: OCSF_VERSION,
      product_name: 'Tetragon',
      vendor_name: 'Cilium',
      log_name: type,
      original_time: timeText,
      source: SOURCE_TYPE,
    },
    src,
    dst,
    connection_info: {
      protocol_name: protocolName,
      protocol_num: protocolNum,
      direction: conn.serving ? 'ingress' : 'egress',
      l7_protocol: null,
      tcp_flags: null,
      icmp_type: null,
      icmp_code: null,
    },
    verdict: 'UNKNOWN',
    verdict_reason: null,
    traffic: null,
    l7: null,
    process: { binary: proc.binary, pid: proc.pid, parent_binary: parent.binary, container: w?.container ?? null },
    cloud: null,
    node_name: nodeName,
    unmapped: cappedJson(unmapped, opts.unmappedCapBytes ?? RAW_CAP_BYTES),
    raw_data: cappedRaw(JSON.stringify(maskRecordArguments(record)), opts.rawCapBytes ?? RAW_CAP_BYTES),
  });
  return { key: flowKey(src, cluster, w ? null : 'host'), event };
}
