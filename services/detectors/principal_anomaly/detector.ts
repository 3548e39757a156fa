import type { Detector, DetectorContext, EventMeta } from '../../core/components.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import { AllowList } from './allow-list.ts';
import type { PrincipalAnomalyConfig } from './config.ts';
import { correlate, pruneSuppressions } from './correlate.ts';
import { findDeviations } from './deviations.ts';
import { ewmaAdd, logCount, peakObserve } from './ewma.ts';
import { FeatureExtractor, type ActivityFeatures } from './features.ts';
import { buildFinding, DETECTOR_NAME } from './finding.ts';
import { PopulationBaselines, type Evicted, type SketchName } from './population.ts';
import { SensitivityTable } from './sensitivity.ts';
import { isPrincipalState, newPrincipalState, stateBytes, type PrincipalState } from './state.ts';
import { topKAdd, topKKey, type TopKBounds } from './top-k.ts';

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
  /** Population baselines held by this thread (one per account and state shard), derived from the principal states. */
  populationAccounts: number;
  populationBytes: number;
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
   * Runtime hook after a state shard was (re)loaded from the changelog: the population baselines
   * of that shard are rebuilt from its restored principal states (`keys`). They are an exact
   * aggregate of those states, so the rebuilt baselines equal the ones the thread had at the
   * state's offsets: nothing is lost or counted twice across a crash, a replay or a replaced thread.
   * Without `shard`, every scope is rebuilt from `keys` (default: all held).
   */
  restored(keys: readonly string[] = [...this.ctx.state.keys()], shard?: number): void {
    if (this.population === null) return;
    this.population.reset(shard);
    for (const key of keys) {
      const st = this.ctx.state.get(key);
      if (st !== undefined && isPrincipalState(st)) this.population.add(this.scopeOf(key), st);
    }
  }

  /** The population scope of a principal: the state shard its state lives in (0 outside the processor). */
  private scopeOf(key: string): number {
    return this.ctx.shardOf?.(key) ?? 0;
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
        ? new PopulationBaselines({ minEvents: config.population.minEvents, minPrincipals: config.population.minPrincipals })
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
    const population = this.population;
    const scope = this.scopeOf(key);
    if (stored !== undefined && time - stored.last > cfg.idleEvictDays * DAY_MS) {
      population?.remove(scope, stored);
      stored = undefined; // forgotten: it starts again as a new principal
      this.counters.evicted++;
    }
    // The principal's contribution to its account's population before this event changes it.
    let snapshot = null;
    if (population !== null && stored !== undefined) {
      if (stored.acct !== undefined && stored.acct !== f.account) population.remove(scope, stored);
      else snapshot = population.snapshot(stored, this.touched(f));
    }
    const st = stored ?? newPrincipalState(time, windowIndex);
    const baseline = population?.account(f.account);
    const learned = st.n >= cfg.learning.minEvents && time - st.first >= cfg.learning.minDays * DAY_MS;

    this.countWindow(st, windowIndex, f.error, f.op, time);

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
          population: baseline !== undefined && population!.warm(baseline) ? baseline : null,
        })
      : [];

    const evicted = this.learn(st, f, time);
    st.acct = f.account;

    const result = correlate(st, devs, time, {
      threshold: cfg.threshold,
      correlationMs: cfg.correlationMinutes * 60_000,
      suppressMs: cfg.suppressMinutes * 60_000,
      ordinaryCap: cfg.weights.ordinaryNoveltyCap,
    });
    this.counters.suppressed += result.suppressed;
    this.ctx.state.set(key, st);
    population?.update(scope, snapshot, st, evicted);
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
  private countWindow(st: PrincipalState, windowIndex: number, error: boolean, op: string, time: number): void {
    const win = st.win;
    if (windowIndex > win.w) {
      if (win.c > 0) {
        ewmaAdd(win.vol, logCount(win.c), this.cfg.volume.alpha);
        peakObserve(win.pk, win.c, win.w, this.peakHalfLifeWindows);
        const keep = 1 - this.cfg.volume.alpha;
        win.ee = win.ee * keep + win.e;
        win.ec = win.ec * keep + win.c;
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

  /** The top-k keys of the event's values, per sketch: what learning it may change in the principal's sketches. */
  private touched(f: ActivityFeatures): Array<[SketchName, string]> {
    const out: Array<[SketchName, string]> = [
      ['ops', topKKey(f.op)],
      ['svc', topKKey(f.service)],
    ];
    if (f.region !== null) out.push(['reg', topKKey(f.region)]);
    if (f.network !== null) out.push(['net', topKKey(f.network)]);
    if (f.userAgent !== null) out.push(['ua', topKKey(f.userAgent)]);
    return out;
  }

  /** Adds the event to the principal's sketches and counters; returns the values its full top-ks evicted. */
  private learn(st: PrincipalState, f: ActivityFeatures, time: number): Evicted[] {
    const hour = Math.floor(time / HOUR_MS);
    const b = this.bounds;
    const evicted: Evicted[] = [];
    const add = (sketch: SketchName, value: string | null, bounds: TopKBounds): void => {
      if (value === null) return;
      const e = topKAdd(st[sketch], value, hour, bounds, false, true);
      if (e !== null) evicted.push({ sketch, key: e.key, hour: e.hour });
    };
    add('ops', f.op, b.ops);
    add('svc', f.service, b.svc);
    add('reg', f.region, b.reg);
    add('net', f.network, b.net);
    add('ua', f.userAgent, b.ua);
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
    return evicted;
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
      const st = this.ctx.state.get(key);
      if (st !== undefined && isPrincipalState(st)) this.population?.remove(this.scopeOf(key), st);
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
    };
  }
}
