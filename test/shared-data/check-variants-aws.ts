/**
 * The dev sample under every documented form: each case of
 * panther-analysis-dev/{cloudtrail,k8s_audit}_rule_tests.jsonl is rendered by the same
 * semantics-preserving transforms the robustness tests use (test/fixtures/cloudtrail-forms/render.ts,
 * test/fixtures/k8s-forms/render.ts) and run alone through the signatures detector as shipped, read
 * by `--source auto`. Prints alert recall and specificity (severity Medium or above, as
 * check-alerts.ts scores them) per source and variant, and the cases whose verdict differs from the
 * record as given. A form that cannot be read counts as no alert.
 *
 * Usage: node --import tsx test/shared-data/check-variants-aws.ts [DATA_DIR] [--verbose]
 * (default ../shared/data; exits 0 with a note when it is absent). Exit 1 when some variant's
 * verdict differs from the plain record's on any case.
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
import { CLOUDTRAIL_FORMS, operationVariants } from '../fixtures/cloudtrail-forms/render.ts';
import { gkeEntry, K8S_FORMS } from '../fixtures/k8s-forms/render.ts';

type Json = Record<string, unknown>;
const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const dataDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(repoRoot, '..', 'shared', 'data'));
if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
  console.log(`No shared data at ${dataDir}: nothing to check.`);
  process.exit(0);
}

const rules = loadRulePacks(['@builtin/activity']);
const config = SignaturesConfig.parse({});
const auto = autoCollector(COLLECTOR_SPECS);

/** True when one rendering of a case raises an alert (severity Medium or above). */
function alerts(bytes: Buffer, name: string): boolean {
  const state = new MemoryKeyedState<WindowState>();
  const detector = new SignaturesDetector(config, { clock: { now: () => Date.now() } as never, state, emit: () => undefined }, rules);
  let i = 0;
  for (const o of auto.collect({ name, bytes })) {
    if (o.kind !== 'event' || o.stream !== 'activity') continue;
    const f = detector.process(o.event as ApiActivity, { key: o.key, topic: 'sluice.activity.v1', partition: 0, offset: String(i++) });
    if (f.some((x) => x.severity_id >= 3)) return true;
  }
  return false;
}

function isObj(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The variants of a case: name -> bytes (null when the variant does not apply to this record). */
function variants(source: string, log: unknown): Array<[string, Buffer | null]> {
  if (!isObj(log)) return [];
  if (source === 'cloudtrail') {
    const out: Array<[string, Buffer | null]> = CLOUDTRAIL_FORMS.slice(1).map((f) => [f.name, f.render(log).bytes]);
    const spelled = operationVariants(log);
    out.push(['operation spelled with another API version', spelled.length ? Buffer.from(JSON.stringify({ ...log, eventName: spelled[spelled.length - 1] })) : null]);
    return out;
  }
  // Kubernetes: the forms wrap a native Event; other records (GKE, AKS, EKS wrappers in the suite) are left as they are.
  const native = typeof log.verb === 'string' || isObj(log.objectRef);
  const out: Array<[string, Buffer | null]> = K8S_FORMS.slice(1).map((f) => [f.name, native ? f.render(log) : null]);
  const lossless = native && isObj(log.objectRef) && log.requestURI === undefined && log.annotations === undefined && log.impersonatedUser === undefined;
  out.push(['GKE Cloud Audit Logs entry (cases without requestURI/annotations)', lossless ? Buffer.from(JSON.stringify(gkeEntry(log))) : null]);
  return out;
}

interface Tally {
  tp: number;
  fn: number;
  tn: number;
  fp: number;
  changed: string[];
}

let changedTotal = 0;
for (const [source, file] of [['cloudtrail', 'cloudtrail_rule_tests.jsonl'], ['k8s_audit', 'k8s_audit_rule_tests.jsonl']] as const) {
  const path = join(dataDir, 'panther-analysis-dev', file);
  if (!existsSync(path)) continue;
  const tallies = new Map<string, Tally>();
  const tally = (name: string): Tally => {
    let t = tallies.get(name);
    if (!t) tallies.set(name, (t = { tp: 0, fn: 0, tn: 0, fp: 0, changed: [] }));
    return t;
  };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const c = JSON.parse(line) as { case_id: string; expected_alert: boolean; log: unknown };
    if (c.log === null || c.log === undefined) continue;
    const plain = alerts(Buffer.from(JSON.stringify(c.log)), c.case_id);
    const count = (t: Tally, got: boolean): void => {
      if (c.expected_alert) got ? t.tp++ : t.fn++;
      else got ? t.fp++ : t.tn++;
    };
    count(tally('as given'), plain);
    for (const [name, bytes] of variants(source, c.log)) {
      if (bytes === null) continue;
      const got = alerts(bytes, `${c.case_id}/${name}`);
      const t = tally(name);
      count(t, got);
      if (got !== plain) t.changed.push(`${c.case_id} (${plain ? 'alert' : 'quiet'} -> ${got ? 'alert' : 'quiet'})`);
    }
  }
  console.log(`${source}: alerts per variant (cases where the variant applies)`);
  console.log(`  ${'variant'.padEnd(66)} ${'recall'.padStart(14)} ${'specificity'.padStart(14)}  changed`);
  for (const [name, t] of tallies) {
    const r = t.tp + t.fn === 0 ? 1 : t.tp / (t.tp + t.fn);
    const s = t.tn + t.fp === 0 ? 1 : t.tn / (t.tn + t.fp);
    console.log(`  ${name.padEnd(66)} ${`${r.toFixed(3)} (${t.tp}/${t.tp + t.fn})`.padStart(14)} ${`${s.toFixed(3)} (${t.tn}/${t.tn + t.fp})`.padStart(14)}  ${t.changed.length}`);
    changedTotal += t.changed.length;
    if (verbose || t.changed.length <= 5) for (const x of t.changed) console.log(`      ${x}`);
  }
}
if (changedTotal > 0) {
  console.log(`${changedTotal} variant verdict(s) differ from the record as given.`);
  process.exit(1);
}
console.log('Every variant gives the verdict of the record as given.');
