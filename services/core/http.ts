/**
 * Timeouts of every HTTP server Sluice runs (scan-server, health endpoints, the Kubernetes audit
 * webhook), so that a slow or stalled client cannot hold connections and memory open. Node checks
 * the request and headers timeouts every `connectionsCheckingInterval`; the defaults below keep
 * that check frequent enough for the timeouts to mean what they say.
 */
import type { Server } from 'node:http';

export interface HttpTimeouts {
  /** Whole request (headers and body) must arrive within this, else 408 and the socket is closed. */
  requestTimeoutMs: number;
  /** Headers must arrive within this (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no activity at all is destroyed after this. */
  idleTimeoutMs: number;
  /** How often Node checks requests against requestTimeoutMs and headersTimeoutMs. */
  checkIntervalMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
});

/** Defaults overridden by the given fields; headersTimeoutMs is clamped to requestTimeoutMs (Node requires it). */
export function httpTimeouts(over: Partial<HttpTimeouts> = {}): HttpTimeouts {
  const t = { ...DEFAULT_HTTP_TIMEOUTS, ...over };
  return { ...t, headersTimeoutMs: Math.min(t.headersTimeoutMs, t.requestTimeoutMs) };
}

/** Options for node:http createServer (the ones that can only be given at creation). */
export function httpServerOptions(t: HttpTimeouts): { requestTimeout: number; headersTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
  return { requestTimeout: t.requestTimeoutMs, headersTimeout: t.headersTimeoutMs, keepAliveTimeout: t.keepAliveTimeoutMs, connectionsCheckingInterval: t.checkIntervalMs };
}

/**
 * Fastify options with the timeouts: its own connectionTimeout / keepAliveTimeout / requestTimeout,
 * plus `http` options for node:http (headersTimeout and the checking interval).
 */
export function fastifyTimeoutOptions(t: HttpTimeouts): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: { headersTimeout: number; connectionsCheckingInterval: number; requestTimeout: number; keepAliveTimeout: number };
} {
  return {
    connectionTimeout: t.idleTimeoutMs,
    keepAliveTimeout: t.keepAliveTimeoutMs,
    requestTimeout: t.requestTimeoutMs,
    http: { headersTimeout: t.headersTimeoutMs, connectionsCheckingInterval: t.checkIntervalMs, requestTimeout: t.requestTimeoutMs, keepAliveTimeout: t.keepAliveTimeoutMs },
  };
}

/** Applies the idle timeout to a node:http server created with httpServerOptions. */
export function applyIdleTimeout(server: Server, t: HttpTimeouts): Server {
  server.setTimeout(t.idleTimeoutMs, (socket) => socket.destroy());
  return server;
}
