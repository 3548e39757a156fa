/**
 * The docker posture pack on Dockerfiles as `sluice scan` reads them (config_files dockerfile.ts →
 * docker.stage views). Fixtures: services/scan/fixtures/docker/{violating,clean}/Dockerfile,
 * written for these tests. The SARIF of each run is validated against the official schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { scanCommand } from '../scan/index.ts';
import { sarifErrors } from '../../test/support/official-schemas/sarif.ts';
import { dockerStageView } from './resource-view-docker.ts';
import { resourceKind } from './resource-view.ts';

const FX = (p: string): string => fileURLToPath(new URL(`../scan/fixtures/docker/${p}`, import.meta.url));

interface Report {
  files: number;
  resources: number;
  violations: Array<{ rule: string; resource_name: string; line: number | null; severity: string }>;
  errors: Array<{ file: string; message: string }>;
}

async function scan(paths: string[]): Promise<{ code: number; report: Report; sarif: unknown; text: string }> {
  let json = '';
  const code = await scanCommand(paths, { format: 'json', failOn: 'high' }, (s) => (json += s));
  let sarifText = '';
  assert.equal(await scanCommand(paths, { format: 'sarif', failOn: 'high' }, (s) => (sarifText += s)), code);
  const sarif: unknown = JSON.parse(sarifText);
  assert.deepEqual(sarifErrors(sarif), [], 'valid against the official SARIF 2.1.0 schema');
  let text = '';
  await scanCommand(paths, { format: 'text', failOn: 'high' }, (s) => (text += s));
  return { code, report: JSON.parse(json) as Report, sarif, text };
}

test('the violating Dockerfile fails every docker rule on the stage that breaks it, with its line', async () => {
  const { code, report, sarif } = await scan([FX('violating')]);
  assert.equal(code, 1);
  assert.deepEqual(report.errors, []);
  assert.equal(report.files, 1);
  assert.equal(report.resources, 2, 'two build stages');
  const got = report.violations.map((v) => `${v.resource_name}:${v.line} ${v.rule}`).sort();
  assert.deepEqual(got, [
    '1:11 posture.docker.add_remote_url',
    '1:11 posture.docker.base_image_unpinned',
    '1:11 posture.docker.final_stage_runs_as_root',
    '1:11 posture.docker.no_healthcheck',
    '1:11 posture.docker.package_upgrade_or_sudo',
    '1:11 posture.docker.secret_in_env_or_arg',
    'build:5 posture.docker.base_image_unpinned',
    'build:5 posture.docker.secret_in_env_or_arg',
  ]);
  const results = (sarif as { runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }> }).runs[0]!.results;
  assert.equal(results.length, 8);
  const root = results.find((r) => r.ruleId === 'posture.docker.final_stage_runs_as_root')!;
  assert.match(root.locations[0]!.physicalLocation.artifactLocation.uri, /docker\/violating\/Dockerfile$/);
  assert.equal(root.locations[0]!.physicalLocation.region.startLine, 11);
});

test('the clean Dockerfile (three stages, pinned, secret mount, checksum, non-root, HEALTHCHECK) passes', async () => {
  const { code, report } = await scan([FX('clean')]);
  assert.deepEqual(report.errors, []);
  assert.equal(report.resources, 3);
  assert.deepEqual(report.violations, []);
  assert.equal(code, 0);
});

test('a Dockerfile docker build would refuse exits 2 naming the file and the line', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-docker-'));
  writeFileSync(join(dir, 'api.Dockerfile'), 'FROM node:20.11\nCOPY . /app\nRUNN npm ci\n');
  const { code, text } = await scan([dir]);
  assert.equal(code, 2);
  assert.match(text, /api\.Dockerfile {2}ERROR {2}not a valid Dockerfile: line 3: unknown instruction: RUNN/);
});

test('a skip comment above a stage\'s FROM or inside the stage suppresses, and says so', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-docker-skip-'));
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM alpine:3.20 AS build\nRUN echo build\n\n# sluice:skip=posture.docker.no_healthcheck Kubernetes probes check this service\nFROM alpine:3.20\n# sluice:skip=posture.docker.final_stage_runs_as_root needs port 80 (reviewed SEC-7)\nUSER 0\n',
  );
  let json = '';
  const code = await scanCommand([dir], { format: 'json', failOn: 'high' }, (s) => (json += s));
  const report = JSON.parse(json) as { violations: unknown[]; suppressed: Array<{ rule: string; line: number; suppression: { justification: string } }> };
  assert.equal(code, 0);
  assert.deepEqual(report.violations, []);
  assert.deepEqual(
    report.suppressed.map((s) => `${s.line} ${s.rule} ${s.suppression.justification}`).sort(),
    ['5 posture.docker.final_stage_runs_as_root needs port 80 (reviewed SEC-7)', '5 posture.docker.no_healthcheck Kubernetes probes check this service'],
  );
});

test('the docker.stage view: kind, root user, base image, secrets and remote ADD sources', () => {
  assert.equal(resourceKind('Dockerfile::Stage', 'dockerfile'), 'docker.stage');
  const v = dockerStageView({
    final: true,
    from: { image: 'alpine', resolved: 'alpine', repository: 'alpine', tag: null, digest: null },
    user: 'root:wheel',
    instructions: [
      { instruction: 'ENV', properties: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI' }, { name: 'HOME', value: '/root' }, { name: 'API_TOKEN', value: '$TOKEN' }] },
      { instruction: 'ADD', arguments: ['https://x.example/a.tgz', 'b.tgz', '/opt/'], flags: {} },
    ],
  });
  assert.equal(v.runs_as_root, true);
  assert.deepEqual(v.base, { image: 'alpine', resolved: true, is_stage: false, is_scratch: false, repository: 'alpine', tag: '', digest: '' });
  assert.deepEqual(
    (v.secret_variables as Array<{ name: string }>).map((s) => s.name),
    ['AWS_SECRET_ACCESS_KEY'],
  );
  assert.deepEqual(v.adds, [{ sources: ['https://x.example/a.tgz', 'b.tgz'], remote: ['https://x.example/a.tgz'], checksum: false, line: null }]);
  assert.equal(dockerStageView({ user: 'app' }).runs_as_root, false);
});
