import type { Finding } from '../../core/events.ts';
import { findingToOcsf } from '../../core/ocsf/index.ts';
import { AlertSink, type AlertOutcome, type AlertRequest, type AlertResponse, type AlertSinkOptions, isoTime, wholeRequestOutcome } from '../alerting/sink.ts';

/** The document of a finding: the OCSF finding with `@timestamp` for Kibana / OpenSearch Dashboards. */
export function findingDocument(f: Finding): Record<string, unknown> {
  return { '@timestamp': isoTime(f.time), ...findingToOcsf(f) };
}

/** The `_bulk` body: per finding an `index` action (`_index`, `_id` = finding id) and the document; every line ends with `\n`. */
export function bulkBody(findings: readonly Finding[], index: string): string {
  return findings.map((f) => `${JSON.stringify({ index: { _index: index, _id: f.id } })}\n${JSON.stringify(findingDocument(f))}\n`).join('');
}

export interface ElasticsearchSinkOptions extends AlertSinkOptions {
  url: string;
  index: string;
  apiKey?: string;
  username?: string;
  password?: string;
}

interface BulkItem {
  index?: { _id?: string; status?: number; error?: { type?: string; reason?: string } };
}

/**
 * POSTs `<url>/_bulk` (application/x-ndjson). The response is 200 with `errors` and one item per
 * action: items with status 2xx are delivered, 429 and 5xx retried, other statuses refused
 * (dead-lettered) with the error type and reason. A non-2xx response is read for the whole request.
 */
export class ElasticsearchSink extends AlertSink {
  readonly name = 'elasticsearch';
  private readonly endpoint: string;

  constructor(private readonly es: ElasticsearchSinkOptions) {
    super(es);
    this.endpoint = `${es.url.replace(/\/+$/, '')}/_bulk`;
  }

  protected request(findings: readonly Finding[]): AlertRequest {
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', accept: 'application/json' };
    if (this.es.apiKey) headers.authorization = `ApiKey ${this.es.apiKey}`;
    else if (this.es.username) headers.authorization = `Basic ${Buffer.from(`${this.es.username}:${this.es.password ?? ''}`).toString('base64')}`;
    return { url: this.endpoint, headers, body: bulkBody(findings, this.es.index) };
  }

  protected override outcome(findings: readonly Finding[], res: AlertResponse): AlertOutcome {
    if (res.status < 200 || res.status >= 300) return wholeRequestOutcome(findings, res, this.scrub(res.body.slice(0, 200).trim()));
    let items: BulkItem[] | undefined;
    try {
      items = (JSON.parse(res.body) as { items?: BulkItem[] }).items;
    } catch {
      items = undefined;
    }
    if (!Array.isArray(items) || items.length !== findings.length) {
      // Cannot tell which were stored: send them again (the _id makes that harmless).
      return { delivered: [], refused: [], retry: findings.map((f) => ({ id: f.id, reason: 'bulk response without one item per action' })) };
    }
    const out: AlertOutcome = { delivered: [], refused: [], retry: [] };
    findings.forEach((f, i) => {
      const r = items[i]!.index ?? {};
      const status = r.status ?? 0;
      const why = `item status ${status}${r.error ? `: ${r.error.type ?? 'error'}: ${(r.error.reason ?? '').slice(0, 200)}` : ''}`;
      if (status >= 200 && status < 300) out.delivered.push(f.id);
      else if (status === 429 || status >= 500 || status === 0) out.retry.push({ id: f.id, reason: why });
      else out.refused.push({ id: f.id, reason: `${why} (not retried)` });
    });
    return out;
  }

  protected secrets(): ReadonlyArray<string | undefined> {
    return [this.es.apiKey, this.es.password, this.es.username && this.es.password ? Buffer.from(`${this.es.username}:${this.es.password}`).toString('base64') : undefined];
  }
}
