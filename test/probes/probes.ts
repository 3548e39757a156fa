/**
 * Blind probes of the activity packs: native records written from each cloud's API reference and
 * the public threat catalogues by someone who had not read the rules' conditions
 * (test/probes/*.jsonl, see the README beside this file). Each probe is read by `--source auto`, as
 * `sluice run` reads input, and run alone, on a fresh state, through the signatures detector with
 * the bundled activity pack (any rule may answer). A probe **alerts** when some finding has severity
 * Medium or above; Low and Informational findings are signals.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { autoCollector } from '../../services/collectors/auto.ts';
import { COLLECTOR_SPECS } from '../../services/collectors/registry.ts';
import type { ApiActivity, Finding } from '../../services/core/events.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { SignaturesConfig, SignaturesDetector } from '../../services/detectors/signatures/index.ts';
import type { CompiledRule } from '../../services/rules/compile.ts';
import type { WindowState } from '../../services/rules/windows.ts';

export const PROBES_DIR = fileURLToPath(new URL('.', import.meta.url));
const ALERT_SEVERITY_ID = 3; // OCSF Medium

export const Probe = z
  .object({
    /** Unique: `<behaviour slug>/<variant>`. */
    id: z.string().min(1),
    /** The attacker behaviour (or the routine operation, for a quiet probe), in a few words. */
    behaviour: z.string().min(1),
    /** Where the behaviour comes from: `attack:T1098`, `stratus:aws.persistence.iam-create-admin-user`, `panther-aws:<RuleID>`, `falco:<rule>`, a doc URL. */
    refs: z.array(z.string().min(1)).min(1),
    /** `alert`: some finding of severity Medium or above; `quiet`: none (signals allowed). */
    expect: z.enum(['alert', 'quiet']),
    /** Why this verdict is the right one for a SOC. */
    why: z.string().min(1),
    /**
     * A known gap: why the pack cannot give the expected verdict yet (the log lacks what a rule
     * needs, or the rule would need state it does not keep). Such a probe still counts in the
     * scores; the test reports it as a to-do instead of failing, and fails once the gap closes.
     */
    gap: z.string().min(1).optional(),
    /** Native records as the cloud writes them, replayed in order on one fresh state. */
    records: z.array(z.record(z.string(), z.unknown())).min(1),
  })
  .strict();
export type Probe = z.infer<typeof Probe>;

export interface ProbeFile {
  file: string;
  probes: Probe[];
}

/** Every probe file of `dir`, parsed and validated (a bad line throws with its file and line). */
export function loadProbes(dir: string = PROBES_DIR): ProbeFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((file) => ({
      file,
      probes: readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => {
          if (line.trim() === '') return [];
          const parsed = Probe.safeParse(JSON.parse(line));
          if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
          return [parsed.data];
        }),
    }));
}

export interface ProbeResult {
  /** Events the records normalized to (activity stream). */
  events: number;
  /** Dead letters and records that went to another stream, with reasons. */
  rejects: string[];
  /** Every finding, in order. */
  findings: Finding[];
  /** Findings of severity Medium or above, as `rule (severity)`. */
  alerts: string[];
  /** Findings below Medium. */
  signals: string[];
  /** Rules whose condition failed to evaluate, with how often. */
  errors: Record<string, number>;
}

/**
 * Runs native records (`name` labels their positions) through `--source auto` and the signatures
 * detector with `rules`, in order, on one fresh state. Also what test/shared-data/check-alerts.ts
 * runs each labelled case through.
 */
export function runRecords(name: string, records: readonly unknown[], rules: readonly CompiledRule[]): ProbeResult {
  const auto = autoCollector(COLLECTOR_SPECS);
  const state = new MemoryKeyedState<WindowState>();
  const detector = new SignaturesDetector(SignaturesConfig.parse({}), { clock: { now: () => Date.now() } as never, state, emit: () => undefined }, rules);
  const result: ProbeResult = { events: 0, rejects: [], findings: [], alerts: [], signals: [], errors: {} };
  records.forEach((record, r) => {
    for (const o of auto.collect({ name: `${name}#${r}`, bytes: Buffer.from(JSON.stringify(record)) })) {
      if (o.kind === 'dead_letter') result.rejects.push(`${o.reasonCode}: ${o.reason}`);
      else if (o.stream !== 'activity') result.rejects.push(`normalized to the ${o.stream} stream, not activity`);
      else {
        result.events++;
        result.findings.push(...detector.process(o.event as ApiActivity, { key: o.key, topic: 'sluice.activity.v1', partition: 0, offset: String(result.events) }));
      }
    }
  });
  for (const f of result.findings) (f.severity_id >= ALERT_SEVERITY_ID ? result.alerts : result.signals).push(`${f.rule} (${f.severity})`);
  result.errors = { ...detector.stats().errors };
  return result;
}

/** Runs one probe on a fresh state. */
export function runProbe(probe: Probe, rules: readonly CompiledRule[]): ProbeResult {
  return runRecords(probe.id, probe.records, rules);
}

/** True when the probe's verdict is what it expects. */
export function probeHolds(probe: Probe, r: ProbeResult): boolean {
  return r.rejects.length === 0 && Object.keys(r.errors).length === 0 && (probe.expect === 'alert') === r.alerts.length > 0;
}

/** What a probe got, in one line: alerts, signals, rejects and failed rules ("nothing" when none). */
export function describeResult(r: ProbeResult): string {
  const found = [...r.alerts, ...r.signals.map((x) => `signal ${x}`), ...r.rejects.map((x) => `rejected ${x}`), ...Object.keys(r.errors).map((x) => `error ${x}`)];
  return found.join(', ') || 'nothing';
}
