/**
 * Hubble flow (`hubble observe -o json` GetFlowsResponse line, or a bare flow object) -> OCSF
 * Network Activity (4001) with workload identities. Pure: no I/O, no clock, no randomness.
 * The mapping is described field by field in README.md next to this file.
 */
import { isIP } from 'node:net';
import { OCSF_VERSION, RAW_CAP_BYTES } from '../../core/events.ts';
import {
  applicationOf,
  cidrBucket,
  DEFAULT_APPLICATION_RULES,
  type ApplicationRules,
  DNS_RCODE_NAMES,
  flowKey,
  isExternalIp,
  networkActivityEvent,
  TCP_FLAG_BITS,
  type ConnectionInfo,
  type FlowEndpoint,
  type FlowEndpointType,
  type FlowL7,
  type FlowWorkload,
  type NetworkActivityName,
  type NetworkFlow,
} from '../../core/model/network-flow.ts';
import { parseImageReference } from '../../core/model/image-inventory.ts';
import { parseTimestamp, stableRecordUid } from '../aws_cloudtrail/index.ts';
import { cappedJson, cappedRaw, clip, isObj, malformed, optBool, optInt, optObject, optObjectArray, optString, optStringArray, typeName, type Obj } from '../fields.ts';
import { clusterFromNodeName, workloadFromPodName } from './workload.ts';

export const SOURCE_TYPE = 'hubble_flows';

export interface HubbleNormalizeOptions {
  /** Cluster name when the endpoint names none (see config.ts). */
  cluster?: string | null;
  /** Label keys holding an image reference. */
  imageLabels?: readonly string[];
  /** Application identity rules; null keys ends by controller (`identity.key: workload`). Default: DEFAULT_APPLICATION_RULES. */
  application?: ApplicationRules | null;
  rawCapBytes?: number;
  unmappedCapBytes?: number;
}

/** A normalized flow and its stream key (the source identity). */
export interface NormalizedFlow {
  key: string;
  event: NetworkFlow;
}

export const DEFAULT_IMAGE_LABELS: readonly string[] = Object.freeze(['image', 'app.kubernetes.io/image']);

/** Cilium bookkeeping labels left out of workload.labels (they stay in raw_data). */
export function isNoiseLabel(key: string): boolean {
  return key.startsWith('io.cilium.k8s.') || key === 'io.kubernetes.pod.namespace';
}

/** Reserved identities, most specific first, when an endpoint has several (host + kube-apiserver). */
const RESERVED_PRIORITY = ['world', 'host', 'remote-node', 'health', 'kube-apiserver', 'ingress', 'init', 'unmanaged'];

/** flow.verdict values (cilium/api/v1/flow Verdict). */
const HUBBLE_VERDICTS = new Set(['VERDICT_UNKNOWN', 'FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED']);

/** GetFlowsResponse payloads that are not flows. */
const NON_FLOW_RESPONSES = ['node_status', 'lost_events', 'debug_event'];

const L4_PROTOCOLS: ReadonlyArray<[string, string, number]> = [
  ['TCP', 'TCP', 6],
  ['UDP', 'UDP', 17],
  ['SCTP', 'SCTP', 132],
  ['ICMPv4', 'ICMPv4', 1],
  ['ICMPv6', 'ICMPv6', 58],
];

interface ParsedLabels {
  k8s: Map<string, string>;
  reserved: string[];
  /** Labels that are not k8s: ones (reserved:, cidr:, fqdn:, container:, ...), as written. */
  other: string[];
}

/** Kubernetes names (pods, namespaces, nodes, workloads, clusters) are DNS names of at most 253 characters. */
export const MAX_NAME_CHARS = 253;
/** A label `k8s:<prefix>/<name>=<value>` is at most 4 + 253 + 1 + 63 + 1 + 63 characters; 1024 leaves room for other sources. */
export const MAX_LABEL_CHARS = 1024;

function optName(obj: Obj, key: string, path: string): string | null {
  const v = optString(obj, key, path);
  if (v !== null && v.length > MAX_NAME_CHARS) malformed(`${path} is longer than ${MAX_NAME_CHARS} characters`);
  return v;
}

function parseLabels(ep: Obj | null, path: string): ParsedLabels {
  const out: ParsedLabels = { k8s: new Map(), reserved: [], other: [] };
  if (!ep) return out;
  const all = optStringArray(ep, 'labels', `${path}.labels`);
  all.forEach((label, i) => {
    if (label.length > MAX_LABEL_CHARS) malformed(`${path}.labels[${i}] is longer than ${MAX_LABEL_CHARS} characters`);
  });
  for (const label of all) {
    const colon = label.indexOf(':');
    const source = colon >= 0 ? label.slice(0, colon) : '';
    const rest = colon >= 0 ? label.slice(colon + 1) : label;
    if (source === 'k8s') {
      const eq = rest.indexOf('=');
      out.k8s.set(eq >= 0 ? rest.slice(0, eq) : rest, eq >= 0 ? rest.slice(eq + 1) : '');
      continue;
    }
    if (source === 'reserved') {
      const eq = rest.indexOf('=');
      out.reserved.push(eq >= 0 ? rest.slice(0, eq) : rest);
    }
    out.other.push(label);
  }
  return out;
}

function reservedEntity(reserved: readonly string[]): string | null {
  for (const r of RESERVED_PRIORITY) if (reserved.includes(r)) return r;
  return reserved[0] ?? null;
}

function stripDot(name: string): string {
  return name.endsWith('.') && name.length > 1 ? name.slice(0, -1) : name;
}

function without(obj: Obj, keys: readonly string[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

interface EndpointContext {
  nodeName: string | null;
  cluster: string | null;
  imageLabels: readonly string[];
  application: ApplicationRules | null;
}

interface BuiltEndpoint {
  endpoint: FlowEndpoint;
  cluster: string;
  entity: string | null;
  /** Endpoint fields not mapped (Cilium ID and identity, non-k8s labels, ...), for unmapped. */
  rest: Obj;
}

const MAPPED_ENDPOINT_FIELDS = ['namespace', 'pod_name', 'workloads', 'cluster_name', 'labels'];

function buildEndpoint(ep: Obj | null, path: string, ip: string | null, port: number | null, names: string[], ctx: EndpointContext): BuiltEndpoint {
  const labels = parseLabels(ep, path);
  const e = ep ?? {};
  const namespace = optName(e, 'namespace', `${path}.namespace`) ?? labels.k8s.get('io.kubernetes.pod.namespace') ?? null;
  const pod = optName(e, 'pod_name', `${path}.pod_name`);
  const clusterName = optName(e, 'cluster_name', `${path}.cluster_name`);
  const identity = optInt(e, 'identity', `${path}.identity`, { min: 0, max: 0xffffffff });
  optInt(e, 'ID', `${path}.ID`, { min: 0, max: 0xffffffff });
  const workloads = optObjectArray(e, 'workloads', `${path}.workloads`);
  let declared: { kind: string; name: string } | null = null;
  for (const [i, w] of workloads.entries()) {
    const name = optName(w, 'name', `${path}.workloads[${i}].name`);
    const kind = optName(w, 'kind', `${path}.workloads[${i}].kind`);
    if (!declared && name !== null) declared = { kind: kind ?? 'Workload', name };
  }

  const policyCluster = labels.k8s.get('io.cilium.k8s.policy.cluster');
  const cluster =
    clusterName ??
    ctx.cluster ??
    (ctx.nodeName === null ? null : clusterFromNodeName(ctx.nodeName)) ??
    (policyCluster !== undefined && policyCluster !== '' && policyCluster !== 'default' ? policyCluster : null) ??
    'unknown';

  const keptLabels = [...labels.k8s]
    .filter(([k]) => !isNoiseLabel(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));

  let identityOf: { kind: string; name: string } | null = declared;
  if (!identityOf && pod !== null) identityOf = workloadFromPodName(pod);
  if (!identityOf && labels.k8s.size > 0) {
    const app = labels.k8s.get('app.kubernetes.io/name') || labels.k8s.get('app') || labels.k8s.get('k8s-app');
    if (app) identityOf = { kind: 'app', name: app };
    else if (identity !== null) identityOf = { kind: 'identity', name: String(identity) };
  }

  let workload: FlowWorkload | null = null;
  if (identityOf) {
    let image: { repository: string; tag: string | null; digest: string | null } | null = null;
    for (const key of ctx.imageLabels) {
      const v = labels.k8s.get(key);
      if (v) image = parseImageReference(v);
      if (image) break;
    }
    workload = {
      cluster,
      namespace,
      kind: identityOf.kind,
      name: identityOf.name,
      pod,
      labels: keptLabels,
      image_repository: image?.repository ?? null,
      image_version: image ? (image.digest ?? image.tag) : null,
      service_account: labels.k8s.get('io.cilium.k8s.policy.serviceaccount') || null,
    };
    // A numeric Cilium identity names no application: it stays the identity.
    if (ctx.application && workload.kind !== 'identity') {
      const { app, version } = applicationOf(workload, ctx.application);
      workload.app = app;
      workload.app_version = version;
    }
  }

  const entity = workload ? null : reservedEntity(labels.reserved);
  let type: FlowEndpointType;
  if (workload) type = 'workload';
  else if (entity === 'world') type = 'external';
  else if (entity === 'host' || entity === 'remote-node' || entity === 'health') type = entity;
  else if (entity !== null) type = 'reserved';
  else if (ip !== null) type = isExternalIp(ip) ? 'external' : 'ip';
  else type = 'unknown';
  const isExternal = type === 'external';

  const rest = without(e, MAPPED_ENDPOINT_FIELDS);
  if (labels.other.length > 0) rest.labels = labels.other;

  const firstName = names[0];
  return {
    endpoint: {
      type,
      workload,
      ip,
      port,
      fqdn: firstName === undefined ? null : stripDot(firstName),
      cidr_bucket: isExternal && ip !== null ? cidrBucket(ip) : null,
      is_external: isExternal,
      instance_uid: null,
      interface_uid: null,
    },
    cluster,
    entity,
    rest,
  };
}

function ipField(obj: Obj, key: string, path: string): string | null {
  const v = optString(obj, key, path);
  if (v !== null && isIP(v) === 0) malformed(`${path} "${clip(v)}" is not an IP address`);
  return v;
}

interface L4 {
  info: Pick<ConnectionInfo, 'protocol_name' | 'protocol_num' | 'tcp_flags' | 'icmp_type' | 'icmp_code'>;
  srcPort: number | null;
  dstPort: number | null;
  flags: Set<string>;
}

function readL4(flow: Obj): L4 {
  const out: L4 = {
    info: { protocol_name: 'unknown', protocol_num: null, tcp_flags: null, icmp_type: null, icmp_code: null },
    srcPort: null,
    dstPort: null,
    flags: new Set(),
  };
  const l4 = optObject(flow, 'l4', 'l4');
  if (!l4) return out;
  for (const [key, name, num] of L4_PROTOCOLS) {
    const p = optObject(l4, key, `l4.${key}`);
    if (!p) continue;
    out.info.protocol_name = name;
    out.info.protocol_num = num;
    if (key.startsWith('ICMP')) {
      out.info.icmp_type = optInt(p, 'type', `l4.${key}.type`, { min: 0, max: 255 }) ?? 0;
      out.info.icmp_code = optInt(p, 'code', `l4.${key}.code`, { min: 0, max: 255 }) ?? 0;
    } else {
      out.srcPort = optInt(p, 'source_port', `l4.${key}.source_port`, { min: 0, max: 65535 });
      out.dstPort = optInt(p, 'destination_port', `l4.${key}.destination_port`, { min: 0, max: 65535 });
    }
    if (key === 'TCP') {
      const flags = optObject(p, 'flags', 'l4.TCP.flags');
      let mask = 0;
      if (flags) {
        for (const flag of Object.keys(flags)) {
          if (optBool(flags, flag, `l4.TCP.flags.${clip(flag, 16)}`) !== true) continue;
          const bit = TCP_FLAG_BITS[flag];
          if (bit !== undefined) {
            mask |= bit;
            out.flags.add(flag);
          }
        }
      }
      out.info.tcp_flags = flags ? mask : null;
    }
    break;
  }
  return out;
}

function readL7(flow: Obj): { l7: FlowL7 | null; protocol: ConnectionInfo['l7_protocol']; rest: Obj | null } {
  const l7 = optObject(flow, 'l7', 'l7');
  if (!l7) return { l7: null, protocol: null, rest: null };
  const rest = without(l7, ['type', 'latency_ns', 'http', 'dns', 'kafka']);
  const http = optObject(l7, 'http', 'l7.http');
  const dns = optObject(l7, 'dns', 'l7.dns');
  const kafka = optObject(l7, 'kafka', 'l7.kafka');
  const out: FlowL7 = {
    type: optString(l7, 'type', 'l7.type'),
    latency_ns: optInt(l7, 'latency_ns', 'l7.latency_ns', { min: 0, strings: true }),
    http: null,
    dns: null,
    kafka: null,
  };
  if (http) {
    out.http = {
      method: optString(http, 'method', 'l7.http.method'),
      url: optString(http, 'url', 'l7.http.url'),
      code: optInt(http, 'code', 'l7.http.code', { min: 0, max: 999 }),
      protocol: optString(http, 'protocol', 'l7.http.protocol'),
    };
    const h = without(http, ['method', 'url', 'code', 'protocol']);
    if (Object.keys(h).length > 0) rest.http = h;
  }
  if (dns) {
    const rcode = optInt(dns, 'rcode', 'l7.dns.rcode', { min: 0, max: 65535 });
    out.dns = {
      query: optString(dns, 'query', 'l7.dns.query'),
      qtypes: optStringArray(dns, 'qtypes', 'l7.dns.qtypes'),
      // proto3 JSON omits a zero rcode: a response without rcode is NOERROR.
      rcode: rcode ?? (out.type === 'RESPONSE' ? 0 : null),
      rcode_name: null,
      ips: optStringArray(dns, 'ips', 'l7.dns.ips'),
      rrtypes: optStringArray(dns, 'rrtypes', 'l7.dns.rrtypes'),
      ttl: optInt(dns, 'ttl', 'l7.dns.ttl', { min: 0, max: 0xffffffff }),
    };
    out.dns.rcode_name = out.dns.rcode === null ? null : (DNS_RCODE_NAMES[out.dns.rcode] ?? `RCODE${out.dns.rcode}`);
    const d = without(dns, ['query', 'qtypes', 'rcode', 'ips', 'rrtypes', 'ttl']);
    if (Object.keys(d).length > 0) rest.dns = d;
  }
  if (kafka) {
    out.kafka = {
      api_key: optString(kafka, 'api_key', 'l7.kafka.api_key'),
      api_version: optInt(kafka, 'api_version', 'l7.kafka.api_version', { min: 0, max: 32767 }),
      topic: optString(kafka, 'topic', 'l7.kafka.topic'),
      error_code: optInt(kafka, 'error_code', 'l7.kafka.error_code', { min: -2147483648, max: 2147483647 }),
      correlation_id: optInt(kafka, 'correlation_id', 'l7.kafka.correlation_id', { min: -2147483648, max: 2147483647 }),
    };
    const k = without(kafka, ['api_key', 'api_version', 'topic', 'error_code', 'correlation_id']);
    if (Object.keys(k).length > 0) rest.kafka = k;
  }
  const protocol = out.http ? 'http' : out.dns ? 'dns' : out.kafka ? 'kafka' : null;
  return { l7: out, protocol, rest: Object.keys(rest).length > 0 ? rest : null };
}

/**
 * activity: DROPPED -> Refuse, ERROR -> Fail; TCP RST -> Reset, SYN without ACK -> Open,
 * FIN -> Close; anything else -> Traffic.
 */
export function hubbleActivity(verdict: string, tcpFlags: ReadonlySet<string>): NetworkActivityName {
  if (verdict === 'DROPPED') return 'Refuse';
  if (verdict === 'ERROR') return 'Fail';
  if (tcpFlags.has('RST')) return 'Reset';
  if (tcpFlags.has('SYN') && !tcpFlags.has('ACK')) return 'Open';
  if (tcpFlags.has('FIN')) return 'Close';
  return 'Traffic';
}

const MAPPED_FLOW_FIELDS = [
  'time', 'uuid', 'verdict', 'drop_reason_desc', 'IP', 'l4', 'source', 'destination', 'Type', 'node_name',
  'traffic_direction', 'l7', 'source_names', 'destination_names',
];

/**
 * Normalizes one Hubble record: a GetFlowsResponse `{"flow":{…},"node_name","time"}` or a bare
 * flow object.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED naming the field when the record is not a Hubble flow.
 */
export function normalizeHubbleFlow(record: unknown, opts: HubbleNormalizeOptions = {}): NormalizedFlow {
  const rawCap = opts.rawCapBytes ?? RAW_CAP_BYTES;
  const unmappedCap = opts.unmappedCapBytes ?? RAW_CAP_BYTES;
  if (!isObj(record)) malformed(`record must be a JSON object, got ${typeName(record)}`);

  let flow: Obj;
  let envelope: Obj | null = null;
  if (Object.hasOwn(record, 'flow')) {
    const f = record.flow;
    if (!isObj(f)) malformed(`flow must be an object, got ${typeName(f)}`);
    flow = f;
    envelope = record;
  } else {
    const other = NON_FLOW_RESPONSES.find((k) => Object.hasOwn(record, k));
    if (other !== undefined) malformed(`not a flow: a Hubble GetFlowsResponse carrying ${other}`);
    flow = record;
  }

  const envTime = envelope ? optString(envelope, 'time', 'time') : null;
  const timeText = optString(flow, 'time', envelope ? 'flow.time' : 'time') ?? envTime;
  const hasBody = ['IP', 'l4', 'source', 'destination'].some((k) => flow[k] !== undefined && flow[k] !== null);
  const problems: string[] = [];
  if (timeText === null) problems.push('time is missing');
  if (!hasBody) problems.push('IP, l4, source and destination are all missing');
  if (problems.length > 0) malformed(`not a Hubble flow: ${problems.join('; ')}`);
  const time = parseTimestamp(timeText!);
  if (time === null) malformed(`not a Hubble flow: time "${clip(timeText!)}" is not an RFC 3339 date-time`);

  const nodeName = optName(flow, 'node_name', 'node_name') ?? (envelope ? optName(envelope, 'node_name', 'node_name') : null);
  const ipObj = optObject(flow, 'IP', 'IP');
  const srcIp = ipObj ? ipField(ipObj, 'source', 'IP.source') : null;
  const dstIp = ipObj ? ipField(ipObj, 'destination', 'IP.destination') : null;
  const l4 = readL4(flow);
  const { l7, protocol: l7Protocol, rest: l7Rest } = readL7(flow);

  const rawVerdict = optString(flow, 'verdict', 'verdict');
  if (rawVerdict !== null && !HUBBLE_VERDICTS.has(rawVerdict)) malformed(`verdict "${clip(rawVerdict)}" is not a Hubble verdict`);
  const verdict = rawVerdict === null || rawVerdict === 'VERDICT_UNKNOWN' ? 'UNKNOWN' : rawVerdict;
  const direction = optString(flow, 'traffic_direction', 'traffic_direction');
  if (direction !== null && !['INGRESS', 'EGRESS', 'TRAFFIC_DIRECTION_UNKNOWN'].includes(direction)) {
    malformed(`traffic_direction "${clip(direction)}" is not INGRESS, EGRESS or TRAFFIC_DIRECTION_UNKNOWN`);
  }
  const flowType = optString(flow, 'Type', 'Type');
  if (flowType !== null && !/^[A-Z0-9_]{1,32}$/.test(flowType)) malformed(`Type "${clip(flowType)}" is not a Hubble flow type`);
  const ctx: EndpointContext = {
    nodeName,
    cluster: opts.cluster ?? null,
    imageLabels: opts.imageLabels ?? DEFAULT_IMAGE_LABELS,
    application: opts.application === undefined ? DEFAULT_APPLICATION_RULES : opts.application,
  };
  const src = buildEndpoint(optObject(flow, 'source', 'source'), 'source', srcIp, l4.srcPort, optStringArray(flow, 'source_names', 'source_names'), ctx);
  const dst = buildEndpoint(
    optObject(flow, 'destination', 'destination'),
    'destination',
    dstIp,
    l4.dstPort,
    optStringArray(flow, 'destination_names', 'destination_names'),
    ctx,
  );

  const activity = hubbleActivity(verdict, l4.flags);

  const unmapped = without(flow, MAPPED_FLOW_FIELDS);
  if (ipObj) {
    const ipRest = without(ipObj, ['source', 'destination']);
    if (Object.keys(ipRest).length > 0) unmapped.IP = ipRest;
  }
  if (Object.keys(src.rest).length > 0) unmapped.source = src.rest;
  if (Object.keys(dst.rest).length > 0) unmapped.destination = dst.rest;
  if (l7Rest) unmapped.l7 = l7Rest;
  if (envelope) {
    const envRest = without(envelope, ['flow', 'node_name', 'time']);
    if (Object.keys(envRest).length > 0) unmapped.response = envRest;
  }

  const event: NetworkFlow = networkActivityEvent(activity, {
    time,
    start_time: null,
    end_time: null,
    metadata: {
      uid: optString(flow, 'uuid', 'uuid') ?? stableRecordUid(flow),
      version: OCSF_VERSION,
      product_name: 'Hubble',
      vendor_name: 'Cilium',
      log_name: flowType,
      original_time: timeText!,
      source: SOURCE_TYPE,
    },
    src: src.endpoint,
    dst: dst.endpoint,
    connection_info: {
      ...l4.info,
      direction: direction === 'INGRESS' ? 'ingress' : direction === 'EGRESS' ? 'egress' : 'unknown',
      l7_protocol: l7Protocol,
    },
    verdict,
    verdict_reason: optString(flow, 'drop_reason_desc', 'drop_reason_desc'),
    traffic: null,
    l7,
    process: null,
    cloud: null,
    node_name: nodeName,
    unmapped: cappedJson(unmapped, unmappedCap),
    raw_data: cappedRaw(JSON.stringify(record), rawCap),
  });
  return { key: flowKey(src.endpoint, src.cluster, src.entity), event };
}
