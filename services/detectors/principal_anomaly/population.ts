import type { ActivityFeatures } from './features.ts';
import { ewmaAdd, logCount, newEwma, peakObserve, type Ewma, type Peak } from './ewma.ts';
import { newTopK, topKAdd, topKAdopt, type TopK, type TopKBounds } from './top-k.ts';

/**
 * The population baseline of one cloud account, as seen by this worker thread: what its
 * principals do together. Principals still learning are scored against it.
 */
export interface AccountBaseline {
  /** Events and principals seen (by this worker, since it started). */
  n: number;
  principals: number;
  ops: TopK;
  svc: TopK;
  reg: TopK;
  net: TopK;
  ua: TopK;
  /** EWMA of ln(1 + events) per closed active principal-window. */
  vol: Ewma;
  /** Decayed peak principal-window count (time unit: ms). */
  pk: Peak;
  /** EWMA of the per-event error indicator. */
  er: number;
}

/** Sizes of an account baseline's sketches (fixed: an account sees far more values than one principal). */
export const POPULATION_BOUNDS = {
  ops: { k: 512, cmsWidth: 4096, cmsDepth: 3 },
  svc: { k: 128, cmsWidth: 1024, cmsDepth: 3 },
  reg: { k: 32, cmsWidth: 256, cmsDepth: 3 },
  net: { k: 512, cmsWidth: 4096, cmsDepth: 3 },
  ua: { k: 64, cmsWidth: 512, cmsDepth: 3 },
} as const satisfies Record<string, TopKBounds>;

const POP_WINDOW_ALPHA = 0.02;
const POP_ERROR_ALPHA = 0.001;

/** What PopulationBaselines.export() returns. */
export interface PopulationExport {
  accounts: Record<string, AccountBaseline>;
  seen: string[];
}

/** What adopt() reads of a principal's durable state. */
export interface AdoptablePrincipal {
  n: number;
  ops: TopK;
  svc: TopK;
  reg: TopK;
  net: TopK;
  ua: TopK;
  win: { vol: Ewma };
}

/** Which values of an event were new to its principal. */
export interface FreshValues {
  op: boolean;
  service: boolean;
  region: boolean;
  network: boolean;
  userAgent: boolean;
}

export interface PopulationOptions {
  /** Account baselines kept. */
  maxAccounts: number;
  minEvents: number;
  minPrincipals: number;
  /** Half-life of the peak principal-window count, ms. */
  peakHalfLifeMs: number;
}

function newAccountBaseline(): AccountBaseline {
  return { n: 0, principals: 0, ops: newTopK(), svc: newTopK(), reg: newTopK(), net: newTopK(), ua: newTopK(), vol: newEwma(), pk: { v: 0, at: 0 }, er: 0 };
}

/**
 * Account baselines in memory, per worker thread, best effort: bounded to maxAccounts (least
 * recently used dropped), derived rather than durable (after a restore the detector's restored()
 * folds every restored principal back in with adopt(); traffic does the rest), and each worker
 * sees only the principals of its own state shards. See README "State".
 */
export class PopulationBaselines {
  private readonly accounts = new Map<string, AccountBaseline>();
  /** Principals whose restored history has been added (once per worker lifetime; cleared when it grows past maxAdopted). */
  private adopted = new Set<string>();
  dropped = 0;

  constructor(private readonly opts: PopulationOptions) {}

  get size(): number {
    return this.accounts.size;
  }

  /** The account's baseline (created when absent), marked most recently used. */
  account(id: string): AccountBaseline {
    let b = this.accounts.get(id);
    if (b !== undefined) {
      this.accounts.delete(id);
      this.accounts.set(id, b);
      return b;
    }
    b = newAccountBaseline();
    this.accounts.set(id, b);
    while (this.accounts.size > this.opts.maxAccounts) {
      const oldest = this.accounts.keys().next().value;
      if (oldest === undefined) break;
      this.accounts.delete(oldest);
      this.dropped++;
    }
    return b;
  }

  /** The account's baseline without creating or touching it. */
  peek(id: string): AccountBaseline | undefined {
    return this.accounts.get(id);
  }

  /** True once the baseline has seen enough events and principals to score against. */
  warm(b: AccountBaseline): boolean {
    return b.n >= this.opts.minEvents && b.principals >= this.opts.minPrincipals;
  }

  /**
   * Learns one event. `newPrincipal` counts a principal this worker had no state for; `fresh`
   * says which of the event's values the principal had not used before (they count one more user).
   */
  observe(b: AccountBaseline, f: ActivityFeatures, nowHour: number, newPrincipal: boolean, fresh: FreshValues): void {
    b.n++;
    if (newPrincipal) b.principals++;
    topKAdd(b.ops, f.op, nowHour, POPULATION_BOUNDS.ops, fresh.op);
    topKAdd(b.svc, f.service, nowHour, POPULATION_BOUNDS.svc, fresh.service);
    if (f.region !== null) topKAdd(b.reg, f.region, nowHour, POPULATION_BOUNDS.reg, fresh.region);
    if (f.network !== null) topKAdd(b.net, f.network, nowHour, POPULATION_BOUNDS.net, fresh.network);
    if (f.userAgent !== null) topKAdd(b.ua, f.userAgent, nowHour, POPULATION_BOUNDS.ua, fresh.userAgent);
    b.er += POP_ERROR_ALPHA * ((f.error ? 1 : 0) - b.er);
  }

  /**
   * Adds the history of a principal this worker has state for but has not seen since it started
   * (after a restart or a rebalance): its values count as used, so rarity stays right. Once per
   * principal; false when already done.
   */
  adopt(b: AccountBaseline, key: string, st: AdoptablePrincipal, maxAdopted: number): boolean {
    if (this.adopted.has(key)) return false;
    if (this.adopted.size >= maxAdopted) this.adopted = new Set();
    this.adopted.add(key);
    b.principals++;
    b.n += st.n;
    // Its usual window count (ln(1 + count), the scale of the account's EWMA) stands for its
    // closed windows in the account's volume baseline, one observation per principal.
    if (st.win.vol.n > 0) ewmaAdd(b.vol, st.win.vol.m, POP_WINDOW_ALPHA);
    const add = (from: TopK, to: TopK, bounds: TopKBounds): void => {
      for (const k of Object.keys(from.e)) {
        const entry = from.e[k]!;
        topKAdopt(to, k === '\u0000__proto__' ? '__proto__' : k, entry[0]!, entry[1]!, bounds);
      }
    };
    add(st.ops, b.ops, POPULATION_BOUNDS.ops);
    add(st.svc, b.svc, POPULATION_BOUNDS.svc);
    add(st.reg, b.reg, POPULATION_BOUNDS.reg);
    add(st.net, b.net, POPULATION_BOUNDS.net);
    add(st.ua, b.ua, POPULATION_BOUNDS.ua);
    return true;
  }

  /** Marks a principal as known to this worker (a new principal: its values are counted as it goes). */
  markSeen(key: string, maxAdopted: number): void {
    if (this.adopted.size >= maxAdopted) this.adopted = new Set();
    this.adopted.add(key);
  }

  /** Learns one closed active window of one of the account's principals. */
  observeWindow(b: AccountBaseline, count: number, time: number): void {
    ewmaAdd(b.vol, logCount(count), POP_WINDOW_ALPHA);
    peakObserve(b.pk, count, time, this.opts.peakHalfLifeMs);
  }

  /** A JSON copy of every account baseline and of the principals seen (for tests and diagnostics; not used by the runtime). */
  export(): PopulationExport {
    const accounts: Record<string, AccountBaseline> = {};
    for (const [id, b] of this.accounts) accounts[id] = JSON.parse(JSON.stringify(b)) as AccountBaseline;
    return { accounts, seen: [...this.adopted] };
  }

  /** Replaces the baselines with an export (for tests and diagnostics). */
  import(data: PopulationExport): void {
    this.accounts.clear();
    for (const [id, b] of Object.entries(data.accounts)) this.accounts.set(id, JSON.parse(JSON.stringify(b)) as AccountBaseline);
    this.adopted = new Set(data.seen);
  }

  /** Estimated JSON bytes of all baselines, from up to `sample` of them. */
  bytes(sample = 16): number {
    if (this.accounts.size === 0) return 0;
    let total = 0;
    let seen = 0;
    for (const b of this.accounts.values()) {
      if (seen >= sample) break;
      total += Buffer.byteLength(JSON.stringify(b), 'utf8');
      seen++;
    }
    return Math.round((total / seen) * this.accounts.size);
  }
}
