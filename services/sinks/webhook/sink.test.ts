import { test } from 'node:test';
import { assertValidOcsf, findingToOcsf } from '../../core/ocsf/index.ts';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SluiceError } from '../../core/errors.ts';
import { sinkConfig } from '../../core/components.ts';
import { resolveConfig } from '../../cli/config.ts';
import { captureServer, fast, filter, recordingLogger, testFinding } from '../alerting/testing.ts';
import { WebhookSink, signFindingBody, webhookSinkSpec } from './index.ts';

const SECRET = 'whsec-0123456789abcdef-SECRETVALUE';
const TOKEN = 'bearer-TOKENVALUE-42';

/** What a receiver does: recompute the HMAC over the raw body and compare in constant time. */
function verifies(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const got = Buffer.from(header);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

test('webhook: one signed POST per finding, the body is the OCSF finding, headers as documented', async () => {
  const srv = await captureServer({ status: 204 });
  try {
    const sink = new WebhookSink({ url: `${srv.base}/hooks/sluice?key=URLKEY`, secret: SECRET, bearerToken: TOKEN, filter: filter(), delivery: fast() });
    const f = testFinding(1);
    await sink.write([f]);
    assert.equal(srv.requests.length, 1);
    const r = srv.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/hooks/sluice?key=URLKEY');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['idempotency-key'], f.id);
    assert.equal(r.headers['x-sluice-finding-id'], f.id);
    assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    assert.match(String(r.headers['x-sluice-timestamp']), /^\d{10}$/);
    assert.deepEqual(JSON.parse(r.body), JSON.parse(JSON.stringify(findingToOcsf(f))));
    assertValidOcsf(JSON.parse(r.body), 'webhook body');
    assert.ok(verifies(SECRET, String(r.headers['x-sluice-timestamp']), r.body, String(r.headers['x-sluice-signature'])), 'the signature verifies over the raw body');
    assert.equal(r.headers['x-sluice-signature'], signFindingBody(SECRET, String(r.headers['x-sluice-timestamp']), r.body));
    assert.ok(!verifies('another-secret-0123456789', String(r.headers['x-sluice-timestamp']), r.body, String(r.headers['x-sluice-signature'])));
  } finally {
    await srv.close();
  }
});

test('alert outputs: filter by minimum severity, detector and rule glob; dedup by finding id within the process', async () => {
  const srv = await captureServer({ status: 200 });
  try {
    const sink = new WebhookSink({ url: `${srv.base}/h`, secret: SECRET, filter: filter({ minSeverity: 'Medium', detectors: ['signatures'], rules: ['aws.cloudtrail.*'] }), delivery: fast() });
    const keep = testFinding(1);
    await sink.write([
      keep,
      testFinding(2, { severity: 'Low' }),
      testFinding(3, { detector: 'dlp' }),
      testFinding(4, { rule: 'k8s.audit.exec' }),
      keep,
    ]);
    await sink.write([keep]);
    assert.deepEqual(srv.requests.map((r) => (JSON.parse(r.body) as { finding_info: { uid: string } }).finding_info.uid), [keep.id]);
    assert.deepEqual({ ...sink.stats }, { delivered: 1, filtered: 3, duplicates: 2, refused: 0, retries: 0, requests: 1, rateLimited: 0 });
  } finally {
    await srv.close();
  }
});

test('alert outputs: 5xx and 429 are retried with backoff, then delivered once', async () => {
  const srv = await captureServer({ status: 200 });
  srv.replies.push({ status: 503, body: 'busy' }, { status: 429, body: 'slow down', headers: { 'retry-after': '0' } });
  try {
    const sink = new WebhookSink({ url: `${srv.base}/h`, secret: SECRET, filter: filter(), delivery: fast({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } }) });
    await sink.write([testFinding(1)]);
    assert.equal(srv.requests.length, 3);
    assert.equal(new Set(srv.requests.map((r) => r.body)).size, 1, 'the same body each time');
    assert.equal(sink.stats.retries, 2);
    assert.equal(sink.stats.delivered, 1);
  } finally {
    await srv.close();
  }
});

test('alert outputs: a 4xx is final: write() rejects with a non-retriable SluiceError naming the refused finding (the processor dead-letters it)', async () => {
  const srv = await captureServer({ status: 200 });
  const a = testFinding(1);
  const b = testFinding(2);
  srv.replies.push({ status: 400, body: '{"error":"bad finding"}' });
  try {
    const sink = new WebhookSink({ url: `${srv.base}/h`, secret: SECRET, filter: filter(), delivery: fast() });
    const err = await sink.write([a, b]).then(
      () => assert.fail('write should reject'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_ERR_SINK_WRITE');
    assert.equal(err.retriable, false);
    assert.deepEqual((err.details.invalid as Array<{ id: string }>).map((i) => i.id), [a.id]);
    assert.match((err.details.invalid as Array<{ reason: string }>)[0]!.reason, /HTTP 400.*not retried/);
    assert.equal(srv.requests.length, 2, 'the 400 was not retried; b was sent');
    // What the processor does next: write the rest again; b is not sent twice.
    await sink.write([b]);
    assert.equal(srv.requests.length, 2);
  } finally {
    await srv.close();
  }
});

test('alert outputs: still failing after the retries (network down): a retriable error; what was delivered is not sent again', async () => {
  const srv = await captureServer({ status: 200 });
  const url = `${srv.base}/h`;
  const first = testFinding(1);
  const sink = new WebhookSink({ url, secret: SECRET, filter: filter(), delivery: fast() });
  await sink.write([first]);
  await srv.close();
  const err = await sink.write([first, testFinding(2)]).then(
    () => assert.fail('write should reject'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SluiceError);
  assert.equal(err.retriable, true);
  assert.match(err.message, /1 finding\(s\) not delivered \(3 attempt\(s\)\)/);
  assert.ok(!err.message.includes(url), 'no URL in the message');
  assert.equal(sink.stats.requests, 4, 'one delivery, then 3 attempts for the second finding only');
});

test('alert outputs: once a request has used up its retries, the rest of the write is not attempted (the processor retries the write)', async () => {
  const srv = await captureServer({ status: 503, body: 'down' });
  try {
    const sink = new WebhookSink({ url: `${srv.base}/h`, secret: SECRET, filter: filter(), delivery: fast() });
    const err = await sink.write([testFinding(1), testFinding(2), testFinding(3)]).catch((e: unknown) => e);
    assert.ok(err instanceof SluiceError && err.retriable);
    assert.match(err.message, /3 finding\(s\) not delivered.*HTTP 503/);
    assert.equal(srv.requests.length, 3, 'three attempts for the first finding, none for the others');
    srv.replies.push({ status: 200 }, { status: 200 }, { status: 200 });
    await sink.write([testFinding(1), testFinding(2), testFinding(3)]);
    assert.equal(sink.stats.delivered, 3);
  } finally {
    await srv.close();
  }
});

test('alert outputs: a redirect is never followed and is final; the target gets nothing', async () => {
  const target = await captureServer({ status: 200 });
  const redirector = await captureServer({ status: 307, headers: { location: `${target.base}/steal` } });
  try {
    const sink = new WebhookSink({ url: `${redirector.base}/h`, secret: SECRET, filter: filter(), delivery: fast() });
    const err = await sink.write([testFinding(1)]).catch((e: unknown) => e);
    assert.ok(err instanceof SluiceError && !err.retriable);
    assert.match(String((err.details.invalid as Array<{ reason: string }>)[0]!.reason), /redirect refused/);
    assert.equal(target.requests.length, 0);
    assert.equal(redirector.requests.length, 1);
  } finally {
    await target.close();
    await redirector.close();
  }
});

test('alert outputs: a request that outlives timeoutMs is retried, then reported retriable', async () => {
  const srv = await captureServer(() => {
    /* never answers */
  });
  try {
    const sink = new WebhookSink({ url: `${srv.base}/h`, secret: SECRET, filter: filter(), delivery: fast({ timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }) });
    const started = Date.now();
    const err = await sink.write([testFinding(1)]).catch((e: unknown) => e);
    assert.ok(err instanceof SluiceError && err.retriable);
    assert.match(err.message, /timed out/);
    assert.ok(Date.now() - started < 5000);
    assert.equal(srv.requests.length, 2);
  } finally {
    await srv.close();
  }
});

test('alert outputs: secrets never appear in logs or errors, even when the service echoes them', async () => {
  const srv = await captureServer({ status: 200 });
  srv.replies.push((req, res) => {
    res.writeHead(503).end(`echo ${req.headers.authorization} ${req.path}`);
  });
  srv.replies.push((req, res) => {
    res.writeHead(401).end(`bad token ${req.headers.authorization} ${SECRET}`);
  });
  const url = `${srv.base}/hook/URLSECRETPART-123456`;
  const { logger, lines } = recordingLogger();
  try {
    const sink = new WebhookSink({ url, secret: SECRET, bearerToken: TOKEN, filter: filter(), delivery: fast(), logger });
    const err = (await sink.write([testFinding(1)]).catch((e: unknown) => e)) as SluiceError;
    const text = `${lines.join('\n')}\n${err.message}\n${JSON.stringify(err.details)}`;
    assert.ok(lines.length >= 2, 'the retry and the refusal were logged');
    for (const secret of [SECRET, TOKEN, url, 'URLSECRETPART']) assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 12)}…`);
    assert.match(text, /\*\*\*/);
  } finally {
    await srv.close();
  }
});

test('sinks.webhook config: disabled by default; enabled needs an http(s) url and a secret of 16+ characters; secrets are marked', () => {
  const c = resolveConfig({});
  assert.equal(sinkConfig(webhookSinkSpec, c).enabled, false);
  assert.throws(() => resolveConfig({ sinks: { webhook: { enabled: true, url: 'http://127.0.0.1:1/h' } } }), /sinks\.webhook\.secret/);
  assert.throws(() => resolveConfig({ sinks: { webhook: { enabled: true, url: 'file:///etc/passwd', secret: SECRET } } }), /http\(s\) URL/);
  assert.throws(() => resolveConfig({ sinks: { webhook: { enabled: true, url: 'http://127.0.0.1:1/h', secret: 'short' } } }), /sinks\.webhook\.secret/);
  const ok = resolveConfig({ sinks: { webhook: { enabled: true, url: 'http://127.0.0.1:1/h', secret: SECRET, minSeverity: 'High', rules: ['aws.*'] } } });
  assert.equal(sinkConfig(webhookSinkSpec, ok).minSeverity, 'High');
});
