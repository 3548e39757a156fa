/**
 * Identities of the two ends of a flow and of the edge between them. Pure functions.
 *
 * A workload is `<cluster>/<namespace>/<kind>/<name>` (the flow key), with its image repository and
 * version as attributes; pods, replicas and IPs are never part of it. A peer is another workload,
 * an external endpoint (FQDN when known, else its CIDR bucket) or a Cilium entity (host,
 * remote-node, health, reserved). An edge is direction + peer + protocol + port (+ process).
 */
import { cidrBucket, workloadKey, type FlowEndpoint, type FlowWorkload, type NetworkFlow } from '../../core/model/network-flow.ts';

/** `out`: the workload opened the connection to the peer's port; `in`: the peer connected to the workload's port. */
export type EdgeDirection = 'out' | 'in';

/** What an edge key is made of (see edgeKey / parseEdgeKey). */
export interface EdgeParts {
  dir: EdgeDirection;
  /** Peer id: `w:<cluster>/<namespace>/<kind>/<name>`, `fqdn:<name>`, `cidr:<bucket>`, `ent:<entity>` or `unknown`. */
  peer: string;
  /** connection_info.protocol_name: TCP, UDP, SCTP, ICMPv4, ICMPv6, ... */
  proto: string;
  /** The server port (for ICMP the request type), or `-` when the flow has none. */
  port: string;
  /** Local process (`<binary>` or `<binary>><parent>`, URI-encoded parts) when processIdentity is on. */
  proc: string | null;
}

/** A peer id taken apart. */
export type PeerIdentity =
  | { type: 'workload'; cluster: string; namespace: string | null; kind: string; name: string }
  | { type: 'fqdn'; fqdn: string }
  | { type: 'cidr'; cidr: string }
  | { type: 'entity'; entity: string }
  | { type: 'unknown' };

const MAX_NAME = 253;
const MAX_PROC = 256;

function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

/**
 * The workload id used in keys and peer ids (same as flowKey): `<cluster>/<namespace or ->/app/<app>`
 * when the end names its application, else `<cluster>/<namespace or ->/<kind>/<name>`.
 */
export function workloadId(w: Pick<FlowWorkload, 'cluster' | 'namespace' | 'kind' | 'name' | 'app'>): string {
  return workloadKey(w);
}

/** Lower-case, without the trailing dot, at most 253 characters; null when empty. */
export function normalizeFqdn(fqdn: string | null): string | null {
  if (!fqdn) return null;
  const f = clip(fqdn.trim().toLowerCase().replace(/\.$/, ''), MAX_NAME);
  return f === '' ? null : f;
}

/** The peer id of a flow end (see EdgeParts.peer). IPs only ever contribute their CIDR bucket. */
export function peerId(end: FlowEndpoint): string {
  if (end.workload) return `w:${workloadId(end.workload)}`;
  switch (end.type) {
    case 'host':
    case 'remote-node':
    case 'health':
    case 'reserved':
      return `ent:${end.type}`;
    default: {
      const fqdn = normalizeFqdn(end.fqdn);
      if (fqdn) return `fqdn:${fqdn}`;
      const bucket = end.cidr_bucket ?? (end.ip ? cidrBucket(end.ip) : null);
      return bucket ? `cidr:${bucket}` : 'unknown';
    }
  }
}

/** Takes a peer id apart; ids that do not parse are `unknown`. */
export function parsePeer(peer: string): PeerIdentity {
  if (peer.startsWith('w:')) {
    const parts = peer.slice(2).split('/');
    if (parts.length < 4) return { type: 'unknown' };
    const [cluster, ns, kind, ...name] = parts as [string, string, string, ...string[]];
    return { type: 'workload', cluster, namespace: ns === '-' ? null : ns, kind, name: name.join('/') };
  }
  if (peer.startsWith('fqdn:')) return { type: 'fqdn', fqdn: peer.slice(5) };
  if (peer.startsWith('cidr:')) return { type: 'cidr', cidr: peer.slice(5) };
  if (peer.startsWith('ent:')) return { type: 'entity', entity: peer.slice(4) };
  return { type: 'unknown' };
}

/** The kind of peer for findings: workload, external (fqdn/cidr), entity or unknown. */
export function peerClass(peer: string): 'workload' | 'external' | 'entity' | 'unknown' {
  if (peer.startsWith('w:')) return 'workload';
  if (peer.startsWith('fqdn:') || peer.startsWith('cidr:') || peer === WORLD_PEER) return 'external';
  if (peer.startsWith('ent:')) return 'entity';
  return 'unknown';
}

const ICMP_REPLY_TO_REQUEST: Readonly<Record<string, Record<number, number>>> = {
  // echo reply -> echo, timestamp reply -> timestamp, information reply -> information request
  ICMPv4: { 0: 8, 14: 13, 16: 15 },
  // echo reply -> echo request
  ICMPv6: { 129: 128 },
};
const ICMP_REQUESTS: Readonly<Record<string, ReadonlySet<number>>> = {
  ICMPv4: new Set([8, 13, 15]),
  ICMPv6: new Set([128]),
};

/** Reads a top-level boolean (`"is_reply":true`) from the unmapped JSON text without parsing it all. */
function unmappedFlag(unmapped: string, name: string): boolean | null {
  const needle = `"${name}":`;
  const i = unmapped.indexOf(needle);
  if (i < 0) return null;
  const rest = unmapped.slice(i + needle.length, i + needle.length + 6).trimStart();
  if (rest.startsWith('true')) return true;
  if (rest.startsWith('false')) return false;
  return null;
}

const TCP_SYN = 2;
const TCP_ACK = 16;

/**
 * True when the flow is the reply half of a connection (its source is the server). Evidence, in
 * order: Hubble's `is_reply` / `reply` flag (kept in `unmapped`); TCP SYN without ACK (a request)
 * or SYN+ACK (a reply); an ICMP echo/timestamp reply or request type; the L7 record type
 * (RESPONSE / REQUEST); else the ports: from a port below `ephemeralPortMin` to one at or above it.
 */
export function isReplyFlow(e: NetworkFlow, ephemeralPortMin: number): boolean {
  const flagged = unmappedFlag(e.unmapped, 'is_reply') ?? unmappedFlag(e.unmapped, 'reply');
  if (flagged !== null) return flagged;
  const ci = e.connection_info;
  if (ci.tcp_flags !== null && (ci.tcp_flags & TCP_SYN) !== 0) return (ci.tcp_flags & TCP_ACK) !== 0;
  if (ci.icmp_type !== null) {
    if (ICMP_REPLY_TO_REQUEST[ci.protocol_name]?.[ci.icmp_type] !== undefined) return true;
    if (ICMP_REQUESTS[ci.protocol_name]?.has(ci.icmp_type)) return false;
  }
  if (e.l7?.type === 'RESPONSE') return true;
  if (e.l7?.type === 'REQUEST') return false;
  const sp = e.src.port;
  const dp = e.dst.port;
  return sp !== null && dp !== null && sp < ephemeralPortMin && dp >= ephemeralPortMin;
}

/** The server-side port of the connection: the source port of a reply, else the destination port; ICMP: the request type. */
export function serverPort(e: NetworkFlow, reply: boolean): string {
  const ci = e.connection_info;
  if (ci.protocol_name === 'ICMPv4' || ci.protocol_name === 'ICMPv6') {
    if (ci.icmp_type === null) return '-';
    return String(ICMP_REPLY_TO_REQUEST[ci.protocol_name]?.[ci.icmp_type] ?? ci.icmp_type);
  }
  const port = reply ? e.src.port : e.dst.port;
  return port === null ? '-' : String(port);
}

/** The local process part of an edge, or null when off or the flow names no binary. */
export function processPart(e: NetworkFlow, mode: 'off' | 'binary' | 'binary_and_parent'): string | null {
  if (mode === 'off' || !e.process?.binary) return null;
  const bin = encodeURIComponent(clip(e.process.binary, MAX_PROC));
  if (mode === 'binary' || !e.process.parent_binary) return bin;
  return `${bin}>${encodeURIComponent(clip(e.process.parent_binary, MAX_PROC))}`;
}

/** `<o|i>|<peer>|<proto>|<port>[|<proc>]`: the key of an edge in a workload's baseline. */
export function edgeKey(p: EdgeParts): string {
  return `${p.dir === 'out' ? 'o' : 'i'}|${p.peer}|${p.proto}|${p.port}${p.proc === null ? '' : `|${p.proc}`}`;
}

/** Takes an edge key apart (peer ids, protocols and ports never contain `|`; process parts are URI-encoded). */
export function parseEdgeKey(key: string): EdgeParts {
  const [d, peer = 'unknown', proto = 'unknown', port = '-', proc] = key.split('|');
  return { dir: d === 'i' ? 'in' : 'out', peer, proto, port, proc: proc ?? null };
}

/** The peer id of any external client of an inbound edge under `inboundExternal: world`. */
export const WORLD_PEER = 'ent:world';

/**
 * The edge a flow stands for, seen from its source (the keyed workload). With `inboundWorld`, an
 * inbound edge from an external client has the peer `ent:world` (only the served port is learned).
 */
export function flowEdge(e: NetworkFlow, reply: boolean, proc: string | null, inboundWorld = false): EdgeParts {
  return {
    dir: reply ? 'in' : 'out',
    peer: reply && inboundWorld && e.dst.type === 'external' ? WORLD_PEER : peerId(e.dst),
    proto: e.connection_info.protocol_name,
    port: serverPort(e, reply),
    proc,
  };
}

/** Labels that differ per pod or per revision, never part of a workload's selector. */
export const PER_POD_LABELS: ReadonlySet<string> = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'job-name',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/job-completion-index',
]);

const MAX_LABELS = 32;

/**
 * The selector labels of a workload after one more observation: the labels every observation
 * carrying labels agreed on (observations without labels, which Hubble gives for some ends, are
 * ignored), without per-pod labels, at most 32. Returns the same object when nothing changed.
 */
export function intersectLabels(
  current: Record<string, string> | null,
  observed: ReadonlyArray<{ key: string; value: string }>,
): Record<string, string> | null {
  if (observed.length === 0) return current;
  if (current === null) {
    const out: Record<string, string> = {};
    let n = 0;
    for (const { key, value } of [...observed].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      if (PER_POD_LABELS.has(key) || n >= MAX_LABELS) continue;
      out[key] = value;
      n++;
    }
    return out;
  }
  let changed = false;
  for (const k in current) {
    let found = false;
    for (const l of observed) {
      if (l.key === k) {
        found = l.value === current[k];
        break;
      }
    }
    if (!found) {
      changed = true;
      break;
    }
  }
  if (!changed) return current;
  const out: Record<string, string> = {};
  for (const k in current) {
    if (observed.some((l) => l.key === k && l.value === current[k])) out[k] = current[k]!;
  }
  return out;
}

/** The version of a flow's source: its application version, else its image version, else the first configured version label; null when none is known. */
export function versionOf(w: FlowWorkload, labels: readonly string[]): string | null {
  // The collector's application version (labels, image tag, name suffix) comes first.
  if (w.app_version) return clip(w.app_version, MAX_NAME);
  if (w.image_version) return clip(w.image_version, MAX_NAME);
  for (const name of labels) {
    for (const l of w.labels) if (l.key === name && l.value !== '') return clip(l.value, MAX_NAME);
  }
  return null;
}
