/**
 * Runs the hubble_flows and vpc_flow_logs collectors over the whole shared development data set
 * and prints read / normalized / rejected counts, Avro-checking every event.
 *   node --import tsx test/shared-data/check-flows.ts [shared-data-dir]
 * The directory defaults to $SLUICE_SHARED_DATA, else ../shared/data beside the repository.
 * Exit 0 with a note when the data is absent; exit 1 when a Hubble flow is rejected or an event
 * does not fit network_flow.v1.avsc.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { canonicalJson } from '../../services/collectors/aws_cloudtrail/index.ts';
import { hubbleFlowsCollector } from '../../services/collectors/hubble_flows/index.ts';
import { vpcFlowLogsCollector } from '../../services/collectors/vpc_flow_logs/index.ts';

const dataDir = process.argv[2] ?? process.env.SLUICE_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));
if (!existsSync(dataDir)) {
  console.log(`shared data not found at ${dataDir}: nothing to check`);
  process.exit(0);
}
const flowType = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../schemas/avro/network_flow.v1.avsc', import.meta.url), 'utf8')));
let failures = 0;

function avroOk(event: unknown, label: string): void {
  const ok = flowType.isValid(event) && canonicalJson(JSON.parse(JSON.stringify(flowType.fromBuffer(flowType.toBuffer(event))))) === canonicalJson(event);
  if (!ok) {
    failures++;
    console.log(`  AVRO FAIL ${label}`);
  }
}

const hubbleDir = join(dataDir, 'hubble_flows');
if (existsSync(hubbleDir)) {
  const c = hubbleFlowsCollector();
  const keys = new Set<string>();
  let read = 0;
  let normalized = 0;
  let rejected = 0;
  console.log('hubble_flows');
  for (const f of readdirSync(hubbleDir).filter((n) => n.endsWith('.jsonl')).sort()) {
    let n = 0;
    let r = 0;
    for (const o of c.collect({ name: f, bytes: readFileSync(join(hubbleDir, f)) })) {
      if (o.kind === 'event') {
        n++;
        keys.add(o.key);
        avroOk(o.event, o.position);
      } else {
        r++;
        console.log(`  REJECT ${o.position}: ${o.reason}`);
      }
    }
    console.log(`  ${f}: read ${n + r}, normalized ${n}, rejected ${r}`);
    read += n + r;
    normalized += n;
    rejected += r;
  }
  console.log(`  total: read ${read}, normalized ${normalized}, rejected ${rejected}, distinct source keys ${keys.size}`);
  failures += rejected;
} else {
  console.log(`hubble_flows: ${hubbleDir} not found`);
}

const vpcFile = join(dataDir, 'panther-analysis-dev', 'aws_vpc_flow_dns_rule_tests.jsonl');
if (existsSync(vpcFile)) {
  const c = vpcFlowLogsCollector();
  const byType = new Map<string, { normalized: number; rejected: number; reasons: Set<string> }>();
  for (const line of readFileSync(vpcFile, 'utf8').split('\n').filter((l) => l.trim() !== '')) {
    const tc = JSON.parse(line) as { case_id: string; log_type: string; log: unknown };
    const s = byType.get(tc.log_type) ?? { normalized: 0, rejected: 0, reasons: new Set<string>() };
    byType.set(tc.log_type, s);
    for (const o of c.collect({ name: tc.case_id, bytes: Buffer.from(JSON.stringify(tc.log)) })) {
      if (o.kind === 'event') {
        s.normalized++;
        avroOk(o.event, o.position);
      } else {
        s.rejected++;
        s.reasons.add(o.reason);
      }
    }
  }
  console.log('vpc_flow_logs (Panther rule tests)');
  for (const [type, s] of byType) {
    console.log(`  ${type}: read ${s.normalized + s.rejected}, normalized ${s.normalized}, rejected ${s.rejected}${s.reasons.size ? ` (${[...s.reasons].join(' | ')})` : ''}`);
  }
} else {
  console.log(`vpc_flow_logs: ${vpcFile} not found`);
}

if (failures > 0) {
  console.log(`${failures} failure(s)`);
  process.exit(1);
}
