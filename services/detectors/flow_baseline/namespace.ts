/**
 * Namespace baselines: which outbound edges (peer, protocol, port) the applications of a namespace
 * use once their own discovery has ended. A new application (still learning its own baseline) is
 * judged against them from its first connection.
 *
 * They are not state of their own: they are DERIVED from the durable application states, as exact
 * counts (how many applications of the namespace hold each edge), kept per scope (the state shard
 * an application's state lives in) and summed over the scopes this detector instance holds. Each
 * application's share is recorded, so it is taken out again when its state changes (a second
 * discovery, evicted edges), is deleted, or its shard is restored; after a restore a scope is
 * rebuilt from exactly the restored states. Kept up to date or rebuilt, the counts are the same
 * numbers, whatever the order: a crash, a replay or a replaced worker thread neither loses nor
 * double-counts an application.
 */
import { parseEdgeKey } from './identity.ts';
import type { FlowBaselineState } from './state.ts';

/** One namespace's baseline (summed over the held scopes). */
interface NamespaceBaseline {
  /** Applications whose baseline is counted. */
  apps: number;
  /** `o|<peer>|<proto>|<port>` (no process part) -> applications using it. */
  edges: Map<string, number>;
  /** Peer id -> distinct edges to it. */
  peers: Map<string, number>;
}

/** What one application adds to its namespace's baseline. */
interface Share {
  scope: number;
  ns: string;
  /** Its distinct outbound edges in namespace form. */
  edges: readonly string[];
}

/** Why an edge is outside its namespace's baseline. */
export type NamespaceNovelty = 'external_endpoint' | 'new_port' | 'new_peer' | 'new_entity';

/** A namespace baseline as exported for comparisons (sorted, plain values). */
export interface NamespaceBaselineExport {
  namespace: string;
  apps: number;
  edges: Array<[string, number]>;
}

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

/**
 * True when an application's state counts in its namespace's baseline: it is past discovery, or
 * learning again after having been past it (a `set_mode discover` or a `reset_baseline`: its edges,
 * possibly none, still count). An application in its first discovery does not.
 */
export function countsInNamespace(s: FlowBaselineState): boolean {
  return s.phase === 'active' || s.discovery.start !== s.first;
}

export class NamespaceBaselines {
  private readonly byNs = new Map<string, NamespaceBaseline>();
  /** Scope -> application key -> its share. */
  private readonly shares = new Map<number, Map<string, Share>>();
  /** Scope of each application with a share. */
  private readonly scopeOfKey = new Map<string, number>();

  /** Namespaces with at least one application counted. */
  get size(): number {
    return this.byNs.size;
  }

  /** True when the application's share is counted. */
  has(key: string): boolean {
    return this.scopeOfKey.has(key);
  }

  /**
   * Sets an application's share from its current state (null: deleted): the previous share is
   * taken out, the new one (if the state counts, see countsInNamespace) put in.
   */
  update(key: string, scope: number, s: FlowBaselineState | null): void {
    this.remove(key);
    if (s === null || !countsInNamespace(s)) return;
    const ns = namespaceOf(s);
    if (ns === null) return;
    const distinct = new Set<string>();
    for (const k in s.edges) {
      const e = namespaceEdge(k);
      if (e !== null) distinct.add(e);
    }
    const share: Share = { scope, ns, edges: [...distinct] };
    let inScope = this.shares.get(scope);
    if (!inScope) this.shares.set(scope, (inScope = new Map()));
    inScope.set(key, share);
    this.scopeOfKey.set(key, scope);
    this.add(share);
  }

  /** Takes an application's share out (its state was deleted). */
  remove(key: string): void {
    const scope = this.scopeOfKey.get(key);
    if (scope === undefined) return;
    const inScope = this.shares.get(scope)!;
    const share = inScope.get(key)!;
    inScope.delete(key);
    if (inScope.size === 0) this.shares.delete(scope);
    this.scopeOfKey.delete(key);
    this.subtract(share);
  }

  /** Takes every share of one scope out (before it is rebuilt from its restored states). */
  resetScope(scope: number): void {
    const inScope = this.shares.get(scope);
    if (!inScope) return;
    for (const key of [...inScope.keys()]) this.remove(key);
  }

  /** Takes every share out. */
  clear(): void {
    this.byNs.clear();
    this.shares.clear();
    this.scopeOfKey.clear();
  }

  private add(share: Share): void {
    let b = this.byNs.get(share.ns);
    if (!b) this.byNs.set(share.ns, (b = { apps: 0, edges: new Map(), peers: new Map() }));
    b.apps++;
    for (const e of share.edges) {
      const n = b.edges.get(e) ?? 0;
      if (n === 0) {
        const peer = parseEdgeKey(e).peer;
        b.peers.set(peer, (b.peers.get(peer) ?? 0) + 1);
      }
      b.edges.set(e, n + 1);
    }
  }

  private subtract(share: Share): void {
    const b = this.byNs.get(share.ns)!;
    b.apps--;
    for (const e of share.edges) {
      const n = b.edges.get(e)! - 1;
      if (n > 0) {
        b.edges.set(e, n);
        continue;
      }
      b.edges.delete(e);
      const peer = parseEdgeKey(e).peer;
      const p = b.peers.get(peer)! - 1;
      if (p > 0) b.peers.set(peer, p);
      else b.peers.delete(peer);
    }
    if (b.apps === 0) this.byNs.delete(share.ns);
  }

  /** Applications with a baseline in the namespace (0 when unknown). */
  applications(ns: string): number {
    return this.byNs.get(ns)?.apps ?? 0;
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

  /** Distinct edges held over all namespaces. */
  edgeCount(): number {
    let n = 0;
    for (const b of this.byNs.values()) n += b.edges.size;
    return n;
  }

  /** The baselines as sorted plain values (for comparing two instances: tests, fault tests). */
  export(): NamespaceBaselineExport[] {
    return [...this.byNs]
      .map(([namespace, b]) => ({ namespace, apps: b.apps, edges: [...b.edges].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)) }))
      .sort((x, y) => (x.namespace < y.namespace ? -1 : x.namespace > y.namespace ? 1 : 0));
  }
}
