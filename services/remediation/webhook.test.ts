import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { remediationAction } from './actions.ts';
import { RemediationWebhook, signBody } from './webhook.ts';

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
  const hook = new RemediationWebhook({ url: s.url, secret: 'k3y', dryRun: false, baseDelayMs: 10, sleep: async (ms) => void sleeps.push(ms) });
  const a = action(1);
  const records = await hook.handle([a, a, action(2)]);
  assert.deepEqual(records.map((r) => [r.outcome, r.attempts]), [['sent', 2], ['skipped', 0], ['sent', 1]]);
  assert.deepEqual(sleeps, [10]);
  assert.equal(s.seen.length, 3);
  const first = s.seen[0]!;
  assert.equal(first.headers['idempotency-key'], a.value.id);
  assert.equal(first.headers['x-sluice-signature'], signBody('k3y', String(first.headers['x-sluice-timestamp']), first.body));
  assert.equal((JSON.parse(first.body) as { action: { id: string } }).action.id, a.value.id);
  await s.close();
});

test('a 4xx fails at once; retries stop after maxAttempts', async () => {
  const s = await server([400, 500, 500]);
  const hook = new RemediationWebhook({ url: s.url, dryRun: false, maxAttempts: 2, sleep: async () => {} });
  const records = await hook.handle([action(1), action(2)]);
  assert.deepEqual(records.map((r) => r.outcome), ['failed', 'failed']);
  assert.match(records[0]!.reason, /HTTP 400 \(not retried\)/);
  assert.match(records[1]!.reason, /gave up after 2 attempts: HTTP 500/);
  await s.close();
});
