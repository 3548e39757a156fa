/**
 * flow_baseline: learns each workload's edges (who it talks to, on which port and protocol) by
 * identity, then reports (monitor) or blocks (protect) edges outside that baseline, and tells a
 * new image version's new behaviour apart. See README.md.
 */
import type { Detector, DetectorContext, EventMeta, SideOutput } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import { cidrBucket, type NetworkFlow } from '../../core/model/network-flow.ts';
import { evictLeastRecent, type KeyedState } from '../../core/state.ts';
import type { FlowBaselineSettings, FlowMode } from './config.ts';
import {
  blockDecision,
  burstFinding,
  discoveryEndedFinding,
  DETECTOR_NAME,
  edgesRemovedFinding,
  l7Finding,
  newApplicationEdgeFinding,
  newEdgeFinding,
  sharedServiceClientFinding,
  versionChangeFinding,
  type FindingContext,
} from './findings.ts';
import { edgeKey, flowEdge, intersectLabels, isReplyFlow, parseEdgeKey, processPart, versionOf } from './identity.ts';
import { edgeBase, httpKey, l7Observation, type L7Observation } from './l7.ts';
import { discoveryEndReason, effectiveMode, endDiscovery } from './modes.ts';
import { applyFlowControl, controlApplies, parseFlowControl, type FlowControl } from './control.ts';
import { NamespaceBaselines, namespaceOf, type NamespaceBaselineExport } from './namespace.ts';
import {
  countKeys,
  evictLru,
  newState,
  observeVersion,
  prunePeerLabels,
  readState,
  versionAt,
  type EdgeRecord,
  type FlowBaselineState,
  type NovelRecord,
} from './state.ts';

/** Counters since the detector was built (the lead turns them into metrics). */
export interface FlowBaselineCounters {
  flows: number;
  /** Flows skipped: source type not baselined, reply flows with `inbound: ignore`, reset replies, bad times. */
  skipped: number;
  edgesLearned: number;
  novelEdges: number;
  /** HTTP (method, path pattern) pairs and DNS names learned. */
  l7Learned: number;
  /** L7 items seen outside the baseline (new or again after the dedup window). */
  l7Novel: number;
  /** L7 findings not raised because the application passed `burst.maxFindings` in the window. */
  l7Suppressed: number;
  /** L7 items evicted by the per-edge or per-application bounds. */
  l7Evicted: number;
  findings: Record<string, number>;
  blockDecisions: number;
  findingsSuppressed: number;
  edgesEvicted: number;
  novelEvicted: number;
  versionsEvicted: number;
  workloadsEvictedIdle: number;
  workloadsEvictedLru: number;
  /** Deletes of other keys the state refused (then sweeping inside process() stops). */
  sweepRefused: number;
  statesDiscarded: number;
  /** Control-topic messages that failed validation (ignored). */
  controlsRejected: number;
}

/** What stats() reports: the counters, plus the held state's size. */
export interface FlowBaselineStats extends FlowBaselineCounters {
  workloads: number;
  /** Present when stats({ scan: true }): totals over every held workload. */
  scan?: { edges: number; novelEdges: number; versions: number; discovering: number; active: number; stateBytes: number; httpPaths: number; dnsNames: number };
  /** Namespace baselines (derived from the held states; new applications are judged against them) and their distinct edges. */
  namespaces: { held: number; edges: number };
}

/** The flow_baseline detector: Detector plus stats() and sweep() for the runtime. */
export class FlowBaselineDetector implements Detector<NetworkFlow> {
  readonly name = DETECTOR_NAME;
  private readonly state: KeyedState<FlowBaselineState>;
  private readonly emit: (o: SideOutput) => void;
  private readonly sources: ReadonlySet<string>;
  private readonly counters: FlowBaselineCounters = {
    flows: 0,
    skipped: 0,
    edgesLearned: 0,
    novelEdges: 0,
    l7Learned: 0,
    l7Novel: 0,
    l7Suppressed: 0,
    l7Evicted: 0,
    findings: {},
    blockDecisions: 0,
    findingsSuppressed: 0,
    edgesEvicted: 0,
    novelEvicted: 0,
    versionsEvicted: 0,
    workloadsEvictedIdle: 0,
    workloadsEvictedLru: 0,
    sweepRefused: 0,
    statesDiscarded: 0,
    controlsRejected: 0,
  };
  /** Highest event time seen by this instance (a cache: it only paces the idle sweep). */
  private highWater = -Infinity;
  private flowsSinceSweep = 0;
  private sweepAllowed = true;
  /** Namespace baselines, exact counts derived from the held applications' states (see namespace.ts). */
  private readonly namespaces = new NamespaceBaselines();
  /** Set by learn() when the current flow changed the application's edges (its namespace share may change). */
  private edgesChanged = false;
  private readonly shardOf: ((key: string) => number) | undefined;

  constructor(
    private readonly config: FlowBaselineSettings,
    ctx: Pick<DetectorContext<FlowBaselineState>, 'state' | 'emit' | 'shardOf'>,
  ) {
    this.state = ctx.state;
    this.emit = ctx.emit;
    this.shardOf = ctx.shardOf;
    this.sources = new Set(config.sources);
    this.resolvers = new Set(config.l7.dns.resolvers);
  }

  /** Applications configured as DNS resolvers (l7.dns.resolvers). */
  private readonly resolvers: ReadonlySet<string>;

  /**
   * Runtime hook after a state shard was (re)loaded from the changelog (start, partition
   * assignment, a replaced thread, a batch whose delivery failed): that shard's namespace shares
   * are rebuilt from its restored application states (`keys`), so they are exactly those of the
   * state's offsets. Without `shard`, every scope is rebuilt from `keys` (default: all held).
   */
  restored(keys: readonly string[] = [...this.state.keys()], shard?: number): void {
    if (shard === undefined) this.namespaces.clear();
    else this.namespaces.resetScope(shard);
    for (const key of keys) {
      const v = readState(this.state.get(key), NaN, this.config.discovery.maxMs);
      if (v) this.namespaces.update(key, this.scopeOf(key), v);
    }
  }

  /** The namespace-baseline scope of an application: the state shard its state lives in (0 outside the processor). */
  private scopeOf(key: string): number {
    return this.shardOf?.(key) ?? 0;
  }

  /** The namespace baselines this instance judges new applications against (sorted plain values). */
  namespaceBaselines(): NamespaceBaselineExport[] {
    return this.namespaces.export();
  }

  process(e: NetworkFlow, meta: EventMeta): Finding[] {
    const cfg = this.config;
    if (!cfg.enabled) return [];
    this.counters.flows++;
    const t = e.time;
    if (!Number.isFinite(t) || !this.sources.has(e.src.type)) {
      this.counters.skipped++;
      return [];
    }
    const reply = isReplyFlow(e, cfg.ephemeralPortMin);
    // A reset answering a connection says the port is not served: not an edge of the server.
    if (reply && (cfg.inbound === 'ignore' || e.activity_id === 3)) {
      this.counters.skipped++;
      return [];
    }
    const key = meta.key;
    if (t > this.highWater) this.highWater = t;

    let s = this.load(key, t);
    const fresh = s === null;
    // What the namespace share depends on, before this flow changes the state in place.
    const share0 = s === null ? null : { phase: s.phase, start: s.discovery.start };
    this.edgesChanged = false;
    if (s === null) s = newState(identityOf(e, key), t);
    // Control messages newer than the last one this workload applied, in time order.
    for (const c of this.controls) {
      if (c.time > (s.control?.time ?? -Infinity) && controlApplies(c, key)) s = applyFlowControl(s, c, key) ?? s;
    }
    s.flows++;
    if (t > s.last) s.last = t;
    const w = e.src.workload;
    if (w) s.labels = intersectLabels(s.labels, w.labels);
    const observed = w ? versionOf(w, cfg.versions.labels) : null;
    const before = s.counters.versionsEvicted;
    const { slot } = observeVersion(s, observed, w?.image_repository ?? null, t, cfg.versions.max);
    this.counters.versionsEvicted += s.counters.versionsEvicted - before;

    const findings: Finding[] = [];
    const mode = effectiveMode(cfg, s);
    if (mode === 'discover' && s.phase === 'active') {
      // The config now says discover for a workload past discovery: learn again, from now.
      s.phase = 'discover';
      s.discovery = { start: t, lastNew: t, end: null, reason: null, reported: false };
    }
    const reason = discoveryEndReason(cfg.discovery, s, mode, t);
    if (reason) endDiscovery(s, t, reason);
    const ctx: FindingContext = { key, state: s, event: e, mode, version: versionAt(s, slot) };
    if (s.phase === 'active' && !s.discovery.reported) {
      s.discovery.reported = true;
      findings.push(this.count(discoveryEndedFinding(ctx)));
    }

    const edge = flowEdge(e, reply, processPart(e, cfg.processIdentity), cfg.inboundExternal === 'world');
    const k = edgeKey(edge);
    const bit = slot >= 0 ? 1 << slot : 0;
    const known = s.edges[k];
    const learnable = cfg.learnDropped || (e.verdict !== 'DROPPED' && e.verdict !== 'ERROR');
    if (known) {
      if (t > known[1]) known[1] = t;
      known[2]++;
      known[3] |= bit;
    } else if (s.phase === 'discover') {
      // Only a first discovery is a new application (a reset or a return to discover learns again unjudged).
      if (mode !== 'discover' && edge.dir === 'out' && cfg.newApplications.judge === 'namespace' && s.discovery.start === s.first) {
        this.judgeNew(s, k, t, bit, learnable, ctx, findings);
      }
      if (learnable) this.learn(s, k, t, bit);
    } else {
      this.novel(s, k, t, bit, slot, edge.dir, ctx, findings);
    }

    // The peer's labels as this flow shows them, kept for the edges of the baseline only (bounded with them).
    const pw = e.dst.workload;
    if (pw && pw.labels.length && s.edges[k]) {
      const had = s.peerLabels[edge.peer] ?? null;
      const next = intersectLabels(had, pw.labels);
      if (next !== had && next !== null) s.peerLabels[edge.peer] = next;
    }
    if (cfg.l7.enabled && e.l7) {
      // An application that answers DNS is a resolver: the names it forwards are its clients'.
      if (!s.l7.resolver && ((reply && e.l7.dns) || this.resolvers.has(s.identity.name))) s.l7.resolver = true;
      const obs = l7Observation(e, reply, s.identity.namespace);
      // L7 is judged on edges of the baseline only: a new edge is already reported as such.
      if (obs && s.edges[k] && !(obs.kind === 'dns' && s.l7.resolver)) this.l7(s, k, obs, t, bit, slot, learnable, ctx, findings);
    }
    if (s.phase === 'active' && cfg.versions.removedAfterMs !== null) this.checkRemoved(s, slot, t, ctx, findings);

    this.state.set(key, s);
    // The application's share of its namespace baseline follows its state (also a state held from
    // before that no restore announced, outside the processor).
    if (share0 === null || share0.phase !== s.phase || share0.start !== s.discovery.start || this.edgesChanged || !this.namespaces.has(key)) {
      this.namespaces.update(key, this.scopeOf(key), s);
    }
    if (fresh) this.bound(key);
    this.maybeSweep(key);
    return findings;
  }

  /** Control messages from the control topic (set_mode, reset_baseline), oldest first. */
  private controls: FlowControl[] = [];

  /** The runtime hands over the whole current set; invalid messages are counted and ignored. */
  control(messages: readonly unknown[]): void {
    const valid: FlowControl[] = [];
    for (const m of messages) {
      try {
        // On the control topic a message also names its detector; the FlowControl itself is the rest.
        const { detector: _detector, ...control } = (m ?? {}) as Record<string, unknown>;
        valid.push(parseFlowControl(control));
      } catch {
        this.counters.controlsRejected++;
      }
    }
    this.controls = valid.sort((a, b) => a.time - b.time);
  }

  /** The held state of a key, or null when absent or not of this layout (then it is rebuilt). */
  private load(key: string, t: number): FlowBaselineState | null {
    const v = this.state.get(key);
    if (v === undefined) return null;
    const s = readState(v, t, this.config.discovery.maxMs);
    if (s) return s;
    this.counters.statesDiscarded++;
    return null;
  }

  /**
   * One L7 observation on a baseline edge: learned while the application learns (discovery, or
   * the L7 learning window of a migrated state), else judged: a (method, path pattern) or DNS name
   * outside the baseline is reported once per dedup window (new_http_path, new_dns_name, or
   * version_change when a young version with a predecessor first uses it), at most
   * `burst.maxFindings` L7 findings per window. L7 findings never emit block decisions.
   */
  private l7(s: FlowBaselineState, k: string, obs: L7Observation, t: number, bit: number, slot: number, learnable: boolean, ctx: FindingContext, findings: Finding[]): void {
    const cfg = this.config;
    const l7 = s.l7;
    const base = edgeBase(k);
    const itemKey = obs.kind === 'http' ? httpKey(base, obs.method, obs.pattern) : obs.name;
    const map = obs.kind === 'http' ? l7.http : l7.dns;
    const known = map[itemKey];
    if (known) {
      if (t > known[1]) known[1] = t;
      known[2]++;
      known[3] |= bit;
      return;
    }
    if (l7.learnUntil !== null && t >= l7.learnUntil) l7.learnUntil = null;
    if (s.phase === 'discover' || l7.learnUntil !== null) {
      if (!learnable) return;
      map[itemKey] = [t, t, 1, bit];
      this.counters.l7Learned++;
      const evicted = obs.kind === 'http' ? boundHttp(l7.http, base, cfg.l7.http.maxPathsPerEdge, cfg.l7.http.maxPaths) : evictLru(l7.dns, cfg.l7.dns.maxNames, countKeys(l7.dns));
      this.counters.l7Evicted += evicted;
      return;
    }
    const nk = `${obs.kind === 'http' ? 'h' : 'd'}|${itemKey}`;
    let n: NovelRecord | undefined = l7.novel[nk];
    if (!n) {
      const v = versionAt(s, slot);
      n = [t, t, 0, 0, -1, v !== undefined && v.prev !== null && t - v.first <= cfg.versions.changeWindowMs ? 1 : 0];
      l7.novel[nk] = n;
      const size = countKeys(l7.novel);
      if (size > cfg.limits.maxNovelEdges) {
        evictLru(l7.novel, cfg.limits.maxNovelEdges, size);
        if (!l7.novel[nk]) l7.novel[nk] = n;
      }
    }
    if (t > n[1]) n[1] = t;
    n[2]++;
    n[3] |= bit;
    if (n[4] >= 0 && t - n[4] < cfg.dedupWindowMs) return;
    n[4] = t;
    this.counters.l7Novel++;
    if (t - l7.burst[0] >= cfg.burst.windowMs || t < l7.burst[0]) l7.burst = [t, 0];
    if (++l7.burst[1] > cfg.burst.maxFindings) {
      this.counters.l7Suppressed++;
      return;
    }
    let severity = cfg.l7.dns.severity;
    let subject: Parameters<typeof l7Finding>[3];
    if (obs.kind === 'http') {
      const prefix = `${base}|${obs.method}|`;
      let methodKnown = false;
      for (const key in l7.http) if (key.startsWith(prefix)) { methodKnown = true; break; }
      severity = methodKnown ? cfg.l7.http.severity : cfg.l7.http.newMethodSeverity;
      subject = { kind: 'http', method: obs.method, pattern: obs.pattern, code: obs.code, newMethod: !methodKnown };
    } else {
      subject = { kind: 'dns', name: obs.name, query: obs.query, rcode: obs.rcode };
    }
    const previous = n[5] === 1 ? versionAt(s, versionAt(s, slot)?.prev ?? null) : null;
    findings.push(this.count(l7Finding(ctx, k, nk, subject, n[0], n[2], severity, previous)));
  }

  private learn(s: FlowBaselineState, k: string, t: number, bit: number): void {
    this.edgesChanged = true;
    s.edges[k] = [t, t, 1, bit];
    s.discovery.lastNew = t;
    this.counters.edgesLearned++;
    if (s.novel[k]) delete s.novel[k];
    const size = countKeys(s.edges);
    if (size > this.config.limits.maxEdges) {
      const n = evictLru(s.edges, this.config.limits.maxEdges, size);
      s.counters.edgesEvicted += n;
      this.counters.edgesEvicted += n;
      prunePeerLabels(s);
    }
  }

  /**
   * An application still learning its own baseline, in a namespace in monitor or protect: an
   * outbound edge none of the namespace's applications with a baseline uses is reported from its
   * first connection (rule new_application_edge). The edge is still learned (when learnable), so it
   * is reported once; an edge that is not learned (dropped) is reported once per dedup window.
   */
  private judgeNew(s: FlowBaselineState, k: string, t: number, bit: number, learnable: boolean, ctx: FindingContext, findings: Finding[]): void {
    const cfg = this.config;
    const ns = namespaceOf(s);
    if (ns === null || this.namespaces.applications(ns) < cfg.newApplications.minApplications) return;
    if (k.startsWith(`o|w:${ctx.key}|`)) return; // the application's own replicas
    const why = this.namespaces.novelty(ns, k);
    if (why === null) return;
    const prior = s.novel[k];
    if (prior && prior[4] >= 0 && t - prior[4] < cfg.dedupWindowMs) {
      prior[2]++;
      if (t > prior[1]) prior[1] = t;
      return;
    }
    if (!learnable) s.novel[k] = [prior?.[0] ?? t, t, (prior?.[2] ?? 0) + 1, (prior?.[3] ?? 0) | bit, t, 2];
    this.counters.novelEdges++;
    if (!this.gate(s, t, ctx, findings)) return;
    const f = this.count(newApplicationEdgeFinding(ctx, k, t, s.novel[k]?.[2] ?? 1, why, this.namespaces.applications(ns), cfg.newApplications.severity));
    findings.push(f);
    if (ctx.mode === 'protect') this.block(blockDecision(ctx, f, 'edge', k));
  }

  /**
   * Per-window limit on a workload's findings: true while at most `burst.maxFindings` were raised
   * in the window; beyond, one burst finding (a scan) is raised and the rest of the window is counted.
   */
  private gate(s: FlowBaselineState, t: number, ctx: FindingContext, findings: Finding[]): boolean {
    const cfg = this.config;
    if (t - s.burst[0] >= cfg.burst.windowMs || t < s.burst[0]) s.burst = [t, 0, 0];
    s.burst[1]++;
    if (s.burst[1] <= cfg.burst.maxFindings) return true;
    if (s.burst[2] === 1) {
      s.counters.findingsSuppressed++;
      this.counters.findingsSuppressed++;
      return false;
    }
    s.burst[2] = 1;
    const recent: string[] = [];
    for (const key in s.novel) if (s.novel[key]![0] >= s.burst[0]) recent.push(key);
    // A new application's edges are learned while it is judged: its recent ones count too.
    if (s.phase === 'discover') for (const key in s.edges) if (s.edges[key]![0] >= s.burst[0] && !s.novel[key]) recent.push(key);
    const f = this.count(burstFinding(ctx, s.burst[0], recent, s.burst[1]));
    findings.push(f);
    if (ctx.mode === 'protect') this.block(blockDecision(ctx, f, 'non_baseline', null));
    return false;
  }

  private novel(
    s: FlowBaselineState,
    k: string,
    t: number,
    bit: number,
    slot: number,
    dir: 'out' | 'in',
    ctx: FindingContext,
    findings: Finding[],
  ): void {
    const cfg = this.config;
    if (dir === 'in' && cfg.sharedServices.minClients > 0 && k.startsWith('i|w:')) {
      const clients = sharedServiceClients(s, k);
      if (clients >= cfg.sharedServices.minClients) {
        // A new client of a shared service: learned (its own outbound edge is judged in its state).
        this.learn(s, k, t, bit);
        findings.push(this.count(sharedServiceClientFinding(ctx, k, clients, cfg.sharedServices.severity)));
        return;
      }
    }
    let n: NovelRecord | undefined = s.novel[k];
    if (!n) {
      const v = versionAt(s, slot);
      const isVersionChange = v !== undefined && v.prev !== null && t - v.first <= cfg.versions.changeWindowMs;
      n = [t, t, 0, 0, -1, isVersionChange ? 1 : 0];
      s.novel[k] = n;
      this.counters.novelEdges++;
      const size = countKeys(s.novel);
      if (size > cfg.limits.maxNovelEdges) {
        const removed = evictLru(s.novel, cfg.limits.maxNovelEdges, size);
        s.counters.novelEvicted += removed;
        this.counters.novelEvicted += removed;
        if (!s.novel[k]) s.novel[k] = n;
      }
    }
    if (t > n[1]) n[1] = t;
    n[2]++;
    n[3] |= bit;
    if (dir === 'in' && cfg.inbound === 'learn') return;
    if (n[4] >= 0 && t - n[4] < cfg.dedupWindowMs) return;
    n[4] = t;

    // Per-window limit: the first maxFindings new edges get a finding each, then one burst finding.
    if (!this.gate(s, t, ctx, findings)) return;
    const f =
      n[5] === 1
        ? versionChangeFinding(ctx, k, n[0], n[2], versionAt(s, versionAt(s, slot)?.prev ?? null))
        : newEdgeFinding(ctx, k, n[0], n[2]);
    findings.push(this.count(f));
    if (ctx.mode === 'protect') this.block(blockDecision(ctx, f, 'edge', k));
  }

  private checkRemoved(s: FlowBaselineState, slot: number, t: number, ctx: FindingContext, findings: Finding[]): void {
    const v = versionAt(s, slot);
    if (!v || v.removedReported || v.prev === null || t - v.first < (this.config.versions.removedAfterMs ?? Infinity)) return;
    v.removedReported = true;
    const prev = versionAt(s, v.prev);
    if (!prev) return;
    const had = 1 << prev.slot;
    const has = 1 << v.slot;
    const removed: string[] = [];
    for (const k in s.edges) {
      const m = s.edges[k]![3];
      if ((m & had) !== 0 && (m & has) === 0) removed.push(k);
    }
    if (removed.length) findings.push(this.count(edgesRemovedFinding(ctx, prev, removed.sort())));
  }

  private count(f: Finding): Finding {
    this.counters.findings[f.rule] = (this.counters.findings[f.rule] ?? 0) + 1;
    return f;
  }

  private block(o: SideOutput): void {
    this.counters.blockDecisions++;
    this.emit(o);
  }

  /** A new key pushed the held workloads over maxWorkloads: delete the least recently seen down to 90%. */
  private bound(current: string): void {
    if (!this.sweepAllowed) return;
    const lastOf = (value: unknown): number => readState(value, NaN, this.config.discovery.maxMs)?.last ?? -Infinity;
    this.counters.workloadsEvictedLru += evictLeastRecent(this.state, current, this.config.limits.maxWorkloads, lastOf, (key) => this.tryDelete(key));
  }

  private maybeSweep(current: string): void {
    const every = this.config.limits.sweepEveryFlows;
    if (every === 0 || !this.sweepAllowed || ++this.flowsSinceSweep < every) return;
    this.flowsSinceSweep = 0;
    this.sweep(this.highWater, current);
  }

  private tryDelete(key: string): boolean {
    try {
      this.state.delete(key);
      this.namespaces.remove(key);
      return true;
    } catch {
      // The runtime refuses deletes of other keys here: stop sweeping inside process().
      this.counters.sweepRefused++;
      this.sweepAllowed = false;
      return false;
    }
  }

  /**
   * Deletes the workloads idle for `limits.idleTtlMs` of event time before `now` (except `keep`),
   * through ctx.state.delete (tombstones). process() calls it every `limits.sweepEveryFlows` flows;
   * a runtime can also call it from a maintenance point where deletes are allowed. Returns how many
   * were deleted.
   */
  sweep(now: number, keep?: string): number {
    const ttl = this.config.limits.idleTtlMs;
    if (ttl === 0 || !Number.isFinite(now)) return 0;
    const idle: string[] = [];
    for (const key of this.state.keys()) {
      if (key === keep) continue;
      const v = readState(this.state.get(key), NaN, this.config.discovery.maxMs);
      if (!v || now - v.last >= ttl) idle.push(key);
    }
    let n = 0;
    for (const key of idle) {
      if (!this.tryDelete(key)) break;
      n++;
    }
    this.counters.workloadsEvictedIdle += n;
    return n;
  }

  /**
   * Counters since start and the number of held workloads. With `scan`, also totals over every held
   * state (edges, novel edges, versions, phases, JSON bytes): O(state), for metrics scrapes.
   */
  stats(options: { scan?: boolean } = {}): FlowBaselineStats {
    const out: FlowBaselineStats = {
      ...this.counters,
      findings: { ...this.counters.findings },
      workloads: this.state.size,
      namespaces: { held: this.namespaces.size, edges: this.namespaces.edgeCount() },
    };
    if (options.scan) {
      const scan = { edges: 0, novelEdges: 0, versions: 0, discovering: 0, active: 0, stateBytes: 0, httpPaths: 0, dnsNames: 0 };
      for (const key of this.state.keys()) {
        const v = readState(this.state.get(key), NaN, this.config.discovery.maxMs);
        if (!v) continue;
        scan.httpPaths += countKeys(v.l7.http);
        scan.dnsNames += countKeys(v.l7.dns);
        scan.edges += countKeys(v.edges);
        scan.novelEdges += countKeys(v.novel);
        scan.versions += v.versions.length;
        if (v.phase === 'discover') scan.discovering++;
        else scan.active++;
        scan.stateBytes += Buffer.byteLength(JSON.stringify(v)) + Buffer.byteLength(key);
      }
      out.scan = scan;
    }
    return out;
  }

  /** The mode in force for a held workload (for tests and tooling), or null when not held. */
  modeOf(key: string): FlowMode | null {
    const v = readState(this.state.get(key), NaN, this.config.discovery.maxMs);
    return v ? effectiveMode(this.config, v) : null;
  }
}

/** The identity a new state starts with, from the flow's source end (and its key, for a reserved source's cluster). */
function identityOf(e: NetworkFlow, key: string): FlowBaselineState['identity'] {
  const w = e.src.workload;
  // An application (reviews, whatever Deployment runs its version) is the identity when the flow names one.
  if (w) return { type: e.src.type, cluster: w.cluster, namespace: w.namespace, kind: w.app ? 'app' : w.kind, name: w.app || w.name, image_repository: w.image_repository };
  // Entities are named by their type; external and IP-only sources by their CIDR bucket.
  const bucket = e.src.type === 'external' || e.src.type === 'ip' || e.src.type === 'unknown' ? (e.src.cidr_bucket ?? (e.src.ip ? cidrBucket(e.src.ip) : null)) : null;
  const parts = key.split('/');
  const cluster = parts.length === 4 && parts[1] === '-' && parts[2] === 'reserved' ? parts[0]! : null;
  return { type: e.src.type, cluster, namespace: null, kind: e.src.type, name: bucket ?? e.src.type, image_repository: null };
}

/** Distinct workload clients the baseline holds on the served (protocol, port) of inbound edge `k`. */
function sharedServiceClients(s: FlowBaselineState, k: string): number {
  const e = parseEdgeKey(k);
  const suffix = `|${e.proto}|${e.port}`;
  const peers = new Set<string>();
  for (const key in s.edges) {
    if (!key.startsWith('i|w:')) continue;
    const p = parseEdgeKey(key);
    if (`|${p.proto}|${p.port}` === suffix && p.peer !== e.peer) peers.add(p.peer);
  }
  return peers.size;
}

/**
 * Keeps the HTTP items of one edge within `perEdge` and all of them within `total`, evicting the
 * least recently used; returns how many were evicted.
 */
function boundHttp(http: Record<string, EdgeRecord>, base: string, perEdge: number, total: number): number {
  const prefix = `${base}|`;
  const ofEdge: Record<string, EdgeRecord> = {};
  let n = 0;
  let all = 0;
  for (const key in http) {
    all++;
    if (key.startsWith(prefix)) {
      ofEdge[key] = http[key]!;
      n++;
    }
  }
  let evicted = 0;
  if (n > perEdge) {
    const before = n;
    evictLru(ofEdge, perEdge, n);
    for (const key in http) if (key.startsWith(prefix) && !ofEdge[key]) delete http[key];
    evicted += before - perEdge;
    all -= before - perEdge;
  }
  if (all > total) evicted += evictLru(http, total, all);
  return evicted;
}
