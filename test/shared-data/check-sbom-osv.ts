/**
 * Runs the sbom and osv collectors over the whole shared development data set and prints read /
 * normalized / rejected counts, Avro-checking every event.
 *   node --import tsx test/shared-data/check-sbom-osv.ts [shared-data-dir]
 * The directory defaults to $SLUICE_SHARED_DATA, else ../shared/data beside the repository.
 * Exit 0 with a note when the data is absent; exit 1 when an OSV record or an SBOM (JSON or
 * CycloneDX XML) is rejected, or an event does not fit its Avro schema.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { canonicalJson } from '../../services/collectors/aws_cloudtrail/index.ts';
import { osvCollector } from '../../services/collectors/osv/index.ts';
import { sbomCollector } from '../../services/collectors/sbom/index.ts';

const dataDir = process.argv[2] ?? process.env.SLUICE_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url));
if (!existsSync(dataDir)) {
  console.log(`shared data not found at ${dataDir}: nothing to check`);
  process.exit(0);
}
const typeOf = (file: string) => avro.Type.forSchema(JSON.parse(readFileSync(new URL(`../../schemas/avro/${file}`, import.meta.url), 'utf8')));
const inventoryType = typeOf('image_inventory.v1.avsc');
const advisoryType = typeOf('advisory.v1.avsc');
let failures = 0;

function avroOk(type: avro.Type, event: unknown, label: string): void {
  const ok = type.isValid(event) && canonicalJson(JSON.parse(JSON.stringify(type.fromBuffer(type.toBuffer(event))))) === canonicalJson(event);
  if (!ok) {
    failures++;
    console.log(`  AVRO FAIL ${label}`);
  }
}

const sbomDir = join(dataDir, 'osv', 'sboms');
if (existsSync(sbomDir)) {
  console.log('sbom');
  const c = sbomCollector();
  for (const f of readdirSync(sbomDir).filter((n) => /\.(json|xml)$/.test(n)).sort()) {
    for (const o of c.collect({ name: f, bytes: readFileSync(join(sbomDir, f)) })) {
      if (o.kind === 'event' && o.stream === 'image_inventory') {
        avroOk(inventoryType, o.event, o.position);
        const os = o.event.image.os ? `${o.event.image.os.family} ${o.event.image.os.version}` : 'unknown OS';
        console.log(`  ${f}: normalized, key ${o.key}, ${o.event.packages.length} packages, ${os}`);
      } else if (o.kind === 'dead_letter') {
        console.log(`  ${f}: rejected ${o.reasonCode}: ${o.reason.slice(0, 100)}…`);
        failures++;
      }
    }
  }
} else {
  console.log(`sbom: ${sbomDir} not found`);
}

const osvDir = join(dataDir, 'osv', 'advisories_sample');
if (existsSync(osvDir)) {
  console.log('osv');
  const c = osvCollector();
  let records = 0;
  let events = 0;
  let rejected = 0;
  let split = 0;
  for (const f of readdirSync(osvDir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const positions = new Map<string, number>();
    let r = 0;
    for (const o of c.collect({ name: f, bytes: readFileSync(join(osvDir, f)) })) {
      if (o.kind === 'event') {
        positions.set(o.position, (positions.get(o.position) ?? 0) + 1);
        avroOk(advisoryType, o.event, `${o.position} ${o.key}`);
      } else {
        r++;
        console.log(`  REJECT ${o.position}: ${o.reason}`);
      }
    }
    const e = [...positions.values()].reduce((a, b) => a + b, 0);
    const multi = [...positions.values()].filter((n) => n > 1).length;
    console.log(`  ${f}: read ${positions.size + r}, normalized ${positions.size} (${e} events, ${multi} split by package), rejected ${r}`);
    records += positions.size + r;
    events += e;
    rejected += r;
    split += multi;
  }
  console.log(`  total: read ${records}, events ${events}, split ${split}, rejected ${rejected}`);
  failures += rejected;
} else {
  console.log(`osv: ${osvDir} not found`);
}

if (failures > 0) {
  console.log(`${failures} failure(s)`);
  process.exit(1);
}
