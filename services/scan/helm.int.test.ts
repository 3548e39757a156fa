import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helmForTests } from '../../test/support/helm.ts';
import { SARIF_SCHEMA, sarifErrors } from '../../test/support/official-schemas/sarif.ts';
import { readScanInputs, scanCommand } from './index.ts';
import { helmBinary, isHelmChartDir, renderedFiles, renderHelmChart, splitRendered } from './helm.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/helm/', import.meta.url));
const WEB = `${FIXTURES}web`;

async function scan(paths: string[], extra: { values?: string[]; helm?: string } = {}, format: 'json' | 'sarif' | 'text' = 'json'): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await scanCommand(paths, { format, failOn: 'high', helm: { helm: extra.helm ?? (await helmForTests()), ...(extra.values ? { values: extra.values } : {}) } }, (s) => (text += s));
  return { code, text };
}

test('helm template output splits per document and groups by the template it came from', () => {
  const out = '---\n# Source: web/templates/service.yaml\napiVersion: v1\nkind: Service\n---\n# Source: web/charts/db/templates/sts.yaml\nkind: StatefulSet\n---\n# Source: web/templates/service.yaml\nkind: Service\n';
  assert.deepEqual(splitRendered(out).map((d) => d.source), ['web/templates/service.yaml', 'web/charts/db/templates/sts.yaml', 'web/templates/service.yaml']);
  const files = renderedFiles('/repo/web', out);
  assert.deepEqual(files.map((f) => f.name), ['/repo/web/templates/service.yaml', '/repo/web/charts/db/templates/sts.yaml']);
  assert.match(files[0]!.bytes.toString(), /kind: Service\n---\n# Source: web\/templates\/service\.yaml\nkind: Service/);
});

test('a chart folder is listed as a chart, its Go templates are not read as YAML', () => {
  assert.equal(isHelmChartDir(WEB), true);
  assert.equal(isHelmChartDir(FIXTURES), false);
  const { files, errors, charts } = readScanInputs([FIXTURES]);
  assert.deepEqual(charts.sort(), [`${FIXTURES}broken`, WEB].sort());
  assert.deepEqual(files, []);
  assert.deepEqual(errors, []);
});

test('without a helm binary a chart is an error that says what is missing (exit 2), never a silent pass', async () => {
  const r = await renderHelmChart(WEB, { helm: join(tmpdir(), 'no-such-helm') });
  assert.ok('error' in r);
  assert.match(r.error.message, /Helm 3 CLI, which was not found \(set SLUICE_HELM or put helm on PATH\)/);
  let text = '';
  const code = await scanCommand([WEB], { format: 'text', failOn: 'high', helm: { helm: join(tmpdir(), 'no-such-helm') } }, (s) => (text += s));
  assert.equal(code, 2);
  assert.match(text, /ERROR {2}a Helm chart/);
  assert.equal(helmBinary(join(tmpdir(), 'no-such-helm')), null);
});

test('a helm that fails or hangs is reported with its message and bounded in time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-helm-'));
  const failing = join(dir, 'helm-fail');
  writeFileSync(failing, '#!/bin/sh\necho "Error: parse error at (x/templates/a.yaml:3): unclosed action" >&2\nexit 1\n');
  chmodSync(failing, 0o755);
  const r = await renderHelmChart(WEB, { helm: failing });
  assert.ok('error' in r);
  assert.match(r.error.message, /helm template failed: Error: parse error at \(x\/templates\/a\.yaml:3\): unclosed action/);
  const hanging = join(dir, 'helm-hang');
  writeFileSync(hanging, '#!/bin/sh\nexec sleep 30\n');
  chmodSync(hanging, 0o755);
  const t0 = Date.now();
  const h = await renderHelmChart(WEB, { helm: hanging, timeoutMs: 300 });
  assert.ok('error' in h);
  assert.match(h.error.message, /stopped after 300 ms/);
  assert.ok(Date.now() - t0 < 10_000);
});

test('real helm: the chart rendered with its defaults fails the pod rules at the template that holds them', async () => {
  const { code, text } = await scan([WEB]);
  assert.equal(code, 1, text);
  const report = JSON.parse(text) as { violations: Array<{ rule: string; file: string; resource: string }>; errors: unknown[]; resources: number };
  assert.deepEqual(report.errors, []);
  assert.equal(report.resources, 2, 'the Deployment and the Service');
  const rules = new Set(report.violations.map((v) => v.rule));
  for (const r of ['posture.k8s.privileged_container', 'posture.k8s.host_network']) assert.ok(rules.has(r), `${r} in ${[...rules].join(', ')}`);
  const priv = report.violations.find((v) => v.rule === 'posture.k8s.privileged_container')!;
  assert.equal(priv.file, `${WEB}/templates/deployment.yaml`);
  assert.match(priv.resource, /sluice-scan-web/);
});

test('real helm: --helm-values with the hardened values clears those rules; SARIF is valid', async () => {
  const { code, text } = await scan([WEB], { values: [`${WEB}/values-hardened.yaml`] });
  const report = JSON.parse(text) as { violations: Array<{ rule: string; severity: string }> };
  const rules = new Set(report.violations.map((v) => v.rule));
  assert.equal(rules.has('posture.k8s.privileged_container'), false);
  assert.equal(rules.has('posture.k8s.host_network'), false);
  assert.equal(code, report.violations.some((v) => ['high', 'critical'].includes(v.severity)) ? 1 : 0);
  const sarif = await scan([WEB], {}, 'sarif');
  assert.ok(SARIF_SCHEMA);
  assert.deepEqual(sarifErrors(JSON.parse(sarif.text)), []);
});

test('real helm: a chart with a template error exits 2 with helm\'s reason', async () => {
  const { code, text } = await scan([`${FIXTURES}broken`], {}, 'text');
  assert.equal(code, 2);
  assert.match(text, /broken {2}ERROR {2}helm template failed: .*(parse error|unclosed action|unexpected)/i);
});

test('real helm: the chart `helm create` scaffolds (what most charts start from) renders and scans without errors', async () => {
  const helm = await helmForTests();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-helm-create-'));
  const { execFileSync } = await import('node:child_process');
  execFileSync(helm, ['create', join(dir, 'starter')], { stdio: 'ignore' });
  const { text } = await scan([dir], { helm });
  const report = JSON.parse(text) as { violations: Array<{ rule: string; file: string }>; errors: unknown[]; resources: number };
  assert.deepEqual(report.errors, []);
  assert.ok(report.resources >= 3, `Deployment, Service, ServiceAccount (and the test Pod): ${report.resources}`);
  // The scaffold leaves securityContext empty: the restricted-profile rules report it at the deployment template.
  assert.ok(report.violations.some((v) => v.file.endsWith('starter/templates/deployment.yaml')), JSON.stringify(report.violations.map((v) => [v.rule, v.file])));
});
