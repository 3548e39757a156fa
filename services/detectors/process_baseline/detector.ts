/**
 * process_baseline: learns which binaries each application runs (with their parents, per version),
 * then reports a binary outside that baseline, and at any time a shell or network tool spawned by
 * a server process. Processes are identified by binary, never by pid or IP. See README.md.
 */
import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { ProcessEvent } from '../../core/model/process-event.ts';
import { evictLeastRecent, type KeyedState } from '../../core/state.ts';
import { Classifier } from './classify.ts';
import type { ProcessBaselineSettings, ProcessMode } from './config.ts';
import { DETECTOR_NAME, discoveryEndedFinding, newBinaryFinding, spawnFinding, type FindingContext } from './findings.ts';
import { addParent, evictLru, isProcessBaselineState, newState, versionSlot, type DiscoveryEndReason, type NovelRecord, type ProcessBaselineState } from './state.ts';

/** Counters since the detector was built. */
export interface ProcessBaselineCounters {
  events: number;
  /** Events of a source type not baselined (`sources`), or with a bad time. */
  skipped: number;
  binariesLearned: number;
  findings: Record<string, number>;
  binariesEvicted: number;
  novelEvicted: number;
  applicationsEvictedIdle: number;
  applicationsEvictedLru: number;
  sweepRefused: number;
  statesDiscarded: number;
}

export interface ProcessBaselineStats extends ProcessBaselineCounters {
  applications: number;
  /** With stats({ scan: true }): totals over the held states. */
  scan?: { binaries: number; novel: number; entrypoints: number; versions: number; discovering: number; active: number; stateBytes: number };
}

export class ProcessBaselineDetector implements Detector<ProcessEvent> {
  readonly name = DETECTOR_NAME;
  private readonly state: KeyedState<ProcessBaselineState>;
  private readonly classify: Classifier;
  private readonly sources: ReadonlySet<string>;
  private readonly counters: ProcessBaselineCounters = {
    events: 0,
    skipped: 0,
    binariesLearned: 0,
    findings: {},
    binariesEvicted: 0,
    novelEvicted: 0,
    applicationsEvictedIdle: 0,
    applicationsEvictedLru: 0,
    sweepRefused: 0,
    statesDiscarded: 0,
  };
  private highWater = -Infinity;
  private sinceSweep = 0;
  private sweepAllowed = true;

  constructor(
    private readonly config: ProcessBaselineSettings,
    ctx: Pick<DetectorContext<ProcessBaselineState>, 'state'>,
  ) {
    this.state = ctx.state;
    this.classify = new Classifier(config.spawn);
    this.sources = new Set(config.sources);
  }

  process(e: ProcessEvent, meta: EventMeta): Finding[] {
    const cfg = this.config;
    if (!cfg.enabled) return [];
    this.counters.events++;
    const t = e.time;
    if (!Number.isFinite(t) || !this.sources.has(e.workload ? 'workload' : 'host')) {
      this.counters.skipped++;
      return [];
    }
    if (t > this.highWater) this.highWater = t;
    const key = meta.key;
    let s = this.load(key);
    const fresh = s === null;
    if (s === null) s = newState(identityOf(e), t);
    s.events++;
    if (t > s.last) s.last = t;
    const w = e.workload;
    if (w?.image_repository) s.identity.image_repository = w.image_repository;
    const version = w ? (w.app_version ?? w.image_version ?? null) : null;
    const slot = versionSlot(s, version, t, cfg.versions.max);

    const findings: Finding[] = [];
    const mode = modeOf(cfg, s);
    const reason = discoveryEnd(cfg.discovery, s, mode, t);
    if (reason) {
      s.phase = 'active';
      s.discovery.end = t;
      s.discovery.reason = reason;
    }
    const ctx: FindingContext = { key, state: s, event: e, mode, version };
    if (s.phase === 'active' && !s.discovery.reported) {
      s.discovery.reported = true;
      findings.push(this.count(discoveryEndedFinding(ctx, Object.keys(s.binaries).length)));
    }

    const launch = e.activity_id === 1;
    // Entrypoints: learned in every phase (they only widen what counts as a server).
    if (launch && this.classify.isEntrypoint(e.process, e.parent) && !s.entrypoints.includes(e.process.binary)) {
      s.entrypoints.push(e.process.binary);
      if (s.entrypoints.length > cfg.limits.maxEntrypoints) s.entrypoints.splice(0, s.entrypoints.length - cfg.limits.maxEntrypoints);
    }
    if (launch && cfg.spawn.enabled) this.judgeSpawn(s, t, ctx, findings);
    this.observeBinary(s, e, t, slot, mode, ctx, findings);

    this.state.set(key, s);
    if (fresh) this.bound(key);
    this.maybeSweep(key);
    return findings;
  }

  /** A shell or network tool whose parent is a server process: reported in every phase and mode, once per pair per dedup window. */
  private judgeSpawn(s: ProcessBaselineState, t: number, ctx: FindingContext, findings: Finding[]): void {
    const e = ctx.event;
    // The container's own first process (an entrypoint script run as pid 1) is never a spawn.
    if (e.process.container_pid === 1) return;
    const kind = this.classify.spawnKind(e.process);
    if (kind === null) return;
    const reason = this.classify.serverReason(e.parent, s.entrypoints);
    if (reason === null) return;
    const n = this.novelRecord(s, `s:${e.parent!.binary}>${e.process.binary}`, t);
    if (n[3] >= 0 && t - n[3] < this.config.dedupWindowMs) return;
    n[3] = t;
    findings.push(this.count(spawnFinding(ctx, kind, reason, n[0], n[2])));
  }

  /** Learns the binary in discovery (or touches it when known); reports it after discovery in monitor when it is new. */
  private observeBinary(s: ProcessBaselineState, e: ProcessEvent, t: number, slot: number, mode: ProcessMode, ctx: FindingContext, findings: Finding[]): void {
    const cfg = this.config;
    const bin = e.process.binary;
    const launch = e.activity_id === 1;
    const known = s.binaries[bin];
    if (known) {
      if (t > known[1]) known[1] = t;
      if (launch) known[2]++;
      if (slot >= 0) known[3] |= 1 << slot;
      if (launch) addParent(known, e.parent?.binary ?? null, cfg.limits.maxParents);
      return;
    }
    if (s.phase === 'discover' || mode === 'discover') {
      const rec: [number, number, number, number, string[]] = [t, t, launch ? 1 : 0, slot >= 0 ? 1 << slot : 0, []];
      addParent(rec, e.parent?.binary ?? null, cfg.limits.maxParents);
      s.binaries[bin] = rec;
      s.discovery.lastNew = t;
      delete s.novel[`b:${bin}`];
      this.counters.binariesLearned++;
      const n = evictLru(s.binaries, cfg.limits.maxBinaries, bin);
      s.counters.binariesEvicted += n;
      this.counters.binariesEvicted += n;
      return;
    }
    const n = this.novelRecord(s, `b:${bin}`, t);
    if (n[3] >= 0 && t - n[3] < cfg.dedupWindowMs) return;
    n[3] = t;
    findings.push(this.count(newBinaryFinding(ctx, n[0], n[2], Object.keys(s.binaries).length)));
  }

  /** The novel record of `k`, created when absent (LRU-bounded), with this occurrence counted. */
  private novelRecord(s: ProcessBaselineState, k: string, t: number): NovelRecord {
    let n = s.novel[k];
    if (!n) {
      n = [t, t, 0, -1];
      s.novel[k] = n;
      const removed = evictLru(s.novel, this.config.limits.maxNovel, k);
      s.counters.novelEvicted += removed;
      this.counters.novelEvicted += removed;
    }
    if (t > n[1]) n[1] = t;
    n[2]++;
    return n;
  }

  private load(key: string): ProcessBaselineState | null {
    const v = this.state.get(key);
    if (v === undefined) return null;
    if (isProcessBaselineState(v)) return v;
    this.counters.statesDiscarded++;
    return null;
  }

  private count(f: Finding): Finding {
    this.counters.findings[f.rule] = (this.counters.findings[f.rule] ?? 0) + 1;
    return f;
  }

  /** A new key pushed the held applications over maxApplications: delete the least recently seen down to 90%. */
  private bound(current: string): void {
    if (!this.sweepAllowed) return;
    this.counters.applicationsEvictedLru += evictLeastRecent(this.state, current, this.config.limits.maxApplications, (v) => (isProcessBaselineState(v) ? v.last : -Infinity), (key) => this.tryDelete(key));
  }

  private maybeSweep(current: string): void {
    const every = this.config.limits.sweepEveryEvents;
    if (every === 0 || !this.sweepAllowed || ++this.sinceSweep < every) return;
    this.sinceSweep = 0;
    this.sweep(this.highWater, current);
  }

  private tryDelete(key: string): boolean {
    try {
      this.state.delete(key);
      return true;
    } catch {
      // The runtime refuses deletes of other keys inside process(): maintain() sweeps instead.
      this.counters.sweepRefused++;
      this.sweepAllowed = false;
      return false;
    }
  }

  /** Runtime hook between batches: deletes idle applications (tombstones on the changelog). */
  maintain(): void {
    this.sweep(this.highWater);
  }

  /** Deletes the applications idle for limits.idleTtlMs of event time before `now` (except `keep`); returns how many. */
  sweep(now: number, keep?: string): number {
    const ttl = this.config.limits.idleTtlMs;
    if (ttl === 0 || !Number.isFinite(now)) return 0;
    const idle: string[] = [];
    for (const key of this.state.keys()) {
      if (key === keep) continue;
      const v = this.state.get(key);
      if (!isProcessBaselineState(v) || now - v.last >= ttl) idle.push(key);
    }
    let n = 0;
    for (const key of idle) {
      try {
        this.state.delete(key);
        n++;
      } catch {
        this.counters.sweepRefused++;
        break;
      }
    }
    this.counters.applicationsEvictedIdle += n;
    return n;
  }

  stats(options: { scan?: boolean } = {}): ProcessBaselineStats {
    const out: ProcessBaselineStats = { ...this.counters, findings: { ...this.counters.findings }, applications: this.state.size };
    if (options.scan) {
      const scan = { binaries: 0, novel: 0, entrypoints: 0, versions: 0, discovering: 0, active: 0, stateBytes: 0 };
      for (const key of this.state.keys()) {
        const v = this.state.get(key);
        if (!isProcessBaselineState(v)) continue;
        scan.binaries += Object.keys(v.binaries).length;
        scan.novel += Object.keys(v.novel).length;
        scan.entrypoints += v.entrypoints.length;
        scan.versions += v.versions.filter(Boolean).length;
        if (v.phase === 'discover') scan.discovering++;
        else scan.active++;
        scan.stateBytes += Buffer.byteLength(JSON.stringify(v)) + Buffer.byteLength(key);
      }
      out.scan = scan;
    }
    return out;
  }
}

/** The mode of an application once its discovery ends: an application rule, else a namespace rule, else `mode`. */
export function modeOf(cfg: Pick<ProcessBaselineSettings, 'mode' | 'modes'>, s: ProcessBaselineState): ProcessMode {
  let ns: ProcessMode | null = null;
  for (const r of cfg.modes) {
    if (r.namespace !== s.identity.namespace || (r.cluster !== undefined && r.cluster !== s.identity.cluster)) continue;
    if (r.application !== undefined) {
      if (r.application === s.identity.name) return r.mode;
    } else if (ns === null) ns = r.mode;
  }
  return ns ?? cfg.mode;
}

/** Why discovery ends at event time `now`, or null: never while the mode is discover; at maxMs, or once stable for stableMs (after minMs). */
export function discoveryEnd(d: ProcessBaselineSettings['discovery'], s: ProcessBaselineState, mode: ProcessMode, now: number): DiscoveryEndReason | null {
  if (s.phase !== 'discover' || mode === 'discover') return null;
  if (now - s.discovery.start >= d.maxMs) return 'duration';
  if (d.stableMs > 0 && now - s.discovery.lastNew >= d.stableMs && now - s.discovery.start >= d.minMs) return 'stable';
  return null;
}

/** The identity a new state starts with: the application (else the controller) of the pod, or the cluster's nodes. */
function identityOf(e: ProcessEvent): ProcessBaselineState['identity'] {
  const w = e.workload;
  if (w) return { cluster: w.cluster, namespace: w.namespace, kind: w.app ? 'app' : w.kind, name: w.app || w.name, image_repository: w.image_repository };
  return { cluster: e.cluster, namespace: null, kind: 'reserved', name: 'host', image_repository: null };
}
