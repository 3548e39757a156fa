import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { awsCloudTrailCollector } from '../services/collectors/aws_cloudtrail/index.ts';
import type { ApiActivity } from '../services/core/events.ts';
import { benchSignatures } from '../services/detectors/signatures/index.ts';
import { runDetectBench as runAnomalyBench } from './activity/detect.bench.ts';

/**
 * `npm run bench -- detect [--signatures-only] [anomaly options]`: events/s per worker thread (in
 * process, one thread) for the signatures detector with the full bundled pack, on real CloudTrail
 * records (the OTRF fixture, replayed), and for principal_anomaly on the labelled generator, with
 * its memory per 100k principals (see loadtest/activity/README.md). `--signatures-only` skips
 * principal_anomaly (a few seconds instead of minutes).
 */
export async function runDetectBench(args: string[]): Promise<unknown> {
  const signaturesOnly = args.includes('--signatures-only');
  const fixture = fileURLToPath(new URL('../test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl', import.meta.url));
  const collector = awsCloudTrailCollector({});
  const events: ApiActivity[] = [];
  for (const out of collector.collect({ name: 'otrf.jsonl', bytes: readFileSync(fixture) })) {
    if (out.kind === 'event' && out.stream === 'activity') events.push(out.event);
  }
  const replayed: ApiActivity[] = [];
  for (let i = 0; replayed.length < 50_000 && events.length > 0; i++) replayed.push(events[i % events.length]!);
  const s = benchSignatures(replayed);
  const signatures = { ...s, eventsPerSecond: Math.round(s.eventsPerSecond), eventsPerCpuSecond: Math.round(s.eventsPerCpuSecond), events: replayed.length, source: 'OTRF CloudTrail fixture, replayed' };
  if (signaturesOnly) return { bench: 'detect', signatures };
  const anomaly = await runAnomalyBench(args.filter((a) => a !== '--signatures-only'));
  return { bench: 'detect', signatures, principal_anomaly: anomaly };
}
