/**
 * Development check of the signature pack (services/rules/packs/activity) on the shared data:
 *
 * every record of cloudtrail/ (OTRF ec2_proxy_s3_exfiltration) goes through the full detector
 * (windows and state, events keyed by principal as the collector keys them), and the findings per
 * rule are printed. Alert quality on the labelled Panther cases is measured by check-alerts.ts.
 *
 * Usage: node --import tsx test/shared-data/check-signatures.ts [DATA_DIR]   (default ../shared/data)
 * Exits 0 with a message when the folder is absent.
 *
 * Targets (exit 1 when one is missed):
 *   - the pack loads (a bad pack throws);
 *   - no condition fails to evaluate (a CEL error) on any CloudTrail sample;
 *   - the OTRF exfiltration scenario (instance-role credentials stolen through an SSRF and used from a
 *     laptop to list and read S3) raises at least one aws.ec2.instance_credentials_used_externally finding,
 *     and the console user's EC2 browsing in the same data raises no enumeration-burst finding.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectorSpec } from '../../services/collectors/registry.ts';
import type { CollectorInput } from '../../services/core/components.ts';
import type { ApiActivity, Finding } from '../../services/core/events.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { ActivityRuleSet, loadRulePacks, type WindowState } from '../../services/rules/index.ts';
import { SignaturesConfig, SignaturesDetector } from '../../services/detectors/signatures/index.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'data'));

if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
  console.log(`No shared data at ${dataDir}: nothing to check.`);
  process.exit(0);
}

const rules = loadRulePacks(['@builtin/activity']);
const set = new ActivityRuleSet(rules);
const collectors = new Map<string, ReturnType<NonNullable<ReturnType<typeof collectorSpec>>['create']>>();
function collect(type: string, input: CollectorInput): Array<{ key: string; event: ApiActivity }> | string {
  let c = collectors.get(type);
  if (!c) collectors.set(type, (c = collectorSpec(type)!.create()));
  const out: Array<{ key: string; event: ApiActivity }> = [];
  const rejects: string[] = [];
  for (const o of c.collect(input)) {
    if (o.kind === 'event' && o.stream === 'activity') out.push({ key: o.key, event: o.event });
    else if (o.kind === 'dead_letter') rejects.push(o.reason);
  }
  return out.length === 0 ? rejects.join('; ') || 'no event' : out;
}

const misses: string[] = [];
const evalErrors = new Map<string, number>();

// CloudTrail samples through the full detector
const cloudtrailDir = join(dataDir, 'cloudtrail');
const findingsPerRule = new Map<string, number>();
let sampleEvents = 0;
if (existsSync(cloudtrailDir)) {
  const state = new MemoryKeyedState<WindowState>();
  const detector = new SignaturesDetector(SignaturesConfig.parse({}), { clock: { now: () => Date.now() } as never, state, emit: () => undefined }, rules);
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  const all: Array<{ key: string; event: ApiActivity }> = [];
  for (const file of walk(cloudtrailDir).sort()) {
    if (!/\.(jsonl|ndjson|json)(\.gz)?$/.test(file)) continue;
    const out = collect('aws_cloudtrail', { name: relative(dataDir, file), bytes: readFileSync(file) });
    if (typeof out !== 'string') all.push(...out);
  }
  all.sort((a, b) => a.event.time - b.event.time);
  const findings: Finding[] = [];
  const matchesPerRule = new Map<string, number>();
  all.forEach(({ key, event }, i) => {
    for (const r of set.evaluate(event).matches) matchesPerRule.set(r.id, (matchesPerRule.get(r.id) ?? 0) + 1);
    findings.push(...detector.process(event, { key, topic: 'sluice.activity.v1', partition: 0, offset: String(i) }));
  });
  sampleEvents = all.length;
  for (const f of findings) findingsPerRule.set(f.rule, (findingsPerRule.get(f.rule) ?? 0) + 1);
  for (const [id, n] of Object.entries(detector.stats().errors)) evalErrors.set(id, (evalErrors.get(id) ?? 0) + n);
  console.log(`CloudTrail samples: ${all.length} events, ${findings.length} findings, ${detector.stats().suppressed} matches held by windows; per rule (findings / condition matches):`);
  for (const [id, n] of [...matchesPerRule].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`  ${String(findingsPerRule.get(id) ?? 0).padStart(4)} / ${String(n).padEnd(4)} ${id}`);
}

if (evalErrors.size > 0) {
  console.log('Conditions that failed to evaluate:');
  for (const [id, n] of evalErrors) console.log(`  ${String(n).padStart(4)}  ${id}`);
}

// Targets
if (evalErrors.size > 0) misses.push(`${evalErrors.size} rule(s) failed to evaluate on real data`);
if (sampleEvents > 0 && !findingsPerRule.has('aws.ec2.instance_credentials_used_externally')) {
  misses.push('no aws.ec2.instance_credentials_used_externally finding on the OTRF exfiltration scenario');
}
if (sampleEvents > 0 && findingsPerRule.has('aws.discovery.enumeration_burst')) {
  misses.push('the console browsing in the OTRF data raised aws.discovery.enumeration_burst (a false positive)');
}
if (misses.length > 0) {
  console.log(`TARGETS MISSED:\n  ${misses.join('\n  ')}`);
  process.exit(1);
}
console.log('All targets met.');
