import { createHmac } from 'node:crypto';
import type { Finding } from '../../core/events.ts';
import { findingToOcsf } from '../../core/ocsf/index.ts';
import { AlertSink, type AlertRequest, type AlertSinkOptions } from '../alerting/sink.ts';

export const WEBHOOK_SIGNATURE_HEADER = 'x-sluice-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-sluice-timestamp';

/**
 * The signature of a request: `sha256=` + hex HMAC-SHA256, keyed with the secret, of
 * `<timestamp>.<body>` (the timestamp is the X-Sluice-Timestamp header, Unix seconds). A receiver
 * recomputes it over the raw body, compares in constant time, and rejects old timestamps.
 */
export function signFindingBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookSinkOptions extends AlertSinkOptions {
  url: string;
  secret: string;
  bearerToken?: string;
  now?: () => number;
}

/** POSTs each finding as its OCSF JSON, signed; 2xx is delivered. */
export class WebhookSink extends AlertSink {
  readonly name = 'webhook';

  constructor(private readonly hook: WebhookSinkOptions) {
    super({ ...hook, batchSize: 1 });
  }

  protected request(findings: readonly Finding[]): AlertRequest {
    const f = findings[0]!;
    const body = JSON.stringify(findingToOcsf(f));
    const ts = String(Math.floor((this.hook.now ?? Date.now)() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'sluice-webhook',
      'idempotency-key': f.id,
      'x-sluice-finding-id': f.id,
      [WEBHOOK_TIMESTAMP_HEADER]: ts,
      [WEBHOOK_SIGNATURE_HEADER]: signFindingBody(this.hook.secret, ts, body),
    };
    if (this.hook.bearerToken) headers.authorization = `Bearer ${this.hook.bearerToken}`;
    return { url: this.hook.url, headers, body };
  }

  protected secrets(): ReadonlyArray<string | undefined> {
    return [this.hook.url, this.hook.secret, this.hook.bearerToken];
  }
}
