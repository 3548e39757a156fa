/**
 * What the alert outputs share: the filter (minimum severity, detectors, rules), dedup by finding
 * id within the process, HTTP delivery with timeouts and without redirects, retries with backoff
 * on network errors, timeouts, 429 and 5xx, and the verdicts the processor understands:
 *
 * - all delivered (or filtered, or already delivered): write() resolves;
 * - some still failing after the retries: write() rejects with a retriable SLUICE_ERR_SINK_WRITE,
 *   so the processor retries the batch in place (what was delivered is not sent again);
 * - some refused for good (a 4xx other than 429, a redirect, an item error of a bulk response):
 *   write() rejects with a non-retriable SLUICE_ERR_SINK_WRITE naming them in `details.invalid`,
 *   so the processor dead-letters exactly those findings.
 *
 * Secrets (tokens, keys, webhook URLs) are never logged nor put in an error message: every text
 * that leaves this class goes through scrub(), and URLs are never quoted.
 */
import picomatch from 'picomatch';
import type { FindingSink } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Finding } from '../../core/events.ts';
import { SEVERITY } from '../../core/events.ts';
import type { Logger } from '../../core/logger.ts';
import type { DeliveryConfig, FilterConfig } from './config.ts';

export interface AlertRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface AlertResponse {
  status: number;
  headers: Headers;
  /** The body as text (the first 64 KiB). */
  body: string;
}

/** What one request did to each finding it carried. */
export interface AlertOutcome {
  delivered: string[];
  refused: Array<{ id: string; reason: string }>;
  retry: Array<{ id: string; reason: string }>;
  /** From a Retry-After header, when the service asked to wait. */
  retryAfterMs?: number;
}

export interface AlertSinkStats {
  delivered: number;
  /** Not taken by the filter. */
  filtered: number;
  /** Already delivered (or twice in one write). */
  duplicates: number;
  refused: number;
  /** Requests sent again after a retriable failure. */
  retries: number;
  requests: number;
  /** Not sent: over delivery.rateLimit (still on the findings topic and in ClickHouse). */
  rateLimited: number;
}

export interface AlertSinkOptions {
  filter: FilterConfig;
  delivery: DeliveryConfig;
  logger?: Logger;
  /** Findings per request (1 for per-alert services). */
  batchSize?: number;
  /** Epoch ms (tests); default Date.now. */
  now?: () => number;
}

/** A token bucket: `take()` is true while the rate allows one more. */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(perMinute: number, burst: number | undefined, now: number) {
    this.capacity = Math.max(1, burst ?? perMinute);
    this.perMs = perMinute / 60_000;
    this.tokens = this.capacity;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + Math.max(0, now - this.last) * this.perMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const MAX_BODY = 64 * 1024;

/** The Retry-After header in ms (seconds or an HTTP date), if any. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/** The usual reading of a response for a whole request: 2xx delivered, 429/5xx retried, the rest refused. */
export function wholeRequestOutcome(findings: readonly Finding[], res: AlertResponse, detail = ''): AlertOutcome {
  const ids = findings.map((f) => f.id);
  const reason = `HTTP ${res.status}${detail ? `: ${detail}` : ''}`;
  if (res.status >= 200 && res.status < 300) return { delivered: ids, refused: [], retry: [] };
  if (res.status === 429 || res.status >= 500) {
    const after = retryAfterMs(res.headers);
    return { delivered: [], refused: [], retry: ids.map((id) => ({ id, reason })), ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  const why = res.status >= 300 && res.status < 400 ? `HTTP ${res.status} redirect refused: requests are never forwarded` : `${reason} (not retried)`;
  return { delivered: [], refused: ids.map((id) => ({ id, reason: why })), retry: [] };
}

export abstract class AlertSink implements FindingSink {
  abstract readonly name: string;
  readonly stats: AlertSinkStats = { delivered: 0, filtered: 0, duplicates: 0, refused: 0, retries: 0, requests: 0, rateLimited: 0 };
  private readonly limiter: RateLimiter | undefined;
  private readonly now: () => number;
  /** Rate-limited findings not yet reported in a log line, and when the last line was written. */
  private unreported = 0;
  private lastReport = Number.NEGATIVE_INFINITY;
  private readonly delivered = new Set<string>();
  private readonly refusedIds = new Map<string, string>();
  private readonly ruleMatch: ((rule: string) => boolean) | undefined;
  private readonly minSeverity: number;

  constructor(protected readonly options: AlertSinkOptions) {
    this.ruleMatch = options.filter.rules.length ? picomatch(options.filter.rules, { dot: true }) : undefined;
    this.minSeverity = SEVERITY[options.filter.minSeverity];
    this.now = options.now ?? Date.now;
    const rate = options.delivery.rateLimit;
    this.limiter = rate && rate.perMinute > 0 ? new RateLimiter(rate.perMinute, rate.burst, this.now()) : undefined;
  }

  /** Whether the rate limit lets this finding go; counts and reports (once a minute) those it holds back. */
  private withinRate(f: Finding): boolean {
    if (!this.limiter) return true;
    const now = this.now();
    if (this.limiter.take(now)) return true;
    this.stats.rateLimited++;
    this.unreported++;
    if (now - this.lastReport >= 60_000) {
      this.options.logger?.warn(
        { sink: this.name, rateLimited: this.unreported, perMinute: this.options.delivery.rateLimit?.perMinute, example: f.id },
        'alert output rate limit reached: findings not sent to this output (they stay on the findings topic and in ClickHouse)',
      );
      this.unreported = 0;
      this.lastReport = now;
    }
    return false;
  }

  /** The request carrying these findings. */
  protected abstract request(findings: readonly Finding[]): AlertRequest;

  /** The secrets of this output (scrubbed from every message). */
  protected abstract secrets(): ReadonlyArray<string | undefined>;

  /** What the response means for each finding; by default, for the whole request. */
  protected outcome(findings: readonly Finding[], res: AlertResponse): AlertOutcome {
    return wholeRequestOutcome(findings, res, this.scrub(res.body.slice(0, 200).trim()));
  }

  /** Whether the filter takes the finding. */
  accepts(f: Finding): boolean {
    if ((SEVERITY[f.severity as keyof typeof SEVERITY] ?? 0) < this.minSeverity) return false;
    const { detectors } = this.options.filter;
    if (detectors.length && !detectors.includes(f.detector)) return false;
    if (this.ruleMatch && !this.ruleMatch(f.rule)) return false;
    return true;
  }

  /** Text with every secret of this output replaced by `***` (of a secret URL, also its path and query, which hold the key). */
  scrub(text: string): string {
    let out = text;
    const variants: string[] = [];
    for (const s of this.secrets()) {
      if (!s || s.length < 4) continue;
      variants.push(s);
      try {
        const u = new URL(s);
        const rest = `${u.pathname}${u.search}`;
        if (rest.length > 1) variants.push(rest);
        if (u.pathname.length > 1) variants.push(u.pathname);
        if (u.search.length > 1) variants.push(u.search.slice(1));
        if (u.password) variants.push(u.password);
      } catch {
        // not a URL
      }
    }
    for (const v of variants.sort((a, b) => b.length - a.length)) out = out.split(v).join('***');
    return out;
  }

  async start(): Promise<void> {}

  async healthcheck(): Promise<void> {}

  async close(): Promise<void> {}

  async write(findings: readonly Finding[]): Promise<void> {
    const invalid: Array<{ id: string; reason: string }> = [];
    const todo: Finding[] = [];
    const inCall = new Set<string>();
    for (const f of findings) {
      if (!this.accepts(f)) {
        this.stats.filtered++;
        continue;
      }
      if (this.delivered.has(f.id) || inCall.has(f.id)) {
        this.stats.duplicates++;
        continue;
      }
      const refused = this.refusedIds.get(f.id);
      if (refused !== undefined) {
        invalid.push({ id: f.id, reason: refused });
        continue;
      }
      inCall.add(f.id);
      if (!this.withinRate(f)) continue;
      todo.push(f);
    }
    const size = Math.max(1, this.options.batchSize ?? 1);
    const failing: Array<{ id: string; reason: string }> = [];
    for (let i = 0; i < todo.length; i += size) {
      if (failing.length) {
        // The service is failing: do not spend the retries again on every other finding of the
        // write; the processor retries the whole write (what was delivered is skipped).
        failing.push(...todo.slice(i).map((f) => ({ id: f.id, reason: `not attempted: ${failing[0]!.reason}` })));
        break;
      }
      const result = await this.deliver(todo.slice(i, i + size));
      invalid.push(...result.refused);
      failing.push(...result.retry);
    }
    if (failing.length) {
      throw new SluiceError(
        'SLUICE_ERR_SINK_WRITE',
        `${this.name}: ${failing.length} finding(s) not delivered (${this.options.delivery.retry.attempts} attempt(s)): ${failing[0]!.reason}`,
        { retriable: true },
      );
    }
    if (invalid.length) {
      throw new SluiceError('SLUICE_ERR_SINK_WRITE', `${this.name}: ${invalid.length} finding(s) refused: ${invalid[0]!.reason}`, { retriable: false, details: { invalid } });
    }
  }

  /** Sends one batch, retrying what may be retried; returns what was refused and what still fails. */
  private async deliver(batch: readonly Finding[]): Promise<{ refused: AlertOutcome['refused']; retry: AlertOutcome['retry'] }> {
    const { retry, timeoutMs } = this.options.delivery;
    const refused: AlertOutcome['refused'] = [];
    let remaining = batch;
    let failing: AlertOutcome['retry'] = [];
    for (let attempt = 1; attempt <= retry.attempts && remaining.length; attempt++) {
      let out: AlertOutcome;
      let status: number | null = null;
      try {
        this.stats.requests++;
        const res = await this.send(remaining, timeoutMs);
        status = res.status;
        out = this.outcome(remaining, res);
      } catch (err) {
        const reason = this.scrub(networkReason(err));
        out = { delivered: [], refused: [], retry: remaining.map((f) => ({ id: f.id, reason })) };
      }
      for (const id of out.delivered) this.remember(id);
      for (const r of out.refused) {
        const reason = this.scrub(r.reason);
        this.refusedIds.set(r.id, reason);
        if (this.refusedIds.size > this.options.delivery.rememberIds) this.refusedIds.delete(this.refusedIds.keys().next().value!);
        refused.push({ id: r.id, reason });
        this.stats.refused++;
      }
      if (out.refused.length) this.options.logger?.warn({ sink: this.name, status, refused: out.refused.length, reason: this.scrub(out.refused[0]!.reason) }, 'alert output refused findings (dead-lettered)');
      failing = out.retry.map((r) => ({ id: r.id, reason: this.scrub(r.reason) }));
      const again = new Set(failing.map((r) => r.id));
      remaining = remaining.filter((f) => again.has(f.id));
      if (remaining.length && attempt < retry.attempts) {
        this.stats.retries++;
        const delay = backoff(attempt, retry.baseDelayMs, retry.maxDelayMs, out.retryAfterMs);
        this.options.logger?.warn({ sink: this.name, attempt, status, findings: remaining.length, delayMs: delay, reason: failing[0]?.reason }, 'alert output request failed, retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return { refused, retry: remaining.length ? failing : [] };
  }

  private remember(id: string): void {
    if (this.delivered.has(id)) return;
    this.delivered.add(id);
    this.stats.delivered++;
    if (this.delivered.size > this.options.delivery.rememberIds) this.delivered.delete(this.delivered.values().next().value!);
  }

  /**
   * One exchange with the service for these findings: by default request() POSTed with fetch. An
   * output that talks through a vendor SDK (sns) overrides it, and reports the service's answer as
   * an AlertResponse (a network failure or a timeout is thrown, and retried).
   */
  protected send(findings: readonly Finding[], timeoutMs: number): Promise<AlertResponse> {
    return this.post(this.request(findings), timeoutMs);
  }

  /** One POST: a timeout, no redirects followed (a signed body or a token must not go elsewhere). */
  private async post(req: AlertRequest, timeoutMs: number): Promise<AlertResponse> {
    const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    let body = '';
    try {
      body = (await res.text()).slice(0, MAX_BODY);
    } catch {
      // The status decides; a body cut short is not a failure of the request.
    }
    // `redirect: 'manual'` yields the 3xx itself (or an opaque redirect, status 0).
    return { status: res.type === 'opaqueredirect' ? 302 : res.status, headers: res.headers, body };
  }
}

/** A network failure in a few words (no URL): `fetch failed (ECONNREFUSED)`, `timeout`. */
export function networkReason(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'request timed out';
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = cause && typeof cause.code === 'string' ? cause.code : undefined;
    return `${err.message}${code ? ` (${code})` : ''}`;
  }
  return String(err);
}

/** Exponential backoff with jitter (50-100% of the step), at least Retry-After, at most maxMs. */
export function backoff(attempt: number, baseMs: number, maxMs: number, retryAfter?: number): number {
  const step = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  const jittered = Math.round(step * (0.5 + Math.random() * 0.5));
  return Math.min(maxMs, Math.max(jittered, retryAfter ?? 0));
}

/** The subject of a finding for a one-line summary: principal name, else the entity key. */
export function subjectOf(f: Finding): string {
  return f.actor?.user?.name || f.actor?.user?.uid || f.entity?.key || 'unknown';
}

/** JSON text of a finding's time as ISO 8601. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : new Date(0).toISOString();
}
