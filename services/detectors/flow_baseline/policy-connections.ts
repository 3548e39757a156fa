/**
 * Learned baselines -> the allowed connections (client, server, protocol, port) and the selector
 * labels of every workload: the model both policy formats are written from. Pure.
 */
import { parseEdgeKey, parsePeer, type PeerIdentity } from './identity.ts';
import { isClusterName, parseHttpKey, pathRegex } from './l7.ts';
import type { FlowBaselineState } from './state.ts';

/** A workload as policies see it: namespace, kind and name (clusters are merged unless one is chosen). */
export interface PolicyWorkload {
  /** `<namespace>/<kind>/<name>` */
  id: string;
  namespace: string;
  kind: string;
  name: string;
  /** Selector labels agreed by every state of this workload; null when none carried labels. */
  labels: Record<string, string> | null;
  /** True when the workload has its own baseline (it sent flows), so its egress is known. */
  hasState: boolean;
  /** DNS names outside the cluster it resolved (l7.ts dnsName; `*` where generalised), sorted. */
  dnsNames: string[];
}

/** An L7 HTTP rule: the method (absent: any) and the path regex (l7.ts pathRegex) of a learned pattern. */
export interface HttpRule {
  method?: string;
  path: string;
}

/** One end of an allowed connection. */
export type PolicyEnd = { type: 'workload'; id: string } | Exclude<PeerIdentity, { type: 'workload' }>;

/** An allowed connection: `client` may open `proto`/`port` on `server`. */
export interface PolicyConnection {
  client: PolicyEnd;
  server: PolicyEnd;
  proto: string;
  port: string;
  /** HTTP requests learned on it (from the client's or the server's L7 baseline); absent: none seen. */
  http?: HttpRule[];
}

/** The model: workloads by id, connections (deduplicated), and problems found on the way. */
export interface PolicyModel {
  workloads: Map<string, PolicyWorkload>;
  connections: PolicyConnection[];
  warnings: string[];
}

function intersect(a: Record<string, string> | null, b: Record<string, string> | null): Record<string, string> | null {
  if (a === null) return b === null ? null : { ...b };
  if (b === null) return a;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) if (b[k] === v) out[k] = v;
  return out;
}

/** The end a non-workload source stands for: a Cilium entity or a CIDR bucket; null otherwise. */
function sourceEnd(s: FlowBaselineState): PolicyEnd | null {
  const { type, name } = s.identity;
  if (type === 'host' || type === 'remote-node' || type === 'health' || type === 'reserved') return { type: 'entity', entity: type };
  if ((type === 'external' || type === 'ip' || type === 'unknown') && name.includes('/')) return { type: 'cidr', cidr: name };
  return null;
}

/** A stable string for an end, for deduplication and sorting. */
export function endKey(e: PolicyEnd): string {
  switch (e.type) {
    case 'workload':
      return `w:${e.id}`;
    case 'fqdn':
      return `fqdn:${e.fqdn}`;
    case 'cidr':
      return `cidr:${e.cidr}`;
    case 'entity':
      return `ent:${e.entity}`;
    default:
      return 'unknown';
  }
}

/** Labels that name an application (and its release): an application's policy selects on these only. */
export const APPLICATION_SELECTOR_LABELS: readonly string[] = ['app.kubernetes.io/name', 'app', 'app.kubernetes.io/instance', 'k8s-app'];

/**
 * The selector of an application: its application labels only (never the version or sidecar
 * labels, so the policy keeps selecting the next version); all the agreed labels when none of
 * them is there.
 */
export function applicationSelector(labels: Record<string, string> | null): Record<string, string> | null {
  if (!labels) return labels;
  const out: Record<string, string> = {};
  for (const k of APPLICATION_SELECTOR_LABELS) if (labels[k] !== undefined) out[k] = labels[k];
  return Object.keys(out).length ? out : labels;
}

/**
 * Builds the model from baselines (Iterable of [workload key, state]). With `cluster`, only that
 * cluster's baselines are used and workload peers in other clusters are left out (with a warning);
 * without it, the same namespace/kind/name in several clusters is one workload.
 */
export function policyModel(baselines: Iterable<readonly [string, FlowBaselineState]>, cluster?: string): PolicyModel {
  const workloads = new Map<string, PolicyWorkload>();
  const warnings: string[] = [];
  const seen = new Set<string>();
  const connections: PolicyConnection[] = [];

  const touch = (namespace: string, kind: string, name: string): PolicyWorkload => {
    const id = `${namespace}/${kind}/${name}`;
    let w = workloads.get(id);
    if (!w) workloads.set(id, (w = { id, namespace, kind, name, labels: null, hasState: false, dnsNames: [] }));
    return w;
  };

  const pending: Array<[FlowBaselineState, PolicyWorkload]> = [];
  const others: Array<[FlowBaselineState, PolicyEnd]> = [];
  const observed = new Map<PolicyWorkload, Record<string, string> | null>();
  const observe = (w: PolicyWorkload, labels: Record<string, string> | null | undefined): void => {
    if (!labels) return;
    observed.set(w, intersect(observed.get(w) ?? null, labels));
  };
  for (const [, s] of baselines) {
    const id = s.identity;
    if (id.type !== 'workload') {
      // Sources without a workload (the world, hosts, nodes) add the connections they opened.
      const end = sourceEnd(s);
      if (end && (cluster === undefined || id.cluster === null || id.cluster === cluster)) others.push([s, end]);
      continue;
    }
    if (id.namespace === null) continue;
    if (cluster !== undefined && id.cluster !== cluster) continue;
    const w = touch(id.namespace, id.kind, id.name);
    w.hasState = true;
    observe(w, s.labels);
    // Resolvers forward their clients' names; only an application's own lookups become toFQDNs.
    if (s.l7 && !s.l7.resolver) {
      for (const name of Object.keys(s.l7.dns)) if (FQDN_RULE_NAME.test(name) && name.length <= 253 && !isClusterName(name) && !w.dnsNames.includes(name)) w.dnsNames.push(name);
      w.dnsNames.sort();
    }
    pending.push([s, w]);
  }
  // A workload's pods as its peers saw them count too (some ends carry no labels in Hubble).
  for (const [s] of pending) {
    for (const [peer, labels] of Object.entries(s.peerLabels)) {
      const p = parsePeer(peer);
      if (p.type !== 'workload' || p.namespace === null || (cluster !== undefined && p.cluster !== cluster)) continue;
      observe(touch(p.namespace, p.kind, p.name), labels);
    }
  }
  for (const [w, labels] of observed) w.labels = w.kind === 'app' ? applicationSelector(labels) : labels;

  const sources: Array<[FlowBaselineState, PolicyEnd, string]> = [
    ...pending.map(([s, w]): [FlowBaselineState, PolicyEnd, string] => [s, { type: 'workload', id: w.id }, w.id]),
    ...others.map(([s, end]): [FlowBaselineState, PolicyEnd, string] => [s, end, endKey(end)]),
  ];
  const byDedup = new Map<string, PolicyConnection>();
  for (const [s, local, name] of sources) {
    // The HTTP requests learned on each edge of this baseline (edge key without process -> rules).
    const httpOf = new Map<string, HttpRule[]>();
    for (const hk of Object.keys(s.l7?.http ?? {})) {
      const { edge, method, pattern } = parseHttpKey(hk);
      const list = httpOf.get(edge) ?? [];
      list.push(method === 'OTHER' ? { path: pathRegex(pattern) } : { method, path: pathRegex(pattern) });
      httpOf.set(edge, list);
    }
    for (const k of Object.keys(s.edges)) {
      const edge = parseEdgeKey(k);
      const p = parsePeer(edge.peer);
      let peer: PolicyEnd;
      if (p.type === 'workload') {
        if (p.namespace === null) {
          warnings.push(`${name}: peer ${edge.peer} has no namespace; left out`);
          continue;
        }
        if (cluster !== undefined && p.cluster !== cluster) {
          // A world/host source is not tied to a cluster: its edges into other clusters are simply not ours.
          if (local.type === 'workload') warnings.push(`${name}: peer ${edge.peer} is in another cluster; left out`);
          continue;
        }
        peer = { type: 'workload', id: touch(p.namespace, p.kind, p.name).id };
      } else {
        peer = p;
      }
      const conn: PolicyConnection =
        edge.dir === 'out' ? { client: local, server: peer, proto: edge.proto, port: edge.port } : { client: peer, server: local, proto: edge.proto, port: edge.port };
      const dedup = `${endKey(conn.client)}>${endKey(conn.server)}|${conn.proto}|${conn.port}`;
      const http = httpOf.get(`${edge.dir === 'out' ? 'o' : 'i'}|${edge.peer}|${edge.proto}|${edge.port}`);
      const held = byDedup.get(dedup);
      if (held) {
        if (http) held.http = mergeHttp(held.http, http);
        continue;
      }
      if (seen.has(dedup)) continue;
      seen.add(dedup);
      if (http) conn.http = mergeHttp(undefined, http);
      byDedup.set(dedup, conn);
      connections.push(conn);
    }
  }
  connections.sort((a, b) => {
    const x = `${endKey(a.client)}>${endKey(a.server)}|${a.proto}|${a.port.padStart(5, '0')}`;
    const y = `${endKey(b.client)}>${endKey(b.server)}|${b.proto}|${b.port.padStart(5, '0')}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { workloads, connections, warnings };
}

/** Names a toFQDNs rule can carry: DNS labels (a generalised one is `*`), at least two. Others (underscores, odd bytes) are left out. */
const FQDN_RULE_NAME = /^(?:\*|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.(?:\*|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?))+$/;

/** The union of two HTTP rule lists, deduplicated and sorted (by path, then method). */
function mergeHttp(a: HttpRule[] | undefined, b: readonly HttpRule[]): HttpRule[] {
  const byKey = new Map<string, HttpRule>();
  for (const r of [...(a ?? []), ...b]) byKey.set(`${r.path} ${r.method ?? ''}`, r);
  return [...byKey].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, r]) => r);
}

/** Kubernetes object names: lower-case alphanumerics, `-` and `.`, at most 253, alphanumeric at both ends. */
export function policyName(w: Pick<PolicyWorkload, 'kind' | 'name'>): string {
  const raw = `sluice-baseline-${w.kind}-${w.name}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  return raw.slice(0, 253).replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
}

/** The metadata of a generated policy object for one workload. */
export function policyMetadata(w: Pick<PolicyWorkload, 'kind' | 'name'>, namespace: string): { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    name: policyName(w),
    namespace,
    labels: { 'app.kubernetes.io/managed-by': 'sluice' },
    annotations: { 'sluice.dev/generated-by': 'flow_baseline', 'sluice.dev/workload': `${w.kind}/${w.name}` },
  };
}

/** The learned connections of one workload in one direction (ingress: it serves; egress: it calls), with the other end. */
export function* connectionsOf(model: PolicyModel, self: PolicyWorkload, direction: 'ingress' | 'egress'): Generator<{ c: PolicyConnection; remote: PolicyEnd }> {
  for (const c of model.connections) {
    const local = direction === 'ingress' ? c.server : c.client;
    if (local.type !== 'workload' || local.id !== self.id) continue;
    yield { c, remote: direction === 'ingress' ? c.client : c.server };
  }
}

/** Usable selector labels, or null (unknown or empty: an empty selector would select every pod). */
export function selectorLabels(w: PolicyWorkload | undefined): Record<string, string> | null {
  return w?.labels && Object.keys(w.labels).length > 0 ? w.labels : null;
}

/**
 * What both policy formats do for a namespace: every workload of `namespace`, sorted by id, with
 * usable selector labels is handed to `build` with a `warn` that adds each message once to
 * `warnings`; a workload without known labels gets no policy, only a warning.
 */
export function policiesPerWorkload<T>(
  model: PolicyModel,
  namespace: string,
  warnings: string[],
  build: (w: PolicyWorkload, labels: Record<string, string>, warn: (m: string) => void) => T,
): T[] {
  const out: T[] = [];
  const warn = (m: string): void => {
    if (!warnings.includes(m)) warnings.push(m);
  };
  for (const w of [...model.workloads.values()].filter((x) => x.namespace === namespace).sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const labels = selectorLabels(w);
    if (!labels) {
      warn(`${w.id}: no labels known for its pods; no policy written (it stays unrestricted)`);
      continue;
    }
    out.push(build(w, labels, warn));
  }
  return out;
}

/** The port sets of one peer, grouped so peers allowed the same ports share one rule. */
export function groupByPorts<P>(entries: ReadonlyArray<{ peer: P; peerKey: string; port: PortSpec }>): Array<{ peers: P[]; ports: PortSpec[] }> {
  const byPeer = new Map<string, { peer: P; ports: Map<string, PortSpec> }>();
  for (const e of entries) {
    let g = byPeer.get(e.peerKey);
    if (!g) byPeer.set(e.peerKey, (g = { peer: e.peer, ports: new Map() }));
    const key = `${e.port.protocol}/${e.port.port}`;
    const had = g.ports.get(key);
    // A port with HTTP rules from one connection and none from another (L4 only) keeps the L4 allowance.
    g.ports.set(key, had && (!had.http || !e.port.http) ? { protocol: had.protocol, port: had.port } : had?.http && e.port.http ? { ...had, http: mergeHttp(had.http, e.port.http) } : e.port);
  }
  const byPorts = new Map<string, { peers: Array<[string, P]>; ports: PortSpec[] }>();
  for (const [peerKey, g] of [...byPeer].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ports = [...g.ports.values()].sort((a, b) => (a.protocol === b.protocol ? a.port - b.port : a.protocol < b.protocol ? -1 : 1));
    const sig = ports.map((p) => `${p.protocol}/${p.port}${p.http ? JSON.stringify(p.http) : ''}`).join(',');
    let r = byPorts.get(sig);
    if (!r) byPorts.set(sig, (r = { peers: [], ports }));
    r.peers.push([peerKey, g.peer]);
  }
  return [...byPorts.values()].map((r) => ({ peers: r.peers.map(([, p]) => p), ports: r.ports }));
}

/** A port and its protocol (TCP, UDP, SCTP; ICMPv4/ICMPv6 carry the ICMP type in `port`). */
export interface PortSpec {
  protocol: string;
  port: number;
  /** L7 HTTP rules on this port for this peer (Cilium only); absent: L4 only. */
  http?: HttpRule[];
}

/** The port of a connection as a PortSpec, or a reason why it has none. */
export function portSpec(c: Pick<PolicyConnection, 'proto' | 'port'>): PortSpec | string {
  if (c.port === '-') return `no port (${c.proto})`;
  const port = Number(c.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `bad port ${c.port}`;
  if (c.proto === 'TCP' || c.proto === 'UDP' || c.proto === 'SCTP' || c.proto === 'ICMPv4' || c.proto === 'ICMPv6') {
    if ((c.proto === 'TCP' || c.proto === 'UDP' || c.proto === 'SCTP') && port === 0) return `port 0 (${c.proto})`;
    return { protocol: c.proto, port };
  }
  return `protocol ${c.proto}`;
}
