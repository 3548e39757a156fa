/**
 * The webhook's backpressure (503 + Retry-After before the body is read; after publishTimeoutMs),
 * tokens from a file, and mutual TLS with a client CA (certificates made here with openssl), over
 * real HTTP(S) on port 0.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SluiceError } from '../../core/errors.ts';
import { EVENTLIST_FILE, readBytes } from '../../../test/fixtures/k8s_audit/load.ts';
import { startK8sAuditWebhook } from './index.ts';

const TOKEN = 'test-token-0123456789abcdef';
const eventList = readBytes(EVENTLIST_FILE);

async function post(url: string, token = TOKEN, body: Buffer | string = eventList): Promise<{ status: number; retryAfter: string | null; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
}

describe('k8s audit webhook backpressure', () => {
  it('answers 503 with Retry-After, before reading the body, while maxInFlightRequests requests are in hand; 200 again once Kafka catches up', async () => {
    let releaseKafka!: () => void;
    const slowKafka = new Promise<void>((resolve) => (releaseKafka = resolve));
    let published = 0;
    const server = await startK8sAuditWebhook({
      config: { host: '127.0.0.1', port: 0, tokens: [TOKEN], maxInFlightRequests: 2, retryAfterSeconds: 7, publishTimeoutMs: 60_000 },
      onEvents: async () => {
        await slowKafka;
        published++;
      },
    });
    try {
      const held = [post(server.url), post(server.url)];
      await new Promise((r) => setTimeout(r, 100));
      // A body larger than bodyLimitBytes would be a 413 if it were read: the 503 comes first.
      const third = await post(server.url, TOKEN, Buffer.alloc(20 * 1024 * 1024, 0x20));
      assert.equal(third.status, 503);
      assert.equal(third.retryAfter, '7');
      assert.match(third.text, /maxInFlightRequests/);
      assert.equal(server.stats.overloaded, 1);
      const unauth = await post(server.url, 'wrong-token-0123456789abcdef');
      assert.equal(unauth.status, 401, 'authentication is checked before capacity');
      releaseKafka();
      assert.deepEqual((await Promise.all(held)).map((r) => r.status), [200, 200]);
      assert.equal((await post(server.url)).status, 200);
      assert.equal(published, 3);
      assert.equal(server.stats.accepted, 3);
    } finally {
      await server.close();
    }
  });

  it('answers 503 with Retry-After when Kafka does not acknowledge within publishTimeoutMs, and keeps the slot until the publish settles', async () => {
    let releaseKafka!: () => void;
    const slowKafka = new Promise<void>((resolve) => (releaseKafka = resolve));
    const server = await startK8sAuditWebhook({
      config: { host: '127.0.0.1', port: 0, tokens: [TOKEN], maxInFlightRequests: 1, publishTimeoutMs: 150 },
      onEvents: () => slowKafka,
    });
    try {
      const slow = await post(server.url);
      assert.equal(slow.status, 503);
      assert.equal(slow.retryAfter, '5');
      assert.equal(server.stats.publishFailed, 1);
      assert.equal((await post(server.url)).status, 503, 'the first publish still holds the only slot');
      releaseKafka();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal((await post(server.url)).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('k8s audit webhook tokens file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-webhook-tokens-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the tokens of the file (comments and blank lines skipped) beside the inline ones', async () => {
    const file = join(dir, 'tokens');
    writeFileSync(file, '# rotated 2026-12-01\nfile-token-aaaaaaaaaaaaaaaa\n\nfile-token-bbbbbbbbbbbbbbbb\n');
    const server = await startK8sAuditWebhook({ config: { host: '127.0.0.1', port: 0, tokensFile: file }, onEvents: async () => {} });
    try {
      assert.equal((await post(server.url, 'file-token-bbbbbbbbbbbbbbbb')).status, 200);
      assert.equal((await post(server.url, TOKEN)).status, 401);
    } finally {
      await server.close();
    }
  });

  it('refuses a file with a short token without printing it, and a config with no way to authenticate', async () => {
    const file = join(dir, 'short');
    writeFileSync(file, 'tiny-secret\n');
    await assert.rejects(
      startK8sAuditWebhook({ config: { port: 0, tokensFile: file }, onEvents: async () => {} }),
      (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_ERR_CONFIG_INVALID' && /token 1 is shorter/.test(e.message) && !e.message.includes('tiny-secret'),
    );
    await assert.rejects(
      startK8sAuditWebhook({ config: { port: 0 }, onEvents: async () => {} }),
      (e: unknown) => e instanceof SluiceError && /tokens, tokensFile or tls.clientCaFile/.test(e.message),
    );
  });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate signed by the CA; null without openssl. */
function pki(dir: string): Record<'caCert' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCert' | 'otherKey', string> | null {
  const f = (name: string): string => join(dir, name);
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  try {
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=sluice-test-ca']);
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.crt'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', '/CN=kube-apiserver']);
    run(['x509', '-req', '-in', f('client.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('client.crt'), '-days', '1']);
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('other.key'), '-out', f('other.crt'), '-days', '1', '-subj', '/CN=intruder']);
  } catch {
    return null;
  }
  return { caCert: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key'), otherCert: f('other.crt'), otherKey: f('other.key') };
}

describe('k8s audit webhook with mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-webhook-mtls-'));
  const files = pki(dir);
  after(() => rmSync(dir, { recursive: true, force: true }));

  function postTls(url: string, client: { cert: string; key: string } | null, token?: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method: 'POST',
          ca: readFileSync(files!.serverCert),
          ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(eventList);
    });
  }

  it('without tokens: a client certificate from the CA is accepted; none, or one from another issuer, fails the handshake', { skip: files === null ? 'openssl not available' : false }, async () => {
    const server = await startK8sAuditWebhook({
      config: { host: '127.0.0.1', port: 0, tls: { certFile: files!.serverCert, keyFile: files!.serverKey, clientCaFile: files!.caCert } },
      onEvents: async () => {},
    });
    try {
      assert.equal(await postTls(server.url, { cert: files!.clientCert, key: files!.clientKey }), 200);
      await assert.rejects(postTls(server.url, null), 'no client certificate: the handshake is refused');
      await assert.rejects(postTls(server.url, { cert: files!.otherCert, key: files!.otherKey }), 'a certificate of another issuer: refused');
    } finally {
      await server.close();
    }
  });

  it('with tokens as well: a verified certificate or a valid token is enough', { skip: files === null ? 'openssl not available' : false }, async () => {
    const server = await startK8sAuditWebhook({
      config: { host: '127.0.0.1', port: 0, tokens: [TOKEN], tls: { certFile: files!.serverCert, keyFile: files!.serverKey, clientCaFile: files!.caCert } },
      onEvents: async () => {},
    });
    try {
      assert.equal(await postTls(server.url, { cert: files!.clientCert, key: files!.clientKey }), 200);
      assert.equal(await postTls(server.url, null, TOKEN), 200);
      assert.equal(await postTls(server.url, null), 401);
      assert.equal(await postTls(server.url, { cert: files!.otherCert, key: files!.otherKey }), 401, 'an unverified certificate is no credential');
    } finally {
      await server.close();
    }
  });
});
