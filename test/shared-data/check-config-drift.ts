/**
 * Runs the config_drift and posture detectors over every AWS Config item of the shared data
 * (/work/shared/data/aws_config, or the folder given as the first argument): histories are
 * replayed oldest first per resource. Prints events, resources, drift findings by rule, posture
 * failures by rule, and evaluation errors. Exit 0 with a note when the folder is absent; exit 1
 * when a detector throws, a posture rule errors on real data, or fewer than 100 events are read.
 *
 *   node --import tsx test/shared-data/check-config-drift.ts [dir]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { awsConfigCollector } from '../../services/collectors/aws_config/index.ts';
import type { ConfigState } from '../../services/core/model/config-state.ts';
import { MemoryKeyedState } from '../../services/core/state.ts';
import { ConfigDriftConfig, ConfigDriftDetector, type DriftState } from '../../services/detectors/config_drift/index.ts';
import { PostureConfig, PostureDetector, type PostureState } from '../../services/detectors/posture/index.ts';

const dir = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '/work/shared/data/aws_config';
if (!existsSync(dir)) {
  console.log(`check-config-drift: ${dir} is absent; nothing checked.`);
  process.exit(0);
}
const list = (d: string): string[] => readdirSync(d).sort().flatMap((n) => (statSync(join(d, n)).isDirectory() ? list(join(d, n)) : /\.json$/.test(n) ? [join(d, n)] : []));

const events: ConfigState[] = [];
for (const f of list(dir)) {
  for (const o of awsConfigCollector({}).collect({ name: f, bytes: readFileSync(f) })) if (o.kind === 'event' && o.stream === 'config') events.push(o.event as ConfigState);
}
events.sort((a, b) => a.resource.uid.localeCompare(b.resource.uid) || a.time - b.time);

const drift = new ConfigDriftDetector(ConfigDriftConfig.parse({ enabled: true, reportAllChanges: true }), { state: new MemoryKeyedState<DriftState>() });
const posture = new PostureDetector(PostureConfig.parse({ enabled: true }), { state: new MemoryKeyedState<PostureState>(), emit: () => {} });
const driftRules = new Map<string, number>();
const postureRules = new Map<string, number>();
let thrown = 0;
for (const e of events) {
  const meta = { key: e.resource.uid, topic: 'config', partition: 0, offset: '0' };
  try {
    for (const f of drift.process(e, meta)) driftRules.set(f.rule, (driftRules.get(f.rule) ?? 0) + 1);
    for (const f of posture.process(e, meta)) if (f.evidences[0]!.status === 'fail') postureRules.set(f.rule, (postureRules.get(f.rule) ?? 0) + 1);
  } catch (err) {
    thrown++;
    console.log(`THROWN on ${e.resource.uid}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
const stats = posture.stats();
console.log(`events ${events.length}, resources ${new Set(events.map((e) => e.resource.uid)).size}, posture rule evaluations ${stats.evaluated}, evaluation errors ${stats.errors}, thrown ${thrown}`);
console.log('drift findings by rule:', Object.fromEntries([...driftRules].sort()));
console.log('posture failures by rule:', Object.fromEntries([...postureRules].sort()));
const failed = thrown > 0 || stats.errors > 0 || events.length < 100;
if (failed) console.log('TARGET MISSED: no throw, no rule evaluation error, at least 100 events');
process.exit(failed ? 1 : 0);
