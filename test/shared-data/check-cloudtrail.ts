/**
 * Development check: runs every CloudTrail record of the shared development data through the
 * aws_cloudtrail collector and prints counts (read, normalized, rejected) and the reject reasons.
 *   - Panther rule tests (any *.jsonl whose lines are {case_id, log_type, log}): the `log` of each
 *     case with log_type AWS.CloudTrail, one input per case;
 *   - every other *.json / *.jsonl / *.ndjson / *.gz file under cloudtrail/: the whole file as one input.
 * Usage: node --import tsx test/shared-data/check-cloudtrail.ts [DATA_DIR]   (default ../shared/data)
 * Exits 0 with a message when the folder is absent. Exits 0 otherwise too: this is a report.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awsCloudTrailCollector } from '../../services/collectors/aws_cloudtrail/index.ts';
import type { CollectorInput } from '../../services/core/components.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dataDir = resolve(process.argv[2] ?? join(repoRoot, '..', 'shared', 'data'));

if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
  console.log(`No shared data at ${dataDir}: nothing to check.`);
  process.exit(0);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? walk(p) : [p];
  });
}

interface Tally { read: number; normalized: number; rejected: number }
const perSource = new Map<string, Tally>();
const reasons = new Map<string, { count: number; example: string }>();
const collector = awsCloudTrailCollector();

function run(label: string, input: CollectorInput): void {
  const t = perSource.get(label) ?? { read: 0, normalized: 0, rejected: 0 };
  perSource.set(label, t);
  for (const out of collector.collect(input)) {
    t.read++;
    if (out.kind === 'event') {
      t.normalized++;
      continue;
    }
    t.rejected++;
    const key = `${out.reasonCode}: ${out.reason.replace(/^line \d+: /, '').replace(/"[^"]*"/g, '"…"')}`;
    const r = reasons.get(key) ?? { count: 0, example: out.position };
    r.count++;
    reasons.set(key, r);
  }
}

function pantherCases(file: string): Array<{ case_id: string; log_type: unknown; log: unknown }> | null {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cases: Array<{ case_id: string; log_type: unknown; log: unknown }> = [];
  for (const line of lines) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return null;
    }
    if (typeof v !== 'object' || v === null || !('case_id' in v) || !('log' in v)) return null;
    cases.push(v as { case_id: string; log_type: unknown; log: unknown });
  }
  return cases;
}

for (const file of walk(dataDir).sort()) {
  const rel = relative(dataDir, file);
  if (!/\.(jsonl|ndjson|json)(\.gz)?$|\.gz$/.test(file)) continue;
  if (/\.jsonl$/.test(file)) {
    const cases = pantherCases(file);
    if (cases) {
      for (const c of cases) {
        if (c.log_type !== 'AWS.CloudTrail') continue;
        run(rel, { name: `${rel}:${c.case_id}`, bytes: Buffer.from(JSON.stringify(c.log)) });
      }
      continue;
    }
  }
  if (rel.split(/[\\/]/).includes('cloudtrail')) run(rel, { name: rel, bytes: readFileSync(file) });
}

let read = 0;
let normalized = 0;
let rejected = 0;
for (const [label, t] of perSource) {
  if (t.read === 0) continue;
  console.log(`${label}: read ${t.read}, normalized ${t.normalized}, rejected ${t.rejected}`);
  read += t.read;
  normalized += t.normalized;
  rejected += t.rejected;
}
console.log(`total: read ${read}, normalized ${normalized}, rejected ${rejected}`);
if (reasons.size > 0) {
  console.log('reject reasons:');
  for (const [reason, r] of [...reasons].sort((a, b) => b[1].count - a[1].count)) {
    console.log(`  ${String(r.count).padStart(4)}  ${reason}   (e.g. ${r.example})`);
  }
}
