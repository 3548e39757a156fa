import { newEwma, type Ewma, type Peak } from './ewma.ts';
import { newTopK, type TopK } from './top-k.ts';

/** A feature a deviation is about. */
export type FeatureName = 'operation' | 'service' | 'region' | 'network' | 'user_agent' | 'hour' | 'volume' | 'errors' | 'dormant' | 'concurrent';

/**
 * One deviation of a principal, kept in its state until it is reported or falls out of the
 * correlation window. Short keys keep the JSON small.
 */
export interface Pending {
  /** Reason key: `<feature>:<value>` for novelty (`region:ap-south-1`), else the feature (`volume`). Suppression is per reason. */
  r: string;
  f: FeatureName;
  /** Observed value, as shown (`ap-south-1`, `700 events`). */
  o: string;
  /** Expected value, as shown (`us-east-1, eu-west-1`, `about 50`). */
  x: string;
  /** Magnitude: ratio (volume, errors), days (dormant; forgotten values, 0 = never seen), hour (hour). */
  k: number;
  /** The operation concerned (the event's operation key). */
  a: string;
  /** Contribution to the score. */
  s: number;
  /** 1 = against the principal's own baseline; 0 = against its account's population (cold start). */
  b: 0 | 1;
  /** Event time and metadata.uid of the event that showed it. */
  t: number;
  u: string;
  /** 1 = ordinary novelty (a first use of an operation of sensitivity < 2, or a first call to a service): these add up to at most weights.ordinaryNoveltyCap. */
  g?: 1;
}

/** The usual error ratio of a window state: decayed failures over decayed calls, with a prior of 1% over 20 calls. */
export function errorRatio(win: WindowState): number {
  return (win.ee + 0.2) / (win.ec + 20);
}

/** The current volume/error window and the baselines of closed active windows. */
export interface WindowState {
  /** Index of the current window: floor(time / window length). */
  w: number;
  /** Events and failed events in it. */
  c: number;
  e: number;
  /** The first operation that failed in the window, and 1 once a second, different one failed (absent: none yet). */
  eo?: string;
  em?: 1;
  /** EWMA of ln(1 + events) per closed active window. */
  vol: Ewma;
  /** Decayed peak of events per window (time unit: window index). */
  pk: Peak;
  /** Decayed failed calls and calls of closed windows (each window weighs (1 - alpha) less than the next): their ratio is the usual error ratio. */
  ee: number;
  ec: number;
}

/**
 * The whole durable state of one principal: ONE JSON value per key in ctx.state. Bounded by the
 * sketch sizes (top-k + count-min), 168 hour-of-week counters, 16 pending deviations and 32
 * suppressions. Times are event times (ms); hours are whole hours since the epoch.
 */
export interface PrincipalState {
  v: 1;
  first: number;
  last: number;
  n: number;
  /** Distinct UTC days with activity (for dormancy: a gap counts only against a regular rhythm). */
  ad: number;
  /** Last source network and when it was seen (for concurrent use from a new network). */
  ln: string | null;
  lt: number;
  ops: TopK;
  svc: TopK;
  reg: TopK;
  net: TopK;
  ua: TopK;
  /** Hour of week ("0".."167") -> count (halved with the total). */
  how: Record<string, number>;
  howN: number;
  win: WindowState;
  /** Deviations not yet reported, within the correlation window. */
  rec: Pending[];
  /** Reason -> suppressed until (event time ms). */
  sup: Record<string, number>;
  /** Cloud account of its last event: the population it belongs to (rebuilt from these after a restore). Absent in older values. */
  acct?: string;
}

export const STATE_VERSION = 1;

export function newPrincipalState(time: number, windowIndex: number): PrincipalState {
  return {
    v: STATE_VERSION,
    first: time,
    last: time,
    n: 0,
    ad: 0,
    ln: null,
    lt: time,
    ops: newTopK(),
    svc: newTopK(),
    reg: newTopK(),
    net: newTopK(),
    ua: newTopK(),
    how: {},
    howN: 0,
    win: { w: windowIndex, c: 0, e: 0, vol: newEwma(), pk: { v: 0, at: windowIndex }, ee: 0, ec: 0 },
    rec: [],
    sup: {},
  };
}

/** True for a value this version wrote (anything else, e.g. an older layout, is started afresh). */
export function isPrincipalState(v: unknown): v is PrincipalState {
  return typeof v === 'object' && v !== null && (v as { v?: unknown }).v === STATE_VERSION && typeof (v as { n?: unknown }).n === 'number';
}

/** UTF-8 bytes of the state's JSON: what the changelog carries for this principal. */
export function stateBytes(st: PrincipalState): number {
  return Buffer.byteLength(JSON.stringify(st), 'utf8');
}
