/**
 * Alert quality of the activity detectors on labelled public cases, scored the way a SOC sees it:
 * every case of panther-analysis-dev/{cloudtrail,k8s_audit,azure_activity}_rule_tests.jsonl is
 * read by `--source auto` (the collector is recognised from the record, as `sluice run` does) and
 * run alone, with fresh state, through the signatures detector as shipped (every rule of the
 * bundled pack, windows included). A case **alerts** when some finding has severity Medium or
 * above; Low and Informational findings are signals and do not count.
 *
 * - recall = attack cases (expected_alert true) that alert / attack cases;
 * - specificity = benign cases that do not alert / benign cases.
 * No mapping from the suite's rules to ours is used: any alert counts, from any rule.
 *
 * Usage: node --import tsx test/shared-data/check-alerts.ts [DATA_DIR] [--verbose] [--source=<name>]
 * (default ../shared/data; exits 0 with a note when the folder is absent). `--verbose` lists every
 * missed attack and every false alert with the rules involved.
 *
 * The issue's targets (recall >= 0.95 and specificity >= 0.97 per source) are printed as MET or
 * MISSED. The exit code guards against regressions: it is 1 when a source falls below its floor
 * (FLOORS, set just under the figures measured when the packs were last tuned, see the README's
 * Status section) or when a rule fails to evaluate (CEL error) on any case.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRulePacks } from '../../services/rules/index.ts';
import { runRecords } from '../probes/probes.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const onlySource = args.find((a) => a.startsWith('--source='))?.slice('--source='.length);
const dataDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(repoRoot, '..', 'shared', 'data'));

if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
  console.log(`No shared data at ${dataDir}: nothing to check.`);
  process.exit(0);
}

const TARGET_RECALL = 0.95;
const TARGET_SPECIFICITY = 0.97;
/** Regression floors per source: [recall, specificity]. */
const FLOORS: Record<string, [number, number]> = {
  cloudtrail: [0.7, 0.97],
  k8s_audit: [0.97, 0.97],
  azure_activity: [0.85, 0.97],
};
const ALERT_SEVERITY_ID = 3; // OCSF Medium

interface Case {
  case_id: string;
  rule_id: string;
  expected_alert: boolean;
  log_type: string;
  log: unknown;
}

interface Tally {
  tp: number;
  fn: number;
  tn: number;
  fp: number;
  notNormalized: number;
  missed: string[];
  falseAlerts: string[];
}

const rules = loadRulePacks(['@builtin/activity']);
const errors = new Map<string, number>();
const falseAlertRules = new Map<string, number>();

const SOURCES: Array<[string, string]> = [
  ['cloudtrail', 'cloudtrail_rule_tests.jsonl'],
  ['k8s_audit', 'k8s_audit_rule_tests.jsonl'],
  ['azure_activity', 'azure_activity_rule_tests.jsonl'],
];
const tallies = new Map<string, Tally>();
for (const [source, file] of SOURCES) {
  if (onlySource && onlySource !== source) continue;
  const path = join(dataDir, 'panther-analysis-dev', file);
  if (!existsSync(path)) continue;
  const t: Tally = { tp: 0, fn: 0, tn: 0, fp: 0, notNormalized: 0, missed: [], falseAlerts: [] };
  tallies.set(source, t);
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const c = JSON.parse(line) as Case;
    if (c.log === null || c.log === undefined) continue; // correlation-rule cases carry no log
    const { findings, events, rejects, errors: failed } = runRecords(c.case_id, [c.log], rules);
    for (const [id, n] of Object.entries(failed)) errors.set(id, (errors.get(id) ?? 0) + n);
    if (events === 0) t.notNormalized++;
    const alerts = findings.filter((f) => f.severity_id >= ALERT_SEVERITY_ID);
    const signals = findings.filter((f) => f.severity_id < ALERT_SEVERITY_ID).map((f) => f.rule);
    const fired = alerts.map((f) => `${f.rule} (${f.severity})`);
    if (c.expected_alert) {
      if (alerts.length > 0) t.tp++;
      else {
        t.fn++;
        t.missed.push(`${c.case_id}${rejects.length ? ` [not normalized: ${rejects.join('; ')}]` : ''}${signals.length ? ` signals: ${signals.join(', ')}` : ''}`);
      }
    } else if (alerts.length > 0) {
      t.fp++;
      t.falseAlerts.push(`${c.case_id}: ${fired.join(', ')}`);
      for (const f of alerts) falseAlertRules.set(f.rule, (falseAlertRules.get(f.rule) ?? 0) + 1);
    } else t.tn++;
  }
}

const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);
const misses: string[] = [];
const targets: string[] = [];
console.log('Alerts (severity >= Medium) on the labelled suites, per source:');
console.log(`  ${'source'.padEnd(16)} ${'recall'.padStart(16)} ${'specificity'.padStart(16)}  not normalized`);
for (const [source, t] of tallies) {
  const recall = ratio(t.tp, t.tp + t.fn);
  const spec = ratio(t.tn, t.tn + t.fp);
  console.log(
    `  ${source.padEnd(16)} ${`${recall.toFixed(3)} (${t.tp}/${t.tp + t.fn})`.padStart(16)} ${`${spec.toFixed(3)} (${t.tn}/${t.tn + t.fp})`.padStart(16)}  ${t.notNormalized}`,
  );
  targets.push(`${source}: recall ${recall.toFixed(3)} ${recall >= TARGET_RECALL ? 'MET' : 'MISSED'} (target ${TARGET_RECALL}), specificity ${spec.toFixed(3)} ${spec >= TARGET_SPECIFICITY ? 'MET' : 'MISSED'} (target ${TARGET_SPECIFICITY})`);
  const [floorRecall, floorSpec] = FLOORS[source] ?? [0, 0];
  if (recall < floorRecall) misses.push(`${source}: recall ${recall.toFixed(3)} fell below its floor ${floorRecall}`);
  if (spec < floorSpec) misses.push(`${source}: specificity ${spec.toFixed(3)} fell below its floor ${floorSpec}`);
}
for (const [source, t] of tallies) {
  if (!verbose && t.missed.length + t.falseAlerts.length > 40) {
    console.log(`${source}: ${t.missed.length} missed, ${t.falseAlerts.length} false alerts (--verbose lists them)`);
    continue;
  }
  for (const m of t.missed) console.log(`  missed ${source}: ${m}`);
  for (const f of t.falseAlerts) console.log(`  false alert ${source}: ${f}`);
}
if (falseAlertRules.size > 0) {
  console.log('Rules raising false alerts:');
  for (const [id, n] of [...falseAlertRules].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${id}`);
}
if (errors.size > 0) {
  console.log('Conditions that failed to evaluate:');
  for (const [id, n] of errors) console.log(`  ${String(n).padStart(4)}  ${id}`);
  misses.push(`${errors.size} rule(s) failed to evaluate on real data`);
}
console.log(`Targets:\n  ${targets.join('\n  ')}`);
if (misses.length > 0) {
  console.log(`REGRESSION:\n  ${misses.join('\n  ')}`);
  process.exit(1);
}
console.log('No source below its floor.');
