/**
 * OCSF validity on the public samples: every event normalized from ../shared/data (CloudTrail,
 * Hubble, Tetragon, AWS Config, and the logs of the labelled Panther suites for CloudTrail,
 * Kubernetes audit and Azure Activity) in its OCSF form, and every finding the signatures detector
 * raises on those logs, validated against the official OCSF 1.8.0 compiled schema (schemas/ocsf/).
 * Exits 1 on the first source with an invalid record, printing the problems by path.
 *
 * Usage: node --import tsx test/shared-data/check-ocsf.ts [DATA_DIR] (default ../shared/data;
 * exits 0 with a note when the folder is absent).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoCollector } from '../../services/collectors/auto.ts';
import { COLLECTOR_SPECS } from '../../services/collectors/registry.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { eventToOcsf, findingToOcsf, ocsfProblems } from '../../services/core/ocsf/index.ts';
import { SignaturesConfig, SignaturesDetector } from '../../services/detectors/signatures/index.ts';
import { loadRulePacks, type WindowState } from '../../services/rules/index.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(repoRoot, '..', 'shared', 'data'));
if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
  console.log(`No shared data at ${dataDir}: nothing to check.`);
  process.exit(0);
}

const auto = autoCollector(COLLECTOR_SPECS);
const rules = loadRulePacks(['@builtin/activity']);
const config = SignaturesConfig.parse({});

interface Tally {
  events: number;
  findings: number;
  invalid: number;
  problems: Map<string, number>;
}

function check(t: Tally, record: unknown, label: string): void {
  const p = ocsfProblems(record);
  if (p.length === 0) return;
  t.invalid++;
  for (const q of p) {
    const k = `${label}: ${q.path.replace(/\[\d+\]/g, '[]')}: ${q.message}`;
    t.problems.set(k, (t.problems.get(k) ?? 0) + 1);
  }
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? files(p) : /\.(json|jsonl|ndjson|gz|log)$/.test(d.name) ? [p] : [];
  });
}

/** Normalizes one input through `--source auto`, validates each event, and the findings of the activity events. */
function run(t: Tally, name: string, bytes: Buffer): void {
  const state = new MemoryKeyedState<WindowState>();
  const detector = new SignaturesDetector(config, { clock: { now: () => Date.now() } as never, state, emit: () => undefined }, rules);
  let i = 0;
  for (const o of auto.collect({ name, bytes })) {
    if (o.kind !== 'event') continue;
    const ocsf = eventToOcsf(o.event);
    if (!ocsf) continue;
    t.events++;
    check(t, ocsf, `class ${ocsf.class_uid as number}`);
    if (o.stream !== 'activity') continue;
    for (const f of detector.process(o.event, { key: o.key, topic: 'sluice.activity.v1', partition: 0, offset: String(i++) })) {
      t.findings++;
      check(t, findingToOcsf(f), `finding ${f.rule}`);
    }
  }
}

const tallies = new Map<string, Tally>();
const tally = (source: string): Tally => {
  let t = tallies.get(source);
  if (!t) tallies.set(source, (t = { events: 0, findings: 0, invalid: 0, problems: new Map() }));
  return t;
};

for (const dir of ['cloudtrail', 'hubble_flows', 'tetragon', 'aws_config']) {
  const path = join(dataDir, dir);
  if (!existsSync(path)) continue;
  for (const file of files(path)) run(tally(dir), file, readFileSync(file));
}
for (const file of ['cloudtrail_rule_tests.jsonl', 'k8s_audit_rule_tests.jsonl', 'azure_activity_rule_tests.jsonl']) {
  const path = join(dataDir, 'panther-analysis-dev', file);
  if (!existsSync(path)) continue;
  const t = tally(`panther ${file.replace('_rule_tests.jsonl', '')}`);
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const c = JSON.parse(line) as { case_id: string; log: unknown };
    if (c.log === null || c.log === undefined) continue;
    run(t, c.case_id, Buffer.from(JSON.stringify(c.log)));
  }
}

let failed = false;
console.log('OCSF 1.8.0 validity of the events and findings made from the public samples:');
for (const [source, t] of tallies) {
  console.log(`  ${source.padEnd(24)} ${String(t.events).padStart(6)} events ${String(t.findings).padStart(5)} findings  ${t.invalid === 0 ? 'all valid' : `${t.invalid} INVALID`}`);
  if (t.invalid > 0) {
    failed = true;
    for (const [k, n] of [...t.problems].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`      ${n} x ${k}`);
  }
  if (t.events === 0) {
    failed = true;
    console.log('      no event normalized: the check proved nothing');
  }
}
process.exit(failed ? 1 : 0);
