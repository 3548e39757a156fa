import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import { AllowList } from './allow-list.ts';
import type { PrincipalAnomalyConfig } from './config.ts';
import { correlate, pruneSuppressions } from './correlate.ts';
import { findDeviations } from './deviations.ts';
import { ewmaAdd, logCount, peakObserve } from './ewma.ts';
import { FeatureExtractor, type ActivityFeatures } from './features.ts';
import { buildFinding, DETECTOR_NAME } from './finding.ts';
import { PopulationBaselines, type AccountBaseline, type FreshValues } from './population.ts';
import { SensitivityTable } from './sensitivity.ts';
import { isPrincipalState, newPrincipalState, stateBytes, type PrincipalState } from './state.ts';
import { topKAdd, topKEntry, type TopKBounds } from './top-k.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Hour-of-week counters are halved when their total passes this. */
const HOW_HALVE_AT = 8192;

/** Counters and sizes for metrics: the lead turns these into gauges and counters. */
export interface PrincipalAnomalyStats {
  /** Events scored, and events skipped because their time was not a finite number. */
  events: number;
  skipped: number;
  findings: number;
  /** Deviations dropped because their principal and reason were suppressed. */
  suppressed: number;
  /** Principals whose state was deleted: idle past idleEvictDays (on their next event or by evictIdle) or beyond maxPrincipals. */
  evicted: number;
  /** Principals held now (ctx.state.size). */
  principals: number;
  /** JSON bytes per principal (over `sampled` states): the changelog value size. */
  stateBytesAvg: number;
  stateBytesMax: number;
  sampled: number;
  /** Estimated JSON bytes of all principals (avg x principals). */
  stateBytesTotal: number;
  /** In-memory population baselines (this worker). */
  populationAccounts: number;
  populationBytes: number;
  populationDropped: number;
}

/**
 * Scores each API call against its principal's behavioural baseline and reports a Detection
 * Finding when deviations within the correlation window add up to the threshold. See README.md.
 */
export class PrincipalAnomalyDetector implements Detector<ApiActivity> {
  readonly name = DETECTOR_NAME;
  private readonly cfg: PrincipalAnomalyConfig;
  private readonly ctx: DetectorContext<PrincipalState>;
  private readonly sensitivity: SensitivityTable;
  private readonly allow: AllowList;
  private readonly features = new FeatureExtractor();
  readonly population: PopulationBaselines | null;
  private readonly bounds: { ops: TopKBounds; svc: TopKBounds; reg: TopKBounds; net: TopKBounds; ua: TopKBounds };
  private readonly windowMs: number;
  private readonly peakHalfLifeWindows: number;
  /** Principal -> last event time, least recently processed first (for evictIdle). */
  private lru = new Map<string, number>();
  /** Highest event time seen: the event-time clock of eviction. */
  private watermark = -Infinity;
  private readonly counters = { events: 0, skipped: 0, findings: 0, suppressed: 0, evicted: 0 };

  /** Runtime maintenance hook: evicts idle principals and those beyond maxPrincipals. */
  maintain(): void {
    this.evictIdle();
  }

  /**
   * Runtime hook after a state shard was (re)loaded from the changelog: folds every restored
   * principal of `keys` (default: all held) into its account's population right away (once per principal per worker), so the
   * population, which lives in memory, is rebuilt from the durable principal states rather than
   * only from traffic. Values written before `acct` existed are folded in on their next event.
   */
  restored(keys: readonly string[] = [...this.ctx.state.keys()]): void {
    if (this.population === null) return;
    const maxSeen = 2 * this.cfg.maxPrincipals;
    const states: Array<[string, PrincipalState]> = [];
    let latest = this.watermark;
    for (const key of keys) {
      const st = this.ctx.state.get(key);
      if (st === undefined || !isPrincipalState(st) || st.acct === undefined) continue;
      states.push([key, st]);
      if (st.last > latest) latest = st.last;
    }
    // Idle by event time: against the latest event this thread knows of, restored ones included
    // (a fresh thread has seen none); an idle principal starts afresh on its next event anyway.
    for (const [key, st] of states) {
      if (latest - st.last > this.cfg.idleEvictDays * DAY_MS) continue;
      this.population.adopt(this.population.account(st.acct!), key, st, maxSeen);
    }
  }

  constructor(config: PrincipalAnomalyConfig, ctx: DetectorContext<PrincipalState>) {
    this.cfg = config;
    this.ctx = ctx;
    this.sensitivity = new SensitivityTable(config.sensitivity);
    this.allow = new AllowList(config.allow);
    const sk = config.sketch;
    const b = (k: number): TopKBounds => ({ k, cmsWidth: sk.cmsWidth, cmsDepth: sk.cmsDepth });
    this.bounds = { ops: b(sk.operations), svc: b(sk.services), reg: b(sk.regions), net: b(sk.networks), ua: b(sk.userAgents) };
    this.windowMs = config.windowMinutes * 60_000;
    this.peakHalfLifeWindows = (config.volume.peakHalfLifeDays * DAY_MS) / this.windowMs;
    this.population =
      config.enabled && config.population.enabled
        ? new PopulationBaselines({
            maxAccounts: config.population.maxAccounts,
            minEvents: config.population.minEvents,
            minPrincipals: config.population.minPrincipals,
            peakHalfLifeMs: config.volume.peakHalfLifeDays * DAY_MS,
          })
        : null;
  }

  process(event: ApiActivity, meta: EventMeta): Finding[] {
    if (!this.cfg.enabled) return [];
    const time = event.time;
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      this.counters.skipped++;
      return [];
    }
    this.counters.events++;
    if (time > this.watermark) this.watermark = time;
    const key = meta.key;
    const cfg = this.cfg;
    const f = this.features.extract(event);
    const windowIndex = Math.floor(time / this.windowMs);

    let stored = this.ctx.state.get(key);
    if (stored !== undefined && !isPrincipalState(stored)) stored = undefined;
    if (stored !== undefined && time - stored.last > cfg.idleEvictDays * DAY_MS) {
      stored = undefined; // forgotten: it starts again as a new principal
      this.counters.evicted++;
    }
    const isNew = stored === undefined;
    const st = stored ?? newPrincipalState(time, windowIndex);
    const pop = this.population?.account(f.account) ?? null;
    if (pop !== null) {
      const maxSeen = 2 * cfg.maxPrincipals;
      if (isNew) this.population!.markSeen(key, maxSeen);
      else this.population!.adopt(pop, key, st, maxSeen);
    }
    const learned = st.n >= cfg.learning.minEvents && time - st.first >= cfg.learning.minDays * DAY_MS;

    this.countWindow(st, windowIndex, f.error, f.op, pop, time);

    const allowedPrincipal = this.allow.principal(key);
    const scored = !allowedPrincipal && !this.allow.event(event, f);
    const devs = scored
      ? findDeviations(st, {
          cfg,
          sensitivity: this.sensitivity,
          f,
          time,
          uid: event.metadata.uid,
          learned,
          population: pop !== null && this.population!.warm(pop) ? pop : null,
        })
      : [];

    const fresh = this.learn(st, f, time);
    st.acct = f.account;
    if (pop !== null) this.population!.observe(pop, f, Math.floor(time / HOUR_MS), isNew, fresh);

    const result = correlate(st, devs, time, {
      threshold: cfg.threshold,
      correlationMs: cfg.correlationMinutes * 60_000,
      suppressMs: cfg.suppressMinutes * 60_000,
      ordinaryCap: cfg.weights.ordinaryNoveltyCap,
    });
    this.counters.suppressed += result.suppressed;
    this.ctx.state.set(key, st);
    this.lru.delete(key);
    this.lru.set(key, st.last);

    if (result.report === null) return [];
    this.counters.findings++;
    return [
      buildFinding({
        key,
        event,
        pending: result.report,
        score: result.score,
        threshold: cfg.threshold,
        windowMinutes: cfg.windowMinutes,
        maxRelatedEvents: cfg.maxRelatedEvents,
        sensitivity: this.sensitivity,
      }),
    ];
  }

  /** Rolls the principal's window when the event opens a later one (closing the current into the EWMA), then counts the event. */
  private countWindow(st: PrincipalState, windowIndex: number, error: boolean, op: string, pop: AccountBaseline | null, time: number): void {
    const win = st.win;
    if (windowIndex > win.w) {
      if (win.c > 0) {
        ewmaAdd(win.vol, logCount(win.c), this.cfg.volume.alpha);
        peakObserve(win.pk, win.c, win.w, this.peakHalfLifeWindows);
        const keep = 1 - this.cfg.volume.alpha;
        win.ee = win.ee * keep + win.e;
        win.ec = win.ec * keep + win.c;
        if (pop !== null) this.population!.observeWindow(pop, win.c, time);
      }
      win.w = windowIndex;
      win.c = 0;
      win.e = 0;
      delete win.eo;
      delete win.em;
      pruneSuppressions(st, time);
    }
    win.c++;
    if (error) {
      win.e++;
      if (win.eo === undefined) win.eo = op;
      else if (win.eo !== op) win.em = 1;
    }
  }

  /** Adds the event to the principal's sketches and counters; says which values were new to its top-k. */
  private learn(st: PrincipalState, f: ActivityFeatures, time: number): FreshValues {
    const hour = Math.floor(time / HOUR_MS);
    const b = this.bounds;
    const fresh: FreshValues = {
      op: topKEntry(st.ops, f.op) === undefined,
      service: topKEntry(st.svc, f.service) === undefined,
      region: f.region !== null && topKEntry(st.reg, f.region) === undefined,
      network: f.network !== null && topKEntry(st.net, f.network) === undefined,
      userAgent: f.userAgent !== null && topKEntry(st.ua, f.userAgent) === undefined,
    };
    topKAdd(st.ops, f.op, hour, b.ops, false, true);
    topKAdd(st.svc, f.service, hour, b.svc, false, true);
    if (f.region !== null) topKAdd(st.reg, f.region, hour, b.reg, false, true);
    if (f.network !== null) topKAdd(st.net, f.network, hour, b.net, false, true);
    if (f.userAgent !== null) topKAdd(st.ua, f.userAgent, hour, b.ua, false, true);
    if (st.n === 0 || Math.floor(time / DAY_MS) > Math.floor(st.last / DAY_MS)) st.ad++;
    if (f.network !== null && time >= st.lt) {
      st.ln = f.network;
      st.lt = time;
    }
    const h = String(f.hourOfWeek);
    st.how[h] = (Object.hasOwn(st.how, h) ? st.how[h]! : 0) + 1;
    st.howN++;
    if (st.howN > HOW_HALVE_AT) {
      let total = 0;
      for (const k of Object.keys(st.how)) {
        const v = Math.floor(st.how[k]! / 2);
        if (v === 0) delete st.how[k];
        else st.how[k] = v;
        total += v;
      }
      st.howN = total;
    }
    st.n++;
    if (time < st.first) st.first = time;
    if (time > st.last) st.last = time;
    return fresh;
  }

  /**
   * Deletes (ctx.state.delete) the principals idle for idleEvictDays before `watermark` (default:
   * the latest event time seen), then the least recently active beyond maxPrincipals. It deletes
   * keys other than the one being processed, so call it between batches, never from process().
   * Returns the deleted keys.
   */
  evictIdle(watermark: number = this.watermark): string[] {
    this.syncLru();
    const cutoff = watermark - this.cfg.idleEvictDays * DAY_MS;
    const deleted: string[] = [];
    for (const [key, last] of this.lru) {
      const over = this.lru.size - deleted.length > this.cfg.maxPrincipals;
      if (last >= cutoff && !over) break;
      deleted.push(key);
    }
    for (const key of deleted) {
      this.lru.delete(key);
      this.ctx.state.delete(key);
    }
    this.counters.evicted += deleted.length;
    return deleted;
  }

  /** Rebuilds the LRU index from ctx.state when they disagree (after a restore or a rebalance). */
  private syncLru(): void {
    if (this.lru.size === this.ctx.state.size) return;
    const entries: Array<[string, number]> = [];
    for (const key of this.ctx.state.keys()) {
      const st = this.ctx.state.get(key);
      entries.push([key, st !== undefined && isPrincipalState(st) ? st.last : -Infinity]);
    }
    entries.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.lru = new Map(entries);
  }

  /** Sizes and counters, for metrics. JSON sizes come from up to `sample` states spread over all keys. */
  stats(sample = 256): PrincipalAnomalyStats {
    const n = this.ctx.state.size;
    const stride = Math.max(1, Math.floor(n / Math.max(1, sample)));
    let i = 0;
    let sampled = 0;
    let sum = 0;
    let max = 0;
    for (const key of this.ctx.state.keys()) {
      if (i++ % stride !== 0 || sampled >= sample) continue;
      const st = this.ctx.state.get(key);
      if (st === undefined) continue;
      const bytes = stateBytes(st);
      sum += bytes;
      if (bytes > max) max = bytes;
      sampled++;
    }
    const avg = sampled === 0 ? 0 : sum / sampled;
    return {
      ...this.counters,
      principals: n,
      stateBytesAvg: Math.round(avg),
      stateBytesMax: max,
      sampled,
      stateBytesTotal: Math.round(avg * n),
      populationAccounts: this.population?.size ?? 0,
      populationBytes: this.population?.bytes() ?? 0,
      populationDropped: this.population?.dropped ?? 0,
    };
  }
}
