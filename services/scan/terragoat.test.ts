/**
 * Parity with Checkov on TerraGoat (issue 18). The AWS, Azure and GCP folders of TerraGoat
 * (test/fixtures/iac/terragoat/, Apache-2.0, SOURCE.md) are scanned as `sluice scan` reads them.
 * checkov-findings.json holds Checkov 3.3.30's failed checks on the same folders and, per check id,
 * the Sluice rule that reports the same misconfiguration (or why none does). Every mapped Checkov
 * finding must be reported by Sluice on the same resource, and each folder's count of distinct
 * (resource, rule) findings must not drop below the figure recorded in SOURCE.md, which is at
 * least Checkov's count (issue 18's target). Companion resources (aws_s3_bucket_versioning, SQL
 * auditing policies, private endpoints, flow logs, backup selections…) are linked to the resources
 * they configure across the folder's files (config_files/terraform-companions.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { postureRuleSet, readScanInputs, scanFiles } from './index.ts';

const DIR = fileURLToPath(new URL('../../test/fixtures/iac/terragoat/', import.meta.url));

interface CheckovFinding {
  check_id: string;
  resource: string;
  file: string;
}

interface CheckovRecord {
  checkov_version: string;
  folders: Record<string, { failed: number; findings: CheckovFinding[] }>;
  mapping: Record<string, { rule: string }>;
  unmapped: Record<string, { reason: string }>;
  exceptions: Array<{ check_id: string; resource: string; reason: string }>;
}

const checkov = JSON.parse(readFileSync(`${DIR}checkov-findings.json`, 'utf8')) as CheckovRecord;
const rules = postureRuleSet();

/** Per folder: Checkov's failed checks, the mapped ones Sluice must report, and Sluice's floor (SOURCE.md). */
const FIGURES: Record<string, { checkov: number; mapped: number; sluice: number }> = {
  aws: { checkov: 214, mapped: 194, sluice: 215 },
  azure: { checkov: 174, mapped: 152, sluice: 174 },
  gcp: { checkov: 56, mapped: 50, sluice: 56 },
};

function scanFolder(folder: string): Set<string> {
  const { files, errors } = readScanInputs([`${DIR}${folder}`]);
  assert.deepEqual(errors, []);
  const report = scanFiles(files, { failOn: 'high', rules });
  assert.deepEqual(report.errors, [], `${folder}: every TerraGoat file parses`);
  assert.equal(report.exit_code, 1);
  return new Set(report.violations.map((v) => `${v.resource_name}|${v.rule}`));
}

test('the Checkov record covers every failed check id with a rule or a reason', () => {
  assert.equal(checkov.checkov_version, '3.3.30');
  const ruleIds = new Set(rules.rules.map((r) => r.id));
  for (const [folder, f] of Object.entries(checkov.folders)) {
    assert.equal(f.findings.length, f.failed);
    assert.equal(f.failed, FIGURES[folder]?.checkov, `${folder}: the Checkov count in SOURCE.md`);
    for (const x of f.findings) assert.ok(checkov.mapping[x.check_id] ?? checkov.unmapped[x.check_id], `${x.check_id} is mapped or explained`);
  }
  for (const [id, m] of Object.entries(checkov.mapping)) assert.ok(ruleIds.has(m.rule), `${id} maps to ${m.rule}, a bundled rule`);
});

for (const folder of ['aws', 'azure', 'gcp']) {
  test(`TerraGoat ${folder}: Sluice reports every mapped Checkov finding and at least ${FIGURES[folder]!.sluice} findings`, () => {
    const got = scanFolder(folder);
    const skip = new Set(checkov.exceptions.map((e) => `${e.check_id}|${e.resource}`));
    const mapped = checkov.folders[folder]!.findings.filter((x) => checkov.mapping[x.check_id] && !skip.has(`${x.check_id}|${x.resource}`));
    const missed = mapped.filter((x) => !got.has(`${x.resource}|${checkov.mapping[x.check_id]!.rule}`)).map((x) => `${x.check_id} ${x.resource} -> ${checkov.mapping[x.check_id]!.rule}`);
    assert.deepEqual(missed, []);
    assert.equal(mapped.length, FIGURES[folder]!.mapped);
    assert.ok(got.size >= FIGURES[folder]!.sluice, `${folder}: ${got.size} distinct findings, at least ${FIGURES[folder]!.sluice} expected`);
    assert.ok(got.size >= FIGURES[folder]!.checkov, `${folder}: ${got.size} distinct findings, at least Checkov's ${FIGURES[folder]!.checkov} expected`);
  });
}

test('TerraGoat aws: companion resources are linked across the folder, settings absent elsewhere are judged', () => {
  const got = scanFolder('aws');
  // aws_s3_bucket_versioning.data (s3.tf) enables versioning of aws_s3_bucket.data: not reported.
  assert.ok(!got.has('aws_s3_bucket.data|posture.aws.s3.versioning_disabled'));
  assert.ok(got.has('aws_s3_bucket.financials|posture.aws.s3.versioning_disabled'));
  // aws_flow_log.vpcflowlogs (ec2.tf) records web_vpc; eks_vpc (eks.tf) has none.
  assert.ok(!got.has('aws_vpc.web_vpc|posture.aws.ec2.vpc_flow_logs_missing'));
  assert.ok(got.has('aws_vpc.eks_vpc|posture.aws.ec2.vpc_flow_logs_missing'));
  // No bucket has an aws_s3_bucket_public_access_block: every bucket is reported.
  for (const b of ['data', 'financials', 'operations', 'data_science', 'logs', 'flowbucket']) assert.ok(got.has(`aws_s3_bucket.${b}|posture.aws.s3.public_access_block_disabled`), b);
});
