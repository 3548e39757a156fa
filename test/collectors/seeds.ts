import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { loadRecords } from '../../loadtest/corpus.ts';

/**
 * Real native records of each record-based collector, from the repository's fixtures: seeds for
 * the fuzz test (truncated copies; other sources' records as wrong-type input).
 */
export const SEED_FILES: Record<string, string> = {
  aws_cloudtrail: 'test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl',
  azure_activity: 'test/fixtures/azure_activity/derived/eventhubs-records.json',
  k8s_audit: 'test/fixtures/k8s_audit/derived/eventlist.json',
};

export function seedRecords(type: string): unknown[] {
  const rel = SEED_FILES[type];
  if (!rel) return [];
  const path = fileURLToPath(new URL(`../../${rel}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`seed file for ${type} is missing: ${rel}`);
  return loadRecords(path);
}
