import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { remediationAction } from '../core/actions.ts';
import { RemediationWebhook, signBody } from './webhook.ts';
import { once } from 'node:events';
import { resolveConfig } from '../cli/config.ts';
import { SluiceError } from '../core/errors.ts';

function action(n: number) {
  return remediationAction({ detector: 'posture', rule: 'posture.aws.s3.acl_public', title: 't', severity: 'high', resourceUid: `arn:aws:s3:::b${n}`, resourceType: 'AWS::S3::Bucket', remediation: 'fix it', findingId: 'f', eventUid: `e${n}`, time: 1 });
}

async function server(statuses: number[]) {
  const seen: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`;
  return { url, seen, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

test('action ids are deterministic', () => {
  assert.equal(action(1).value.id, action(1).value.id);
  assert.notEqual(action(1).value.id, action(2).value.id);
});

test('dry-run by default: nothing is sent, every action is recorded as skipped', async () => {
  const s = await server([]);
  const records = await new RemediationWebhook({ url: s.url }).handle([action(1)]);
  assert.deepEqual(records.map((r) => r.outcome), ['skipped']);
  assert.match(records[0]!.reason, /dry-run/);
  assert.equal(s.seen.length, 0);
  await s.close();
});

test('sends signed requests with an idempotency key, retries 5xx with backoff and skips ids already sent', async () => {
  const s = await server([503, 200, 200]);
  const sleeps: number[] = [];
  const hook = new RemediationWebhook({ url: s.url, secret: 'k3y-0123456789abcdef', dryRun: false, baseDelayMs: 10, sleep: async (ms) => void sleeps.push(ms) });
  const a = action(1);
  const records = await hook.handle([a, a, action(2)]);
  assert.deepEqual(records.map((r) => [r.outcome, r.attempts]), [['sent', 2], ['skipped', 0], ['sent', 1]]);
  assert.deepEqual(sleeps, [10]);
  assert.equal(s.seen.length, 3);
  const first = s.seen[0]!;
  assert.equal(first.headers['idempotency-key'], a.value.id);
  assert.equal(first.headers['x-sluice-signature'], signBody('k3y-0123456789abcdef', String(first.headers['x-sluice-timestamp']), first.body));
  assert.equal((JSON.parse(first.body) as { action: { id: string } }).action.id, a.value.id);
  await s.close();
});

test('a 4xx fails at once; retries stop after maxAttempts', async () => {
  const s = await server([400, 500, 500]);
  const hook = new RemediationWebhook({ url: s.url, secret: 'k3y-0123456789abcdef', dryRun: false, maxAttempts: 2, sleep: async () => {} });
  const records = await hook.handle([action(1), action(2)]);
  assert.deepEqual(records.map((r) => r.outcome), ['failed', 'failed']);
  assert.match(records[0]!.reason, /HTTP 400 \(not retried\)/);
  assert.match(records[1]!.reason, /gave up after 2 attempts: HTTP 500/);
  await s.close();
});

test('a redirect is never followed for a signed request: 3xx is a failure with the reason, the target gets nothing', async () => {
  const hits: string[] = [];
  const target = createServer((req, res) => {
    hits.push(String(req.headers['x-sluice-signature'] ?? 'unsigned'));
    res.writeHead(200).end('ok');
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/steal`;
  const redirector = createServer((_req, res) => res.writeHead(307, { location: targetUrl }).end());
  redirector.listen(0, '127.0.0.1');
  await once(redirector, 'listening');
  try {
    const hook = new RemediationWebhook({ url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/act`, secret: 'a-test-secret-of-16+', dryRun: false, maxAttempts: 3, baseDelayMs: 1 });
    const [rec] = await hook.handle([{ stream: 'actions', key: 'k', value: { id: 'act-1' } }]);
    assert.equal(rec!.outcome, 'failed');
    assert.equal(rec!.status, 307);
    assert.equal(rec!.attempts, 1, 'not retried');
    assert.match(rec!.reason, /^HTTP 307 redirect to http:\/\/127\.0\.0\.1:\d+\/steal refused: signed requests are never forwarded/);
    assert.deepEqual(hits, [], 'the redirect target received nothing');
  } finally {
    target.close();
    redirector.close();
  }
});

test('acting (dryRun false) without a secret is refused, by the webhook and by config validation', () => {
  assert.throws(() => new RemediationWebhook({ url: 'http://127.0.0.1:9/x', dryRun: false }), /secret of at least 16 characters is required when dryRun is false/);
  assert.doesNotThrow(() => new RemediationWebhook({ url: 'http://127.0.0.1:9/x' }));
  assert.throws(
    () => resolveConfig({ remediation: { webhookUrl: 'http://127.0.0.1:9/x', dryRun: false } }),
    (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID' && /remediation\.secret: required when dryRun is false/.test(e.message),
  );
  assert.doesNotThrow(() => resolveConfig({ remediation: { webhookUrl: 'http://127.0.0.1:9/x', dryRun: false, secret: 'a-test-secret-of-16+', actionsKey: 'actions-key-0123456789abcdef-0123456789' } }));
});
