/**
 * AWS VPC flow log records (text fields or JSON) and Route 53 Resolver query log records -> OCSF
 * Network Activity (4001) with IP-only ends. Pure: no I/O, no clock, no randomness.
 * The mapping is described field by field in README.md next to this file.
 */
import { isIP } from 'node:net';
import { OCSF_VERSION, RAW_CAP_BYTES } from '../../core/events.ts';
import { SluiceError, type ErrorCode } from '../../core/errors.ts';
import {
  cidrBucket,
  DNS_RCODE_NAMES,
  flowKey,
  isExternalIp,
  networkActivityEvent,
  protocolName,
  TCP_FLAG_BITS,
  type FlowDirection,
  type FlowEndpoint,
  type NetworkActivityName,
  type NetworkFlow,
} from '../../core/model/network-flow.ts';
import { parseTimestamp, stableRecordUid } from '../aws_cloudtrail/index.ts';
import { cappedJson, cappedRaw, clip, isObj, malformed, optObject, optString, typeName, type Obj } from '../fields.ts';
import { looksLikeDefaultRecord, splitRecord, VPC_DEFAULT_FIELDS, VPC_KNOWN_FIELDS, type VpcFields } from './parse.ts';

export const SOURCE_TYPE = 'vpc_flow_logs';

/**
 * reasonCode of the records that are not flows by the source's own account (log-status NODATA and
 * SKIPDATA): they are dead-lettered so that nothing disappears silently, and their reason says which.
 */
export const NO_FLOW_REASON_CODE: ErrorCode = 'SLUICE_ERR_INPUT_MALFORMED';

export interface VpcNormalizeOptions {
  rawCapBytes?: number;
  unmappedCapBytes?: number;
}

export interface NormalizedFlow {
  key: string;
  event: NetworkFlow;
}

/** JSON keys of other spellings (Panther's camelCase AWS.VPCFlow, Athena/Glue snake_case) -> VPC field names. */
const JSON_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  account: 'account-id', accountId: 'account-id', interfaceId: 'interface-id', srcAddr: 'srcaddr', dstAddr: 'dstaddr',
  srcPort: 'srcport', dstPort: 'dstport', logStatus: 'log-status', status: 'log-status', vpcId: 'vpc-id',
  subnetId: 'subnet-id', instanceId: 'instance-id', tcpFlags: 'tcp-flags', pktSrcAddr: 'pkt-srcaddr',
  pktDstAddr: 'pkt-dstaddr', azId: 'az-id', sublocationType: 'sublocation-type', sublocationId: 'sublocation-id',
  pktSrcAwsService: 'pkt-src-aws-service', pktDstAwsService: 'pkt-dst-aws-service', flowDirection: 'flow-direction',
  trafficPath: 'traffic-path', rejectReason: 'reject-reason',
});

/** The VPC field name of a JSON key, or null when the key is not one. */
export function vpcFieldName(key: string): string | null {
  const alias = JSON_ALIASES[key];
  if (alias) return alias;
  const kebab = key.replace(/_/g, '-');
  return VPC_KNOWN_FIELDS.has(kebab) ? kebab : null;
}

/** Fields mapped to typed fields; the others go to unmapped. */
const MAPPED = new Set([
  'account-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action',
  'vpc-id', 'subnet-id', 'tcp-flags', 'region', 'flow-direction', 'reject-reason',
]);

/** No VPC field is longer (the longest are ECS ARNs, at most 2048 characters). */
export const MAX_FIELD_CHARS = 2048;

type FieldValue = string | number | boolean | null | undefined | object;

/** Reads VPC field values given as text ("-" = absent) or as JSON numbers/strings. */
class FieldReader {
  constructor(private readonly f: Record<string, FieldValue>) {}

  str(name: string): string | null {
    const v = this.f[name];
    if (v === undefined || v === null) return null;
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') malformed(`${name} must be a string or a number, got ${typeName(v)}`);
    return v === '-' || v === '' ? null : v;
  }

  int(name: string, max: number): number | null {
    const v = this.f[name];
    const s = typeof v === 'number' ? String(v) : this.str(name);
    if (s === null) return null;
    if (!/^\d{1,16}$/.test(s) || Number(s) > max) malformed(`${name} "${clip(s)}" is not an integer in [0, ${max}]`);
    return Number(s);
  }

  ip(name: string): string | null {
    const s = this.str(name);
    if (s !== null && isIP(s) === 0) malformed(`${name} "${clip(s)}" is not an IP address`);
    return s;
  }

  /** Epoch seconds (number or digits), or an ISO-8601 date-time (Panther writes timestamps) -> epoch ms. */
  time(name: string): { ms: number; text: string } | null {
    const s = this.str(name);
    if (s === null) return null;
    if (/^\d{1,12}$/.test(s)) return { ms: Number(s) * 1000, text: s };
    const t = parseTimestamp(s);
    if (t === null) malformed(`${name} "${clip(s)}" is neither epoch seconds nor an ISO-8601 date-time`);
    return { ms: t, text: s };
  }
}

function noFlow(reason: string): never {
  throw new SluiceError(NO_FLOW_REASON_CODE, reason);
}

function endpoint(ip: string | null, port: number | null): FlowEndpoint {
  const external = ip !== null && isExternalIp(ip);
  return {
    type: ip === null ? 'unknown' : external ? 'external' : 'ip',
    workload: null,
    ip,
    port,
    fqdn: null,
    cidr_bucket: external ? cidrBucket(ip) : null,
    is_external: external,
    instance_uid: null,
    interface_uid: null,
  };
}

function activityOf(verdict: string, tcpFlags: number | null): NetworkActivityName {
  if (verdict === 'DROPPED') return 'Refuse';
  if (tcpFlags !== null) {
    if (tcpFlags & TCP_FLAG_BITS.RST!) return 'Reset';
    if (tcpFlags & TCP_FLAG_BITS.SYN! && !(tcpFlags & TCP_FLAG_BITS.ACK!)) return 'Open';
    if (tcpFlags & TCP_FLAG_BITS.FIN!) return 'Close';
  }
  return 'Traffic';
}

export interface FlowFieldsContext {
  /** raw_data: the text line or the JSON record. */
  rawText: string;
  /** Native id when the record has one (a CloudWatch Logs event id). */
  uid?: string | null;
  /** Extra fields for unmapped (non-VPC keys of a JSON record). */
  extra?: Obj;
}

/**
 * Normalizes one VPC flow log record given as field -> value (text values, `-` for none, or JSON
 * values). log-status NODATA and SKIPDATA are not flows and are rejected with their meaning.
 */
export function normalizeVpcFields(fields: Record<string, FieldValue>, ctx: FlowFieldsContext, opts: VpcNormalizeOptions = {}): NormalizedFlow {
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' && v.length > MAX_FIELD_CHARS) malformed(`${k} is longer than ${MAX_FIELD_CHARS} characters`);
  }
  const r = new FieldReader(fields);
  const status = r.str('log-status');
  const eni = r.str('interface-id') ?? 'an unnamed interface';
  if (status === 'NODATA' || status === 'SKIPDATA') {
    const window = `${r.str('start') ?? '?'}..${r.str('end') ?? '?'}`;
    if (status === 'NODATA') noFlow(`log-status NODATA: no traffic on ${eni} in ${window}; not a flow record`);
    noFlow(`log-status SKIPDATA: AWS skipped flow records on ${eni} in ${window} (capacity or internal error); those flows were lost at the source`);
  }
  if (status !== null && status !== 'OK') malformed(`log-status "${clip(status)}" is not OK, NODATA or SKIPDATA`);

  const problems: string[] = [];
  const srcaddr = r.ip('srcaddr');
  const dstaddr = r.ip('dstaddr');
  const start = r.time('start');
  const end = r.time('end');
  if (srcaddr === null) problems.push('srcaddr is missing');
  if (dstaddr === null) problems.push('dstaddr is missing');
  if (start === null && end === null) problems.push('start and end are both missing');
  if (problems.length > 0) malformed(`not a VPC flow log record: ${problems.join('; ')}`);

  const actionText = r.str('action');
  if (actionText !== null && actionText !== 'ACCEPT' && actionText !== 'REJECT') malformed(`action "${clip(actionText)}" is not ACCEPT or REJECT`);
  const verdict = actionText === 'ACCEPT' ? 'FORWARDED' : actionText === 'REJECT' ? 'DROPPED' : 'UNKNOWN';
  const protocol = r.int('protocol', 255);
  const icmp = protocol === 1 || protocol === 58;
  const srcport = r.int('srcport', 65535);
  const dstport = r.int('dstport', 65535);
  const tcpFlags = r.int('tcp-flags', 0xffff);
  const flowDirection = r.str('flow-direction');
  const direction: FlowDirection = flowDirection === 'ingress' ? 'ingress' : flowDirection === 'egress' ? 'egress' : 'unknown';
  const packets = r.int('packets', Number.MAX_SAFE_INTEGER);
  const bytes = r.int('bytes', Number.MAX_SAFE_INTEGER);
  const version = r.str('version');

  const src = endpoint(srcaddr, icmp ? null : srcport);
  const dst = endpoint(dstaddr, icmp ? null : dstport);
  // The interface (and its instance) is the end the record was captured on: known only with flow-direction.
  const eniEnd = direction === 'egress' ? src : direction === 'ingress' ? dst : null;
  if (eniEnd) {
    eniEnd.interface_uid = r.str('interface-id');
    eniEnd.instance_uid = r.str('instance-id');
  }

  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(fields)) {
    if (MAPPED.has(k)) continue;
    if (eniEnd && (k === 'interface-id' || k === 'instance-id')) continue;
    unmapped[k] = v;
  }
  if (ctx.extra) Object.assign(unmapped, ctx.extra);

  const time = (start ?? end)!;
  const activity = activityOf(verdict, protocol === 6 ? tcpFlags : null);
  const account = r.str('account-id');
  const event: NetworkFlow = networkActivityEvent(activity, {
    time: time.ms,
    start_time: start?.ms ?? null,
    end_time: end?.ms ?? null,
    metadata: {
      uid: ctx.uid ?? stableRecordUid({ ...(ctx.extra ?? {}), ...(fields as Obj) }),
      version: OCSF_VERSION,
      product_name: 'VPC Flow Logs',
      vendor_name: 'AWS',
      log_name: version === null ? 'vpc-flow-log' : `vpc-flow-log-v${version}`,
      original_time: time.text,
      source: SOURCE_TYPE,
    },
    src,
    dst,
    connection_info: {
      protocol_name: protocol === null ? 'unknown' : protocolName(protocol),
      protocol_num: protocol,
      direction,
      l7_protocol: null,
      tcp_flags: protocol === 6 ? tcpFlags : null,
      icmp_type: null,
      icmp_code: null,
    },
    verdict,
    verdict_reason: r.str('reject-reason'),
    traffic: packets === null && bytes === null ? null : { bytes_in: null, bytes_out: bytes, packets_in: null, packets_out: packets },
    l7: null,
    process: null,
    cloud: {
      provider: 'AWS',
      region: r.str('region'),
      account_uid: account,
      vpc_uid: r.str('vpc-id'),
      subnet_uid: r.str('subnet-id'),
    },
    node_name: null,
    unmapped: cappedJson(unmapped, opts.unmappedCapBytes ?? RAW_CAP_BYTES),
    raw_data: cappedRaw(ctx.rawText, opts.rawCapBytes ?? RAW_CAP_BYTES),
  });
  return { key: flowKey(src), event };
}

const RCODE_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(DNS_RCODE_NAMES).map(([n, name]) => [name, Number(n)]));
const TRANSPORTS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17 };
const FIREWALL_VERDICTS: Readonly<Record<string, string>> = { BLOCK: 'DROPPED', ALERT: 'AUDIT', ALLOW: 'FORWARDED' };
const ROUTE53_MAPPED = new Set([
  'query_timestamp', 'query_name', 'query_type', 'rcode', 'answers', 'srcaddr', 'srcport', 'transport', 'srcids',
  'account_id', 'region', 'vpc_id', 'firewall_rule_action',
]);

/** A Route 53 Resolver query log record (also Panther's AWS.VPCDns) -> a flow with l7 dns. */
export function normalizeRoute53Query(rec: Obj, opts: VpcNormalizeOptions = {}): NormalizedFlow {
  const problems: string[] = [];
  const queryName = optString(rec, 'query_name');
  const tsText = optString(rec, 'query_timestamp');
  const r = new FieldReader(rec as Record<string, FieldValue>);
  const srcaddr = r.ip('srcaddr');
  if (queryName === null) problems.push('query_name is missing');
  if (tsText === null) problems.push('query_timestamp is missing');
  if (srcaddr === null) problems.push('srcaddr is missing');
  if (problems.length > 0) malformed(`not a Route 53 Resolver query log record: ${problems.join('; ')}`);
  const time = parseTimestamp(tsText!);
  if (time === null) malformed(`query_timestamp "${clip(tsText!)}" is not an ISO-8601 date-time`);

  const transport = optString(rec, 'transport');
  const protoNum = transport === null ? null : (TRANSPORTS[transport.toUpperCase()] ?? null);
  const rcodeName = optString(rec, 'rcode');
  const rcode = rcodeName === null ? null : (RCODE_BY_NAME.get(rcodeName.toUpperCase()) ?? null);
  const rawAnswers = rec.answers;
  let answers: unknown[] = [];
  if (Array.isArray(rawAnswers)) answers = rawAnswers;
  else if (isObj(rawAnswers)) answers = [rawAnswers]; // Panther's test logs hold one answer as an object
  else if (rawAnswers !== undefined && rawAnswers !== null) malformed(`answers must be an array or an object, got ${typeName(rawAnswers)}`);
  const ips: string[] = [];
  const rrtypes: string[] = [];
  answers.forEach((a, i) => {
    if (!isObj(a)) malformed(`answers[${i}] must be an object, got ${typeName(a)}`);
    const type = optString(a, 'Type', `answers[${i}].Type`);
    const rdata = optString(a, 'Rdata', `answers[${i}].Rdata`);
    if (type !== null) rrtypes.push(type);
    if ((type === 'A' || type === 'AAAA') && rdata !== null && isIP(rdata) !== 0) ips.push(rdata);
  });
  const srcids = optObject(rec, 'srcids');
  const firewall = optString(rec, 'firewall_rule_action');
  const verdict = firewall === null ? 'UNKNOWN' : (FIREWALL_VERDICTS[firewall.toUpperCase()] ?? 'UNKNOWN');
  const queryType = optString(rec, 'query_type');

  const src = endpoint(srcaddr, r.int('srcport', 65535));
  src.instance_uid = srcids ? optString(srcids, 'instance', 'srcids.instance') : null;
  const dst = endpoint(null, null);

  const unmapped: Obj = {};
  for (const [k, v] of Object.entries(rec)) if (!ROUTE53_MAPPED.has(k) && !k.startsWith('p_')) unmapped[k] = v;
  if (srcids) {
    const rest: Obj = {};
    for (const [k, v] of Object.entries(srcids)) if (k !== 'instance') rest[k] = v;
    if (Object.keys(rest).length > 0) unmapped.srcids = rest;
  }
  if (rawAnswers !== undefined) unmapped.answers = rawAnswers;
  if (rcodeName !== null && rcode === null) unmapped.rcode = rcodeName;

  const event: NetworkFlow = networkActivityEvent(verdict === 'DROPPED' ? 'Refuse' : 'Traffic', {
    time,
    start_time: null,
    end_time: null,
    metadata: {
      uid: stableRecordUid(rec),
      version: OCSF_VERSION,
      product_name: 'Route 53 Resolver',
      vendor_name: 'AWS',
      log_name: 'route53-resolver-query-log',
      original_time: tsText!,
      source: SOURCE_TYPE,
    },
    src,
    dst,
    connection_info: {
      protocol_name: protoNum === null ? (transport ?? 'unknown') : protocolName(protoNum),
      protocol_num: protoNum,
      direction: 'unknown',
      l7_protocol: 'dns',
      tcp_flags: null,
      icmp_type: null,
      icmp_code: null,
    },
    verdict,
    verdict_reason: firewall,
    traffic: null,
    l7: {
      type: 'RESPONSE',
      latency_ns: null,
      http: null,
      dns: { query: queryName, qtypes: queryType === null ? [] : [queryType], rcode, rcode_name: rcodeName, ips, rrtypes, ttl: null },
      kafka: null,
    },
    process: null,
    cloud: {
      provider: 'AWS',
      region: optString(rec, 'region'),
      account_uid: r.str('account_id'),
      vpc_uid: optString(rec, 'vpc_id'),
      subnet_uid: null,
    },
    node_name: null,
    unmapped: cappedJson(unmapped, opts.unmappedCapBytes ?? RAW_CAP_BYTES),
    raw_data: cappedRaw(JSON.stringify(rec), opts.rawCapBytes ?? RAW_CAP_BYTES),
  });
  return { key: flowKey(src), event };
}

/** True for a JSON record in Route 53 Resolver query log form. */
export function isRoute53Query(rec: Obj): boolean {
  return typeof rec.query_name === 'string' && ('query_timestamp' in rec || 'srcaddr' in rec || 'resolver_endpoint' in rec);
}

/**
 * Normalizes one parsed JSON record: a VPC flow record with VPC, camelCase (Panther) or snake_case
 * keys, a CloudWatch Logs event `{id, timestamp, message}` whose message is a default-format line,
 * a Route 53 Resolver query log record, or a string holding a default-format line.
 * @throws SluiceError naming the field, or NO_FLOW_REASON_CODE for NODATA/SKIPDATA records.
 */
export function normalizeVpcRecord(record: unknown, opts: VpcNormalizeOptions = {}): NormalizedFlow {
  if (typeof record === 'string') {
    const fields = splitRecord(record, VPC_DEFAULT_FIELDS);
    if (typeof fields === 'string') malformed(`not a VPC flow log record: ${fields}`);
    return normalizeVpcFields(fields, { rawText: record }, opts);
  }
  if (!isObj(record)) malformed(`record must be a JSON object or a flow log line, got ${typeName(record)}`);
  if (typeof record.message === 'string' && ('timestamp' in record || 'id' in record)) {
    const line = record.message;
    if (!looksLikeDefaultRecord(line)) malformed(`CloudWatch Logs event message is not a default-format VPC flow log record: "${clip(line)}"`);
    const fields = splitRecord(line, VPC_DEFAULT_FIELDS) as VpcFields;
    const id = optString(record, 'id');
    return normalizeVpcFields(fields, { rawText: line, uid: id }, opts);
  }
  if (isRoute53Query(record)) return normalizeRoute53Query(record, opts);
  if (isObj(record.src_endpoint) || isObj(record.dst_endpoint) || typeof record.class_uid === 'number') {
    malformed('an OCSF record (src_endpoint/dst_endpoint), not a VPC flow log record: OCSF input is not accepted by vpc_flow_logs');
  }
  const fields: Record<string, FieldValue> = {};
  const extra: Obj = {};
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith('p_')) continue; // Panther enrichment
    const name = vpcFieldName(k);
    if (name === null) extra[k] = v;
    else fields[name] = v as FieldValue;
  }
  return normalizeVpcFields(fields, { rawText: JSON.stringify(record), extra }, opts);
}
