/**
 * Kubernetes audit webhook backend: the API server (--audit-webhook-config-file) POSTs batches of
 * audit events as an `audit.k8s.io/v1` EventList; each event becomes an ApiActivity (or a
 * RejectedRecord) handed to `onEvents`, which publishes them. The response tells the API server
 * whether to retry:
 *   200 after onEvents resolved; 503 with Retry-After when it rejected or did not resolve within
 *   publishTimeoutMs, or when maxInFlightRequests requests are already in hand (before the body is
 *   read: backpressure; the API server retries the batch);
 *   401 no/wrong bearer token and no verified client certificate; 415 not application/json;
 *   413 body over bodyLimitBytes;
 *   400 body not JSON or not an EventList (retrying would not help). Bad events inside a valid
 *   EventList are not a 400: they go out as RejectedRecords through onEvents.
 */
import { capStringFields } from '../fields.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.ts';
import type { CollectorOutput } from '../../core/components.ts';
import { fastifyTimeoutOptions, httpTimeouts } from '../../core/http.ts';
import type { Logger } from '../../core/logger.ts';
import type { Counter, Meter } from '@opentelemetry/api';
import { componentLabels } from '../../core/metrics.ts';
import type { TLSSocket } from 'node:tls';
import { SluiceError } from '../../core/errors.ts';
import { createK8sAuditCollector } from './collector.ts';
import { parseK8sAuditConfig, parseK8sAuditWebhookConfig, type K8sAuditConfigInput, type K8sAuditWebhookConfigInput } from './config.ts';
import { clip, isObj, typeName } from './fields.ts';

export interface K8sAuditWebhookOptions {
  /** Server config (validated by K8sAuditWebhookConfigSchema; SLUICE_ERR_CONFIG_INVALID lists every problem). */
  config: K8sAuditWebhookConfigInput;
  /** Publishes one request's outputs (events and rejects). The request is answered 200 once it resolves, 503 if it rejects. */
  onEvents: (outputs: CollectorOutput[]) => Promise<void>;
  /** Collector config for the events (provider, cluster, accountUid, region, stages, caps). */
  collector?: K8sAuditConfigInput;
  /** Ingest time for events without one. */
  clock?: Clock;
  logger?: Logger;
  /** Counts requests by status (sluice_webhook_requests_total). */
  meter?: Meter;
}

/** What the webhook answered since it started. */
export interface K8sAuditWebhookStats {
  /** Requests to the webhook path, whatever the answer. */
  requests: number;
  /** Answered 200: their events were handed on. */
  accepted: number;
  /** 401. */
  unauthorized: number;
  /** 503 before the body was read: maxInFlightRequests in hand. */
  overloaded: number;
  /** 503 after the body was read: onEvents rejected or was slower than publishTimeoutMs. */
  publishFailed: number;
  /** 400, 413, 415. */
  invalid: number;
  /** Audit events received in accepted requests, and how many of them were rejected (dead letters). */
  events: number;
  rejected: number;
}

export interface K8sAuditWebhook {
  /** Where the API server should post, e.g. https://127.0.0.1:8443/v1/k8s-audit. */
  url: string;
  readonly stats: K8sAuditWebhookStats;
  /** Stops accepting (new requests get 503), waits for the requests in hand, then closes. */
  close(): Promise<void>;
}

interface ErrorBody {
  error: string;
  message: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

const STATUS_NAMES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  503: 'unavailable',
};

function send(reply: FastifyReply, status: number, message: string): FastifyReply {
  const body: ErrorBody = { error: STATUS_NAMES[status] ?? `http_${status}`, message };
  return reply.code(status).type('application/json').send(body);
}

/** Checks an EventList body; returns its items or the 400 message naming the problem. */
function eventListItems(doc: unknown): unknown[] | string {
  if (!isObj(doc)) return `body must be a JSON object (an audit.k8s.io/v1 EventList), got ${typeName(doc)}`;
  const kind = doc.kind;
  if (kind !== 'EventList') {
    return kind === undefined
      ? 'body has no "kind": expected an audit.k8s.io/v1 EventList'
      : `body kind is ${typeof kind === 'string' ? `"${clip(kind)}"` : typeName(kind)}, not "EventList"`;
  }
  const apiVersion = doc.apiVersion;
  if (apiVersion !== undefined && !(typeof apiVersion === 'string' && apiVersion.startsWith('audit.k8s.io/'))) {
    return `body apiVersion ${typeof apiVersion === 'string' ? `"${clip(apiVersion)}"` : typeName(apiVersion)} is not audit.k8s.io/*`;
  }
  if (!Array.isArray(doc.items)) return `body items must be an array of audit events, got ${typeName(doc.items)}`;
  return doc.items;
}

/** Tokens of a tokens file: one per line, blank lines and `#` comments skipped, each at least 16 characters. */
export async function readTokensFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `k8s_audit webhook tokensFile ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const tokens = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const short = tokens.findIndex((t) => t.length < 16);
  // The token itself is never printed.
  if (short >= 0) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `k8s_audit webhook tokensFile ${path}: token ${short + 1} is shorter than 16 characters`);
  if (tokens.length === 0) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `k8s_audit webhook tokensFile ${path} holds no token`);
  return tokens;
}

/** Starts the webhook server and resolves once it listens. */
export async function startK8sAuditWebhook(options: K8sAuditWebhookOptions): Promise<K8sAuditWebhook> {
  const config = parseK8sAuditWebhookConfig(options.config);
  const collector = createK8sAuditCollector(parseK8sAuditConfig(options.collector ?? {}), options.clock ? { clock: options.clock } : {});
  const tokens = [...config.tokens, ...(config.tokensFile ? await readTokensFile(config.tokensFile) : [])];
  const tokenDigests = tokens.map(sha256);
  const mtls = Boolean(config.tls?.clientCaFile);
  const logger = options.logger;
  const stats: K8sAuditWebhookStats = { requests: 0, accepted: 0, unauthorized: 0, overloaded: 0, publishFailed: 0, invalid: 0, events: 0, rejected: 0 };
  const requestsCounter: Counter | undefined = options.meter?.createCounter('sluice_webhook_requests_total', {
    description: 'Requests to the k8s_audit webhook, by status: 200 accepted, 401, 400/413/415 invalid, 503 overloaded or publish failed.',
  });
  const retryAfter = String(config.retryAfterSeconds);
  /** Requests in hand: from their authentication until their answer is sent and their publish settled. */
  let inFlight = 0;

  // Timeouts bound what a slow or stalled client can hold open.
  const base = { logger: false, bodyLimit: config.bodyLimitBytes, return503OnClosing: true, ...fastifyTimeoutOptions(httpTimeouts({ requestTimeoutMs: 60_000 })) } as const;
  let app: FastifyInstance;
  if (config.tls) {
    const { certFile, keyFile, clientCaFile } = config.tls;
    const [cert, key, ca] = await Promise.all([readFile(certFile), readFile(keyFile), clientCaFile ? readFile(clientCaFile) : undefined]);
    // mTLS: a client certificate is asked for; without tokens it is required by the handshake itself.
    const clientAuth = ca ? { ca, requestCert: true, rejectUnauthorized: tokenDigests.length === 0 } : {};
    // An https server has the same request/reply API; the cast only widens the server type.
    app = Fastify({ ...base, https: { cert, key, ...clientAuth } }) as unknown as FastifyInstance;
  } else {
    app = Fastify(base);
  }

  /** Constant-time: every configured token is compared, whatever the result of the others. */
  const authorized = (header: string | undefined): boolean => {
    if (header === undefined) return false;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return false;
    const digest = sha256(m[1]!);
    let ok = false;
    for (const t of tokenDigests) ok = timingSafeEqual(digest, t) || ok;
    return ok;
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  /** A client certificate the TLS handshake verified against clientCaFile. */
  const verifiedClient = (req: FastifyRequest): boolean => mtls && (req.raw.socket as TLSSocket).authorized === true;

  /** Per request: its slot is given back once its answer is sent and its publish (if any) settled. */
  const slots = new WeakMap<FastifyRequest, { publishing: boolean; release: () => void }>();

  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.routeOptions.url !== config.path) return;
    const status = reply.statusCode;
    requestsCounter?.add(1, { ...componentLabels('collector', 'k8s_audit'), status: String(status) });
  });

  // Authentication, capacity and media type are checked before the body is read.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.routeOptions.url !== config.path) return;
    stats.requests++;
    if (!verifiedClient(req) && !authorized(req.headers.authorization)) {
      stats.unauthorized++;
      reply.header('www-authenticate', 'Bearer');
      return send(reply, 401, mtls ? 'a verified client certificate or a valid bearer token is required' : 'a valid bearer token is required (Authorization: Bearer <token>)');
    }
    if (inFlight >= config.maxInFlightRequests) {
      stats.overloaded++;
      reply.header('retry-after', retryAfter);
      return send(reply, 503, `${inFlight} requests in hand (maxInFlightRequests); retry later`);
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      stats.invalid++;
      return send(reply, 415, `content-type must be application/json, got ${type === '' ? 'none' : `"${clip(type)}"`}`);
    }
    inFlight++;
    let released = false;
    const slot = {
      publishing: false,
      release: () => {
        if (!released) {
          released = true;
          inFlight--;
        }
      },
    };
    slots.set(req, slot);
    reply.raw.once('close', () => {
      if (!slot.publishing) slot.release();
    });
    return undefined;
  });

  app.setErrorHandler((err: { statusCode?: number; message: string; code?: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) {
      stats.invalid++;
      return send(reply, 413, `body is larger than ${config.bodyLimitBytes} bytes (bodyLimitBytes)`);
    }
    if (status === 400) stats.invalid++;
    if (status >= 500) logger?.error({ err }, 'K8s audit webhook request failed');
    return send(reply, status, err.message);
  });
  app.setNotFoundHandler((req, reply) => send(reply, 404, `no route for ${req.method} ${clip(req.url, 200)}; audit events go to POST ${config.path}`));

  app.post(config.path, async (req, reply) => {
    const body = req.body;
    const invalid = (message: string): FastifyReply => {
      stats.invalid++;
      return send(reply, 400, message);
    };
    if (!Buffer.isBuffer(body)) return invalid('request has no body: expected an audit.k8s.io/v1 EventList');
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return invalid(`body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const items = eventListItems(doc);
    if (typeof items === 'string') return invalid(items);

    const outputs = collector.collectItems(`k8s-audit-webhook/${req.id}`, items);
    // The same cap on every mapped string field as the file and stream paths (collectors/fields.ts).
    for (const o of outputs) if (o.kind === 'event') capStringFields(o.event);
    if (outputs.length > 0) {
      const slot = slots.get(req);
      if (slot) slot.publishing = true;
      const publish = options.onEvents(outputs);
      // The slot stays taken until the publish settles, even when the answer went out first (timeout).
      publish.then(
        () => slot?.release(),
        () => slot?.release(),
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), config.publishTimeoutMs)));
      try {
        if ((await Promise.race([publish, timeout])) === 'timeout') {
          stats.publishFailed++;
          logger?.warn({ events: outputs.length, timeoutMs: config.publishTimeoutMs }, 'K8s audit webhook: Kafka did not acknowledge in time; answering 503 so the API server retries');
          reply.header('retry-after', retryAfter);
          return send(reply, 503, 'events were not acknowledged in time; retry later');
        }
      } catch (err) {
        stats.publishFailed++;
        logger?.warn({ err, events: outputs.length }, 'K8s audit webhook could not hand events on; the API server will retry');
        reply.header('retry-after', retryAfter);
        // The cause is logged, not returned: internal errors (hosts, topics) are not the caller's business.
        return send(reply, 503, 'events could not be published; retry later');
      } finally {
        clearTimeout(timer);
      }
    }
    const rejected = outputs.filter((o) => o.kind === 'dead_letter').length;
    stats.accepted++;
    stats.events += items.length;
    stats.rejected += rejected;
    return reply.code(200).send({ received: items.length, events: outputs.length - rejected, rejected });
  });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '[::1]' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${address.port}${config.path}`;
  logger?.info({ url }, 'K8s audit webhook listening');
  return {
    url,
    stats,
    close: async () => {
      await app.close();
    },
  };
}
