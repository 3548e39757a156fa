/**
 * Suppressions in `sluice scan`: skip comments in HCL and YAML, Kubernetes annotations,
 * CloudFormation Metadata, --skip-rule, --rule, and baselines. A suppressed violation stays in
 * the JSON (`suppressed`), the text and the SARIF (results with `suppressions`, valid against the
 * official schema); it no longer counts in the summary or the exit code.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanCommand, type ScanOptions } from './index.ts';
import { commentSkips } from './suppressions.ts';
import { sarifErrors } from '../../test/support/official-schemas/sarif.ts';

const root = mkdtempSync(join(tmpdir(), 'sluice-suppress-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

interface Report {
  violations: Array<{ rule: string; resource_name: string }>;
  suppressed: Array<{ rule: string; resource_name: string; suppression: { kind: string; justification: string; source: string } }>;
  summary: Record<string, number>;
  exit_code: number;
}

async function run(paths: string[], extra: Partial<ScanOptions> = {}): Promise<{ code: number; report: Report; text: string; sarif: Record<string, unknown> }> {
  const base: ScanOptions = { format: 'json', failOn: 'high', srcRoot: root, ...extra };
  let json = '';
  const code = await scanCommand(paths, base, (s) => (json += s));
  let text = '';
  await scanCommand(paths, { ...base, format: 'text' }, (s) => (text += s));
  let sarif = '';
  await scanCommand(paths, { ...base, format: 'sarif' }, (s) => (sarif += s));
  const log = JSON.parse(sarif) as Record<string, unknown>;
  assert.deepEqual(sarifErrors(log), [], 'the SARIF validates against the official schema');
  return { code, report: JSON.parse(json) as Report, text, sarif: log };
}

const pairs = (vs: ReadonlyArray<{ rule: string; resource_name: string }>): string[] => vs.map((v) => `${v.resource_name} ${v.rule}`).sort();

const SG = (name: string, skip: string): string => `resource "aws_security_group" "${name}" {
  name = "${name}"
${skip}  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`;

test('HCL: a skip comment inside the block or just above it suppresses that resource only, with its reason', async () => {
  const file = write(
    'hcl/main.tf',
    [
      SG('inside', '  # sluice:skip=posture.aws.ec2.sg_ssh_open_to_world bastion host, reviewed in SEC-12\n'),
      '# The jump box of the lab account.\n// sluice:skip=posture.aws.ec2.sg_ssh_open_to_world lab only\n',
      SG('above', ''),
      SG('plain', ''),
      SG('other_rule', '  # sluice:skip=posture.aws.s3.versioning_disabled not this rule\n'),
    ].join('\n'),
  );
  const { code, report, text, sarif } = await run([file]);
  assert.deepEqual(pairs(report.violations).filter((p) => p.includes('sg_ssh')), ['aws_security_group.other_rule posture.aws.ec2.sg_ssh_open_to_world', 'aws_security_group.plain posture.aws.ec2.sg_ssh_open_to_world']);
  const suppressed = report.suppressed.filter((s) => s.rule === 'posture.aws.ec2.sg_ssh_open_to_world');
  assert.deepEqual(pairs(suppressed), ['aws_security_group.above posture.aws.ec2.sg_ssh_open_to_world', 'aws_security_group.inside posture.aws.ec2.sg_ssh_open_to_world']);
  const inside = suppressed.find((s) => s.resource_name === 'aws_security_group.inside')!;
  assert.deepEqual(inside.suppression, { kind: 'comment', justification: 'bastion host, reviewed in SEC-12', source: `${file}:3` });
  assert.equal(code, 1, 'the unsuppressed ones still fail the scan');
  assert.match(text, /SUPPRESSED {2}posture\.aws\.ec2\.sg_ssh_open_to_world {2}aws_security_group\.inside {2}by comment .*main\.tf:3: bastion host, reviewed in SEC-12/);
  assert.match(text, /\d+ suppressed/);
  const results = (sarif.runs as Array<{ results: Array<{ ruleId: string; suppressions?: Array<{ kind: string; status: string; justification: string }> }> }>)[0]!.results;
  const withSuppressions = results.filter((r) => r.suppressions);
  assert.equal(withSuppressions.length, report.suppressed.length);
  assert.ok(withSuppressions.every((r) => r.suppressions![0]!.kind === 'inSource' && r.suppressions![0]!.status === 'accepted'));
});

test('everything suppressed: exit 0, the summary counts nothing, the suppressed stay listed', async () => {
  const file = write('hcl-all/main.tf', SG('only', '  # sluice:skip=posture.aws.ec2.* shared bastion\n'));
  const { code, report } = await run([file]);
  assert.deepEqual(report.violations, []);
  assert.equal(Object.values(report.summary).reduce((a, b) => a + b, 0), 0);
  assert.ok(report.suppressed.length >= 1);
  assert.ok(report.suppressed.every((s) => s.rule.startsWith('posture.aws.ec2.') && s.suppression.justification === 'shared bastion'), 'a glob names every EC2 rule');
  assert.equal(code, 0);
});

test('Kubernetes: a sluice.dev/skip annotation; CloudFormation: Metadata.sluice.skip', async () => {
  const pod = write(
    'k8s/pod.yaml',
    `apiVersion: v1
kind: Pod
metadata:
  name: node-agent
  annotations:
    sluice.dev/skip: posture.k8s.privileged_container,posture.k8s.host_pid the node agent needs the host
spec:
  hostPID: true
  containers:
    - name: agent
      image: registry.example/agent:1.2.3
      securityContext:
        privileged: true
`,
  );
  const cfn = write(
    'cfn/bucket.yaml',
    `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Metadata:
      sluice:
        skip:
          - rule: posture.aws.s3.versioning_disabled
            reason: log bucket, objects are immutable copies
          - id: posture.aws.s3.access_logging_disabled
            comment: this is the access-log bucket
`,
  );
  const { report } = await run([pod, cfn], { failOn: 'critical' });
  const byRule = new Map(report.suppressed.map((s) => [s.rule, s.suppression]));
  assert.deepEqual(byRule.get('posture.k8s.privileged_container'), { kind: 'annotation', justification: 'the node agent needs the host', source: 'metadata.annotations["sluice.dev/skip"]' });
  assert.equal(byRule.get('posture.k8s.host_pid')?.kind, 'annotation');
  assert.deepEqual(byRule.get('posture.aws.s3.versioning_disabled'), { kind: 'metadata', justification: 'log bucket, objects are immutable copies', source: 'Metadata.sluice.skip[0]' });
  assert.equal(byRule.get('posture.aws.s3.access_logging_disabled')?.justification, 'this is the access-log bucket');
  for (const r of ['posture.k8s.privileged_container', 'posture.k8s.host_pid', 'posture.aws.s3.versioning_disabled']) {
    assert.ok(!report.violations.some((v) => v.rule === r), `${r} is not reported as a violation`);
  }
  assert.ok(report.violations.some((v) => v.rule === 'posture.aws.s3.default_encryption_missing' || v.rule.startsWith('posture.aws.s3.public_access_block')), 'the bucket\'s other failures stay');
});

test('--skip-rule suppresses (external), --rule keeps only the named rules', async () => {
  const file = write('hcl-cli/main.tf', SG('cli', ''));
  const all = await run([file], { failOn: 'informational' });
  assert.ok(all.report.violations.length >= 1);
  const skipped = await run([file], { failOn: 'informational', skipRules: ['posture.aws.ec2.sg_ssh_open_to_world'] });
  assert.deepEqual(skipped.report.suppressed.map((s) => [s.rule, s.suppression.kind, s.suppression.source]), [['posture.aws.ec2.sg_ssh_open_to_world', 'skip_rule', '--skip-rule posture.aws.ec2.sg_ssh_open_to_world']]);
  const ext = (skipped.sarif.runs as Array<{ results: Array<{ suppressions?: Array<{ kind: string }> }> }>)[0]!.results.find((r) => r.suppressions);
  assert.equal(ext?.suppressions?.[0]?.kind, 'external');
  const only = await run([file], { failOn: 'informational', only: ['posture.aws.ec2.sg_ssh_*'] });
  assert.deepEqual([...new Set(only.report.violations.map((v) => v.rule))], ['posture.aws.ec2.sg_ssh_open_to_world']);
  assert.deepEqual(only.report.suppressed, []);
});

test('a baseline accepts what exists today; a new violation still fails, line moves do not revive old ones', async () => {
  const file = write('hcl-base/main.tf', SG('old', ''));
  const baseline = join(root, 'baseline.json');
  let msg = '';
  assert.equal(await scanCommand([file], { format: 'text', failOn: 'high', srcRoot: root, createBaseline: baseline }, (s) => (msg += s)), 0);
  assert.match(msg, /wrote a baseline of \d+ violations? to /);
  const doc = JSON.parse(readFileSync(baseline, 'utf8')) as { entries: Array<{ rule: string; file: string; resource: string }> };
  assert.ok(doc.entries.some((e) => e.rule === 'posture.aws.ec2.sg_ssh_open_to_world' && e.file === 'hcl-base/main.tf' && e.resource === 'aws_security_group.old'), 'files relative to the source root');

  const clean = await run([file], { baseline });
  assert.equal(clean.code, 0);
  assert.deepEqual(clean.report.violations, []);
  assert.ok(clean.report.suppressed.every((s) => s.suppression.kind === 'baseline' && s.suppression.source === baseline));

  writeFileSync(file, `# a comment that moves every line down\n\n${SG('old', '')}\n${SG('new', '')}`);
  const later = await run([file], { baseline });
  assert.equal(later.code, 1);
  assert.ok(later.report.violations.length > 0 && later.report.violations.every((v) => v.resource_name === 'aws_security_group.new'), 'only the new resource is reported');
  assert.ok(later.report.suppressed.some((s) => s.resource_name === 'aws_security_group.old'));
});

test('a bad baseline is a usage error (exit 2) with the reason; --baseline with --create-baseline too', async () => {
  const file = write('hcl-bad/main.tf', SG('x', ''));
  const bad = write('bad-baseline.json', '{"entries": []}');
  let out = '';
  assert.equal(await scanCommand([file], { format: 'json', failOn: 'high', srcRoot: root, baseline: bad }, (s) => (out += s)), 2);
  assert.match(out, /is not a sluice scan baseline/);
  out = '';
  assert.equal(await scanCommand([file], { format: 'json', failOn: 'high', srcRoot: root, baseline: join(root, 'missing.json') }, (s) => (out += s)), 2);
  assert.match(out, /cannot read the baseline/);
  out = '';
  assert.equal(await scanCommand([file], { format: 'json', failOn: 'high', srcRoot: root, baseline: bad, createBaseline: bad }, (s) => (out += s)), 2);
  assert.match(out, /do not go together/);
});

test('commentSkips: the resource right below wins over the one whose block holds the comment; no resource, no skip', () => {
  const text = ['resource "a" "one" {', '  x = 1', '}', '# sluice:skip=r1 why', 'resource "a" "two" {', '  # sluice:skip=r2', '}'].join('\n');
  const m = commentSkips('f.tf', text, [1, 5]);
  assert.deepEqual([...m.keys()].sort(), [5]);
  assert.deepEqual(m.get(5)!.map((s) => [s.rules, s.suppression.justification]), [
    [['r1'], 'why'],
    [['r2'], ''],
  ]);
  assert.equal(commentSkips('f.tf', '# sluice:skip=r1 why\n', []).size, 0);
});
