import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildScanServer } from './server.ts';
import { SarifLog } from './sarif-schema.ts';

const TOKEN = 'test-token-0123456789abcdef';
const network = readFileSync(new URL('./fixtures/violating/network.yaml', import.meta.url), 'utf8');
const clean = readFileSync(new URL('./fixtures/clean/app.yaml', import.meta.url), 'utf8');

test('POST /v1/scan needs the bearer token', async () => {
  const app = buildScanServer({ token: TOKEN });
  const body = { files: [{ name: 'a.yaml', content: clean }] };
  assert.equal((await app.inject({ method: 'POST', url: '/v1/scan', payload: body })).statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/scan', payload: body, headers: { authorization: `Bearer ${TOKEN}x` } })).statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/scan', payload: body, headers: { authorization: TOKEN } })).statusCode, 401);
  await app.close();
});

test('POST /v1/scan answers the JSON report (exit_code 1 with violations, 0 when clean) and SARIF on request', async () => {
  const app = buildScanServer({ token: TOKEN });
  const auth = { authorization: `Bearer ${TOKEN}` };
  const bad = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'infra/network.yaml', content: network }] } });
  assert.equal(bad.statusCode, 200);
  const report = bad.json() as { exit_code: number; violations: Array<{ file: string; rule: string }> };
  assert.equal(report.exit_code, 1);
  assert.ok(report.violations.some((v) => v.file === 'infra/network.yaml' && v.rule === 'posture.aws.ec2.sg_ssh_open_to_world'));
  const ok = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'app.yaml', content: clean }] } });
  assert.equal((ok.json() as { exit_code: number }).exit_code, 0);
  const sarif = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { format: 'sarif', files: [{ name: 'infra/network.yaml', content: network }] } });
  assert.ok(SarifLog.safeParse(sarif.json()).success);
  await app.close();
});

test('bad bodies get 400 and bodies over the limit 413', async () => {
  const app = buildScanServer({ token: TOKEN, bodyLimitBytes: 2048 });
  const auth = { authorization: `Bearer ${TOKEN}` };
  assert.equal((await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [] } })).statusCode, 400);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'a', content: 'x' }], extra: 1 } })).statusCode, 400);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'big.yaml', content: 'x'.repeat(5000) }] } })).statusCode, 413);
  await app.close();
  assert.throws(() => buildScanServer({ token: 'short' }), /at least 16/);
});
