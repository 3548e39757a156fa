import { ATTACKER_USER_AGENTS, USER_AGENTS } from './catalog.ts';
import { eventUid, type CallSpec, type Identity } from './events.ts';
import { DAY_MS, hourlyEstimate, randomNet, type Account, type Principal } from './population.ts';
import { Rng } from './rng.ts';

/** The injected attack kinds. */
export const ATTACK_KINDS = [
  'key_theft',
  'privilege_escalation',
  'logging_disabled',
  'bulk_s3_reads',
  'unusual_region',
  'dormant_reactivation',
  'brute_force_login',
  'secrets_sweep',
  'backdoor_user',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

/** Ground truth of one injected attack. */
export interface AttackTruth {
  id: string;
  kind: AttackKind;
  /** Principals whose events belong to the attack (the victim; for backdoor_user also the user created). */
  principals: string[];
  account: string;
  start: number;
  end: number;
  /** metadata.uid of every event of the attack. */
  uids: string[];
  /** What was done, in a few words. */
  detail: string;
}

export interface PlannedAttack {
  truth: AttackTruth;
  calls: CallSpec[];
}

export interface AttackOptions {
  seed: number;
  perKind: number;
  kinds: readonly AttackKind[];
  /** Attacks start within [from, to) (after the learning period). */
  from: number;
  to: number;
}

const ATTACKER_OCTETS = [5, 45, 80, 91, 103, 141, 146, 176, 185, 193, 194, 195, 212, 217];

interface Ctx {
  rng: Rng;
  victim: Principal;
  time: number;
  calls: CallSpec[];
  uidBase: number;
  nextUid: () => string;
}

function host(rng: Rng, net: string): string {
  return `${net}.${rng.range(2, 254)}`;
}

/** An address the principal usually calls from. */
export function usualIp(rng: Rng, p: Principal): string {
  if (p.egress === 'office') return host(rng, rng.pick(p.account.officeNets));
  if (p.natNet !== null) return host(rng, p.natNet);
  if (p.egress === 'pool') return host(rng, rng.pick(p.account.awsPool));
  return host(rng, rng.pick(p.account.natNets));
}

interface Source {
  ip: string;
  ua: string;
  region: string;
}

function attackerSource(rng: Rng, victim: Principal): Source {
  return { ip: host(rng, randomNet(rng, ATTACKER_OCTETS)), ua: rng.pick(ATTACKER_USER_AGENTS), region: victim.region };
}

function usualSource(rng: Rng, victim: Principal): Source {
  return { ip: usualIp(rng, victim), ua: victim.uas[victim.uas.length > 1 ? 1 : 0]!, region: victim.region };
}

function call(ctx: Ctx, src: Source, op: string, opts: { gapMs?: number; error?: string | null; identity?: Identity; region?: string; mfa?: boolean | null; resource?: string } = {}): void {
  ctx.time += opts.gapMs ?? ctx.rng.range(2_000, 60_000);
  ctx.calls.push({
    time: ctx.time,
    uid: ctx.nextUid(),
    identity: opts.identity ?? ctx.victim.identity,
    op,
    region: opts.region ?? src.region,
    ip: src.ip,
    host: null,
    userAgent: src.ua,
    errorCode: opts.error ?? null,
    mfa: opts.mfa ?? null,
    resources: opts.resource === undefined ? [] : [{ uid: opts.resource, type: null, name: null }],
  });
}

const RECON = ['s3:ListBuckets', 'iam:ListUsers', 'iam:ListRoles', 'ec2:DescribeInstances', 'iam:GetAccountAuthorizationDetails', 'iam:ListAttachedUserPolicies', 'lambda:ListFunctions20150331', 'rds:DescribeDBInstances'];

const PLANS: Readonly<Record<AttackKind, (ctx: Ctx) => string>> = {
  key_theft(ctx) {
    const { rng } = ctx;
    const src = attackerSource(rng, ctx.victim);
    call(ctx, src, 'sts:GetCallerIdentity', { gapMs: 0 });
    const n = rng.range(4, 12);
    for (let i = 0; i < n; i++) call(ctx, src, rng.pick(RECON), { error: rng.chance(0.2) ? 'AccessDenied' : null });
    return `${n + 1} recon calls from ${src.ip} (${src.ua.split(' ')[0]})`;
  },
  privilege_escalation(ctx) {
    const { rng } = ctx;
    const src = usualSource(rng, ctx.victim);
    call(ctx, src, 'iam:ListAttachedUserPolicies', { gapMs: 0 });
    const steps = rng.shuffle(['iam:CreatePolicyVersion', 'iam:AttachUserPolicy', 'iam:PutUserPolicy', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:AddUserToGroup', 'iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy']).slice(0, rng.range(2, 4));
    for (const s of steps) call(ctx, src, s);
    return steps.join(' -> ');
  },
  logging_disabled(ctx) {
    const { rng } = ctx;
    const src = usualSource(rng, ctx.victim);
    call(ctx, src, 'cloudtrail:DescribeTrails', { gapMs: 0 });
    const steps = rng.shuffle(['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:UpdateTrail', 'guardduty:DeleteDetector', 'ec2:DeleteFlowLogs', 'config:StopConfigurationRecorder']).slice(0, rng.range(1, 2));
    for (const s of steps) call(ctx, src, s);
    return steps.join(', ');
  },
  bulk_s3_reads(ctx) {
    const { rng, victim } = ctx;
    const src = rng.chance(0.5) ? usualSource(rng, victim) : attackerSource(rng, victim);
    const n = Math.min(20_000, Math.max(600, Math.round(20 * hourlyEstimate(victim))));
    const spanMs = rng.range(15, 50) * 60_000;
    call(ctx, src, 's3:ListBuckets', { gapMs: 0 });
    for (let i = 0; i < 5; i++) call(ctx, src, 's3:ListObjects', { gapMs: rng.range(500, 5000) });
    for (let i = 0; i < n; i++) call(ctx, src, 's3:GetObject', { gapMs: Math.max(1, Math.round(rng.exp(spanMs / n))), resource: `arn:aws:s3:::data-${victim.account.id}/exports/part-${i}.parquet` });
    return `${n} GetObject in ~${Math.round(spanMs / 60_000)} min`;
  },
  unusual_region(ctx) {
    const { rng, victim } = ctx;
    const src = rng.chance(0.5) ? usualSource(rng, victim) : attackerSource(rng, victim);
    const regions = rng.shuffle(victim.account.unusedRegions).slice(0, rng.range(2, 4));
    let first = true;
    for (const region of regions) {
      call(ctx, src, 'ec2:DescribeInstances', { region, gapMs: first ? 0 : undefined });
      first = false;
      call(ctx, src, 'ec2:CreateKeyPair', { region });
      call(ctx, src, 'ec2:RunInstances', { region, error: rng.chance(0.3) ? 'Client.UnauthorizedOperation' : null });
    }
    return `RunInstances in ${regions.join(', ')}`;
  },
  dormant_reactivation(ctx) {
    const { rng, victim } = ctx;
    const src = rng.chance(0.7) ? attackerSource(rng, victim) : usualSource(rng, victim);
    call(ctx, src, 'sts:GetCallerIdentity', { gapMs: 0 });
    const n = rng.range(4, 14);
    for (let i = 0; i < n; i++) call(ctx, src, rng.pick([...RECON, 's3:GetObject', 's3:ListObjects']));
    return `${n + 1} calls after ${Math.round((ctx.time - victim.end) / DAY_MS)} idle days`;
  },
  brute_force_login(ctx) {
    const { rng, victim } = ctx;
    const src: Source = { ip: host(rng, randomNet(rng, ATTACKER_OCTETS)), ua: USER_AGENTS.browser, region: 'us-east-1' };
    const n = rng.range(20, 80);
    for (let i = 0; i < n; i++) call(ctx, src, 'signin:ConsoleLogin', { gapMs: i === 0 ? 0 : rng.range(3_000, 30_000), error: 'Failed authentication', mfa: false });
    const success = rng.chance(0.2);
    if (success) call(ctx, src, 'signin:ConsoleLogin', { mfa: false });
    return `${n} failed console logins${success ? ' then a success' : ''} for ${victim.identity.name}`;
  },
  secrets_sweep(ctx) {
    const { rng, victim } = ctx;
    const src = rng.chance(0.5) ? usualSource(rng, victim) : attackerSource(rng, victim);
    const lists = rng.range(1, 3);
    for (let i = 0; i < lists; i++) call(ctx, src, 'secretsmanager:ListSecrets', { gapMs: i === 0 ? 0 : undefined });
    const n = rng.range(30, 200);
    for (let i = 0; i < n; i++) {
      call(ctx, src, 'secretsmanager:GetSecretValue', {
        gapMs: rng.range(200, 6000),
        resource: `arn:aws:secretsmanager:${victim.region}:${victim.account.id}:secret:app/${i}`,
        error: rng.chance(0.15) ? 'AccessDeniedException' : null,
      });
    }
    const params = rng.range(5, 20);
    for (let i = 0; i < params; i++) call(ctx, src, 'ssm:GetParametersByPath', { gapMs: rng.range(200, 3000) });
    return `${lists} ListSecrets, ${n} GetSecretValue, ${params} GetParametersByPath`;
  },
  backdoor_user(ctx) {
    const { rng, victim } = ctx;
    const src = rng.chance(0.5) ? usualSource(rng, victim) : attackerSource(rng, victim);
    const name = `svc-backup-${rng.int(1e6).toString(36)}`;
    const backdoor: Identity = { uid: `arn:aws:iam::${victim.account.id}:user/${name}`, name, type: 'IAMUser', account: victim.account.id, accessKeyId: `AKIA${rng.int(1e12).toString(36).toUpperCase().padStart(12, '0')}`, issuer: null };
    call(ctx, src, 'iam:CreateUser', { gapMs: 0 });
    call(ctx, src, 'iam:AttachUserPolicy');
    call(ctx, src, 'iam:CreateAccessKey');
    const attacker = attackerSource(rng, victim);
    ctx.time += rng.range(10, 60) * 60_000;
    call(ctx, attacker, 'sts:GetCallerIdentity', { identity: backdoor, gapMs: 0 });
    const n = rng.range(10, 60);
    for (let i = 0; i < n; i++) call(ctx, attacker, rng.pick(['s3:ListBuckets', 's3:GetObject', 's3:GetObject', 'ec2:DescribeInstances', 'iam:ListUsers']), { identity: backdoor });
    return `created ${name}, then ${n + 1} calls as it from ${attacker.ip}`;
  },
};

/** Who can be the victim of each kind at time t. */
function eligible(kind: AttackKind, p: Principal, t: number): boolean {
  const active = p.start <= t - DAY_MS && p.end > t + DAY_MS && p.returnAt === null;
  switch (kind) {
    case 'dormant_reactivation':
      // A principal that really was active (about 30+ events expected) before going quiet.
      return p.end <= t - 31 * DAY_MS && p.returnAt === null && p.sessionsPerDay * p.burstMean * 0.25 * ((p.end - p.start) / DAY_MS) >= 30;
    case 'brute_force_login':
      return active && p.consoleLogin;
    case 'privilege_escalation':
      return active && p.archetype !== 'admin';
    case 'logging_disabled':
    case 'secrets_sweep':
      return active && p.archetype !== 'scanner' && p.archetype !== 'admin';
    case 'bulk_s3_reads':
      return active && p.ops.includes('s3:GetObject');
    case 'backdoor_user':
      return active && p.archetype === 'admin';
    default:
      return active;
  }
}

/** Plans perKind attacks of each kind on distinct victims, deterministic from the seed. */
export function planAttacks(opts: AttackOptions, principals: readonly Principal[], _accounts: readonly Account[]): PlannedAttack[] {
  const rng = Rng.derive(opts.seed, 'attacks');
  const used = new Set<number>();
  const out: PlannedAttack[] = [];
  let uidN = 0;
  const uidSeed = (opts.seed ^ 0x5eed1a7) >>> 0;
  for (const kind of opts.kinds) {
    for (let i = 0; i < opts.perKind; i++) {
      let planned = false;
      for (let attempt = 0; attempt < 50 && !planned; attempt++) {
        const t = opts.from + rng.int(Math.max(1, opts.to - opts.from));
        const candidates = principals.filter((p) => !used.has(p.index) && eligible(kind, p, t));
        if (candidates.length === 0) continue;
        // Mostly victims with enough activity to have a baseline; some quiet ones (scored against their account).
        const busy = candidates.filter((p) => p.sessionsPerDay * p.burstMean >= 8);
        const victim = busy.length > 0 && rng.chance(0.7) ? rng.pick(busy) : rng.pick(candidates);
        used.add(victim.index);
        const ctx: Ctx = { rng, victim, time: t, calls: [], uidBase: uidN, nextUid: () => eventUid(uidSeed, uidN++) };
        const detail = PLANS[kind](ctx);
        const principalsOf = [...new Set(ctx.calls.map((c) => c.identity.uid))];
        out.push({
          truth: {
            id: `${kind}-${i}`,
            kind,
            principals: principalsOf,
            account: victim.account.id,
            start: ctx.calls[0]!.time,
            end: ctx.calls[ctx.calls.length - 1]!.time,
            uids: ctx.calls.map((c) => c.uid),
            detail,
          },
          calls: ctx.calls,
        });
        planned = true;
      }
    }
  }
  return out;
}
