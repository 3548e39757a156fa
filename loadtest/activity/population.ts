import { HUMAN_ARCHETYPES, OPERATIONS, REGIONS, USER_AGENTS, type Archetype } from './catalog.ts';
import type { Identity } from './events.ts';
import { cumulative, Rng, zipf } from './rng.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** One simulated AWS account. */
export interface Account {
  index: number;
  id: string;
  homeRegion: string;
  /** Regions some of its principals also use. */
  secondaryRegions: string[];
  /** Regions nobody in the account uses. */
  unusedRegions: string[];
  /** Office / VPN egress /24 prefixes ("a.b.c"), shared by its humans. */
  officeNets: string[];
  /** NAT gateway /24 prefixes of its workloads. */
  natNets: string[];
  /** AWS-owned /24 prefixes its Lambda functions without a NAT call from. */
  awsPool: string[];
  /** Hours east of UTC of its people. */
  tzOffset: number;
}

/** How a principal's sessions are spread over time. */
export type Schedule = 'business' | 'always' | 'cron' | 'scan';

/** One simulated principal and its habits. */
export interface Principal {
  index: number;
  account: Account;
  archetype: Archetype;
  human: boolean;
  identity: Identity;
  schedule: Schedule;
  /** Sessions per day at the full diurnal rate (business/always); runs per day for cron/scan. */
  sessionsPerDay: number;
  /** Mean events per session. */
  burstMean: number;
  /** Mean gap between the events of a session, ms. */
  gapMs: number;
  ops: string[];
  opCum: number[];
  uas: string[];
  uaCum: number[];
  /** Where its calls come from: office+home (humans), NAT, or the AWS pool. */
  egress: 'office' | 'nat' | 'pool';
  /**
   * EC2 instance sessions (`.../i-0...`): the one NAT gateway /24 of the instance's subnet. An
   * instance reaches AWS from one place; other workloads spread over the account's NATs or pool.
   */
  natNet: string | null;
  homeNet: string | null;
  /** IPv6 /48 prefix ("2a02:xxxx:yyyy") of the home network, for some humans. */
  homeV6: string | null;
  /** Region it works in, and the chance of a session in the account's first secondary region. */
  region: string;
  secondaryShare: number;
  cronHour: number;
  errorRate: number;
  /** Active from `start` to `end` (ms); leavers stop early, some come back at `returnAt` for 3 days. */
  start: number;
  end: number;
  returnAt: number | null;
  /** ConsoleLogin starts its console sessions (IAM users). */
  consoleLogin: boolean;
}

const BENIGN_FIRST_OCTETS = [3, 13, 18, 20, 23, 24, 31, 34, 35, 37, 44, 50, 52, 54, 62, 66, 68, 71, 73, 76, 81, 82, 84, 86, 89, 92, 94, 98, 99, 107, 108, 109];
const AWS_FIRST_OCTETS = [3, 13, 18, 34, 35, 44, 52, 54];

/** A random public-looking /24 prefix "a.b.c". */
export function randomNet(rng: Rng, firstOctets: readonly number[] = BENIGN_FIRST_OCTETS): string {
  return `${rng.pick(firstOctets)}.${rng.int(256)}.${rng.int(256)}`;
}

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'uma', 'victor', 'wendy'];
const ROLE_WORDS = ['orders', 'billing', 'search', 'ingest', 'reports', 'payments', 'catalog', 'auth', 'media', 'notify', 'etl', 'ledger', 'inventory', 'pricing', 'profile'];

export interface PopulationOptions {
  seed: number;
  accounts: number;
  principals: number;
  days: number;
  start: number;
  /** Benign events wanted over the whole stream (approximate). */
  events: number;
  /** Zipf exponent of per-principal activity. */
  zipfS: number;
}

/** Share of each archetype among principals. */
const ARCHETYPE_SHARES: ReadonlyArray<[Archetype, number]> = [
  ['developer', 0.44],
  ['admin', 0.06],
  ['analyst', 0.1],
  ['app', 0.26],
  ['ci', 0.06],
  ['batch', 0.07],
  ['scanner', 0.01],
];

/** Mean fraction of a day's full rate a schedule delivers (to turn event budgets into session rates). */
const SCHEDULE_DUTY: Readonly<Record<Schedule, number>> = { business: 0.26, always: 0.76, cron: 1, scan: 1 };

export function buildAccounts(opts: PopulationOptions): Account[] {
  const rng = Rng.derive(opts.seed, 'accounts');
  const tz = [-8, -5, 0, 1, 2, 5.5, 8, 9];
  const out: Account[] = [];
  for (let i = 0; i < opts.accounts; i++) {
    const regions = rng.shuffle(REGIONS.slice(0, 14));
    const homeRegion = regions[0]!;
    const nSecondary = rng.pick([0, 1, 1, 2]);
    const secondaryRegions = regions.slice(1, 1 + nSecondary);
    const used = new Set([homeRegion, ...secondaryRegions]);
    out.push({
      index: i,
      id: String(100000000000 + rng.int(899999999999)).padStart(12, '0'),
      homeRegion,
      secondaryRegions,
      unusedRegions: REGIONS.filter((r) => !used.has(r)),
      officeNets: Array.from({ length: rng.range(1, 3) }, () => randomNet(rng)),
      natNets: Array.from({ length: rng.range(1, 3) }, () => randomNet(rng, AWS_FIRST_OCTETS)),
      awsPool: Array.from({ length: 12 }, () => randomNet(rng, AWS_FIRST_OCTETS)),
      tzOffset: rng.pick(tz),
    });
  }
  return out;
}

function pickArchetype(rng: Rng): Archetype {
  const x = rng.next();
  let acc = 0;
  for (const [a, share] of ARCHETYPE_SHARES) {
    acc += share;
    if (x < acc) return a;
  }
  return 'developer';
}

function scheduleOf(a: Archetype): Schedule {
  switch (a) {
    case 'developer':
    case 'admin':
    case 'analyst':
    case 'ci':
      return 'business';
    case 'app':
      return 'always';
    case 'batch':
      return 'cron';
    case 'scanner':
      return 'scan';
  }
}

/** Builds the benign principals: archetypes, identities, habits, Zipf-distributed activity, joiners and leavers. */
export function buildPrincipals(opts: PopulationOptions, accounts: readonly Account[]): Principal[] {
  const rng = Rng.derive(opts.seed, 'principals');
  const streamEnd = opts.start + opts.days * DAY_MS;
  // Zipf over a random ranking; accounts themselves are Zipf-sized (a few large accounts).
  const ranks = rng.shuffle(Array.from({ length: opts.principals }, (_, i) => i));
  const weights = zipf(opts.principals, opts.zipfS);
  const accountCum = cumulative(zipf(accounts.length, 0.8));
  const out: Principal[] = [];
  for (let i = 0; i < opts.principals; i++) {
    const account = accounts[rng.weighted(accountCum)]!;
    const archetype = pickArchetype(rng);
    const human = HUMAN_ARCHETYPES.includes(archetype);
    const schedule = scheduleOf(archetype);
    const name = human ? `${rng.pick(NAMES)}.${i}` : `${rng.pick(ROLE_WORDS)}-${archetype}-${i}`;
    let identity: Identity;
    let consoleLogin = false;
    if (human && rng.chance(0.5)) {
      identity = { uid: `arn:aws:iam::${account.id}:user/${name}`, name, type: 'IAMUser', account: account.id, accessKeyId: `AKIA${(i * 7919).toString(36).toUpperCase().padStart(12, '0')}`, issuer: null };
      consoleLogin = true;
    } else if (human) {
      const role = archetype === 'admin' ? 'AWSReservedSSO_AdministratorAccess_1f2e3d4c' : archetype === 'analyst' ? 'AWSReservedSSO_DataAnalyst_5a6b7c8d' : 'AWSReservedSSO_Developer_9e8f7a6b';
      identity = { uid: `arn:aws:sts::${account.id}:assumed-role/${role}/${name}@corp.example`, name: `${role}/${name}@corp.example`, type: 'AssumedRole', account: account.id, accessKeyId: null, issuer: `arn:aws:iam::${account.id}:role/aws-reserved/sso.amazonaws.com/${role}` };
    } else {
      const session = archetype === 'ci' ? 'GitHubActions' : archetype === 'app' && rng.chance(0.5) ? `i-0${(i * 104729).toString(16).padStart(16, '0')}` : name;
      identity = { uid: `arn:aws:sts::${account.id}:assumed-role/${name}/${session}`, name: `${name}/${session}`, type: 'AssumedRole', account: account.id, accessKeyId: null, issuer: `arn:aws:iam::${account.id}:role/${name}` };
    }

    // Operations: a random subset of the archetype's list, kept in catalogue order (Zipf by position).
    const catalogue = OPERATIONS[archetype];
    const size = Math.min(catalogue.length, archetype === 'scanner' ? catalogue.length : rng.range(Math.ceil(catalogue.length * 0.4), catalogue.length));
    const ops = catalogue.filter((_, k) => k < 3 || rng.chance(size / catalogue.length));
    if (consoleLogin) ops.push('signin:ConsoleLogin');
    const opCum = cumulative(zipf(ops.length, archetype === 'scanner' ? 0.2 : 1.1));

    let uas: string[];
    let uaWeights: number[];
    if (archetype === 'ci') {
      uas = [USER_AGENTS.githubActions];
      uaWeights = [1];
    } else if (!human) {
      uas = [rng.pick([USER_AGENTS.boto3, USER_AGENTS.javaSdk, USER_AGENTS.goSdk])];
      uaWeights = [1];
    } else if (archetype === 'analyst') {
      uas = [USER_AGENTS.console, USER_AGENTS.boto3];
      uaWeights = [0.7, 0.3];
    } else {
      uas = [USER_AGENTS.console, rng.chance(0.5) ? USER_AGENTS.cli : USER_AGENTS.cliMac];
      uaWeights = [0.6, 0.4];
      if (rng.chance(0.25)) {
        uas.push(rng.pick([USER_AGENTS.terraform, USER_AGENTS.boto3]));
        uaWeights.push(0.15);
      }
    }

    // Lifetime: 3% leave early (a third of them come back later), 5% join during the stream.
    let start = opts.start;
    let end = streamEnd;
    let returnAt: number | null = null;
    const life = rng.next();
    if (life < 0.03) {
      end = opts.start + rng.range(5, 12) * DAY_MS + rng.int(DAY_MS);
      if (rng.chance(0.33)) {
        const back = end + (31 + rng.int(10)) * DAY_MS;
        if (back < streamEnd - 3 * DAY_MS) returnAt = back;
      }
    } else if (life < 0.08) {
      start = opts.start + rng.range(3, Math.max(4, opts.days - 5)) * DAY_MS + rng.int(DAY_MS);
    }

    const instance = /\/i-0[0-9a-f]+$/.test(identity.uid);
    const region = !human && account.secondaryRegions.length > 0 && rng.chance(0.15) ? account.secondaryRegions[0]! : account.homeRegion;
    out.push({
      index: i,
      account,
      archetype,
      human,
      identity,
      schedule,
      sessionsPerDay: 0,
      burstMean: 0,
      gapMs: human ? 20_000 : archetype === 'batch' ? 400 : archetype === 'scanner' ? 1500 : 4000,
      ops,
      opCum,
      uas,
      uaCum: cumulative(uaWeights),
      // (rng.chance is drawn for every app, as before, so the rest of the stream does not shift.)
      egress: human ? 'office' : archetype === 'app' && rng.chance(0.3) && !instance ? 'pool' : 'nat',
      natNet: instance ? account.natNets[i % account.natNets.length]! : null,
      homeNet: human ? randomNet(rng) : null,
      homeV6: human && rng.chance(0.15) ? `2a02:${rng.int(65536).toString(16)}:${rng.int(65536).toString(16)}` : null,
      region,
      secondaryShare: account.secondaryRegions.length > 0 && (human ? rng.chance(0.4) : false) ? 0.05 : 0,
      cronHour: rng.int(24),
      errorRate: 0.005 + rng.next() * 0.02,
      start,
      end,
      returnAt,
      consoleLogin,
    });
  }

  // Activity: Zipf weight by rank, turned into sessions per day so the total is about opts.events.
  let weightDays = 0;
  for (const p of out) {
    const days = Math.max(0, (Math.min(p.end, streamEnd) - p.start) / DAY_MS) + (p.returnAt === null ? 0 : 3);
    weightDays += weights[ranks[p.index]!]! * days;
  }
  const perWeightDay = opts.events / Math.max(weightDays, 1e-9);
  for (const p of out) {
    const eventsPerDay = weights[ranks[p.index]!]! * perWeightDay;
    if (p.schedule === 'cron') {
      p.sessionsPerDay = 1;
      p.burstMean = Math.max(5, eventsPerDay);
    } else if (p.schedule === 'scan') {
      p.sessionsPerDay = 4;
      p.burstMean = Math.max(15, eventsPerDay / 4);
    } else {
      p.burstMean = p.human ? 12 : p.archetype === 'ci' ? 30 : 6;
      p.sessionsPerDay = Math.min(5000, eventsPerDay / (p.burstMean * SCHEDULE_DUTY[p.schedule]));
    }
  }
  return out;
}

/** Relative session rate (0..1) of a principal at time t: office hours in its account's time zone, or around the clock. */
export function activityProfile(p: Principal, t: number): number {
  if (p.schedule === 'always') {
    const local = localHour(t, p.account.tzOffset);
    return local >= 8 && local < 20 ? 1 : 0.6;
  }
  const local = localHour(t, p.account.tzOffset);
  const day = localWeekday(t, p.account.tzOffset);
  if (day >= 5) return 0.03;
  if (local >= 8 && local < 18) return 1;
  if (local >= 18 && local < 22) return 0.08;
  return 0.01;
}

export function localHour(t: number, tz: number): number {
  const h = ((t / HOUR_MS + tz) % 24 + 24) % 24;
  return Math.floor(h);
}

/** 0 = Monday ... 6 = Sunday, local time. */
export function localWeekday(t: number, tz: number): number {
  const days = Math.floor((t / HOUR_MS + tz) / 24);
  return (((days + 3) % 7) + 7) % 7;
}

/** Typical events per active hour (for sizing attacks relative to the victim). */
export function hourlyEstimate(p: Principal): number {
  if (p.schedule === 'cron' || p.schedule === 'scan') return p.burstMean;
  return p.sessionsPerDay * p.burstMean / (p.schedule === 'always' ? 24 : 10);
}
