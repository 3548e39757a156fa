/**
 * Runs the aws_config collector over every file of the shared development data
 * (/work/shared/data/aws_config, or the folder given as the first argument) and prints, per file
 * and in total, how many records were read, normalized and rejected, with every rejection reason.
 * Every event is also checked against schemas/avro/config_state.v1.avsc (isValid + round trip).
 * Exit 0 with a note when the folder is absent; exit 1 when a configuration item file has a
 * rejection or an event does not round-trip.
 *
 *   node --import tsx test/shared-data/check-aws_config.ts [dir] [--verbose]
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import avro from 'avsc';
import { awsConfigCollector } from '../../services/collectors/aws_config/index.ts';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const dir = args.find((a) => !a.startsWith('--')) ?? '/work/shared/data/aws_config';

/**
 * Files of the shared set that hold no configuration item, and the reason the collector gives.
 * Everything else must normalize with 0 rejections.
 */
const EXPECTED_NOT_CONFIG: ReadonlyArray<[RegExp, RegExp]> = [
  [/config_items\/event-cloudsearch\.json$/, /EventBridge event from source "aws\.rds", detail-type "AWS API Call via CloudTrail"/],
  [/config_items\/poll-evaluation\.json$/, /ScheduledNotification/],
  [/__config\.ListDiscoveredResources_\d+\.json$/, /ListDiscoveredResources response/],
  [/__config\.GetComplianceDetailsByConfigRule_\d+\.json$/, /compliance response/],
  [/__config\.PutEvaluations_\d+\.json$/, /PutEvaluations|only ResponseMetadata/],
  [/__config\.SelectResourceConfig_\d+\.json$/, /SelectResourceConfig result row with only the selected fields/],
];

function listFiles(d: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else if (/\.json(\.gz)?$|\.jsonl$/.test(name)) out.push(p);
  }
  return out;
}

if (!existsSync(dir)) {
  console.log(`check-aws_config: ${dir} is absent; nothing to check.`);
  process.exit(0);
}

const type = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../schemas/avro/config_state.v1.avsc', import.meta.url), 'utf8')) as avro.Schema);
const collector = awsConfigCollector();
const totals = { files: 0, read: 0, normalized: 0, rejected: 0, expectedRejected: 0, emptyFiles: 0 };
const failures: string[] = [];
const byForm = new Map<string, number>();
const byChange = new Map<string, number>();
const resourceTypes = new Set<string>();
const notConfigFiles: string[] = [];

for (const file of listFiles(dir)) {
  const name = relative(dir, file);
  totals.files++;
  let read = 0;
  let normalized = 0;
  const rejects: string[] = [];
  for (const out of collector.collect({ name, bytes: readFileSync(file) })) {
    read++;
    if (out.kind === 'dead_letter') {
      rejects.push(`${out.position}: ${out.reason}`);
      continue;
    }
    if (out.stream !== 'config') {
      failures.push(`${out.position}: event on stream ${out.stream}, not config`);
      continue;
    }
    normalized++;
    const e = out.event;
    byForm.set(e.metadata.log_name ?? '?', (byForm.get(e.metadata.log_name ?? '?') ?? 0) + 1);
    byChange.set(e.change_type, (byChange.get(e.change_type) ?? 0) + 1);
    resourceTypes.add(e.resource.type);
    const bad: string[] = [];
    if (!type.isValid(e, { errorHook: (path) => bad.push(path.join('.')) })) failures.push(`${out.position}: not valid for config_state.v1.avsc at ${bad.join(', ')}`);
    else {
      const back = JSON.stringify(type.fromBuffer(type.toBuffer(e)));
      if (back !== JSON.stringify(e)) failures.push(`${out.position}: Avro round trip changed the event`);
    }
  }
  totals.read += read;
  totals.normalized += normalized;
  if (read === 0) totals.emptyFiles++;
  const expected = EXPECTED_NOT_CONFIG.find(([f]) => f.test(name));
  if (rejects.length > 0) {
    if (expected && normalized === 0 && rejects.every((r) => expected[1].test(r))) {
      totals.expectedRejected += rejects.length;
      notConfigFiles.push(`${name} (${rejects.length}): ${rejects[0]!.replace(/^[^:]*#\d+: /, '')}`);
    } else {
      totals.rejected += rejects.length;
      failures.push(...rejects.map((r) => `unexpected rejection ${r}`));
    }
  }
  if (verbose || rejects.length > 0) console.log(`${name}: read ${read}, normalized ${normalized}, rejected ${rejects.length}`);
}

console.log('');
console.log(`files ${totals.files} (${totals.emptyFiles} with no records: empty result pages)`);
console.log(`records read ${totals.read}, normalized ${totals.normalized}, rejected as not configuration data ${totals.expectedRejected}, unexpected rejections ${totals.rejected}`);
console.log(`resource types ${resourceTypes.size}`);
console.log(`forms: ${[...byForm].map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`change types: ${[...byChange].map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (notConfigFiles.length) {
  console.log(`\nfiles without configuration items (${notConfigFiles.length}):`);
  for (const f of notConfigFiles) console.log(`  ${f}`);
}
if (failures.length) {
  console.log(`\nFAILURES (${failures.length}):`);
  for (const f of failures) console.log(`  ${f}`);
  process.exit(1);
}
