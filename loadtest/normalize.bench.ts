import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_SPECS } from '../services/collectors/registry.ts';
import type { CollectorSpec } from '../services/core/components.ts';
import { loadRecords, ndjsonCorpus } from './corpus.ts';

/** Real records per collector type, from the repository's fixtures. */
export const BENCH_FIXTURES: Record<string, string> = {
  aws_cloudtrail: 'test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl',
};

function time(fn: () => number): { ms: number; count: number } {
  const t0 = process.hrtime.bigint();
  const count = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, count };
}

function benchOne(spec: CollectorSpec, path: string, targetBytes: number) {
  const { bytes, records } = ndjsonCorpus(loadRecords(path), targetBytes);
  const collector = spec.create({});
  const input = { name: 'bench', bytes };
  // Warm up the JIT on a slice, then measure the whole corpus once for each side.
  for (const _ of collector.collect({ name: 'warm', bytes: bytes.subarray(0, Math.min(bytes.length, 1 << 20)) })) void _;
  const parse = time(() => {
    let n = 0;
    for (const line of bytes.toString('utf8').split('\n')) if (line) (JSON.parse(line) as unknown, n++);
    return n;
  });
  let rejected = 0;
  const norm = time(() => {
    let n = 0;
    for (const out of collector.collect(input)) {
      if (out.kind === 'event') n++;
      else rejected++;
    }
    return n;
  });
  return {
    collector: spec.type,
    records,
    megabytes: +(bytes.length / 1e6).toFixed(1),
    normalized: norm.count,
    rejected,
    events_per_sec: Math.round(norm.count / (norm.ms / 1000)),
    json_parse_records_per_sec: Math.round(parse.count / (parse.ms / 1000)),
    ratio_to_json_parse: +(parse.ms / norm.ms).toFixed(3),
  };
}

/** events/s per collector on one thread, and the ratio to a bare JSON.parse of the same NDJSON. */
export async function runNormalizeBench(args: string[]): Promise<unknown> {
  const mb = Number(args.find((a) => a.startsWith('--mb='))?.slice(5) ?? 32);
  const root = fileURLToPath(new URL('../', import.meta.url));
  const results = [];
  for (const spec of COLLECTOR_SPECS) {
    const path = BENCH_FIXTURES[spec.type];
    if (!path || !existsSync(root + path)) {
      results.push({ collector: spec.type, skipped: 'no record-based fixture for this collector' });
      continue;
    }
    results.push(benchOne(spec, root + path, mb * 1e6));
  }
  return { bench: 'normalize', node: process.version, target_mb_per_collector: mb, results };
}
