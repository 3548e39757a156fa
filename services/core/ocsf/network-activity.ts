import type { FlowEndpoint, NetworkFlow } from '../model/network-flow.ts';
import { cloudObject, compact, eventHeader, eventMetadata, unmappedObject, type OcsfObject } from './common.ts';

const ACTIVITY_CAPTIONS: Readonly<Record<number, string>> = { 0: 'Unknown', 1: 'Open', 2: 'Close', 3: 'Reset', 4: 'Fail', 5: 'Refuse', 6: 'Traffic', 7: 'Listen', 99: 'Other' };

/** connection_info.direction_id: the flow's direction relative to the workload that reports it. */
const DIRECTIONS: Readonly<Record<string, readonly [number, string]>> = { ingress: [1, 'Inbound'], egress: [2, 'Outbound'], unknown: [0, 'Unknown'] };

/** action_id (security_control profile) of a verdict: forwarded is Allowed, dropped is Denied. */
const ACTIONS: Readonly<Record<string, readonly [number, string]>> = { FORWARDED: [1, 'Allowed'], DROPPED: [2, 'Denied'], AUDIT: [3, 'Observed'], TRACED: [3, 'Observed'] };

/**
 * An endpoint in OCSF `network_endpoint` form: ip, port and FQDN, the workload's
 * `<namespace>/<name>` as `name` and its application as `svc_name`. The full workload identity
 * (cluster, kind, labels, image, version) stays in `unmapped.src_workload` / `dst_workload`.
 */
function endpoint(p: FlowEndpoint): Record<string, unknown> {
  const w = p.workload;
  const out = {
    ip: p.ip,
    port: p.port,
    domain: p.fqdn,
    name: w ? `${w.namespace ?? '-'}/${w.name}` : null,
    svc_name: w?.app ?? null,
    instance_uid: p.instance_uid,
    interface_uid: p.interface_uid,
  };
  return Object.values(out).some((v) => v !== null && v !== undefined) ? out : { name: p.type };
}

function sum(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

/** A normalized flow as OCSF 1.8.0 Network Activity (4001). */
export function networkActivityToOcsf(f: NetworkFlow): OcsfObject {
  const dir = DIRECTIONS[f.connection_info.direction] ?? DIRECTIONS.unknown!;
  const action = ACTIONS[f.verdict];
  const profiles = [...(f.cloud ? ['cloud'] : []), ...(action ? ['security_control'] : [])];
  const t = f.traffic;
  return compact({
    ...eventHeader(f.class_uid, f.category_uid, f.activity_id, ACTIVITY_CAPTIONS, f.severity_id, f.time),
    start_time: f.start_time,
    end_time: f.end_time,
    metadata: eventMetadata(f.metadata, profiles),
    src_endpoint: endpoint(f.src),
    dst_endpoint: endpoint(f.dst),
    connection_info: {
      protocol_name: f.connection_info.protocol_name.toLowerCase(),
      protocol_num: f.connection_info.protocol_num,
      direction_id: dir[0],
      direction: dir[1],
      tcp_flags: f.connection_info.tcp_flags,
    },
    app_protocol_name: f.connection_info.l7_protocol,
    traffic: t
      ? { bytes_in: t.bytes_in, bytes_out: t.bytes_out, bytes: sum(t.bytes_in, t.bytes_out), packets_in: t.packets_in, packets_out: t.packets_out, packets: sum(t.packets_in, t.packets_out) }
      : null,
    action_id: action?.[0],
    action: action?.[1],
    cloud: f.cloud ? cloudObject(f.cloud.provider, f.cloud.region, f.cloud.account_uid) : null,
    unmapped: unmappedObject(f.unmapped, {
      verdict: f.verdict,
      verdict_reason: f.verdict_reason,
      node_name: f.node_name,
      src_workload: f.src.workload,
      dst_workload: f.dst.workload,
      src_type: f.src.type,
      dst_type: f.dst.type,
      l7: f.l7,
      process: f.process,
      vpc_uid: f.cloud?.vpc_uid ?? null,
    }),
    raw_data: f.raw_data,
  });
}
