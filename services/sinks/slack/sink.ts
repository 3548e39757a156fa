import type { Finding } from '../../core/events.ts';
import { AlertSink, type AlertRequest, type AlertSinkOptions, isoTime, subjectOf } from '../alerting/sink.ts';

/** Slack's mrkdwn control characters, escaped as its documentation asks. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const EMOJI: Record<string, string> = { Critical: ':red_circle:', High: ':large_orange_circle:', Medium: ':large_yellow_circle:', Low: ':large_blue_circle:', Informational: ':white_circle:' };

/**
 * The message for one finding: `text` (the notification and fallback) and Block Kit blocks: a
 * header with the title, fields (severity, time, principal or resource, account, rule, detector),
 * the message, and a context line with the finding id.
 */
export function slackMessage(f: Finding): { text: string; blocks: unknown[] } {
  const title = f.finding_info?.title || f.rule;
  const subject = subjectOf(f);
  const text = `${EMOJI[f.severity] ?? ''} [${f.severity}] ${title}: ${subject}`.trim();
  const fields = [
    `*Severity*\n${f.severity}`,
    `*Time (UTC)*\n${isoTime(f.time)}`,
    `*Principal / resource*\n${esc(subject)}`,
    `*Account*\n${esc(f.cloud?.account_uid ?? '-')} (${esc(f.cloud?.provider ?? '-')}${f.cloud?.region ? ` ${esc(f.cloud.region)}` : ''})`,
    `*Rule*\n\`${esc(f.rule)}\``,
    `*Detector*\n${esc(f.detector)}`,
  ].map((t) => ({ type: 'mrkdwn', text: cut(t, 2000) }));
  const attacks = (f.finding_info?.attacks ?? []).map((a) => a.technique_uid).filter(Boolean);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${f.severity}: ${title}`, 150), emoji: true } },
    { type: 'section', fields },
    { type: 'section', text: { type: 'mrkdwn', text: cut(esc(f.message || title), 3000) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: cut(`finding \`${f.id}\`${attacks.length ? ` · ATT&amp;CK ${esc(attacks.join(', '))}` : ''} · Sluice`, 2000) }],
    },
  ];
  return { text: cut(text, 3000), blocks };
}

export interface SlackSinkOptions extends AlertSinkOptions {
  webhookUrl: string;
}

/** Posts one message per finding to a Slack incoming webhook (200 `ok` on success). */
export class SlackSink extends AlertSink {
  readonly name = 'slack';

  constructor(private readonly slack: SlackSinkOptions) {
    super({ ...slack, batchSize: 1 });
  }

  protected request(findings: readonly Finding[]): AlertRequest {
    return { url: this.slack.webhookUrl, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(slackMessage(findings[0]!)) };
  }

  protected secrets(): ReadonlyArray<string | undefined> {
    return [this.slack.webhookUrl];
  }
}
