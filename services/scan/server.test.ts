import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { DEFAULT_HTTP_TIMEOUTS } from '../core/http.ts';
import { buildScanServer } from './server.ts';
import { sarifErrors } from '../../test/support/official-schemas/sarif.ts';

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
  const log = sarif.json() as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: unknown } }> }> }> };
  assert.deepEqual(sarifErrors(log), [], 'valid against the official SARIF 2.1.0 schema');
  // Names are labels relative to the repository: relative to %SRCROOT%, which is described, not located.
  assert.deepEqual(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation, { uri: 'infra/network.yaml', uriBaseId: '%SRCROOT%' });
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

// ---- Hardening (issue 21): loopback only, every wait bounded. ----

/** Connects to the server, writes `head` (and optionally more), resolves with what came back and when the socket closed. */
function rawExchange(port: number, head: string, opts: { waitMs: number; body?: Buffer }): Promise<{ response: string; closedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = connect({ host: '127.0.0.1', port });
    let response = '';
    let closed: number | null = null;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, closedAfterMs: closed });
    };
    const timer = setTimeout(done, opts.waitMs);
    socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = Date.now() - t0;
      done();
    });
    socket.write(head);
    if (opts.body) socket.write(opts.body);
  });
}

async function listening(options: Parameters<typeof buildScanServer>[0]): Promise<{ app: ReturnType<typeof buildScanServer>; port: number }> {
  const app = buildScanServer(options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as AddressInfo).port };
}

test('an unauthenticated request is refused with 401 before its body is read (onRequest hook)', async () => {
  const { app, port } = await listening({ token: TOKEN });
  try {
    // Announces a 5 MB body and sends 100 bytes of it: the answer must not wait for the rest.
    const t0 = Date.now();
    const r = await rawExchange(port, `POST /v1/scan HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${5 * 1024 * 1024}\r\n\r\n`, { waitMs: 3000, body: Buffer.alloc(100, 0x20) });
    assert.match(r.response, /^HTTP\/1\.1 401 /, `got ${JSON.stringify(r.response.slice(0, 80))} after ${Date.now() - t0} ms`);
    console.log(`# unauthenticated 5 MB announced body: 401 after ${Date.now() - t0} ms, 100 bytes sent`);
    // A wrong token is refused the same way.
    const wrong = await rawExchange(port, `POST /v1/scan HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}x\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n`, { waitMs: 3000 });
    assert.match(wrong.response, /^HTTP\/1\.1 401 /);
  } finally {
    await app.close();
  }
});

test('a slow body and a stalled header are cut off by the request and headers timeouts', async () => {
  const timeouts = { requestTimeoutMs: 400, headersTimeoutMs: 300, idleTimeoutMs: 5000, keepAliveTimeoutMs: 200, checkIntervalMs: 50 };
  const { app, port } = await listening({ token: TOKEN, timeouts });
  try {
    const slowBody = await rawExchange(port, `POST /v1/scan HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"files":`, { waitMs: 3000 });
    assert.match(slowBody.response, /^HTTP\/1\.1 408 /, 'the slow body gets 408');
    assert.ok(slowBody.closedAfterMs !== null && slowBody.closedAfterMs < 2000, `closed after ${slowBody.closedAfterMs} ms`);
    const slowHeaders = await rawExchange(port, `POST /v1/scan HTTP/1.1\r\nhost: x\r\n`, { waitMs: 3000 });
    assert.ok(slowHeaders.closedAfterMs !== null && slowHeaders.closedAfterMs < 2000, `stalled headers closed after ${slowHeaders.closedAfterMs} ms`);
    const idle = await rawExchange(port, `GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n`, { waitMs: 3000 });
    assert.match(idle.response, /^HTTP\/1\.1 200 /);
    assert.ok(idle.closedAfterMs !== null && idle.closedAfterMs < 2000, `idle keep-alive connection closed after ${idle.closedAfterMs} ms`);
    console.log(`# slow body closed after ${slowBody.closedAfterMs} ms, stalled headers after ${slowHeaders.closedAfterMs} ms, idle keep-alive after ${idle.closedAfterMs} ms`);
  } finally {
    await app.close();
  }
});

test('the defaults set every timeout on the scan server', async () => {
  const app = buildScanServer({ token: TOKEN });
  await app.ready();
  try {
    assert.equal(app.server.requestTimeout, DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs);
    assert.equal(app.server.headersTimeout, DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs);
    assert.equal(app.server.keepAliveTimeout, DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs);
    assert.equal(app.server.timeout, DEFAULT_HTTP_TIMEOUTS.idleTimeoutMs);
  } finally {
    await app.close();
  }
});

test('per-request caps: too many documents and too many resources get 413 with a clear reason', async () => {
  const app = buildScanServer({ token: TOKEN, maxDocuments: 50, maxResources: 5 });
  const auth = { authorization: `Bearer ${TOKEN}` };
  try {
    const manyDocs = Array.from({ length: 60 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c${i} }`).join('\n---\n');
    const r1 = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'many.yaml', content: manyDocs }] } });
    assert.equal(r1.statusCode, 413);
    assert.match((r1.json() as { message: string }).message, /more than 50 \(maxDocuments\)/);
    const someDocs = Array.from({ length: 8 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c${i}, namespace: x }\ndata: { a: b }`).join('\n---\n');
    const r2 = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'some.yaml', content: someDocs }] } });
    assert.equal(r2.statusCode, 413, r2.body);
    assert.match((r2.json() as { message: string }).message, /some\.yaml takes the request to 8 resources, more than 5 \(maxResources\)/);
    const big = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'a.yaml', content: clean }] } });
    assert.equal(big.statusCode, 200);
  } finally {
    await app.close();
  }
});

test('/healthz answers while a large scan runs (the scan is on a worker thread)', async () => {
  const docs = 800;
  const { app, port } = await listening({ token: TOKEN, maxDocuments: docs * 3, maxResources: docs * 3, bodyLimitBytes: 64 * 1024 * 1024 });
  try {
    const content = Array.from({ length: docs }, () => clean.replace(/name: web/g, `name: web${Math.random().toString(36).slice(2)}`)).join('\n---\n');
    const body = JSON.stringify({ files: [{ name: 'big.yaml', content }] });
    const t0 = Date.now();
    const scan = fetch(`http://127.0.0.1:${port}/v1/scan`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
    let scanDone = false;
    void scan.then(() => (scanDone = true), () => (scanDone = true));
    const latencies: number[] = [];
    while (!scanDone && Date.now() - t0 < 60_000) {
      const h0 = Date.now();
      const h = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
      assert.equal(h.status, 200);
      await h.arrayBuffer();
      latencies.push(Date.now() - h0);
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await scan;
    assert.equal(res.status, 200);
    const report = (await res.json()) as { resources: number };
    const scanMs = Date.now() - t0;
    assert.ok(report.resources >= docs, `${report.resources} resources`);
    assert.ok(latencies.length >= 5, `only ${latencies.length} health checks during a ${scanMs} ms scan`);
    const worst = Math.max(...latencies);
    assert.ok(worst < 500, `worst /healthz latency ${worst} ms during the scan`);
    console.log(`# scan of ${report.resources} resources took ${scanMs} ms; ${latencies.length} /healthz answers during it, worst ${worst} ms`);
  } finally {
    await app.close();
  }
});

test('POST /v1/scan with live AWS Config items reports drift as sluice scan --live does; bad live input is 400', async () => {
  const app = buildScanServer({ token: TOKEN });
  const auth = { authorization: `Bearer ${TOKEN}` };
  const tf = readFileSync(new URL('./drift/fixtures/terraform/main.tf', import.meta.url), 'utf8');
  const snapshot = readFileSync(new URL('./drift/fixtures/live/account-snapshot.json', import.meta.url), 'utf8');
  const res = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'terraform/main.tf', content: tf }], live: [{ name: 'account-snapshot.json', content: snapshot }] } });
  assert.equal(res.statusCode, 200, res.body);
  const report = res.json() as { exit_code: number; violations: Array<{ file: string; line: number; rule: string; resource: string }>; drift?: { matched: number } };
  assert.equal(report.exit_code, 1);
  assert.ok(report.violations.some((v) => v.rule === 'drift.ingress' && v.file === 'terraform/main.tf' && v.line === 17 && v.resource.includes('aws_security_group.web')), JSON.stringify(report.violations.filter((v) => v.rule === 'drift.ingress')));
  assert.ok(report.drift, 'the drift section is in the report');
  // Without live items the same template has no drift findings.
  const plain = (await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'terraform/main.tf', content: tf }] } })).json() as { violations: Array<{ rule: string }> };
  assert.equal(plain.violations.some((v) => v.rule.startsWith('drift.')), false);
  const none = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'terraform/main.tf', content: tf }], live: [{ name: 'x.json', content: '{"hello": 1}' }] } });
  assert.equal(none.statusCode, 400);
  assert.match(none.body, /no AWS Config configuration item/);
  const stackOnly = await app.inject({ method: 'POST', url: '/v1/scan', headers: auth, payload: { files: [{ name: 'terraform/main.tf', content: tf }], liveStack: 'prod' } });
  assert.equal(stackOnly.statusCode, 400);
  await app.close();
});
