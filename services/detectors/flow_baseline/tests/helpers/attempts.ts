/**
 * Test helpers: a flow as a connection attempt (client, server, protocol, port) with the pods'
 * real labels, for the policy evaluators. Written apart from the detector's code on purpose: it
 * reads Hubble's reply flag by parsing `unmapped`, not with the detector's helper.
 */
import { isIP } from 'node:net';
import { workloadKey, type FlowEndpoint, type NetworkFlow } from '../../../../core/model/network-flow.ts';

/** One end of an attempt as a policy engine sees it. */
export type EvalEnd =
  | { kind: 'pod'; namespace: string; labels: Record<string, string>; name: string }
  | { kind: 'host' }
  | { kind: 'remote-node' }
  | { kind: 'health' }
  | { kind: 'reserved' }
  | { kind: 'external'; ip: string; fqdn: string | null };

/** A connection attempt: `client` opens `protocol`/`port` on `server` (ICMP: port = request type). */
export interface Attempt {
  client: EvalEnd;
  server: EvalEnd;
  protocol: string;
  port: number | null;
  /** The HTTP request of an L7 flow (method, `:path` with its query, as Envoy sees it); absent for L3/L4 flows. */
  http?: { method: string; path: string };
  /** For messages. */
  label: string;
}

/** Workload id -> the labels its pods carry (from any flow that reported them). */
export type LabelRegistry = Map<string, Record<string, string>>;

function wid(e: FlowEndpoint): string | null {
  const w = e.workload;
  return w ? `${w.cluster}/${w.namespace}/${w.kind}/${w.name}` : null;
}

/**
 * Pods' labels per workload: Hubble reports no labels on some ends, so the evaluator looks them up
 * here, by cluster/namespace/kind/name, else by namespace/kind/name in another cluster (the same
 * manifest deployed twice: the shared data's bookinfo reviews-v1 on GKE never shows its labels).
 */
export function labelRegistry(flows: readonly NetworkFlow[]): LabelRegistry {
  const r: LabelRegistry = new Map();
  for (const f of flows) {
    for (const e of [f.src, f.dst]) {
      const id = wid(e);
      if (!id || !e.workload || e.workload.labels.length === 0 || r.has(id)) continue;
      const labels = Object.fromEntries(e.workload.labels.map((l) => [l.key, l.value]));
      r.set(id, labels);
      const anyCluster = `*/${id.split('/').slice(1).join('/')}`;
      if (!r.has(anyCluster)) r.set(anyCluster, labels);
    }
  }
  return r;
}

function endOf(e: FlowEndpoint, labels: LabelRegistry): EvalEnd {
  if (e.workload) {
    const own = e.workload.labels.length ? Object.fromEntries(e.workload.labels.map((l) => [l.key, l.value])) : undefined;
    const id = wid(e)!;
    const known = labels.get(id) ?? labels.get(`*/${id.split('/').slice(1).join('/')}`);
    // Named by its identity (the application when the flow names one), as policies and warnings name it.
    return { kind: 'pod', namespace: e.workload.namespace ?? '', labels: own ?? known ?? {}, name: workloadKey(e.workload) };
  }
  if (e.type === 'host' || e.type === 'remote-node' || e.type === 'health' || e.type === 'reserved') return { kind: e.type };
  return { kind: 'external', ip: e.ip ?? '0.0.0.0', fqdn: e.fqdn };
}

function isReply(f: NetworkFlow): boolean {
  let u: Record<string, unknown> = {};
  try {
    u = JSON.parse(f.unmapped) as Record<string, unknown>;
  } catch {
    // no reply information
  }
  if (typeof u.is_reply === 'boolean') return u.is_reply;
  if (u.reply === true) return true;
  const flags = f.connection_info.tcp_flags;
  if (flags !== null && flags & 2) return (flags & 16) !== 0;
  if (f.l7?.type) return f.l7.type === 'RESPONSE';
  return f.src.port !== null && f.dst.port !== null && f.src.port < 32768 && f.dst.port >= 32768;
}

/** The connection attempt a flow belongs to (a reply belongs to the connection its destination opened). */
export function attemptOf(f: NetworkFlow, labels: LabelRegistry): Attempt {
  const reply = isReply(f);
  const [c, s] = reply ? [f.dst, f.src] : [f.src, f.dst];
  const proto = f.connection_info.protocol_name;
  let port: number | null = s.port;
  if (proto === 'ICMPv4' || proto === 'ICMPv6') {
    const t = f.connection_info.icmp_type;
    port = t === 0 ? 8 : t === 129 ? 128 : t;
  }
  // The request line, parsed here on its own (not with the detector's l7.ts): `:path` keeps the query.
  let http: Attempt['http'];
  const url = f.l7?.http?.url;
  if (url) {
    const m = /^[a-z]+:\/\/[^/]*(\/[^#]*)?/i.exec(url);
    http = { method: f.l7!.http!.method ?? '', path: m ? (m[1] ?? '/') : url };
  }
  return {
    client: endOf(c, labels),
    server: endOf(s, labels),
    protocol: proto,
    port,
    ...(http ? { http } : {}),
    label: `${wid(c) ?? c.type}:${c.ip} -> ${wid(s) ?? s.type}:${s.ip} ${proto}/${port ?? '-'}${reply ? ' (from a reply)' : ''}`,
  };
}

/** IPv4 CIDR membership (IPv6 CIDRs never match here). */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  if (isIP(ip) !== 4 || isIP(net ?? '') !== 4) return false;
  const bits = Number(bitsText);
  const toInt = (a: string): number => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(net!) & mask);
}

/** True when every selector label is on the pod. */
export function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}
