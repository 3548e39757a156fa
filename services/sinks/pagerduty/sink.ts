import type { Finding } from '../../core/events.ts';
import { AlertSink, type AlertRequest, type AlertSinkOptions, isoTime, subjectOf } from '../alerting/sink.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Sluice severities to the four of the Events API. */
const PD_SEVERITY: Record<string, 'critical' | 'error' | 'warning' | 'info'> = { Critical: 'critical', High: 'error', Medium: 'warning', Low: 'info', Informational: 'info' };

/**
 * The Events API v2 event of a finding: `routing_key`, `event_action: trigger`, `dedup_key` (the
 * finding id: a redelivered finding updates the alert it opened), `payload` with `summary` (at most
 * 1024 characters), `source` (the principal or resource), `severity`, `timestamp`, `component`
 * (detector), `group` (account), `class` (rule) and `custom_details`.
 */
export function pagerDutyEvent(f: Finding, routingKey: string): Record<string, unknown> {
  const title = f.finding_info?.title || f.rule;
  const subject = subjectOf(f);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: f.id,
    client: 'Sluice',
    payload: {
      summary: `[${f.severity}] ${title}: ${subject}`.slice(0, 1024),
      source: subject.slice(0, 255),
      severity: PD_SEVERITY[f.severity] ?? 'info',
      timestamp: isoTime(f.time),
      component: f.detector,
      group: f.cloud?.account_uid ?? f.cloud?.provider ?? 'unknown',
      class: f.rule,
      custom_details: {
        finding_id: f.id,
        message: f.message,
        rule: f.rule,
        detector: f.detector,
        entity: f.entity,
        cloud: f.cloud,
        attacks: f.finding_info?.attacks ?? [],
        count: f.count,
        first_seen: isoTime(f.finding_info?.first_seen_time ?? f.time),
        last_seen: isoTime(f.finding_info?.last_seen_time ?? f.time),
      },
    },
  };
}

export interface PagerDutySinkOptions extends AlertSinkOptions {
  routingKey: string;
  url: string;
}

/** One enqueue request per finding (202 Accepted on success; 400 invalid; 429 throttled). */
export class PagerDutySink extends AlertSink {
  readonly name = 'pagerduty';

  constructor(private readonly pd: PagerDutySinkOptions) {
    super({ ...pd, batchSize: 1 });
  }

  protected request(findings: readonly Finding[]): AlertRequest {
    return { url: this.pd.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(pagerDutyEvent(findings[0]!, this.pd.routingKey)) };
  }

  protected secrets(): ReadonlyArray<string | undefined> {
    return [this.pd.routingKey];
  }
}
