import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { DEFAULT_HTTP_TIMEOUTS } from '../core/http.ts';
import { silentLogger } from '../core/logger.ts';
import { startHealthServer } from './health.ts';

async function freePort(): Promise<number> {
  const s = createNetServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Writes `head` and resolves with the time until the server closed the socket (null: still open after waitMs). */
function closedAfter(port: number, head: string, waitMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, waitMs);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
    socket.write(head);
  });
}

test('the health server has request, headers, keep-alive and idle timeouts', async () => {
  const port = await freePort();
  const server = await startHealthServer(port, async () => true, silentLogger(), {
    host: '127.0.0.1',
    timeouts: { requestTimeoutMs: 400, headersTimeoutMs: 300, keepAliveTimeoutMs: 200, idleTimeoutMs: 5000, checkIntervalMs: 50 },
  });
  assert.ok(server);
  try {
    // A client that never finishes its headers (slowloris) is dropped.
    const stalled = await closedAfter(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\n', 3000);
    assert.ok(stalled !== null && stalled < 2000, `stalled headers: closed after ${stalled} ms`);
    // An idle keep-alive connection is closed.
    const idle = await closedAfter(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n', 3000);
    assert.ok(idle !== null && idle < 2000, `idle keep-alive: closed after ${idle} ms`);
    console.log(`# health server: stalled headers closed after ${stalled} ms, idle keep-alive after ${idle} ms`);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  const defaults = await startHealthServer(await freePort(), async () => true, silentLogger(), { host: '127.0.0.1' });
  try {
    assert.equal(defaults!.requestTimeout, DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs);
    assert.equal(defaults!.headersTimeout, DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs);
    assert.equal(defaults!.keepAliveTimeout, DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs);
    assert.equal(defaults!.timeout, DEFAULT_HTTP_TIMEOUTS.idleTimeoutMs);
  } finally {
    await new Promise<void>((r) => defaults!.close(() => r()));
  }
});
