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
 * processor (piscina) -> sinks, with CloudTrail records from the fixtures, with the collector on its
 * own thread and on the main thread (`--thread=always,never`), and a bare JSON.parse of the same
 * lines as the anchor.
 */
export async function runPipelineBench(args: string[]): Promise<unknown> {
  const mb = Number(args.find((a) => a.startsWith('--mb='))?.slice(5) ?? 32);
  const workers = Number(args.find((a) => a.startsWith('--workers='))?.slice(10) ?? 2);
  const threads = (args.find((a) => a.startsWith('--thread='))?.slice(9) ?? 'always,never').split(',') as Array<'always' | 'never'>;
  const fixture = fileURLToPath(new URL('../test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl', import.meta.url));
  const { bytes, records } = ndjsonCorpus(loadRecords(fixture), mb * 1e6);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  try {
    const file = join(dir, 'cloudtrail.ndjson');
    writeFileSync(file, bytes);
    // The anchor of issue #17: a bare JSON.parse of every line of the same NDJSON, in this run.
    const a0 = process.hrtime.bigint();
    let parsed = 0;
    for (const line of bytes.toString('utf8').split('\n')) if (line) (JSON.parse(line) as unknown) && parsed++;
    const jsonParsePerSec = Math.round(parsed / (Number(process.hrtime.bigint() - a0) / 1e9));
    const small = ndjsonCorpus(loadRecords(fixture), 200 * 1024);
    const smallFile = join(dir, 'cloudtrail-small.ndjson');
    writeFileSync(smallFile, small.bytes);
    const runOnce = async (mode: 'always' | 'never', input: string) => {
      const config = resolveConfig({ log: { level: 'silent' }, processor: { workers }, http: { port: 0 }, collectorThread: { mode } });
      const rss0 = process.memoryUsage().rss;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const summary = await runPipeline(
        { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-bench' }) },
        { collector: awsCloudTrailCollector({}), offThread: { type: 'aws_cloudtrail', configs: {}, ...config.collectorThread }, inputs: [input] },
      );
      const cpu = process.cpuUsage(cpu0);
      return { sec: Number(process.hrtime.bigint() - t0) / 1e9, cpuSec: (cpu.user + cpu.system) / 1e6, events: summary.processor.eventsIn, findings: summary.processor.findingsOut, rss: process.memoryUsage().rss - rss0 };
    };
    const runs: Array<Record<string, unknown>> = [];
    for (const mode of threads) {
      // Start-up apart from steady state: a small run of the same records gives the fixed cost
      // (threads, rule packs, topics); steady state is the difference between the two runs.
      const fixed = await runOnce(mode, smallFile);
      const big = await runOnce(mode, file);
      const steady = Math.round((big.events - fixed.events) / (big.sec - fixed.sec));
      runs.push({
        collector_thread: mode === 'always',
        seconds: +big.sec.toFixed(2),
        cpu_seconds: +big.cpuSec.toFixed(2),
        small_run: { events: fixed.events, seconds: +fixed.sec.toFixed(2), cpu_seconds: +fixed.cpuSec.toFixed(2) },
        steady_events_per_sec: steady,
        // CPU of every thread of the process (collector, main, detector threads) per steady-state
        // event: what other processes' load changes far less than the wall-clock rate.
        steady_cpu_us_per_event: +((1e6 * (big.cpuSec - fixed.cpuSec)) / (big.events - fixed.events)).toFixed(1),
        ratio_to_json_parse: +(steady / jsonParsePerSec).toFixed(3),
        findings: big.findings,
        rss_growth_mb: Math.round(big.rss / 1e6),
      });
    }
    return {
      bench: 'pipeline',
      transport: 'embedded',
      workers,
      records,
      megabytes: +(bytes.length / 1e6).toFixed(1),
      json_parse_lines_per_sec: jsonParsePerSec,
      runs,
      note: 'steady state = (events of the big run - events of a 200 KB run) / (the difference of their seconds), and the same difference of CPU seconds (all threads of the process) per event; the embedded log keeps every message in memory: rss grows with the input',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
