/**
 * Runs the azure_activity collector over the shared development data (shared/data beside the
 * repository, or SLUICE_SHARED_DATA) and prints read / normalized / rejected counts, the documented
 * fallbacks used, and every reject with its reason. Every event is checked against
 * schemas/avro/api_activity.v1.avsc.
 *   node --import tsx test/shared-data/check-azure_activity.ts
 * Exit 0 when every record normalizes to a valid event (or the data folder is absent), 1 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import avro from 'avsc';
import { azureActivityCollector } from '../../services/collectors/azure_activity/index.ts';

const dataDir = process.env.SLUICE_SHARED_DATA ?? new URL('../../../shared/data/', import.meta.url).pathname;
const file = `${dataDir.replace(/\/$/, '')}/panther-analysis-dev/azure_activity_rule_tests.jsonl`;
if (!existsSync(file)) {
  console.log(`shared data not found (${file}): nothing to check`);
  process.exit(0);
}

const type = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../schemas/avro/api_activity.v1.avsc', import.meta.url), 'utf8')));
const collector = azureActivityCollector();
let read = 0;
let normalized = 0;
let rejected = 0;
let invalid = 0;
const fallbacks = new Map<string, number>();
const providers = new Map<string, number>();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const c = JSON.parse(line) as { case_id: string; log: unknown };
  for (const out of collector.collect({ name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) })) {
    read++;
    if (out.kind === 'dead_letter') {
      rejected++;
      console.log(`REJECT ${out.position}: ${out.reasonCode} ${out.reason}`);
      continue;
    }
    if (out.stream !== 'activity') continue;
    normalized++;
    if (!type.isValid(out.event)) {
      invalid++;
      console.log(`INVALID AVRO ${out.position}`);
    }
    providers.set(out.event.cloud.provider, (providers.get(out.event.cloud.provider) ?? 0) + 1);
    const used = (JSON.parse(out.event.unmapped) as { _sluice?: { fallbacks?: string[] } })._sluice?.fallbacks ?? [];
    for (const f of used) fallbacks.set(f, (fallbacks.get(f) ?? 0) + 1);
  }
}
console.log(`azure_activity: read ${read}, normalized ${normalized}, rejected ${rejected}, invalid Avro ${invalid}`);
console.log(`  providers: ${JSON.stringify(Object.fromEntries(providers))}; fallbacks used: ${JSON.stringify(Object.fromEntries(fallbacks))}`);
process.exit(rejected === 0 && invalid === 0 ? 0 : 1);
