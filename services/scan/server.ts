import { createHash, timingSafeEqual } from 'node:crypto';
import { workerModule } from '../core/worker-module.ts';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Piscina } from 'piscina';
import { z } from 'zod';
import { fastifyTimeoutOptions, httpTimeouts, type HttpTimeouts } from '../core/http.ts';
import { RULE_SEVERITIES } from '../rules/index.ts';
import { postureRuleSet } from './evaluate.ts';
import { toSarif } from './sarif.ts';
import type { ScanTask, ScanTaskResult } from './worker.ts';

/** Options of the scan HTTP server. */
export interface ScanServerOptions {
  /** Bearer token clients must send (`Authorization: Bearer <token>`); at least 16 characters. */
  token: string;
  /** Largest request body accepted, bytes (default 5 MiB); larger ones get 413. */
  bodyLimitBytes?: number;
  /** Rule packs (default ['@builtin/posture']). */
  packs?: string[];
  /** YAML documents (`---` separated; a JSON file is one) per request at most (default 1000); more get 413. */
  maxDocuments?: number;
  /** Resources (CloudFormation resources, Terraform resources, Kubernetes objects) per request at most (default 10 000); more get 413. */
  maxResources?: number;
  /** Worker threads that run scans (default 1). */
  threads?: number;
  /** Scans waiting for a thread at most (default 4); beyond it requests get 503 with Retry-After. */
  maxQueue?: number;
  /** A scan still running after this is stopped (its thread is replaced) and answered 503 (default 60 s). */
  scanTimeoutMs?: number;
  /** Connection, request, headers and keep-alive timeouts (defaults: DEFAULT_HTTP_TIMEOUTS). */
  timeouts?: Partial<HttpTimeouts>;
}

export const SCAN_SERVER_DEFAULTS = {
  bodyLimitBytes: 5 * 1024 * 1024,
  maxDocuments: 1000,
  maxResources: 10_000,
  threads: 1,
  maxQueue: 4,
  scanTimeoutMs: 60_000,
} as const;

/** Body of POST /v1/scan. File names are labels in the report: nothing is read from or written to disk. */
const ScanRequest = z.strictObject({
  files: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(512).refine((s) => !/[\u0000-\u001f]/.test(s), 'no control characters'),
        content: z.string().max(64 * 1024 * 1024),
      }),
    )
    .min(1)
    .max(1000),
  failOn: z.enum(RULE_SEVERITIES).default('high'),
  format: z.enum(['json', 'sarif']).default('json'),
  /** AWS Config items (items, snapshots, history, API responses, NDJSON) to check the templates against: drift, as `sluice scan --live`. */
  live: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(512).refine((s) => !/[\u0000-\u001f]/.test(s), 'no control characters'),
        content: z.string().max(64 * 1024 * 1024),
      }),
    )
    .min(1)
    .max(1000)
    .optional(),
  liveStack: z.string().min(1).max(128).optional(),
});

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * Documents a file can hold: 1, plus one per line starting with the YAML document marker `---`
 * (an upper bound: a marker inside a block scalar is counted too). Linear, no parsing.
 */
export function countDocuments(content: string): number {
  let n = 1;
  if (content.startsWith('---')) n++;
  for (let i = content.indexOf('\n---'); i >= 0; i = content.indexOf('\n---', i + 4)) n++;
  return n;
}

/** worker.js when compiled, worker.ts (loaded through tsx) from source. */
const WORKER = workerModule(import.meta.url, 'worker');

function send(reply: FastifyReply, status: number, error: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).type('application/json').send({ error, message, ...extra });
}

/**
 * A fastify instance serving `POST /v1/scan` (`{ files: [{ name, content }], failOn?, format? }`
 * → the JSON report, or SARIF with format "sarif"; the report's exit_code says clean (0),
 * violations (1) or parse errors (2), the HTTP status is 200 for all three). Also `GET /healthz`.
 *
 * Hardened against unauthenticated and authenticated resource exhaustion:
 * - the bearer token is checked in an onRequest hook, before any body is read (constant time,
 *   over sha256 digests): 401 without it;
 * - request, headers, keep-alive and idle timeouts (core/http.ts) bound slow clients;
 * - 413 over the body limit, over maxDocuments YAML documents, over maxResources resources; 400
 *   for a bad body;
 * - scans run on a piscina worker thread (threads, maxQueue: 503 when full; scanTimeoutMs: 503),
 *   so the event loop keeps answering /healthz during a large scan.
 */
export function buildScanServer(options: ScanServerOptions): FastifyInstance {
  if (typeof options.token !== 'string' || options.token.length < 16) throw new Error('buildScanServer: token must be at least 16 characters');
  const expected = digest(`Bearer ${options.token}`);
  const bodyLimit = options.bodyLimitBytes ?? SCAN_SERVER_DEFAULTS.bodyLimitBytes;
  const maxDocuments = options.maxDocuments ?? SCAN_SERVER_DEFAULTS.maxDocuments;
  const maxResources = options.maxResources ?? SCAN_SERVER_DEFAULTS.maxResources;
  const scanTimeoutMs = options.scanTimeoutMs ?? SCAN_SERVER_DEFAULTS.scanTimeoutMs;
  const packs = options.packs ?? ['@builtin/posture'];
  postureRuleSet(packs); // compiled here once, so that a bad pack fails at startup, not on a request
  const timeouts = httpTimeouts(options.timeouts);
  const app = Fastify({ bodyLimit, logger: false, return503OnClosing: true, ...fastifyTimeoutOptions(timeouts) });
  const threads = Math.max(1, options.threads ?? SCAN_SERVER_DEFAULTS.threads);
  const pool = new Piscina<ScanTask, ScanTaskResult>({
    filename: WORKER.filename,
    minThreads: threads,
    maxThreads: threads,
    maxQueue: Math.max(0, options.maxQueue ?? SCAN_SERVER_DEFAULTS.maxQueue),
    execArgv: WORKER.execArgv,
  });
  app.addHook('onClose', async () => {
    await pool.destroy();
  });

  // Authentication before anything else: no body is read or parsed for an unauthenticated request.
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' && req.routeOptions.url === '/healthz') return undefined;
    const auth = req.headers.authorization;
    if (typeof auth !== 'string' || !timingSafeEqual(digest(auth), expected)) {
      reply.header('www-authenticate', 'Bearer').header('connection', 'close');
      return send(reply, 401, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)');
    }
    return undefined;
  });

  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return send(reply, 413, 'payload too large', `body is larger than ${bodyLimit} bytes (--body-limit)`);
    if (status >= 500) return send(reply, status, 'internal error', 'the scan failed');
    return send(reply, status, 'bad request', err.message);
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.post('/v1/scan', async (req, reply) => {
    const parsed = ScanRequest.safeParse(req.body);
    if (!parsed.success) {
      return send(reply, 400, 'invalid request', 'the body is not a scan request', {
        issues: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
      });
    }
    let documents = 0;
    for (const f of parsed.data.files) documents += countDocuments(f.content);
    if (documents > maxDocuments) {
      return send(reply, 413, 'too many documents', `the request holds up to ${documents} YAML/JSON documents, more than ${maxDocuments} (maxDocuments); split it`);
    }
    if (parsed.data.liveStack !== undefined && parsed.data.live === undefined) return send(reply, 400, 'invalid request', 'liveStack needs live');
    for (const f of parsed.data.live ?? []) documents += countDocuments(f.content);
    if (documents > maxDocuments) {
      return send(reply, 413, 'too many documents', `the request holds up to ${documents} YAML/JSON documents with its live items, more than ${maxDocuments} (maxDocuments); split it`);
    }
    const task: ScanTask = {
      files: parsed.data.files,
      failOn: parsed.data.failOn,
      packs,
      maxResources,
      ...(parsed.data.live ? { live: parsed.data.live } : {}),
      ...(parsed.data.liveStack ? { liveStack: parsed.data.liveStack } : {}),
    };
    let result: ScanTaskResult;
    try {
      result = await pool.run(task, { signal: AbortSignal.timeout(scanTimeoutMs) });
    } catch (err) {
      const name = (err as { name?: string }).name;
      reply.header('retry-after', '5');
      if (name === 'AbortError' || name === 'TimeoutError') return send(reply, 503, 'scan timed out', `the scan took longer than ${scanTimeoutMs} ms and was stopped`);
      if (/queue is at limit/i.test((err as Error).message)) return send(reply, 503, 'busy', 'too many scans in progress; retry later');
      throw err;
    }
    if (!result.ok && 'live' in result) return send(reply, 400, 'invalid live items', result.live);
    if (!result.ok) {
      return send(reply, 413, 'too many resources', `${result.limit.file} takes the request to ${result.limit.resources} resources, more than ${maxResources} (maxResources); split it`);
    }
    return reply.code(200).send(parsed.data.format === 'sarif' ? toSarif(result.report) : result.report);
  });
  return app;
}
