import { createHmac } from 'node:crypto';
import type { SideOutput } from '../core/components.ts';

/** Options of RemediationWebhook. */
export interface RemediationWebhookOptions {
  /** Where actions are POSTed (e.g. a Lambda function URL); http(s) only. */
  url?: string;
  /** HMAC-SHA256 key; requests carry `X-Sluice-Signature: sha256=<hex>` over `<timestamp>.<body>`. Required (>= 16 characters) when dryRun is false. */
  secret?: string;
  /** Default true: nothing is sent, every action is recorded as skipped (dry-run). */
  dryRun?: boolean;
  /** Attempts per action (default 4), with exponential backoff from baseDelayMs (default 200). */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Action ids remembered as sent (default 10 000); the oldest are forgotten first. */
  rememberIds?: number;
  /** Injected for tests. */
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What happened to one action. */
export interface ActionRecord {
  id: string;
  outcome: 'sent' | 'skipped' | 'failed';
  reason: string;
  attempts: number;
  status: number | null;
}

/** Header names of a webhook request. */
export const WEBHOOK_HEADERS = {
  signature: 'x-sluice-signature',
  timestamp: 'x-sluice-timestamp',
  idempotencyKey: 'idempotency-key',
  actionId: 'x-sluice-action-id',
} as const;

/** The signature of a body: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the secret. */
export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Sends remediation actions (side outputs of stream `actions`) to a webhook. Dry-run by default.
 * Idempotent by action id: the id is the Idempotency-Key header, and ids already sent (a bounded
 * memory) are skipped. Retries network errors, 429 and 5xx with exponential backoff; 4xx other
 * than 429 fail at once. Every action gets a record (sent, skipped or failed, with the reason).
 */
export class RemediationWebhook {
  private readonly sent = new Set<string>();
  private readonly opts: Required<Omit<RemediationWebhookOptions, 'url' | 'secret'>> & { url: string | null; secret: string | null };

  constructor(options: RemediationWebhookOptions = {}) {
    if (options.url !== undefined && !/^https?:\/\//.test(options.url)) throw new Error('RemediationWebhook: url must be http(s)');
    // Acting without a signature would let anyone who can reach the receiver forge actions.
    if (options.dryRun === false && options.url !== undefined && !(typeof options.secret === 'string' && options.secret.length >= 16)) {
      throw new Error('RemediationWebhook: a secret of at least 16 characters is required when dryRun is false');
    }
    this.opts = {
      url: options.url ?? null,
      secret: options.secret ?? null,
      dryRun: options.dryRun ?? true,
      maxAttempts: Math.max(1, options.maxAttempts ?? 4),
      baseDelayMs: options.baseDelayMs ?? 200,
      timeoutMs: options.timeoutMs ?? 10_000,
      rememberIds: Math.max(1, options.rememberIds ?? 10_000),
      fetch: options.fetch ?? fetch,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    };
  }

  private remember(id: string): void {
    this.sent.add(id);
    if (this.sent.size > this.opts.rememberIds) this.sent.delete(this.sent.values().next().value!);
  }

  /** Handles actions in order; returns one record per action. */
  async handle(actions: readonly SideOutput[]): Promise<ActionRecord[]> {
    const out: ActionRecord[] = [];
    for (const a of actions) out.push(await this.one(a));
    return out;
  }

  private async one(a: SideOutput): Promise<ActionRecord> {
    const id = typeof a.value?.id === 'string' ? a.value.id : '';
    const rec = (outcome: ActionRecord['outcome'], reason: string, attempts = 0, status: number | null = null): ActionRecord => ({ id, outcome, reason, attempts, status });
    if (a.stream !== 'actions') return rec('skipped', `not an action (stream ${a.stream})`);
    if (!/^[\w-]{1,128}$/.test(id)) return rec('skipped', 'action has no valid id');
    if (this.sent.has(id)) return rec('skipped', 'already sent (idempotent by action id)');
    if (this.opts.dryRun) return rec('skipped', 'dry-run: would POST the action');
    if (this.opts.url === null) return rec('skipped', 'no webhook url configured');
    const body = JSON.stringify({ key: a.key, action: a.value });
    let last = '';
    let status: number | null = null;
    for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
      const ts = String(Math.floor(this.opts.now() / 1000));
      const headers: Record<string, string> = { 'content-type': 'application/json', [WEBHOOK_HEADERS.idempotencyKey]: id, [WEBHOOK_HEADERS.actionId]: id, [WEBHOOK_HEADERS.timestamp]: ts };
      if (this.opts.secret) headers[WEBHOOK_HEADERS.signature] = signBody(this.opts.secret, ts, body);
      try {
        // Never follow a redirect: it would re-send the signed body and signature to another place.
        const res = await this.opts.fetch(this.opts.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs) });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if ((res.status >= 300 && res.status < 400) || res.type === 'opaqueredirect') {
          const to = res.headers.get('location');
          return rec('failed', `HTTP ${res.status} redirect${to ? ` to ${to.slice(0, 200)}` : ''} refused: signed requests are never forwarded (not retried)`, attempt, status);
        }
        if (res.ok) {
          this.remember(id);
          return rec('sent', `HTTP ${res.status}`, attempt, status);
        }
        last = `HTTP ${res.status}`;
        if (res.status !== 429 && res.status < 500) return rec('failed', `${last} (not retried)`, attempt, status);
      } catch (err) {
        last = err instanceof Error ? err.name : 'error';
      }
      if (attempt < this.opts.maxAttempts) await this.opts.sleep(this.opts.baseDelayMs * 2 ** (attempt - 1));
    }
    return rec('failed', `gave up after ${this.opts.maxAttempts} attempts: ${last}`, this.opts.maxAttempts, status);
  }
}
