import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { ManualClock } from '../../core/clock.ts';
import type { CollectorOutput } from '../../core/components.ts';
import type { ApiActivity } from '../../core/events.ts';
import { SluiceError } from '../../core/errors.ts';
import { API_ACTIVITY_AVSC, EVENTLIST_FILE, readBytes } from '../../../test/fixtures/k8s_audit/load.ts';
import { startK8sAuditWebhook, type K8sAuditWebhook } from './index.ts';
import { MAX_FIELD_CHARS, TRUNCATION_MARK } from '../fields.ts';

const TOKEN = 'test-token-0123456789abcdef';
const OTHER_TOKEN = 'rotated-token-fedcba9876543210';
const apiActivityType = avro.Type.forSchema(JSON.parse(readFileSync(API_ACTIVITY_AVSC, 'utf8')));
const eventList = readBytes(EVENTLIST_FILE);

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
}

describe('k8s audit webhook (fastify on port 0, real HTTP)', () => {
  let server: K8sAuditWebhook;
  const delivered: CollectorOutput[][] = [];
  let failNext: Error | null = null;

  before(async () => {
    server = await startK8sAuditWebhook({
      config: { host: '127.0.0.1', port: 0, tokens: [TOKEN, OTHER_TOKEN], bodyLimitBytes: 64 * 1024 },
      collector: { provider: 'EKS', cluster: 'example-cluster', accountUid: '123412341234' },
      clock: new ManualClock(Date.UTC(2030, 0, 1)),
      onEvents: async (outputs) => {
        if (failNext) {
          const err = failNext;
          failNext = null;
          throw err;
        }
        delivered.push(outputs);
      },
    });
  });
  after(async () => {
    await server.close();
  });

  it('listens on the configured path', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/k8s-audit$/);
  });

  it('200: normalizes an EventList and hands the events to onEvents before answering', async () => {
    const before = delivered.length;
    const res = await post(server.url, eventList);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { received: 4, events: 4, rejected: 0 });
    assert.equal(delivered.length, before + 1);
    const outputs = delivered[delivered.length - 1]!;
    assert.equal(outputs.length, 4);
    const events = outputs.map((o) => {
      assert.equal(o.kind, 'event');
      return o.kind === 'event' ? (o.event as ApiActivity) : (null as never);
    });
    assert.deepEqual(events.map((e) => e.actor.user.uid), [
      'system:anonymous',
      'kubernetes-admin',
      'eks:addon-manager',
      'system:node:ip-192-168-3-178.us-west-2.compute.internal',
    ]);
    for (const e of events) {
      assert.deepEqual(e.cloud, { provider: 'EKS', region: null, account_uid: '123412341234' });
      assert.ok(apiActivityType.isValid(e));
    }
    assert.match(outputs[0]!.position, /^k8s-audit-webhook\/.+#0$/);
  });

  it('200: string fields over MAX_FIELD_CHARS are cut as on the file path (a 200 KB user agent)', async () => {
    const big = await startK8sAuditWebhook({
      config: { host: '127.0.0.1', port: 0, tokens: [TOKEN], bodyLimitBytes: 1024 * 1024 },
      collector: { provider: 'EKS', cluster: 'example-cluster', accountUid: '123412341234' },
      clock: new ManualClock(Date.UTC(2030, 0, 1)),
      onEvents: async (outputs) => {
        got.push(...outputs);
      },
    });
    const got: CollectorOutput[] = [];
    try {
      const doc = JSON.parse(eventList.toString('utf8')) as { items: Array<Record<string, unknown>> };
      doc.items[0]!.userAgent = 'A'.repeat(200_000);
      const res = await post(big.url, JSON.stringify(doc));
      assert.equal(res.status, 200);
      const first = got[0]!;
      assert.equal(first.kind, 'event');
      const ua = first.kind === 'event' ? (first.event as ApiActivity).user_agent! : '';
      assert.equal(ua.length, MAX_FIELD_CHARS + TRUNCATION_MARK.length);
      assert.ok(ua.endsWith(TRUNCATION_MARK));
    } finally {
      await big.close();
    }
  });

  it('200 with the second (rotated) token, and content-type with a charset', async () => {
    const res = await post(server.url, eventList, { authorization: `Bearer ${OTHER_TOKEN}`, 'content-type': 'application/json; charset=utf-8' });
    assert.equal(res.status, 200);
  });

  it('200: a bad event inside a valid EventList goes out as a RejectedRecord, not a 400', async () => {
    const doc = JSON.parse(eventList.toString('utf8')) as { items: unknown[] };
    doc.items.push({ kind: 'Event', verb: 7 }, 'not an event');
    const res = await post(server.url, JSON.stringify(doc));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { received: 6, events: 4, rejected: 2 });
    const outputs = delivered[delivered.length - 1]!;
    const rejects = outputs.filter((o) => o.kind === 'dead_letter');
    assert.equal(rejects.length, 2);
    assert.match(rejects[0]!.kind === 'dead_letter' ? rejects[0]!.reason : '', /^items\[4\]: verb must be a string, got a number$/);
    assert.match(rejects[1]!.kind === 'dead_letter' ? rejects[1]!.reason : '', /^items\[5\]: record must be a JSON object, got a string$/);
  });

  it('200 on an empty EventList without calling onEvents', async () => {
    const before = delivered.length;
    const res = await post(server.url, '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}');
    assert.equal(res.status, 200);
    assert.equal(delivered.length, before);
  });

  it('401 without a token, with a wrong token, or with another scheme', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Basic ${TOKEN}`, 'Bearer']) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        body: eventList,
      });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      const body = (await res.json()) as { error: string };
      assert.equal(body.error, 'unauthorized');
    }
  });

  it('415 for another content type or none', async () => {
    const res = await post(server.url, eventList, { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.equal(res.body.error, 'unsupported_media_type');
    assert.match(String(res.body.message), /content-type must be application\/json, got "text\/plain"/);
    const none = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(eventList) });
    assert.equal(none.status, 415);
  });

  it('413 for a body over bodyLimitBytes', async () => {
    const doc = JSON.parse(eventList.toString('utf8')) as { items: Record<string, unknown>[] };
    doc.items[0]!.requestObject = { data: 'x'.repeat(80 * 1024) };
    const res = await post(server.url, JSON.stringify(doc));
    assert.equal(res.status, 413);
    assert.equal(res.body.error, 'payload_too_large');
    assert.match(String(res.body.message), /larger than 65536 bytes/);
  });

  it('400 for malformed JSON, an empty body, or a body that is not an EventList', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"kind":"EventList","items":[', /^body is not valid JSON: /],
      ['', /^body is not valid JSON/],
      ['[]', /^body must be a JSON object \(an audit\.k8s\.io\/v1 EventList\), got an array$/],
      [JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'get' }), /^body kind is "Event", not "EventList"$/],
      ['{"items":[]}', /^body has no "kind"/],
      ['{"kind":"EventList","apiVersion":"v1","items":[]}', /^body apiVersion "v1" is not audit\.k8s\.io/],
      ['{"kind":"EventList","items":{}}', /^body items must be an array of audit events, got an object$/],
    ];
    for (const [body, message] of cases) {
      const res = await post(server.url, body);
      assert.equal(res.status, 400, body);
      assert.equal(res.body.error, 'bad_request');
      assert.match(String(res.body.message), message, body);
    }
  });

  it('503 when onEvents rejects, so the API server retries', async () => {
    failNext = new Error('kafka unavailable');
    const res = await post(server.url, eventList);
    assert.equal(res.status, 503);
    assert.equal(res.body.error, 'unavailable');
    assert.doesNotMatch(String(res.body.message), /kafka unavailable/, 'the internal cause is logged, not sent to the caller');
    assert.equal(res.headers.get('retry-after'), '5');
    const again = await post(server.url, eventList);
    assert.equal(again.status, 200, 'the retry succeeds');
  });

  it('404 on other paths', async () => {
    const res = await post(server.url.replace('/v1/k8s-audit', '/other'), eventList);
    assert.equal(res.status, 404);
  });
});

describe('k8s audit webhook config', () => {
  it('rejects short tokens, no tokens and unknown keys, listing every problem', async () => {
    await assert.rejects(
      startK8sAuditWebhook({ config: { tokens: ['short'], bogus: true } as never, onEvents: async () => {} }),
      (err: unknown) =>
        err instanceof SluiceError && err.code === 'SLUICE_ERR_CONFIG_INVALID' && /at least 16 characters/.test(err.message) && /bogus/.test(err.message),
    );
    await assert.rejects(startK8sAuditWebhook({ config: { tokens: [] }, onEvents: async () => {} }), /tokens/);
  });
});

/** A self-signed certificate for 127.0.0.1 made with openssl, or null when openssl is not installed. */
function selfSigned(dir: string): { cert: string; key: string } | null {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    return { cert, key };
  } catch {
    return null;
  }
}

describe('k8s audit webhook over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-webhook-'));
  const files = selfSigned(dir);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS with the configured certificate', { skip: files === null ? 'openssl not available' : false }, async () => {
    const received: CollectorOutput[] = [];
    const server = await startK8sAuditWebhook({
      config: { host: '127.0.0.1', port: 0, tokens: [TOKEN], tls: { certFile: files!.cert, keyFile: files!.key } },
      onEvents: async (outputs) => {
        received.push(...outputs);
      },
    });
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/v1\/k8s-audit$/);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          server.url,
          { method: 'POST', ca: readFileSync(files!.cert), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(eventList);
      });
      assert.equal(status, 200);
      assert.equal(received.length, 4);
    } finally {
      await server.close();
    }
  });
});
