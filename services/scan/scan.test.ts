import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { scanCommand, scanFiles, postureRuleSet } from './index.ts';

const VIOLATING = fileURLToPath(new URL('./fixtures/violating', import.meta.url));
const CLEAN = fileURLToPath(new URL('./fixtures/clean', import.meta.url));

async function run(paths: string[], format: 'text' | 'json' | 'sarif', failOn: 'high' | 'critical' | 'low' | 'informational' = 'high') {
  let text = '';
  const code = await scanCommand(paths, { format, failOn }, (s) => (text += s));
  return { code, text };
}

test('the violating repo exits 1 and the text names file:line, resource, rule, why and how to fix', async () => {
  const { code, text } = await run([VIOLATING], 'text');
  assert.equal(code, 1);
  assert.match(text, /network\.yaml:6 {2}HIGH {2}posture\.aws\.ec2\.sg_ssh_open_to_world {2}AdminSecurityGroup \(AWS::EC2::SecurityGroup\)/);
  assert.match(text, /why: An ingress rule opens TCP 22/);
  assert.match(text, /fix: Restrict the source/);
  assert.match(text, /plan\.json:\d+ {2}CRITICAL {2}posture\.aws\.ec2\.sg_all_traffic_open_to_world {2}aws_security_group\.open/);
  assert.match(text, /privileged\.yaml:\d+ {2}CRITICAL {2}posture\.k8s\.privileged_container/);
  assert.match(text, /database\.json:\d+ {2}CRITICAL {2}posture\.aws\.rds\.publicly_accessible/);
});

test('the clean repo exits 0 with no violation at any severity', async () => {
  const { code, text } = await run([CLEAN], 'json', 'informational');
  assert.equal(code, 0);
  const report = JSON.parse(text) as { violations: unknown[]; resources: number; errors: unknown[] };
  assert.deepEqual(report.violations, []);
  assert.deepEqual(report.errors, []);
  assert.equal(report.resources, 8);
});

test('--fail-on decides the exit code; json lists every violation with its compliance mapping', async () => {
  const { code, text } = await run([`${VIOLATING}/k8s/privileged.yaml`], 'json', 'critical');
  assert.equal(code, 1);
  const report = JSON.parse(text) as { violations: Array<{ rule: string; compliance: string; severity: string }>; summary: Record<string, number> };
  const priv = report.violations.find((v) => v.rule === 'posture.k8s.privileged_container')!;
  assert.match(priv.compliance, /CIS Kubernetes 1\.8\.0 5\.2\.2/);
  assert.equal(report.summary.critical, report.violations.filter((v) => v.severity === 'critical').length);
  const onlyHigh = await run([`${VIOLATING}/network.yaml`], 'text', 'critical');
  assert.equal(onlyHigh.code, 0, 'network.yaml has high violations only');
});

test('usage and parse errors exit 2', async () => {
  assert.equal((await run([], 'text')).code, 2);
  assert.equal((await run(['/nonexistent/sluice-scan'], 'text')).code, 2);
  assert.equal((await scanCommand([CLEAN], { format: 'xml' as 'json', failOn: 'high' }, () => {})), 2);
  assert.equal((await scanCommand([CLEAN], { format: 'json', failOn: 'severe' as 'high' }, () => {})), 2);
  assert.equal((await scanCommand([CLEAN], { format: 'json', failOn: 'high', packs: ['/nonexistent/pack'] }, () => {})), 2);
  const report = scanFiles([{ name: 'broken.json', bytes: Buffer.from('{"Resources": {') }], { failOn: 'high', rules: postureRuleSet() });
  assert.equal(report.exit_code, 2);
  assert.equal(report.errors.length, 1);
});

test('the same rule gives the same verdict on a template and on the live AWS Config item', () => {
  const rules = postureRuleSet();
  const cfn = scanFiles([{ name: 't.yaml', bytes: Buffer.from('Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: { Engine: postgres, Port: 5433, PubliclyAccessible: true, StorageEncrypted: true, BackupRetentionPeriod: 7, DeletionProtection: true, MultiAZ: true, MonitoringInterval: 60, EnableIAMDatabaseAuthentication: true, CopyTagsToSnapshot: true, EnableCloudwatchLogsExports: [postgresql] }\n') }], { failOn: 'high', rules });
  assert.deepEqual(cfn.violations.map((v) => v.rule), ['posture.aws.rds.publicly_accessible']);
});

test('sluice scan on a FIFO or /dev/zero: a clear error at once, no hang, no endless read', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execFileSync } = await import('node:child_process');
  const { runBounded } = await import('../../test/support/bounded.ts');
  const fifo = join(mkdtempSync(join(tmpdir(), 'sluice-scan-fifo-')), 'pipe.yaml');
  execFileSync('mkfifo', [fifo]);
  const errors = await runBounded<Array<{ file: string; message: string }>>(
    import.meta.url,
    { scan: './index.ts' },
    `async (m) => m.scan.readScanInputs(${JSON.stringify([fifo, '/dev/zero'])}).errors`,
    { timeoutMs: 10_000, maxHeapMb: 256 },
  );
  assert.deepEqual(errors.map((e) => e.file), [fifo, '/dev/zero']);
  for (const e of errors) assert.match(e.message, /^SLUICE_ERR_INPUT_NOT_REGULAR: not a regular file/);
});
