import { COLLECTOR_SPECS } from '../services/collectors/registry.ts';
import type { CollectorSpec } from '../services/core/components.ts';
import { SEED_FILES, seedTexts } from '../test/collectors/seeds.ts';

/**
 * A corpus of at least `targetBytes` from a collector's real seed records: NDJSON for JSON sources,
 * the log's own lines for text sources, a YAML stream (`---`) for config files.
 */
function corpus(type: string, targetBytes: number): { bytes: Buffer; records: number; json: boolean } {
  const texts = seedTexts(type);
  const sep = type === 'config_files' ? '\n---\n' : '\n';
  const parts: string[] = [];
  let size = 0;
  while (size < targetBytes) {
    const t = texts[parts.length % texts.length]!;
    parts.push(t);
    size += t.length + sep.length;
  }
  return { bytes: Buffer.from(parts.join(sep) + '\n'), records: parts.length, json: !SEED_FILES[type]!.endsWith('.log') && type !== 'config_files' };
}

function time(fn: () => number): { ms: number; count: number } {
  const t0 = process.hrtime.bigint();
  const count = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, count };
}

function benchOne(spec: CollectorSpec, targetBytes: number) {
  const { bytes, records, json } = corpus(spec.type, targetBytes);
  const collector = spec.create({});
  const input = { name: 'bench', bytes };
  // Warm up the JIT on a slice, then measure the whole corpus once for each side.
  for (const _ of collector.collect({ name: 'warm', bytes: bytes.subarray(0, Math.min(bytes.length, 1 << 20)) })) void _;
  const parse = json
    ? time(() => {
        let n = 0;
        for (const line of bytes.toString('utf8').split('\n')) if (line) (JSON.parse(line) as unknown, n++);
        return n;
      })
    : undefined;
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
    json_parse_records_per_sec: parse ? Math.round(parse.count / (parse.ms / 1000)) : null,
    ratio_to_json_parse: parse ? +(parse.ms / norm.ms).toFixed(3) : null,
  };
}

/** events/s per collector on one thread, and the ratio to a bare JSON.parse of the same NDJSON. */
export async function runNormalizeBench(args: string[]): Promise<unknown> {
  const mb = Number(args.find((a) => a.startsWith('--mb='))?.slice(5) ?? 32);
  const only = args.find((a) => !a.startsWith('--'));
  const results = [];
  for (const spec of COLLECTOR_SPECS) {
    if (only && spec.type !== only) continue;
    if (!(spec.type in SEED_FILES)) {
      results.push({ collector: spec.type, skipped: 'not record-based (see the dlp bench for object chunks)' });
      continue;
    }
    results.push(benchOne(spec, mb * 1e6));
  }
  return {
    bench: 'normalize',
    node: process.version,
    target_mb_per_collector: mb,
    note: 'one thread; ratio_to_json_parse = time of a bare JSON.parse of the same NDJSON / time to normalize it (null for text formats)',
    results,
  };
}
