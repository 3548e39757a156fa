/**
 * Test support for the alert outputs: a real HTTP server on 127.0.0.1 that records every request
 * (method, path, headers, raw body) and answers from a script, and findings to send.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Finding } from '../../core/events.ts';
import { SEVERITY } from '../../core/events.ts';
import type { Logger } from '../../core/logger.ts';
import type { DeliveryConfig, FilterConfig } from './config.ts';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How to answer one request: a status and body, or a function of the request. */
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | ((req: Recorded, res: ServerResponse) => void);

export interface CaptureServer {
  /** http://127.0.0.1:<port> */
  base: string;
  requests: Recorded[];
  /** Replies for the next requests, in order; then `fallback`. */
  replies: Reply[];
  close(): Promise<void>;
}

export async function captureServer(fallback: Reply = { status: 200, body: 'ok' }): Promise<CaptureServer> {
  const requests: Recorded[] = [];
  const replies: Reply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const reply = replies.shift() ?? fallback;
      if (typeof reply === 'function') return reply(rec, res);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      res.end(reply.body ?? '');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A finding like the detectors emit (OCSF Detection Finding). */
export function testFinding(n: number, over: Partial<Finding> = {}): Finding {
  const severity = over.severity ?? 'High';
  const id = over.id ?? `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    class_uid: 2004,
    category_uid: 2,
    activity_id: 1,
    type_uid: 200401,
    time: 1_795_168_964_000 + n * 1000,
    severity_id: SEVERITY[severity],
    severity,
    message: `CloudTrail logging stopped: mallory called StopLogging on trail-${n} <b>&</b>`,
    metadata: { version: '1.8.0', product: { name: 'Sluice', vendor_name: 'Sluice' }, uid: id },
    finding_info: {
      uid: id,
      title: 'CloudTrail logging stopped',
      desc: 'Logging was stopped.',
      analytic: { uid: 'aws.cloudtrail.logging_stopped', name: 'CloudTrail logging stopped', type: 'Rule' },
      attacks: [{ technique_uid: 'T1562.008', tactic: 'TA0005' }],
      first_seen_time: 1_795_168_964_000,
      last_seen_time: 1_795_168_964_000 + n * 1000,
      related_events: [{ uid: `ev-${n}` }],
    },
    detector: 'signatures',
    rule: 'aws.cloudtrail.logging_stopped',
    entity: { kind: 'principal', key: 'arn:aws:iam::123456789012:user/mallory' },
    count: 1,
    evidences: [{ operation: 'StopLogging' }],
    cloud: { provider: 'AWS', region: 'us-east-1', account_uid: '123456789012' },
    actor: { user: { uid: 'AIDAEXAMPLE', name: 'mallory', type: 'IAMUser' } },
    ...over,
  } as Finding;
}

/** A logger that keeps every line it is given (as JSON text), to check what would be logged. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (obj: unknown, msg?: string) => void lines.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  const logger = { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal'), child: () => logger } as unknown as Logger;
  return { logger, lines };
}

/** Delivery settings for tests: fast retries. */
export function fast(over: Partial<DeliveryConfig> = {}): DeliveryConfig {
  return { timeoutMs: 2000, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, rememberIds: 1000, ...over };
}

/** A filter taking every finding, or as given. */
export function filter(over: Partial<FilterConfig> = {}): FilterConfig {
  return { minSeverity: 'Informational', detectors: [], rules: [], ...over };
}
