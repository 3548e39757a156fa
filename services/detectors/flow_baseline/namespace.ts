/**
 * Namespace baselines: which outbound edges (peer, protocol, port) the applications of a namespace
 * use once their own discovery has ended. A new application (still learning its own baseline) is
 * judged against them from its first connection. In memory, per detector instance: derived from
 * the applications' durable states (folded in when their discovery ends, when they are next seen,
 * and after a state restore), so each worker thread knows the applications of its own state shards.
 */
import { parseEdgeKey } from './identity.ts';
import type { FlowBaselineState } from './state.ts';

/** One namespace's baseline. */
interface NamespaceBaseline {
  /** Applications folded in (their keys). */
  apps: Set<string>;
  /** `o|<peer>|<proto>|<port>` (no process part) -> applications using it. */
  edges: Map<string, number>;
  /** Peer id -> edges to it. */
  peers: Map<string, number>;
}

/** Why an edge is outside its namespace's baseline. */
export type NamespaceNovelty = 'external_endpoint' | 'new_port' | 'new_peer' | 'new_entity';

/** The namespace key of a state (`<cluster>/<namespace>`), or null for sources outside a namespace. */
export function namespaceOf(s: FlowBaselineState): string | null {
  const id = s.identity;
  return id.namespace === null || id.type !== 'workload' ? null : `${id.cluster ?? 'unknown'}/${id.namespace}`;
}

/** The namespace-level form of an outbound edge key (its process part dropped), or null for inbound edges. */
export function namespaceEdge(edgeKey: string): string | null {
  if (!edgeKey.startsWith('o|')) return null;
  const p = parseEdgeKey(edgeKey);
  return `o|${p.peer}|${p.proto}|${p.port}`;
}

export class NamespaceBaselines {
  private readonly byNs = new Map<string, NamespaceBaseline>();
  /** Edges not added because a namespace was full. */
  dropped = 0;

  constructor(
    private readonly maxNamespaces: number,
    private readonly maxEdges: number,
  ) {}

  get size(): number {
    return this.byNs.size;
  }

  /** True when the application's edges were folded in already. */
  has(ns: string, app: string): boolean {
    return this.byNs.get(ns)?.apps.has(app) ?? false;
  }

  /** Folds an application's outbound baseline edges into its namespace (idempotent per edge and application). */
  fold(ns: string, app: string, s: FlowBaselineState): void {
    let b = this.byNs.get(ns);
    if (b) {
      this.byNs.delete(ns); // LRU order: most recently used last
    } else {
      b = { apps: new Set(), edges: new Map(), peers: new Map() };
      if (this.byNs.size >= this.maxNamespaces) {
        const oldest = this.byNs.keys().next();
        if (!oldest.done) this.byNs.delete(oldest.value);
      }
    }
    this.byNs.set(ns, b);
    const seen = new Set<string>();
    for (const k in s.edges) {
      const e = namespaceEdge(k);
      if (e === null || seen.has(e)) continue;
      seen.add(e);
      // An application folded again (a second discovery) only adds its new edges.
      if (b.apps.has(app) && b.edges.has(e)) continue;
      const n = b.edges.get(e);
      if (n === undefined) {
        if (b.edges.size >= this.maxEdges) {
          this.dropped++;
          continue;
        }
        const peer = parseEdgeKey(e).peer;
        b.peers.set(peer, (b.peers.get(peer) ?? 0) + 1);
      }
      b.edges.set(e, (n ?? 0) + 1);
    }
    b.apps.add(app);
  }

  /** Applications with a baseline in the namespace (0 when unknown). */
  applications(ns: string): number {
    return this.byNs.get(ns)?.apps.size ?? 0;
  }

  /**
   * Null when the namespace's applications use this outbound edge, else why it is new to the
   * namespace: an external endpoint, a new port (or protocol) of a known peer, a peer (workload)
   * the namespace never talks to, a Cilium entity.
   */
  novelty(ns: string, edgeKey: string): NamespaceNovelty | null {
    const b = this.byNs.get(ns);
    const e = namespaceEdge(edgeKey);
    if (!b || e === null || b.edges.has(e)) return null;
    const peer = parseEdgeKey(e).peer;
    if (b.peers.has(peer)) return 'new_port';
    if (peer.startsWith('fqdn:') || peer.startsWith('cidr:')) return 'external_endpoint';
    if (peer.startsWith('w:')) return 'new_peer';
    return 'new_entity';
  }

  /** Edges held over all namespaces. */
  edgeCount(): number {
    let n = 0;
    for (const b of this.byNs.values()) n += b.edges.size;
    return n;
  }
}
