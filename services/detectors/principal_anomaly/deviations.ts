import type { PrincipalAnomalyConfig } from './config.ts';
import { ewmaLogTypical, ewmaLogZ, peakNow, type Ewma } from './ewma.ts';
import { hourOfWeekLabel, type ActivityFeatures } from './features.ts';
import { populationErrorRatio, populationLastHour, populationUsers, populationVolume, type AccountBaseline, type SketchName } from './population.ts';
import type { SensitivityTable } from './sensitivity.ts';
import { errorRatio as usualErrorRatio, type FeatureName, type Pending, type PrincipalState } from './state.ts';
import { topKKey, topKLookup, topKValues, type TopK } from './top-k.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** An hour of the week is unusual when its smoothed share is below 1 / (168 x this). */
const UNUSUAL_HOUR_FACTOR = 10;
/**
 * Novelty against a principal's own baseline is scaled by how surprising a new value is for it:
 * the Good-Turing estimate of the chance that its next value is unseen, p = (values seen once + 1)
 * / (observations + 2), gives log10(1/p) decades of surprise; NOVELTY_DECADES decades (p <= 1%)
 * give the full weight. A sensitive operation adds the surprise of its class (see sensitiveShare).
 */
export const NOVELTY_DECADES = 2;
/**
 * A value new to a principal that u other principals of its account already use is less
 * surprising: the principal's own surprise is discounted by up to half, 1 - 0.5 x min(1, u /
 * COMMON_USERS), and the value's rarity in the account is 1 - min(1, u / COMMON_USERS).
 */
export const COMMON_USERS = 3;
/** Dormancy needs a rhythm: at least this many active days, and a gap this many times the usual one. */
export const DORMANT_MIN_ACTIVE_DAYS = 2;
export const DORMANT_GAP_FACTOR = 5;

/** An error burst on one ordinary operation (a job retrying a call it may not make) weighs this share of weights.errors. */
export const RETRY_ERRORS_FACTOR = 0.5;

/** Operations of at least this sensitivity form the "sensitive" class for the novelty prior. */
export const SENSITIVE_WEIGHT = 2;

/**
 * The chance that a principal's next new operation is a sensitive one: the share of sensitive
 * operations among those it knows, with a prior of 0.5 in 10 (5%). A developer with 15 ordinary
 * operations gets 2% (+1.7 decades of surprise), an admin with 8 sensitive of 25 gets 24% (+0.6).
 */
export function sensitiveShare(ops: TopK, sensitivity: SensitivityTable): number {
  let sensitive = 0;
  let all = 0;
  for (const k in ops.e) {
    all++;
    if (sensitivity.weightOf(k) >= SENSITIVE_WEIGHT) sensitive++;
  }
  return (sensitive + 0.5) / (all + 10);
}

/** Decades of class surprise (-log10 of sensitiveShare) at which a sensitive operation weighs its full sensitivity. */
export const CLASS_FULL_DECADES = 1.3;

/**
 * The sensitivity a first use is weighted by. For a learning principal (share null) or one that
 * uses no sensitive operation (share <= 5%) it is the operation's own; for a principal whose
 * operations are largely sensitive it shrinks towards 1 (ordinary): 1 + (sensitivity - 1) x
 * min(1, -log10(share) / CLASS_FULL_DECADES). An admin with 8 sensitive operations of 25 weighs a
 * first iam:PutRolePolicy (4) at 2.4 instead of 4; a developer with none at 4.
 */
export function effectiveSensitivity(sens: number, share: number | null): number {
  const s = Math.max(1, sens);
  if (share === null || s <= 1) return s;
  return 1 + (s - 1) * Math.min(1, -Math.log10(share) / CLASS_FULL_DECADES);
}

/** Good-Turing chance that the next value of this sketch is one not seen before. */
export function unseenChance(s: TopK): number {
  let once = 0;
  for (const k in s.e) if (s.e[k]![0]! <= 1) once++;
  return (once + 1) / (s.tot + 2);
}

/** Surprise factor (0..1] of a value new to a learned principal (see NOVELTY_DECADES). */
export function noveltyFactor(s: TopK, extraDecades = 0): number {
  const decades = Math.log10(1 / unseenChance(s)) + extraDecades;
  return Math.max(0.05, Math.min(1, decades / NOVELTY_DECADES));
}

/** Everything the scoring of one event needs besides the state. */
export interface ScoringInput {
  cfg: PrincipalAnomalyConfig;
  sensitivity: SensitivityTable;
  f: ActivityFeatures;
  time: number;
  uid: string;
  /** Past the learning period: scored against its own baseline. */
  learned: boolean;
  /** The account's population baseline when warm (else null: a learning principal is then not scored on novelty or volume). */
  population: AccountBaseline | null;
}

const round = (x: number, digits = 2): number => {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
};

function known(s: TopK, limit = 5): string {
  const vals = topKValues(s, limit).map((v) => v.value);
  const more = s.n > limit ? ` (+${s.n - limit} more)` : '';
  return vals.length === 0 ? 'none' : `${vals.join(', ')}${more}`;
}

/**
 * The deviations one event shows, before the state learns it (its window is already counted).
 * Novelty of a value the principal has not used (or not within forgetDays): a noisy-OR of its own
 * surprise (learned principals only) and the value's rarity in its account (warm population only),
 * so a learning principal is judged by its account alone. Volume and errors: the principal's own
 * windows once it has volume.minWindows of them, else its account's principal-windows. Unusual
 * hour: learned only. Dormancy and concurrent use: any principal with history.
 */
export function findDeviations(st: PrincipalState, input: ScoringInput): Pending[] {
  const { cfg, f, time, uid, learned, population } = input;
  const scope = `account ${f.account}`;
  const w = cfg.weights;
  const out: Pending[] = [];
  const nowHour = Math.floor(time / HOUR_MS);
  const forgetHours = cfg.forgetDays * 24;
  const sens = input.sensitivity.lookup(f.op).weight;
  const b: 0 | 1 = learned ? 1 : 0;

  const push = (feature: FeatureName, reason: string, o: string, x: string, k: number, s: number, base: 0 | 1 = b): void => {
    if (s <= 0) return;
    const p: Pending = { r: reason, f: feature, o, x, k, a: f.op, s: round(s, 3), b: base, t: time, u: uid };
    if (feature === 'service' || (feature === 'operation' && sens < SENSITIVE_WEIGHT)) p.g = 1;
    out.push(p);
  };

  const novelty = (feature: FeatureName, own: TopK, sketch: SketchName, value: string | null, weight: number, extraDecades = 0): void => {
    if (value === null || weight <= 0) return;
    const l = topKLookup(own, value, nowHour, forgetHours);
    if (l.count > 0) return;
    // Two pieces of evidence, combined as a noisy-OR: the principal's own surprise (learned only;
    // Good-Turing), discounted when other principals of the account use the value, and the
    // value's rarity in the account (when the population baseline is warm): 1 when no principal
    // of the account used it within forgetDays.
    const users = population === null ? 0 : populationUsers(population, sketch, topKKey(value));
    const popLast = population === null ? null : populationLastHour(population, sketch, topKKey(value));
    const newToAccount = popLast === null || nowHour - popLast > forgetHours;
    let rarity = 0;
    if (population !== null) rarity = newToAccount ? 1 : Math.max(0, 1 - users / COMMON_USERS);
    const own1 = learned ? noveltyFactor(own, extraDecades) * (1 - 0.5 * Math.min(1, users / COMMON_USERS)) : 0;
    const pop1 = cfg.population.weight * rarity;
    const combined = 1 - (1 - own1) * (1 - Math.min(1, pop1));
    if (combined <= 0.01) return;
    const forgottenDays = l.forgotten && l.lastHour !== null ? Math.floor((nowHour - l.lastHour) / 24) : 0;
    const accountNote = population === null ? '' : newToAccount ? `; new to ${scope}` : `; used by ${users} other principal(s) of ${scope}`;
    push(feature, `${feature}:${value}`, value, `${learned ? known(own) : 'still learning'}${accountNote}`, forgottenDays, weight * combined, learned ? 1 : 0);
  };

  // A new sensitive operation is more surprising for a principal that uses few sensitive ones
  // (a developer's first IAM change) than for one that uses many (an admin's next one): both its
  // novelty (extra decades) and the sensitivity it is weighted by (see effectiveSensitivity).
  const share = sens >= SENSITIVE_WEIGHT && learned ? sensitiveShare(st.ops, input.sensitivity) : null;
  const opPrior = share === null ? 0 : -Math.log10(share);
  novelty('operation', st.ops, 'ops', f.op, w.operation * effectiveSensitivity(sens, share), opPrior);
  novelty('service', st.svc, 'svc', f.service, w.service);
  novelty('region', st.reg, 'reg', f.region, w.region);
  const before = out.length;
  novelty('network', st.net, 'net', f.network, w.network);
  // A new network while another one of the principal's was in use minutes ago: two places at once.
  if (out.length > before && f.network !== null && st.ln !== null && st.ln !== f.network && w.concurrent > 0 && time - st.lt <= cfg.concurrentMinutes * 60_000) {
    const minutes = Math.max(0, Math.round((time - st.lt) / 60_000));
    push('concurrent', 'concurrent', f.network, st.ln, minutes, w.concurrent);
  }
  novelty('user_agent', st.ua, 'ua', f.userAgent, w.userAgent);

  // Unusual hour of the week (learned principals with enough history only).
  if (learned && w.hour > 0 && st.howN >= cfg.unusualHourMinEvents) {
    const h = f.hourOfWeek;
    const c = (i: number): number => {
      const k = String((i + 168) % 168);
      return Object.hasOwn(st.how, k) ? st.how[k]! : 0;
    };
    let sameHourOtherDays = 0;
    for (let d = 1; d < 7; d++) sameHourOtherDays += c(h + 24 * d);
    const smoothed = c(h) + 0.5 * (c(h - 1) + c(h + 1)) + (0.25 * sameHourOtherDays) / 6;
    if (smoothed / st.howN < 1 / (168 * UNUSUAL_HOUR_FACTOR)) {
      const usual = Object.entries(st.how)
        .sort((a, z) => z[1] - a[1] || Number(a[0]) - Number(z[0]))
        .slice(0, 3)
        .map(([k]) => hourOfWeekLabel(Number(k)));
      push('hour', `hour:${h}`, hourOfWeekLabel(h), `usually ${usual.join(', ')}`, h, w.hour);
    }
  }

  // Volume and errors in the current window.
  const win = st.win;
  const ownWindows = win.vol.n >= cfg.volume.minWindows;
  const windowMs = cfg.windowMinutes * 60_000;
  let base: Ewma | null = null;
  let peak = 0;
  let errorRatio = 0;
  if (ownWindows) {
    base = win.vol;
    peak = peakNow(win.pk, win.w, (cfg.volume.peakHalfLifeDays * DAY_MS) / windowMs);
    errorRatio = usualErrorRatio(win);
  } else if (population !== null) {
    // The account's peak is its busiest principal's: no peak gate against the population.
    base = populationVolume(population);
    errorRatio = populationErrorRatio(population);
  }
  const vb: 0 | 1 = ownWindows ? 1 : 0;
  const v = cfg.volume;
  if (base !== null && w.volume > 0 && win.c >= v.minEvents) {
    const typical = ewmaLogTypical(base);
    const ratio = win.c / Math.max(typical, 1);
    if (ratio >= v.minRatio && ewmaLogZ(base, win.c) >= v.minZ && win.c > v.peakFactor * peak) {
      const s = w.volume * Math.min(2, 1 + Math.log2(ratio / v.minRatio) / 4);
      out.push({
        r: 'volume',
        f: 'volume',
        o: `${win.c} events`,
        x: `about ${round(typical, 1)} (peak ${Math.round(peak)})`,
        k: round(ratio, 1),
        a: f.op,
        s: round(s, 3),
        b: vb,
        t: time,
        u: uid,
      });
    }
  }
  if (f.error && base !== null && w.errors > 0 && win.e >= cfg.errors.minErrors) {
    const expected = errorRatio * win.c;
    if (win.e > cfg.errors.minRatio * expected + 3) {
      // One ordinary operation failing over and over is how a misconfigured job fails; failures
      // across operations (probing) or on a sensitive one (logins, secrets) count in full.
      const retried = win.em !== 1 && sens < SENSITIVE_WEIGHT;
      const s = w.errors * Math.sqrt(Math.max(1, sens)) * (retried ? RETRY_ERRORS_FACTOR : 1);
      out.push({
        r: 'errors',
        f: 'errors',
        o: `${win.e} failed of ${win.c} calls${retried ? `, all on ${win.eo ?? f.op}` : ''}`,
        x: `about ${round(expected, 1)} failed`,
        k: round(win.e / Math.max(expected, 1), 1),
        a: f.op,
        s: round(s, 3),
        b: vb,
        t: time,
        u: uid,
      });
    }
  }

  // Dormant principal coming back: a long gap that breaks a rhythm (not a principal that is always rare).
  const gap = time - st.last;
  const usualGap = (st.last - st.first) / Math.max(1, st.ad - 1);
  if (st.n > 0 && w.dormant > 0 && gap >= cfg.dormantDays * DAY_MS && st.ad >= DORMANT_MIN_ACTIVE_DAYS && gap >= DORMANT_GAP_FACTOR * usualGap) {
    const days = Math.floor((time - st.last) / DAY_MS);
    push('dormant', 'dormant', `${days} days idle`, `active until ${new Date(st.last).toISOString()}`, days, w.dormant);
  }
  return out;
}
