import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { loadRecords } from '../../loadtest/corpus.ts';

/**
 * Real native records of each record-based collector, from the repository's fixtures: seeds for
 * the fuzz test (truncated copies; other sources' records as wrong-type input).
 */
export const SEED_FILES: Record<string, string> = {
  aws_cloudtrail: 'test/fixtures/cloudtrail/otrf/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl',
  azure_activity: 'test/fixtures/azure_activity/derived/eventhubs-records.json',
  k8s_audit: 'test/fixtures/k8s_audit/derived/eventlist.json',
  gcp_audit: 'test/fixtures/gcp_audit/storage-export.jsonl',
  aws_config: 'test/fixtures/aws_config/rdk/AWS_EC2_SecurityGroup.json',
  aws_config_rescan: 'test/fixtures/aws_config/rdk/AWS_EC2_SecurityGroup.json',
  aws_account: 'test/fixtures/aws_account/account-summary.json',
  config_files: 'test/fixtures/config_files/k8s/list.json',
  hubble_flows: 'test/fixtures/hubble_flows/basic-sample-10-flows.jsonl',
  tetragon: 'test/fixtures/tetragon/security-observability-selected.jsonl',
  osv: 'test/fixtures/osv/go_advisories_selected.jsonl',
  sbom: 'test/fixtures/sbom/derived/alpine.cdx.json',
  vpc_flow_logs: 'test/fixtures/vpc_flow_logs/derived/vpc-flow-v2.log',
};

function seedPath(type: string): string | undefined {
  const rel = SEED_FILES[type];
  if (!rel) return undefined;
  const path = fileURLToPath(new URL(`../../${rel}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`seed file for ${type} is missing: ${rel}`);
  return path;
}

/** Parsed native records (JSON sources); text-line sources (.log) have none. */
export function seedRecords(type: string): unknown[] {
  const path = seedPath(type);
  return !path || path.endsWith('.log') ? [] : loadRecords(path);
}

/** The native text of each seed record: a JSON record, or a line of a text log. */
export function seedTexts(type: string): string[] {
  const path = seedPath(type);
  if (!path) return [];
  if (path.endsWith('.log')) return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('version '));
  return loadRecords(path).map((r) => JSON.stringify(r));
}
