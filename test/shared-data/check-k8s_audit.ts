/**
 * Runs the k8s_audit collector over the shared development data (shared/data beside the
 * repository, or SLUICE_SHARED_DATA) and prints read / normalized / rejected counts per log type,
 * the documented fallbacks used, and every reject with its reason. Every event is checked against
 * schemas/avro/api_activity.v1.avsc.
 *   node --import tsx test/shared-data/check-k8s_audit.ts
 * Exit 0 when every record normalizes to a valid event (or the data folder is absent), 1 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import avro from 'avsc';
import { k8sAuditCollector } from '../../services/collectors/k8s_audit/index.ts';

const dataDir = process.env.SLUICE_SHARED_DATA ?? new URL('../../../shared/data/', import.meta.url).pathname;
const file = `${dataDir.replace(/\/$/, '')}/panther-analysis-dev/k8s_audit_rule_tests.jsonl`;
if (!existsSync(file)) {
  console.log(`shared data not found (${file}): nothing to check`);
  process.exit(0);
}

const type = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../schemas/avro/api_activity.v1.avsc', import.meta.url), 'utf8')));
const collector = k8sAuditCollector();
const perType = new Map<string, { read: number; normalized: number; rejected: number }>();
let invalid = 0;
const fallbacks = new Map<string, number>();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const c = JSON.parse(line) as { case_id: string; log_type: string; log: unknown };
  const counts = perType.get(c.log_type) ?? { read: 0, normalized: 0, rejected: 0 };
  perType.set(c.log_type, counts);
  for (const out of collector.collect({ name: c.case_id, bytes: Buffer.from(JSON.stringify(c.log)) })) {
    counts.read++;
    if (out.kind === 'dead_letter') {
      counts.rejected++;
      console.log(`REJECT ${out.position}: ${out.reasonCode} ${out.reason}`);
      continue;
    }
    if (out.stream !== 'activity') continue;
    counts.normalized++;
    if (!type.isValid(out.event)) {
      invalid++;
      console.log(`INVALID AVRO ${out.position}`);
    }
    const used = (JSON.parse(out.event.unmapped) as { _sluice?: { fallbacks?: string[] } })._sluice?.fallbacks ?? [];
    for (const f of used) fallbacks.set(f, (fallbacks.get(f) ?? 0) + 1);
  }
}
let rejected = 0;
for (const [logType, n] of perType) {
  rejected += n.rejected;
  console.log(`k8s_audit ${logType}: read ${n.read}, normalized ${n.normalized}, rejected ${n.rejected}`);
}
console.log(`  invalid Avro ${invalid}; fallbacks used: ${JSON.stringify(Object.fromEntries(fallbacks))}`);
process.exit(rejected === 0 && invalid === 0 ? 0 : 1);
