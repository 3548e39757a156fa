import type { Ewma } from './ewma.ts';
import type { PrincipalState } from './state.ts';
import type { TopK } from './top-k.ts';

/**
 * Account population baselines, DERIVED from the durable principal states: an account baseline is
 * an exact, order-independent aggregate (integer counts and fixed-point sums) of the states of the
 * account's principals in one scope (the state shard the principals live in). It is kept up to date
 * incrementally as principal states change, and rebuilt from the restored states after a restore;
 * both give the same numbers, so a crash, a replay or a replaced worker thread changes nothing: the
 * population never needs a changelog of its own. See README "State".
 */

/** The principal sketches a population aggregates. */
export const SKETCHES = ['ops', 'svc', 'reg', 'net', 'ua'] as const;
export type SketchName = (typeof SKETCHES)[number];

/** Principals of the account using one value: how many, and their last hours of use (hour -> principals). */
interface ValueUse {
  users: number;
  hours: Map<number, number>;
  last: number;
}

/** One account's population in one scope. */
export interface AccountBaseline {
  /** Principals (with a state in the scope) and the sum of their event counts. */
  principals: number;
  n: number;
  /** Sketch -> value (top-k key) -> use. */
  values: Record<SketchName, Map<string, ValueUse>>;
  /** Principals with a volume baseline, sums of their EWMA means and of their second moments (fixed point, VOL_FP). */
  volK: number;
  volM: number;
  volQ: number;
  /** Sums of the principals' (decayed + current window) failed calls and calls (fixed point, ERR_FP). */
  errE: number;
  errC: number;
}

/** Fixed-point scales: sums of integers are exact whatever the order of additions and removals. */
const VOL_FP = 1e6;
const ERR_FP = 1e3;

/** What a principal adds to its account's baseline besides its sketch values. */
interface Scalars {
  acct: string;
  n: number;
  volK: number;
  volM: number;
  volQ: number;
  errE: number;
  errC: number;
}

/** A principal state's contribution before an event changes it: its scalars and the prior last hour of each value the event touches. */
export interface PrincipalSnapshot {
  scalars: Scalars;
  /** Sketch -> top-k key -> last hour before the event (undefined: the value was not in the top-k). */
  prior: Array<[SketchName, string, number | undefined]>;
}

/** A value a principal's top-k evicted (into its count-min sketch) while learning an event. */
export interface Evicted {
  sketch: SketchName;
  key: string;
  hour: number;
}

export interface PopulationOptions {
  minEvents: number;
  minPrincipals: number;
}

function scalarsOf(st: PrincipalState): Scalars | null {
  if (st.acct === undefined) return null;
  const vol = st.win.vol;
  const has = vol.n > 0;
  return {
    acct: st.acct,
    n: st.n,
    volK: has ? 1 : 0,
    volM: has ? Math.round(vol.m * VOL_FP) : 0,
    volQ: has ? Math.round((vol.s2 + vol.m * vol.m) * VOL_FP) : 0,
    errE: Math.round((st.win.ee + st.win.e) * ERR_FP),
    errC: Math.round((st.win.ec + st.win.c) * ERR_FP),
  };
}

function newBaseline(): AccountBaseline {
  return { principals: 0, n: 0, values: { ops: new Map(), svc: new Map(), reg: new Map(), net: new Map(), ua: new Map() }, volK: 0, volM: 0, volQ: 0, errE: 0, errC: 0 };
}

function addUse(map: Map<string, ValueUse>, key: string, hour: number, n = 1): void {
  let use = map.get(key);
  if (use === undefined) map.set(key, (use = { users: 0, hours: new Map(), last: hour }));
  use.users += n;
  use.hours.set(hour, (use.hours.get(hour) ?? 0) + n);
  if (hour > use.last) use.last = hour;
}

function removeUse(map: Map<string, ValueUse>, key: string, hour: number, n = 1): void {
  const use = map.get(key);
  if (use === undefined) return;
  use.users -= n;
  if (use.users <= 0) {
    map.delete(key);
    return;
  }
  const left = (use.hours.get(hour) ?? 0) - n;
  if (left > 0) use.hours.set(hour, left);
  else {
    use.hours.delete(hour);
    if (hour === use.last) use.last = Math.max(...use.hours.keys());
  }
}

/**
 * The account baselines of every scope this thread holds, and their sum per account (what events
 * are scored against). Scopes are state shards: a scope's principals are always processed by one
 * thread, and a shard is restored as a whole, so each scope's baselines can be rebuilt exactly;
 * which shards a thread holds is fixed by the runtime (shard mod processor.workers).
 */
export class PopulationBaselines {
  private readonly scopes = new Map<number, Map<string, AccountBaseline>>();
  /** Account -> the sum of its baselines over the scopes held. */
  private readonly combined = new Map<string, AccountBaseline>();

  constructor(private readonly opts: PopulationOptions) {}

  /** Account baselines held (all scopes). */
  get size(): number {
    let n = 0;
    for (const s of this.scopes.values()) n += s.size;
    return n;
  }

  /** An account's baseline summed over the scopes this thread holds (what its principals are scored against). */
  account(acct: string): AccountBaseline | undefined {
    return this.combined.get(acct);
  }

  /** The account's baseline in a scope, or undefined when none of its principals has a state there. */
  peek(scope: number, acct: string): AccountBaseline | undefined {
    return this.scopes.get(scope)?.get(acct);
  }

  /** True once the baseline has enough events and principals to score against. */
  warm(b: AccountBaseline): boolean {
    return b.n >= this.opts.minEvents && b.principals >= this.opts.minPrincipals;
  }

  /** Forgets a scope (before it is rebuilt from restored states), or every scope. */
  reset(scope?: number): void {
    if (scope === undefined) {
      this.scopes.clear();
      this.combined.clear();
      return;
    }
    for (const [acct, b] of this.scopes.get(scope) ?? []) {
      const c = this.combined.get(acct);
      if (c === undefined) continue;
      c.principals -= b.principals;
      this.applyScalars(c, b, -1);
      for (const name of SKETCHES) for (const [key, use] of b.values[name]) for (const [hour, n] of use.hours) removeUse(c.values[name], key, hour, n);
      if (c.principals <= 0) this.combined.delete(acct);
    }
    this.scopes.delete(scope);
  }

  /** The scope's baseline of the account and the account's combined one (created when `create`). */
  private baseline(scope: number, acct: string, create: boolean): [AccountBaseline, AccountBaseline] | undefined {
    let s = this.scopes.get(scope);
    if (s === undefined) {
      if (!create) return undefined;
      this.scopes.set(scope, (s = new Map()));
    }
    let b = s.get(acct);
    if (b === undefined) {
      if (!create) return undefined;
      s.set(acct, (b = newBaseline()));
    }
    let c = this.combined.get(acct);
    if (c === undefined) this.combined.set(acct, (c = newBaseline()));
    return [b, c];
  }

  private applyScalars(b: AccountBaseline, s: Omit<Scalars, 'acct'>, sign: 1 | -1): void {
    b.n += sign * s.n;
    b.volK += sign * s.volK;
    b.volM += sign * s.volM;
    b.volQ += sign * s.volQ;
    b.errE += sign * s.errE;
    b.errC += sign * s.errC;
  }

  private drop(scope: number, acct: string, [b, c]: [AccountBaseline, AccountBaseline]): void {
    if (c.principals <= 0) this.combined.delete(acct);
    if (b.principals > 0) return;
    const s = this.scopes.get(scope);
    s?.delete(acct);
    if (s?.size === 0) this.scopes.delete(scope);
  }

  /** Adds a principal's whole state (no-op for a state without an account). */
  add(scope: number, st: PrincipalState): void {
    const s = scalarsOf(st);
    if (s === null) return;
    const both = this.baseline(scope, s.acct, true)!;
    for (const b of both) {
      b.principals++;
      this.applyScalars(b, s, 1);
      for (const name of SKETCHES) eachEntry(st[name], (key, hour) => addUse(b.values[name], key, hour));
    }
  }

  /** Removes a principal's whole state (it was deleted, replaced, or moved to another account). */
  remove(scope: number, st: PrincipalState): void {
    const s = scalarsOf(st);
    if (s === null) return;
    const both = this.baseline(scope, s.acct, false);
    if (both === undefined) return;
    for (const b of both) {
      b.principals--;
      this.applyScalars(b, s, -1);
      for (const name of SKETCHES) eachEntry(st[name], (key, hour) => removeUse(b.values[name], key, hour));
    }
    this.drop(scope, s.acct, both);
  }

  /** What update() needs of a principal state before an event changes it (null: nothing to take back). */
  snapshot(st: PrincipalState, touched: ReadonlyArray<[SketchName, string]>): PrincipalSnapshot | null {
    const scalars = scalarsOf(st);
    if (scalars === null) return null;
    return { scalars, prior: touched.map(([name, key]) => [name, key, Object.hasOwn(st[name].e, key) ? st[name].e[key]![1]! : undefined]) };
  }

  /**
   * Moves a principal's contribution from its snapshot (taken before the event changed the state,
   * in the same account) to its state after the event: the scalars, the values the event touched
   * (a value new to the principal counts one more user) and the values its top-k evicted. Without
   * a snapshot (a new principal, or its previous contribution already removed) the state is added whole.
   */
  update(scope: number, before: PrincipalSnapshot | null, st: PrincipalState, evicted: readonly Evicted[]): void {
    const after = scalarsOf(st);
    if (after === null) return;
    if (before === null) {
      this.add(scope, st);
      return;
    }
    if (before.scalars.acct !== after.acct) throw new Error(`principal moved from account ${before.scalars.acct} to ${after.acct} without its population contribution removed`);
    for (const b of this.baseline(scope, after.acct, true)!) {
      this.applyScalars(b, before.scalars, -1);
      this.applyScalars(b, after, 1);
      for (const [name, key, hour] of before.prior) {
        const now = Object.hasOwn(st[name].e, key) ? st[name].e[key]![1]! : undefined;
        if (hour === now) continue;
        if (hour !== undefined) removeUse(b.values[name], key, hour);
        if (now !== undefined) addUse(b.values[name], key, now);
      }
      for (const e of evicted) removeUse(b.values[e.sketch], e.key, e.hour);
    }
  }

  /** A canonical JSON form of every baseline (sorted): `<scope>/<account>`, and `all/<account>` for the sums. */
  export(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const scope of [...this.scopes.keys()].sort((a, z) => a - z)) {
      const accounts = this.scopes.get(scope)!;
      for (const acct of [...accounts.keys()].sort()) out[`${scope}/${acct}`] = canonical(accounts.get(acct)!);
    }
    for (const acct of [...this.combined.keys()].sort()) out[`all/${acct}`] = canonical(this.combined.get(acct)!);
    return out;
  }

  /** Estimated bytes of all baselines (about 96 per value in use). */
  bytes(): number {
    let entries = 0;
    for (const s of this.scopes.values()) for (const b of s.values()) for (const name of SKETCHES) entries += b.values[name].size;
    return entries * 96;
  }
}

function canonical(b: AccountBaseline): unknown {
  const values: Record<string, unknown> = {};
  for (const name of SKETCHES) {
    values[name] = [...b.values[name]]
      .sort(([a], [z]) => (a < z ? -1 : a > z ? 1 : 0))
      .map(([k, u]) => [k, u.users, u.last, [...u.hours].sort((x, y) => x[0] - y[0])]);
  }
  return { principals: b.principals, n: b.n, volK: b.volK, volM: b.volM, volQ: b.volQ, errE: b.errE, errC: b.errC, values };
}

function eachEntry(s: TopK, fn: (key: string, hour: number) => void): void {
  for (const key in s.e) fn(key, s.e[key]![1]!);
}

/** Principals of the account whose sketch holds the value (top-k key), including forgotten uses. */
export function populationUsers(b: AccountBaseline, name: SketchName, key: string): number {
  return b.values[name].get(key)?.users ?? 0;
}

/** The latest hour any principal of the account used the value, or null when none holds it. */
export function populationLastHour(b: AccountBaseline, name: SketchName, key: string): number | null {
  return b.values[name].get(key)?.last ?? null;
}

/** The account's usual principal-window volume: the mixture of its principals' EWMAs of ln(1 + count), or null without any. */
export function populationVolume(b: AccountBaseline): Ewma | null {
  if (b.volK <= 0) return null;
  const m = b.volM / b.volK / VOL_FP;
  return { m, s2: Math.max(0, b.volQ / b.volK / VOL_FP - m * m), n: b.volK };
}

/** The account's error ratio: its principals' failed calls over calls (decayed), with a prior of 1% over 20 calls. */
export function populationErrorRatio(b: AccountBaseline): number {
  return (b.errE / ERR_FP + 0.2) / (b.errC / ERR_FP + 20);
}
