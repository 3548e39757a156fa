/** Test helpers: the Hubble fixtures through the collector, and builders of synthetic NetworkFlows. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hubbleFlowsCollector } from '../../../../collectors/hubble_flows/index.ts';
import type { EventMeta } from '../../../../core/components.ts';
import { cidrBucket, isExternalIp, workloadKey, type FlowEndpoint, type NetworkFlow } from '../../../../core/model/network-flow.ts';

/** The fixture files (see fixtures/SOURCE.md). */
export const FIXTURE_FILES = [
  'kind-bookinfo-tcp.jsonl',
  'kind-bookinfo-udp.jsonl',
  'kind-bookinfo-l7-redirected.jsonl',
  'gke-istio-http.jsonl',
  'gke-10-flows.jsonl',
] as const;

/** A collected flow with its stream key. */
export interface KeyedFlow {
  key: string;
  event: NetworkFlow;
}

/** Path of a fixture file. */
export function fixturePath(file: string): string {
  return fileURLToPath(new URL(`../../fixtures/${file}`, import.meta.url));
}

/** Every fixture flow, through the hubble_flows collector, in file order. Throws on a rejected record. */
export function fixtureFlows(files: readonly string[] = FIXTURE_FILES): KeyedFlow[] {
  const c = hubbleFlowsCollector();
  const out: KeyedFlow[] = [];
  for (const f of files) {
    for (const o of c.collect({ name: f, bytes: readFileSync(fixturePath(f)) })) {
      if (o.kind !== 'event' || o.stream !== 'flow') throw new Error(`fixture ${f}: ${o.kind === 'dead_letter' ? o.reason : 'not a flow'}`);
      out.push({ key: o.key, event: o.event });
    }
  }
  return out;
}

let offset = 0;
/** EventMeta for a key (offsets increase across calls). */
export function metaFor(key: string): EventMeta {
  return { key, topic: 'sluice.flow.v1', partition: 0, offset: String(offset++) };
}

/** A workload end description for the builders. */
export interface WorkloadSpec {
  cluster?: string;
  namespace: string;
  kind?: string;
  name: string;
  labels?: Record<string, string>;
  image?: string | null;
  version?: string | null;
  pod?: string;
  ip?: string;
  /** Application (as the hubble_flows collector fills it): when set, the end's identity is `<cluster>/<ns>/app/<app>`. */
  app?: string | null;
  /** Application version (FlowWorkload.app_version). */
  appVersion?: string | null;
}

/** The key of a workload spec (like flowKey). */
export function keyOf(w: WorkloadSpec): string {
  return workloadKey({ cluster: w.cluster ?? 'test', namespace: w.namespace, kind: w.kind ?? 'Deployment', name: w.name, app: w.app ?? null });
}

/** A workload end. */
export function workloadEnd(w: WorkloadSpec, port: number | null): FlowEndpoint {
  return {
    type: 'workload',
    workload: {
      cluster: w.cluster ?? 'test',
      namespace: w.namespace,
      kind: w.kind ?? 'Deployment',
      name: w.name,
      pod: w.pod ?? `${w.name}-7d4b9c8f6d-x2x4z`,
      labels: Object.entries(w.labels ?? { app: w.name }).map(([key, value]) => ({ key, value })),
      image_repository: w.image ?? null,
      image_version: w.version ?? null,
      service_account: w.name,
      ...(w.app ? { app: w.app, app_version: w.appVersion ?? null } : {}),
    },
    ip: w.ip ?? '10.244.1.10',
    port,
    fqdn: null,
    cidr_bucket: null,
    is_external: false,
    instance_uid: null,
    interface_uid: null,
  };
}

/** An external end (`fqdn` optional). */
export function externalEnd(ip: string, port: number | null, fqdn: string | null = null): FlowEndpoint {
  return { type: 'external', workload: null, ip, port, fqdn, cidr_bucket: cidrBucket(ip), is_external: isExternalIp(ip), instance_uid: null, interface_uid: null };
}

/** A Cilium entity end (host, remote-node, health). */
export function entityEnd(type: 'host' | 'remote-node' | 'health', ip: string, port: number | null): FlowEndpoint {
  return { type, workload: null, ip, port, fqdn: null, cidr_bucket: null, is_external: false, instance_uid: null, interface_uid: null };
}

let uid = 0;
/** Options of a synthetic flow. */
export interface FlowOptions {
  time: number;
  proto?: 'TCP' | 'UDP' | 'ICMPv4' | 'SCTP';
  reply?: boolean;
  verdict?: string;
  activity?: 1 | 2 | 3 | 5 | 6;
  uid?: string;
  icmpType?: number;
  process?: { binary: string; parent_binary?: string | null } | null;
}

/** A synthetic NetworkFlow from src to dst (reply flag kept in `unmapped` like Hubble's `is_reply`). */
export function flow(src: FlowEndpoint, dst: FlowEndpoint, o: FlowOptions): NetworkFlow {
  const proto = o.proto ?? 'TCP';
  const num = { TCP: 6, UDP: 17, ICMPv4: 1, SCTP: 132 }[proto];
  const activity = o.activity ?? 6;
  return {
    class_uid: 4001,
    category_uid: 4,
    activity_id: activity,
    activity_name: 'Traffic',
    type_uid: 400100 + activity,
    severity_id: 1,
    time: o.time,
    start_time: null,
    end_time: null,
    metadata: { uid: o.uid ?? `flow-${uid++}`, version: '1.3.0', product_name: 'Hubble', vendor_name: 'Cilium', log_name: 'L3_L4', original_time: new Date(o.time).toISOString(), source: 'test' },
    src,
    dst,
    connection_info: {
      protocol_name: proto,
      protocol_num: num,
      direction: 'egress',
      l7_protocol: null,
      tcp_flags: proto === 'TCP' ? 16 : null,
      icmp_type: proto === 'ICMPv4' ? (o.icmpType ?? 8) : null,
      icmp_code: proto === 'ICMPv4' ? 0 : null,
    },
    verdict: o.verdict ?? 'FORWARDED',
    verdict_reason: null,
    traffic: null,
    l7: null,
    process: o.process ? { binary: o.process.binary, pid: 1234, parent_binary: o.process.parent_binary ?? null } : null,
    cloud: null,
    node_name: 'node-1',
    unmapped: JSON.stringify({ is_reply: o.reply ?? false }),
    raw_data: null,
  };
}

/** A request flow client -> server:port and, unless `replyToo` is false, the server's reply. */
export function connection(client: WorkloadSpec, server: FlowEndpoint, port: number, o: FlowOptions & { replyToo?: boolean; clientPort?: number }): KeyedFlow[] {
  const cp = o.clientPort ?? 40000 + (uid % 20000);
  const out: KeyedFlow[] = [{ key: keyOf(client), event: flow(workloadEnd(client, cp), { ...server, port }, o) }];
  if (o.replyToo !== false && server.workload) {
    const w = server.workload;
    out.push({
      key: workloadKey(w),
      event: flow({ ...server, port }, workloadEnd(client, cp), { ...o, uid: undefined, reply: true, time: o.time + 1 }),
    });
  }
  return out;
}
