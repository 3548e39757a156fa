import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../services/core/clock.ts';
import { resolveConfig } from '../services/cli/config.ts';
import { silentLogger } from '../services/core/logger.ts';
import { createTelemetry } from '../services/core/telemetry.ts';
import { awsCloudTrailCollector } from '../services/collectors/aws_cloudtrail/index.ts';
import { runPipeline } from '../services/cli/pipeline.ts';
import { loadRecords, ndjsonCorpus } from './corpus.ts';

/**
 * End-to-end events/s of `sluice run` on the embedded log: collector -> Avro -> topic ->
 * processor (piscina) -> sinks, with CloudTrail records from the fixtures.
 */
export async function runPipelineBench(args: string[]): Promise<unknown> {
  const mb = Number(args.find((a) => a.startsWith('--mb='))?.slice(5) ?? 32);
  const workers = Number(args.find((a) => a.startsWith('--workers='))?.slice(10) ?? 2);
  const fixture = fileURLToPath(new URL('../test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl', import.meta.url));
  const { bytes, records } = ndjsonCorpus(loadRecords(fixture), mb * 1e6);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  try {
    const file = join(dir, 'cloudtrail.ndjson');
    writeFileSync(file, bytes);
    const config = resolveConfig({ log: { level: 'silent' }, processor: { workers }, http: { port: 0 } });
    const rss0 = process.memoryUsage().rss;
    const t0 = process.hrtime.bigint();
    const summary = await runPipeline({ config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-bench' }) }, { collector: awsCloudTrailCollector({}), inputs: [file] });
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      bench: 'pipeline',
      transport: summary.transport,
      workers,
      records,
      megabytes: +(bytes.length / 1e6).toFixed(1),
      seconds: +sec.toFixed(2),
      events_per_sec: Math.round(summary.processor.eventsIn / sec),
      findings: summary.processor.findingsOut,
      rss_growth_mb: Math.round((process.memoryUsage().rss - rss0) / 1e6),
      note: 'embedded log keeps every message in memory: rss grows with the input',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
