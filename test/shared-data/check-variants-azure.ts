/**
 * Does Azure detection depend on one spelling of the log? Every case of
 * panther-analysis-dev/azure_activity_rule_tests.jsonl is rendered in each documented form of the
 * activity log (test/fixtures/azure/variants.ts: Event Hubs envelope, operationName casing,
 * Succeeded/Failed words, properties as JSON text, upper-cased resourceId, category as operation
 * type, level words, request-body key and enum casing, REST/Get-AzLog form, Log Analytics
 * AzureActivity row), read with `--source auto` as `sluice run` does, and scored like
 * check-alerts.ts: a case alerts when a finding of severity Medium or above comes out of the
 * signatures detector as shipped.
 *
 * Per variant it prints recall and specificity over the cases the variant applies to (data-plane
 * storage and Key Vault records have no REST or Log Analytics form), and how many cases changed
 * their answer against the export form. Exit code 1 when any case changes its answer in a required
 * form; changes in a tracked form (a documented form not every rule reads yet: a write logged with
 * its response body only) are listed and counted but do not fail the check.
 *
 * Usage: node --import tsx test/shared-data/check-variants-azure.ts [DATA_DIR] [--verbose] [--pack=<dir>]
 * (`--pack` scores another copy of the activity pack, e.g. an older one, instead of the bundled one)
 * (default ../shared/data; exits 0 with a note when the folder is absent).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoCollector } from '../../services/collectors/auto.ts';
import { COLLECTOR_SPECS } from '../../services/collectors/registry.ts';
import type { ApiActivity } from '../../services/core/events.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { SignaturesConfig, SignaturesDetector } from '../../services/detectors/signatures/index.ts';
import { loadRulePacks, type WindowState } from '../../services/rules/index.ts';
import { AZURE_VARIANTS, toExportForm } from '../fixtures/azure/variants.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const packDir = args.find((a) => a.startsWith('--pack='))?.slice('--pack='.length) ?? '@builtin/activity';
const dataDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(repoRoot, '..', 'shared', 'data'));
const file = join(dataDir, 'panther-analysis-dev', 'azure_activity_rule_tests.jsonl');

if (!existsSync(dataDir) || !statSync(dataDir).isDirectory() || !existsSync(file)) {
  console.log(`No shared data at ${file}: nothing to check.`);
  process.exit(0);
}

const ALERT_SEVERITY_ID = 3; // OCSF Medium
const rules = loadRulePacks([packDir]);
const config = SignaturesConfig.parse({});
const auto = autoCollector(COLLECTOR_SPECS);

interface Case {
  case_id: string;
  expected_alert: boolean;
  log: unknown;
}

/** Whether the input alerts; null when it produced no activity event (dead letter or another stream). */
function alerts(name: string, bytes: string): { alert: boolean | null; rules: string[]; note: string } {
  const state = new MemoryKeyedState<WindowState>();
  const detector = new SignaturesDetector(config, { clock: { now: () => Date.now() } as never, state, emit: () => undefined }, rules);
  const events: Array<{ key: string; event: ApiActivity }> = [];
  const notes: string[] = [];
  for (const o of auto.collect({ name, bytes: Buffer.from(bytes) })) {
    if (o.kind === 'event' && o.stream === 'activity') events.push({ key: o.key, event: o.event as ApiActivity });
    else notes.push(o.kind === 'dead_letter' ? o.reason : `${o.kind} on ${o.stream}`);
  }
  if (events.length === 0) return { alert: null, rules: [], note: notes.join('; ') };
  const fired: string[] = [];
  events.forEach(({ key, event }, i) => {
    for (const f of detector.process(event, { key, topic: 'sluice.activity.v1', partition: 0, offset: String(i) })) {
      if (f.severity_id >= ALERT_SEVERITY_ID) fired.push(f.rule);
    }
  });
  return { alert: fired.length > 0, rules: fired, note: '' };
}

interface Tally {
  tp: number;
  fn: number;
  tn: number;
  fp: number;
  na: number;
  changed: string[];
}

const cases: Case[] = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Case)
  .filter((c) => c.log !== null && typeof c.log === 'object');

const tallies = new Map<string, Tally>(AZURE_VARIANTS.map((v) => [v.name, { tp: 0, fn: 0, tn: 0, fp: 0, na: 0, changed: [] }]));
for (const c of cases) {
  const rec = toExportForm(c.log as Record<string, unknown>);
  let base: boolean | null = null;
  for (const v of AZURE_VARIANTS) {
    const t = tallies.get(v.name)!;
    const bytes = v.render(rec);
    if (bytes === null) {
      t.na++;
      continue;
    }
    const r = alerts(c.case_id, bytes);
    if (v.name === 'export') base = r.alert;
    else if (r.alert !== base) t.changed.push(`${c.case_id}: export ${base ? 'alerts' : 'quiet'}, ${v.name} ${r.alert === null ? `not normalized (${r.note})` : r.alert ? `alerts (${r.rules.join(', ')})` : 'quiet'}`);
    if (c.expected_alert) r.alert ? t.tp++ : t.fn++;
    else r.alert ? t.fp++ : t.tn++;
  }
}

const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);
console.log(`Azure Activity alerts per documented form (${cases.length} cases of panther-analysis-dev):`);
console.log(`  ${'form'.padEnd(24)} ${'recall'.padStart(16)} ${'specificity'.padStart(16)} ${'n/a'.padStart(5)}  changed vs export`);
let changed = 0;
let trackedChanged = 0;
for (const v of AZURE_VARIANTS) {
  const t = tallies.get(v.name)!;
  if (v.tracked) trackedChanged += t.changed.length;
  else changed += t.changed.length;
  console.log(
    `  ${(v.tracked ? `${v.name} (tracked)` : v.name).padEnd(24)} ${`${ratio(t.tp, t.tp + t.fn).toFixed(3)} (${t.tp}/${t.tp + t.fn})`.padStart(16)} ${`${ratio(t.tn, t.tn + t.fp).toFixed(3)} (${t.tn}/${t.tn + t.fp})`.padStart(16)} ${String(t.na).padStart(5)}  ${t.changed.length}`,
  );
}
for (const v of AZURE_VARIANTS) {
  const t = tallies.get(v.name)!;
  for (const line of verbose ? t.changed : t.changed.slice(0, 5)) console.log(`  changed: ${line}`);
}
if (trackedChanged > 0) console.log(`${trackedChanged} answer(s) changed in tracked forms (reported, not yet required of every rule).`);
if (changed > 0) {
  console.log(`${changed} case(s) changed their answer with the form of the record.`);
  process.exit(1);
}
console.log('Every applicable required form gives the export form\'s answer on every case.');
