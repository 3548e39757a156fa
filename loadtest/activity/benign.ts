import { CHURN_OPERATIONS, USER_AGENTS } from './catalog.ts';
import { usualIp } from './attacks.ts';
import type { CallSpec } from './events.ts';
import { activityProfile, DAY_MS, HOUR_MS, randomNet, type Principal } from './population.ts';
import { cumulative, Rng } from './rng.ts';

/** Rates of benign oddities: the "noise" a behavioural detector must live with. */
export const BENIGN_CHURN = {
  /** Humans: chance per day of working from a new network (travel, hotel, tethering). */
  travelPerDay: 0.03,
  /** Humans: chance per day of adopting a new tool (user-agent family). */
  newToolPerDay: 0.004,
  /** Chance per call of an operation outside the principal's habits. */
  newOpPerCallHuman: 0.002,
  newOpPerCallRole: 0.0003,
  /** Chance per day of a storm of AccessDenied / throttling errors (misconfigured script). */
  errorStormPerDay: 0.001,
  /** Workloads: chance per day of a backfill (a session 10-30x the usual size). */
  backfillPerDay: 0.003,
} as const;

/** Benign oddities, as labelled in the stream (to explain false positives). */
export type BenignTag = 'error_storm' | 'backfill' | 'travel' | 'new_tool' | 'new_operation';

/** The per-principal cursor of the benign stream. */
export class BenignRunner {
  next: number | null;
  private left = 0;
  private ip = '';
  private ua = '';
  private region = '';
  private storm = false;
  private stormOp = '';
  private consoleSession = false;
  private day = -1;
  private travelNet: string | null = null;
  private newTool: string | null = null;
  private sessionTag: BenignTag | null = null;
  /** Label of the call emit() returned last. */
  tag: BenignTag | null = null;
  private readonly rng: Rng;

  constructor(
    readonly p: Principal,
    seed: number,
    private readonly streamEnd: number,
  ) {
    this.rng = Rng.derive(seed, `benign/${p.index}`);
    this.next = this.nextSession(p.start);
  }

  /** The next call (advancing the cursor), or null when the principal is done. */
  emit(uid: string): CallSpec | null {
    if (this.next === null) return null;
    const t = this.next;
    const rng = this.rng;
    const p = this.p;
    let op: string;
    let error: string | null = null;
    let mfa: boolean | null = null;
    let region = this.region;
    this.tag = this.sessionTag;
    if (this.storm) {
      op = this.stormOp;
      error = rng.chance(0.5) ? 'AccessDenied' : 'ThrottlingException';
    } else if (this.consoleSession) {
      op = 'signin:ConsoleLogin';
      mfa = true;
      region = 'us-east-1';
      this.consoleSession = false;
    } else {
      const churn = p.human ? BENIGN_CHURN.newOpPerCallHuman : BENIGN_CHURN.newOpPerCallRole;
      const churned = rng.chance(churn);
      op = churned ? rng.pick(CHURN_OPERATIONS) : p.ops[rng.weighted(p.opCum)]!;
      if (churned) this.tag ??= 'new_operation';
      if (op === 'signin:ConsoleLogin') op = p.ops[0]!;
      if (rng.chance(p.errorRate)) error = 'AccessDenied';
    }
    const call: CallSpec = {
      time: t,
      uid,
      identity: p.identity,
      op,
      region,
      ip: this.ip,
      host: null,
      userAgent: this.ua,
      errorCode: error,
      mfa,
      resources: [],
    };
    this.left--;
    if (this.left > 0) this.next = t + Math.max(1, Math.round(rng.exp(this.storm ? 5000 : p.gapMs)));
    else this.next = this.nextSession(t + 1);
    return call;
  }

  /** Picks the next session start after `after` and sets up the session; null when none is left. */
  private nextSession(after: number): number | null {
    const p = this.p;
    const rng = this.rng;
    let t = after;
    for (;;) {
      if (p.schedule === 'cron') {
        const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
        let run = dayStart + p.cronHour * HOUR_MS;
        if (run <= t) run += DAY_MS;
        t = run + rng.int(10 * 60_000);
      } else if (p.schedule === 'scan') {
        const slot = 6 * HOUR_MS;
        const offset = (p.cronHour % 6) * HOUR_MS;
        const run = Math.floor((t - offset) / slot) * slot + offset + slot;
        t = run + rng.int(5 * 60_000);
      } else {
        const mean = DAY_MS / Math.max(p.sessionsPerDay, 1e-6);
        t += rng.exp(mean);
        if (t < this.streamEnd && rng.next() >= activityProfile(p, t)) continue;
      }
      if (t >= this.streamEnd) return null;
      if (t < p.start) {
        t = p.start;
        continue;
      }
      if (t >= p.end) {
        if (p.returnAt === null || t > p.returnAt + 3 * DAY_MS) return null;
        if (t < p.returnAt) {
          t = p.returnAt;
          continue;
        }
      }
      break;
    }
    this.startSession(t);
    return t;
  }

  private startSession(t: number): void {
    const p = this.p;
    const rng = this.rng;
    const perSession = 1 / Math.max(p.sessionsPerDay, 1);
    // Daily habits.
    const day = Math.floor(t / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.travelNet = p.human && rng.chance(BENIGN_CHURN.travelPerDay) ? randomNet(rng) : null;
      this.newTool = null;
      if (p.human && rng.chance(BENIGN_CHURN.newToolPerDay)) {
        const tool = rng.pick([USER_AGENTS.terraform, USER_AGENTS.boto3, USER_AGENTS.goSdk, USER_AGENTS.cli]);
        if (!p.uas.includes(tool)) {
          this.newTool = tool;
          p.uas.push(tool);
          const weights = p.uas.map((_, i) => (i === p.uas.length - 1 ? 0.1 : 1 / (i + 1)));
          p.uaCum = cumulative(weights);
        }
      }
    }
    // Where from, with what, where to.
    if (p.human) {
      if (this.travelNet !== null) this.ip = `${this.travelNet}.${rng.range(2, 254)}`;
      else if (rng.chance(0.4)) this.ip = p.homeV6 !== null ? `${p.homeV6}:${rng.int(65536).toString(16)}::${rng.range(1, 65535).toString(16)}` : `${p.homeNet}.${rng.range(2, 254)}`;
      else this.ip = usualIp(rng, p);
    } else this.ip = usualIp(rng, p);
    this.ua = p.uas[rng.weighted(p.uaCum)]!;
    this.region = p.secondaryShare > 0 && rng.chance(p.secondaryShare) ? p.account.secondaryRegions[0]! : p.region;
    // Session size and kind.
    this.sessionTag = this.travelNet !== null ? 'travel' : this.newTool !== null && this.ua === this.newTool ? 'new_tool' : null;
    this.storm = rng.chance(BENIGN_CHURN.errorStormPerDay * perSession);
    if (this.storm) {
      this.sessionTag = 'error_storm';
      this.left = rng.range(20, 60);
      this.stormOp = rng.chance(0.5) ? p.ops[rng.weighted(p.opCum)]! : rng.pick(CHURN_OPERATIONS);
      this.consoleSession = false;
      return;
    }
    let size = rng.geometric(p.burstMean);
    if (!p.human && rng.chance(BENIGN_CHURN.backfillPerDay * perSession)) {
      size = Math.round(p.burstMean * rng.range(10, 30));
      this.sessionTag = 'backfill';
    }
    this.consoleSession = p.consoleLogin && this.ua === USER_AGENTS.console;
    this.left = size + (this.consoleSession ? 1 : 0);
  }
}
