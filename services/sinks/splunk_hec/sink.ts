import type { Finding } from '../../core/events.ts';
import { findingToOcsf } from '../../core/ocsf/index.ts';
import { AlertSink, type AlertOutcome, type AlertRequest, type AlertResponse, type AlertSinkOptions, wholeRequestOutcome } from '../alerting/sink.ts';

export interface HecFields {
  sourcetype: string;
  source: string;
  index?: string;
  host?: string;
}

/** The HEC event of a finding: `time` (epoch seconds, ms precision), metadata fields, and the finding in OCSF form as `event`. */
export function hecEvent(f: Finding, fields: HecFields): Record<string, unknown> {
  return {
    time: Math.round(f.time) / 1000,
    ...(fields.host ? { host: fields.host } : {}),
    source: fields.source,
    sourcetype: fields.sourcetype,
    ...(fields.index ? { index: fields.index } : {}),
    event: findingToOcsf(f),
  };
}

export interface SplunkHecSinkOptions extends AlertSinkOptions, HecFields {
  url: string;
  token: string;
}

/**
 * Sends batches of events to `<url>/services/collector/event`. HEC answers 200 `{"text":"Success","code":0}`;
 * a 400 naming `invalid-event-number` refuses that event (dead-lettered) and the rest of the batch is
 * sent again (at least once: events HEC had taken before it may then be indexed twice; they carry
 * the finding id); 503 (server busy) and 5xx are retried; other 4xx (bad token, index) are final.
 */
export class SplunkHecSink extends AlertSink {
  readonly name = 'splunk_hec';
  private readonly endpoint: string;

  constructor(private readonly hec: SplunkHecSinkOptions) {
    super(hec);
    this.endpoint = `${hec.url.replace(/\/+$/, '')}/services/collector/event`;
  }

  protected request(findings: readonly Finding[]): AlertRequest {
    const body = findings.map((f) => JSON.stringify(hecEvent(f, this.hec))).join('\n');
    return { url: this.endpoint, headers: { 'content-type': 'application/json', authorization: `Splunk ${this.hec.token}` }, body };
  }

  protected override outcome(findings: readonly Finding[], res: AlertResponse): AlertOutcome {
    let reply: { text?: unknown; code?: unknown; 'invalid-event-number'?: unknown } = {};
    try {
      reply = JSON.parse(res.body) as typeof reply;
    } catch {
      // Not JSON (a proxy's page): the status decides.
    }
    const detail = this.scrub([typeof reply.text === 'string' ? reply.text : res.body.slice(0, 200).trim(), typeof reply.code === 'number' ? `code ${reply.code}` : ''].filter(Boolean).join(', '));
    const bad = reply['invalid-event-number'];
    if (res.status === 400 && typeof bad === 'number' && Number.isInteger(bad) && bad >= 0 && bad < findings.length && findings.length > 1) {
      const reason = `HTTP 400: ${detail} (event ${bad} of the batch; not retried)`;
      return {
        delivered: [],
        refused: [{ id: findings[bad]!.id, reason }],
        retry: findings.filter((_, i) => i !== bad).map((f) => ({ id: f.id, reason: 'sent again: another event of its batch was refused' })),
      };
    }
    return wholeRequestOutcome(findings, res, detail);
  }

  protected secrets(): ReadonlyArray<string | undefined> {
    return [this.hec.token];
  }
}
