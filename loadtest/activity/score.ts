import type { Finding } from '../../services/core/events.ts';
import { ATTACK_KINDS, type AttackKind, type AttackTruth } from './attacks.ts';

/** A finding attributed to an attack when it names one of the attack's events, or falls on an attacked principal within this long after the attack. */
export const MATCH_GRACE_MS = 2 * 3_600_000;

/** Per-kind outcome. */
export interface KindScore {
  kind: AttackKind;
  attacks: number;
  detected: number;
  recall: number;
  /** Findings attributed to attacks of this kind. */
  findings: number;
  /** principal_anomaly only: findings whose strongest deviation points at this kind, and the share of them that were attacks. */
  predicted: number;
  precision: number | null;
  /** Median minutes from the attack's first event to its first finding. */
  medianMinutesToDetect: number | null;
  /** Recall split by whether the victim had a baseline (>= learnEvents events and learnDays of history) when the attack began. */
  learnedVictims: { attacks: number; detected: number };
  coldVictims: { attacks: number; detected: number };
  missed: string[];
}

/** Tallies findings against the ground truth. */
export class Scorer {
  private readonly byPrincipal = new Map<string, AttackTruth[]>();
  private readonly uidSets = new Map<string, Set<string>>();
  private readonly firstDetection = new Map<string, number>();
  private readonly matchedFindings = new Map<string, number>();
  private readonly predicted = new Map<string, { total: number; attack: number }>();
  /** Attack id -> the victim had a baseline when the attack began. */
  readonly victimLearned = new Map<string, boolean>();
  findings = 0;
  falsePositives = 0;
  /** False positives whose events include a labelled benign oddity (backfill, error storm, travel...), by oddity. */
  readonly explainedFalsePositives = new Map<string, number>();

  falsePositivesDuringLearning = 0;
  readonly fpExamples: string[] = [];
  readonly fpByFeature = new Map<string, number>();

  constructor(
    readonly detector: string,
    private readonly attacks: readonly AttackTruth[],
    private readonly learnEnd: number,
    private readonly maxExamples: number,
    /** metadata.uid -> benign oddity, filled by the caller as events pass. */
    private readonly benignTags: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const a of attacks) {
      this.uidSets.set(a.id, new Set(a.uids));
      for (const p of a.principals) {
        const list = this.byPrincipal.get(p) ?? [];
        list.push(a);
        this.byPrincipal.set(p, list);
      }
    }
  }

  /** The attack a finding belongs to, or null. */
  match(f: Finding): AttackTruth | null {
    const candidates = this.byPrincipal.get(f.entity.key);
    if (candidates === undefined) return null;
    for (const a of candidates) {
      const uids = this.uidSets.get(a.id)!;
      if (f.finding_info.related_events.some((r) => uids.has(r.uid))) return a;
    }
    for (const a of candidates) if (f.time >= a.start && f.time <= a.end + MATCH_GRACE_MS) return a;
    return null;
  }

  add(f: Finding): void {
    this.findings++;
    const a = this.match(f);
    const kind = predictedKind(f);
    if (kind !== null && f.time >= this.learnEnd) {
      const p = this.predicted.get(kind) ?? { total: 0, attack: 0 };
      p.total++;
      if (a !== null) p.attack++;
      this.predicted.set(kind, p);
    }
    if (a !== null) {
      this.matchedFindings.set(a.id, (this.matchedFindings.get(a.id) ?? 0) + 1);
      if (!this.firstDetection.has(a.id)) this.firstDetection.set(a.id, f.time);
      return;
    }
    if (f.time < this.learnEnd) {
      this.falsePositivesDuringLearning++;
      return;
    }
    this.falsePositives++;
    const tag = f.finding_info.related_events.map((r) => this.benignTags.get(r.uid)).find((t) => t !== undefined);
    if (tag !== undefined) this.explainedFalsePositives.set(tag, (this.explainedFalsePositives.get(tag) ?? 0) + 1);
    const top = String(f.evidences[0]?.feature ?? f.rule);
    this.fpByFeature.set(top, (this.fpByFeature.get(top) ?? 0) + 1);
    if (this.fpExamples.length < this.maxExamples) this.fpExamples.push(`${new Date(f.time).toISOString()} ${f.entity.key}: ${f.message}`);
  }

  kinds(): KindScore[] {
    return ATTACK_KINDS.map((kind) => {
      const of = this.attacks.filter((a) => a.kind === kind);
      const detected = of.filter((a) => this.firstDetection.has(a.id));
      const ttd = detected.map((a) => (this.firstDetection.get(a.id)! - a.start) / 60_000).sort((x, y) => x - y);
      const split = (learned: boolean) => {
        const set = of.filter((a) => (this.victimLearned.get(a.id) ?? false) === learned);
        return { attacks: set.length, detected: set.filter((a) => this.firstDetection.has(a.id)).length };
      };
      const pred = this.predicted.get(kind);
      return {
        kind,
        attacks: of.length,
        detected: detected.length,
        recall: of.length === 0 ? 1 : detected.length / of.length,
        findings: of.reduce((s, a) => s + (this.matchedFindings.get(a.id) ?? 0), 0),
        predicted: pred?.total ?? 0,
        precision: pred === undefined || pred.total === 0 ? null : pred.attack / pred.total,
        medianMinutesToDetect: ttd.length === 0 ? null : Math.round(ttd[Math.floor(ttd.length / 2)]! * 10) / 10,
        learnedVictims: split(true),
        coldVictims: split(false),
        missed: of.filter((a) => !this.firstDetection.has(a.id)).map((a) => `${a.id}: ${a.detail}`),
      };
    }).filter((k) => k.attacks > 0);
  }

  detectedIds(): Set<string> {
    return new Set(this.firstDetection.keys());
  }
}

/**
 * The attack kind a principal_anomaly finding points at, from its strongest deviation (null for
 * other detectors). Used for per-kind precision: of the findings that look like kind K, how many were attacks.
 */
export function predictedKind(f: Finding): AttackKind | null {
  if (f.detector !== 'principal_anomaly') return null;
  const top = f.evidences[0];
  if (top === undefined) return null;
  const feature = String(top.feature);
  const op = String(top.operation ?? '');
  const observed = String(top.observed ?? '');
  switch (feature) {
    case 'volume':
      return /^(secretsmanager|ssm):/.test(op) ? 'secrets_sweep' : 'bulk_s3_reads';
    case 'errors':
      return /ConsoleLogin/i.test(op) ? 'brute_force_login' : /^(secretsmanager|ssm):/.test(op) ? 'secrets_sweep' : 'key_theft';
    case 'dormant':
      return 'dormant_reactivation';
    case 'region':
      return 'unusual_region';
    case 'operation':
      if (/^(cloudtrail|guardduty|config|logs|securityhub):|DeleteFlowLogs/.test(observed)) return 'logging_disabled';
      if (/^iam:CreateUser/.test(observed)) return 'backdoor_user';
      if (/^iam:/.test(observed)) return 'privilege_escalation';
      if (/^(secretsmanager|ssm):/.test(observed)) return 'secrets_sweep';
      if (/^ec2:(RunInstances|CreateKeyPair)/.test(observed)) return 'unusual_region';
      return 'key_theft';
    default:
      return 'key_theft';
  }
}
