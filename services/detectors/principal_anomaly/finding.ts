import type { ApiActivity, Finding, SeverityName } from '../../core/events.ts';
import { SEVERITY } from '../../core/events.ts';
import { findingHeader, findingId } from '../../core/finding-id.ts';
import { explain, principalNoun } from './explain.ts';
import type { SensitivityTable } from './sensitivity.ts';
import type { Pending } from './state.ts';

export const DETECTOR_NAME = 'principal_anomaly';
export const RULE_ID = 'behavior_deviation';
const TITLE = 'Principal acts unlike its baseline';
const DESCRIPTION =
  'A principal showed several deviations from its own baseline (or, while it is new, from its account\'s population) within a short time: ' +
  'first use of operations weighted by their sensitivity, new regions, source networks or user agents, an unusual hour, a volume or error burst, or a return from dormancy.';

export interface FindingInput {
  key: string;
  event: ApiActivity;
  pending: readonly Pending[];
  score: number;
  threshold: number;
  windowMinutes: number;
  maxRelatedEvents: number;
  sensitivity: SensitivityTable;
}

/**
 * A score at the threshold is an alert by construction, so findings start at Medium (the usual
 * paging floor): High from twice the threshold or with a first use of a weight-4+ operation,
 * Critical from four times.
 */
export function severityOf(score: number, threshold: number, pending: readonly Pending[], sensitivity: SensitivityTable): SeverityName {
  const ratio = score / threshold;
  let sev: SeverityName = ratio >= 4 ? 'Critical' : ratio >= 2 ? 'High' : 'Medium';
  const critical = pending.some((p) => p.f === 'operation' && sensitivity.weightOf(p.o) >= 4);
  if (critical && SEVERITY[sev] < SEVERITY.High) sev = 'High';
  return sev;
}

const LOGIN_RE = /login|signin|authenticat|token/i;

/** ATT&CK techniques the deviations suggest (deduplicated, in order of contribution). */
export function techniquesOf(pending: readonly Pending[], sensitivity: SensitivityTable): string[] {
  const out: string[] = [];
  const add = (t: string | null): void => {
    if (t !== null && !out.includes(t)) out.push(t);
  };
  for (const p of pending) {
    switch (p.f) {
      case 'operation':
        add(sensitivity.lookup(p.o).technique);
        break;
      case 'network':
      case 'concurrent':
      case 'user_agent':
      case 'dormant':
      case 'hour':
        add('T1078.004');
        break;
      case 'region':
        add('T1535');
        break;
      case 'errors':
        add(LOGIN_RE.test(p.a) ? 'T1110' : null);
        break;
      case 'volume':
        add(/^s3:get/i.test(p.a) ? 'T1530' : /^(secretsmanager|ssm):/i.test(p.a) ? 'T1555.006' : null);
        break;
      case 'service':
        break;
    }
  }
  return out;
}

/** The uids of the events behind a finding: those of its deviations (oldest first), then the triggering event, at most `max` (the trigger always kept). */
export function relatedUids(pending: readonly Pending[], triggerUid: string, max: number): string[] {
  const ordered = [...pending].sort((a, b) => a.t - b.t || (a.u < b.u ? -1 : a.u > b.u ? 1 : 0));
  const out: string[] = [];
  for (const p of ordered) if (!out.includes(p.u) && p.u !== triggerUid) out.push(p.u);
  const kept = out.slice(0, Math.max(0, max - 1));
  kept.push(triggerUid);
  return kept;
}

/** The OCSF Detection Finding for a principal's reported deviations. Deterministic: same input, same finding. */
export function buildFinding(input: FindingInput): Finding {
  const { key, event: e, pending, score, sensitivity } = input;
  const uids = relatedUids(pending, e.metadata.uid, input.maxRelatedEvents);
  const id = findingId(DETECTOR_NAME, RULE_ID, key, uids);
  const noun = principalNoun(e.actor.user.type);
  const who = e.actor.user.name ?? e.actor.user.uid;
  const phrases = pending.map((p) => explain(p, noun, input.windowMinutes));
  const severity = severityOf(score, input.threshold, pending, sensitivity);
  const first = Math.min(...pending.map((p) => p.t), e.time);
  return {
    ...findingHeader(id, 2004, e.time, severity, `Unusual activity by ${who}: ${phrases.join('; ')}`),
    finding_info: {
      uid: id,
      title: TITLE,
      desc: DESCRIPTION,
      analytic: { uid: RULE_ID, name: TITLE, type: 'Behavioral' },
      attacks: techniquesOf(pending, sensitivity).map((technique_uid) => ({ technique_uid })),
      first_seen_time: first,
      last_seen_time: Math.max(e.time, ...pending.map((p) => p.t)),
      related_events: uids.map((uid) => ({ uid })),
    },
    detector: DETECTOR_NAME,
    rule: RULE_ID,
    entity: { kind: 'principal', key },
    count: uids.length,
    evidences: pending.map((p, i) => ({
      feature: p.f,
      observed: p.o,
      expected: p.x,
      contribution: Math.round(p.s * 100) / 100,
      baseline: p.b === 1 ? 'principal' : 'population',
      operation: p.a,
      event_uid: p.u,
      time: p.t,
      explanation: phrases[i] ?? null,
    })),
    cloud: { provider: e.cloud.provider, region: e.cloud.region, account_uid: e.cloud.account_uid },
    actor: { user: { uid: e.actor.user.uid, name: e.actor.user.name, type: e.actor.user.type } },
    api: { operation: e.api.operation, service_name: e.api.service_name },
    src_endpoint: { ip: e.src_endpoint.ip },
  };
}
