/**
 * `runActivityEval(args, extra?)`: runs principal_anomaly (and any extra detectors) over a labelled
 * generated activity stream and reports recall per attack kind, precision, and false positives
 * per 10,000 benign events after the learning period. Prints a table on stderr, returns the numbers.
 *   --seed=N --principals=N --accounts=N --days=N --events=N --per-kind=N --learn-days=N
 *   --config=<JSON of principal_anomaly config overrides> --fp-examples=N --quiet
 *   --dump=<file>: every finding as a JSON line (detector, rule, severity, score, attack or null, benign tag)
 *   --alert-severity=medium: the floor of an alert (informational|low|medium|high|critical); the
 *     targets are judged on the alerts of all detectors together
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Detector, EventMeta } from '../../services/core/components.ts';
import type { ApiActivity, Finding } from '../../services/core/events.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { PrincipalAnomalyDetector, principalAnomalySpec, type PrincipalAnomalyStats, type PrincipalState } from '../../services/detectors/principal_anomaly/index.ts';
import { SluiceError } from '../../services/core/errors.ts';
import { numArg, parseArgs } from './args.ts';
import { generateActivity, DEFAULT_GENERATOR_OPTIONS, type GeneratorOptions } from './generate.ts';
import { DAY_MS } from './population.ts';
import { Scorer, type KindScore } from './score.ts';

/** Targets of issue #5. */
export const TARGETS = { recall: 0.95, falsePositivesPer10k: 1 } as const;

/** OCSF severity_id by name; findings at or above the alert floor are alerts, the rest signals. */
export const SEVERITY_IDS = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 } as const;
export type SeverityFloor = keyof typeof SEVERITY_IDS;

export interface DetectorEval {
  detector: string;
  findings: number;
  attacksDetected: number;
  attacks: number;
  recall: number;
  /** Share of findings after the learning period that belong to an attack. */
  precision: number | null;
  falsePositives: number;
  falsePositivesPer10kBenign: number;
  falsePositivesDuringLearning: number;
  falsePositivesByTopFeature: Record<string, number>;
  /** False positives that involve a labelled benign oddity of the generator (an anomaly, but not an attack), by oddity. */
  falsePositivesOnBenignOddities: Record<string, number>;
  kinds: KindScore[];
  fpExamples: string[];
}

export interface ActivityEvalResult {
  generator: Omit<GeneratorOptions, 'kinds'> & { kinds: string[] };
  events: number;
  attackEvents: number;
  benignEventsAfterLearning: number;
  principals: number;
  seconds: number;
  eventsPerSecond: number;
  detectors: DetectorEval[];
  /** Union over all detectors and severities: an attack counts when any finding reports it. */
  combined: { attacks: number; detected: number; recall: number };
  /**
   * What a SOC queue would see: the findings of every detector at or above the alert floor
   * (default medium); lower severities are signals for hunting and context. The targets are
   * judged here.
   */
  alerts: DetectorEval & { floor: SeverityFloor };
  targets: { recall: number; falsePositivesPer10k: number; recallMet: boolean; falsePositivesMet: boolean };
  principalAnomalyStats: PrincipalAnomalyStats;
}

const KNOWN = ['seed', 'principals', 'accounts', 'days', 'events', 'per-kind', 'learn-days', 'config', 'fp-examples', 'quiet', 'dump', 'alert-severity'];

/** Builds principal_anomaly the way the runtime would, with an in-memory state. */
export function createPrincipalAnomaly(overrides: Record<string, unknown> = {}, state = new MemoryKeyedState<PrincipalState>()): PrincipalAnomalyDetector {
  const config = principalAnomalySpec.configSchema.parse({ enabled: true, ...overrides });
  return new PrincipalAnomalyDetector(config, { clock: { now: () => 0 }, state, emit: () => {} });
}

/**
 * Evaluates principal_anomaly, plus `extra` detectors built by the caller (e.g. the signature
 * pack), on one generated stream. Extra detectors see the same events and metas.
 */
export async function runActivityEval(args: string[], extra: readonly Detector<ApiActivity>[] = []): Promise<ActivityEvalResult> {
  const a = parseArgs(args, KNOWN);
  const d = DEFAULT_GENERATOR_OPTIONS;
  const gen: Partial<GeneratorOptions> = {
    seed: numArg(a, 'seed', d.seed),
    principals: numArg(a, 'principals', d.principals),
    accounts: numArg(a, 'accounts', d.accounts),
    days: numArg(a, 'days', d.days),
    events: numArg(a, 'events', d.events),
    perKind: numArg(a, 'per-kind', d.perKind),
    learnDays: numArg(a, 'learn-days', d.learnDays),
  };
  let overrides: Record<string, unknown> = {};
  const cfgText = a.get('config');
  if (cfgText !== undefined) {
    try {
      overrides = JSON.parse(cfgText) as Record<string, unknown>;
    } catch (err) {
      throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--config must be a JSON object', { cause: err });
    }
  }
  const floor = a.get('alert-severity') ?? 'medium';
  if (!Object.hasOwn(SEVERITY_IDS, floor)) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--alert-severity must be one of ${Object.keys(SEVERITY_IDS).join(', ')}`);
  const dumpPath = a.get('dump');
  const out = dumpPath === undefined ? null : createWriteStream(dumpPath);
  let dumpError: Error | null = null;
  if (out !== null) {
    // Fail before minutes of evaluation when the file cannot be opened.
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', (err) => reject(new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--dump ${dumpPath}: ${err.message}`, { cause: err })));
    });
    out.on('error', (err) => (dumpError ??= err));
  }
  const dump = out === null ? undefined : (line: FindingLine): void => void out.write(`${JSON.stringify(line)}\n`);
  let result: ActivityEvalResult;
  try {
    result = await evaluate(gen, overrides, extra, numArg(a, 'fp-examples', 10), dump, floor as SeverityFloor);
  } finally {
    if (out !== null) {
      out.end();
      await finished(out).catch((err: Error) => (dumpError ??= err));
    }
  }
  if (dumpError !== null) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--dump ${dumpPath}: ${(dumpError as Error).message}`, { cause: dumpError });
  if (a.get('quiet') !== 'true') process.stderr.write(formatReport(result));
  return result;
}

/** One finding of the evaluation, for offline analysis (`--dump`). */
export interface FindingLine {
  detector: string;
  rule: string;
  severity_id: number;
  /** Sum of the evidences' contributions (principal_anomaly; before the weights.ordinaryNoveltyCap cap), else null. */
  score: number | null;
  time: number;
  afterLearning: boolean;
  /** The attack it belongs to, or null for a false positive. */
  attack: string | null;
  kind: string | null;
  /** The labelled benign oddity among its events, if any. */
  benign: string | null;
  entity: string;
  message: string;
  /** principal_anomaly: [feature, observed, contribution, operation] per deviation. */
  evidences: Array<[string, string, number, string]>;
}

/** The evaluation itself (no argument parsing, no printing): for tests and other callers. */
export async function evaluate(
  gen: Partial<GeneratorOptions>,
  overrides: Record<string, unknown> = {},
  extra: readonly Detector<ApiActivity>[] = [],
  fpExamples = 10,
  dump?: (line: FindingLine) => void,
  alertFloor: SeverityFloor = 'medium',
): Promise<ActivityEvalResult> {
  const stream = generateActivity(gen);
  const o = stream.options;
  const learnEnd = o.start + o.learnDays * DAY_MS;
  const pa = createPrincipalAnomaly(overrides);
  const detectors: Detector<ApiActivity>[] = [pa, ...extra];
  const tagged = new Map<string, string>();
  const scorers = detectors.map((det) => new Scorer(det.name, stream.attacks, learnEnd, fpExamples, tagged));
  const alertScorer = new Scorer(`alerts (severity >= ${alertFloor}, all detectors)`, stream.attacks, learnEnd, fpExamples, tagged);
  const floorId = SEVERITY_IDS[alertFloor];
  const learnEvents = principalAnomalySpec.configSchema.parse({ enabled: true, ...overrides }).learning;

  const history = new Map<string, { n: number; first: number }>();
  const seenAttack = new Set<string>();
  const attackPrincipal = new Map(stream.attacks.map((t) => [t.id, t.principals[0]!]));
  let events = 0;
  let attackEvents = 0;
  let benignAfter = 0;
  const meta: EventMeta = { key: '', topic: 'sluice.activity.v1', partition: 0, offset: '0' };
  const t0 = performance.now();
  for (const { event, attack, benign } of stream.events()) {
    events++;
    if (benign !== null) tagged.set(event.metadata.uid, benign);
    const key = event.actor.user.uid;
    if (attack !== null) {
      attackEvents++;
      if (!seenAttack.has(attack)) {
        seenAttack.add(attack);
        const h = history.get(attackPrincipal.get(attack) ?? key);
        const learned = h !== undefined && h.n >= learnEvents.minEvents && event.time - h.first >= learnEvents.minDays * DAY_MS;
        for (const s of [...scorers, alertScorer]) s.victimLearned.set(attack, learned);
      }
    } else if (event.time >= learnEnd) benignAfter++;
    const h = history.get(key);
    if (h === undefined) history.set(key, { n: 1, first: event.time });
    else h.n++;
    meta.key = key;
    meta.offset = String(events);
    for (let i = 0; i < detectors.length; i++) {
      const findings = detectors[i]!.process(event, meta);
      for (const f of findings) {
        scorers[i]!.add(f);
        if (f.severity_id >= floorId) alertScorer.add(f);
        if (dump !== undefined) dump(findingLine(f, scorers[i]!, learnEnd, tagged));
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;

  const evalOf = (s: Scorer): DetectorEval => {
    const kinds = s.kinds();
    const attacks = kinds.reduce((x, k) => x + k.attacks, 0);
    const detected = kinds.reduce((x, k) => x + k.detected, 0);
    const after = s.findings - s.falsePositivesDuringLearning;
    return {
      detector: s.detector,
      findings: s.findings,
      attacks,
      attacksDetected: detected,
      recall: attacks === 0 ? 1 : detected / attacks,
      precision: after === 0 ? null : (after - s.falsePositives) / after,
      falsePositives: s.falsePositives,
      falsePositivesPer10kBenign: benignAfter === 0 ? 0 : (s.falsePositives * 10_000) / benignAfter,
      falsePositivesDuringLearning: s.falsePositivesDuringLearning,
      falsePositivesByTopFeature: Object.fromEntries([...s.fpByFeature].sort((x, y) => y[1] - x[1])),
      falsePositivesOnBenignOddities: Object.fromEntries([...s.explainedFalsePositives].sort((x, y) => y[1] - x[1])),
      kinds,
      fpExamples: s.fpExamples,
    };
  };
  const detEvals = scorers.map(evalOf);
  const alerts = { ...evalOf(alertScorer), floor: alertFloor };
  const union = new Set<string>();
  for (const s of scorers) for (const id of s.detectedIds()) union.add(id);
  return {
    generator: { ...o, kinds: [...o.kinds] },
    events,
    attackEvents,
    benignEventsAfterLearning: benignAfter,
    principals: history.size,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(events / seconds),
    detectors: detEvals,
    alerts,
    combined: { attacks: stream.attacks.length, detected: union.size, recall: stream.attacks.length === 0 ? 1 : union.size / stream.attacks.length },
    targets: {
      recall: TARGETS.recall,
      falsePositivesPer10k: TARGETS.falsePositivesPer10k,
      recallMet: alerts.recall >= TARGETS.recall,
      falsePositivesMet: alerts.falsePositivesPer10kBenign <= TARGETS.falsePositivesPer10k,
    },
    principalAnomalyStats: pa.stats(),
  };
}

function findingLine(f: Finding, scorer: Scorer, learnEnd: number, tags: ReadonlyMap<string, string>): FindingLine {
  const attack = scorer.match(f);
  const scored = f.evidences.some((e) => typeof e.contribution === 'number');
  return {
    detector: f.detector,
    rule: f.rule,
    severity_id: f.severity_id,
    score: scored ? Math.round(f.evidences.reduce((s, e) => s + (typeof e.contribution === 'number' ? e.contribution : 0), 0) * 100) / 100 : null,
    time: f.time,
    afterLearning: f.time >= learnEnd,
    attack: attack?.id ?? null,
    kind: attack?.kind ?? null,
    benign: f.finding_info.related_events.map((r) => tags.get(r.uid)).find((t) => t !== undefined) ?? null,
    entity: f.entity.key,
    message: f.message.slice(0, 300),
    evidences: scored ? f.evidences.map((e) => [String(e.feature), String(e.observed), Number(e.contribution), String(e.operation ?? '')]) : [],
  };
}

const pct = (x: number | null): string => (x === null ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

/** The human-readable report. */
export function formatReport(r: ActivityEvalResult): string {
  const lines: string[] = [];
  lines.push(
    `activity eval: ${r.events} events (${r.attackEvents} attack), ${r.principals} principals, ${r.generator.days} days, ` +
      `learning ${r.generator.learnDays} days, ${r.benignEventsAfterLearning} benign events after learning; ${r.eventsPerSecond} events/s`,
  );
  for (const d of [...r.detectors, r.alerts]) {
    lines.push('', `${d.detector}: recall ${pct(d.recall)} (${d.attacksDetected}/${d.attacks}), precision ${pct(d.precision)}, ` +
      `${d.falsePositives} false positives after learning = ${d.falsePositivesPer10kBenign.toFixed(2)} per 10k benign events (${d.falsePositivesDuringLearning} during learning)`);
    lines.push(`  ${'kind'.padEnd(22)} attacks detected  recall  precision  learned  cold    ttd(min)`);
    for (const k of d.kinds) {
      lines.push(
        `  ${k.kind.padEnd(22)} ${String(k.attacks).padStart(7)} ${String(k.detected).padStart(8)}  ${pct(k.recall)}  ${pct(k.precision)}` +
          `   ${`${k.learnedVictims.detected}/${k.learnedVictims.attacks}`.padStart(6)} ${`${k.coldVictims.detected}/${k.coldVictims.attacks}`.padStart(6)}  ${k.medianMinutesToDetect ?? '-'}`,
      );
    }
    const missed = d.kinds.flatMap((k) => k.missed);
    if (missed.length > 0) lines.push(`  missed: ${missed.slice(0, 12).join(' | ')}`);
    if (Object.keys(d.falsePositivesByTopFeature).length > 0) lines.push(`  false positives by strongest feature: ${JSON.stringify(d.falsePositivesByTopFeature)}`);
    if (Object.keys(d.falsePositivesOnBenignOddities).length > 0) lines.push(`  false positives on labelled benign oddities: ${JSON.stringify(d.falsePositivesOnBenignOddities)}`);
    for (const ex of d.fpExamples) lines.push(`  FP ${ex}`);
  }
  lines.push(
    '',
    `any finding of any severity: recall ${pct(r.combined.recall)} (${r.combined.detected}/${r.combined.attacks})`,
    `alerts (severity >= ${r.alerts.floor}, all detectors): recall ${pct(r.alerts.recall)}, ${r.alerts.falsePositivesPer10kBenign.toFixed(2)} FP per 10k benign events; ` +
      `targets: recall >= ${r.targets.recall} ${r.targets.recallMet ? 'MET' : 'MISSED'}, <= ${r.targets.falsePositivesPer10k} FP/10k ${r.targets.falsePositivesMet ? 'MET' : 'MISSED'}`,
  );
  return `${lines.join('\n')}\n`;
}
