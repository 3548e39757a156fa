import type { Detector, EventMeta } from '../../core/components.ts';
import type { SensitiveOperationConfig } from './config.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import { apiCallEvidence, findingId, findingHeader } from '../../core/finding-id.ts';
import { extraOperationRule, SENSITIVE_RULES, type SensitiveRule } from './rules.ts';
import type { z } from 'zod';

export const DETECTOR_NAME = 'sensitive_operation';

/** Flags single events that are sensitive on their own: log tampering, root and MFA-less logins. */
export class SensitiveOperationDetector implements Detector<ApiActivity> {
  readonly name = DETECTOR_NAME;
  private readonly rules: readonly SensitiveRule[];

  constructor(config: z.output<typeof SensitiveOperationConfig>) {
    this.rules = config.enabled ? [...SENSITIVE_RULES, ...config.extraOperations.map(extraOperationRule)] : [];
  }

  process(event: ApiActivity, meta: EventMeta): Finding[] {
    const out: Finding[] = [];
    for (const rule of this.rules) {
      if (rule.matches(event)) out.push(toFinding(rule, event, meta.key));
    }
    return out;
  }
}

function toFinding(rule: SensitiveRule, e: ApiActivity, entityKey: string): Finding {
  const id = findingId(DETECTOR_NAME, rule.id, entityKey, [e.metadata.uid]);
  const who = e.actor.user.name ?? e.actor.user.uid;
  return {
    ...findingHeader(id, 2004, e.time, rule.severity, `${rule.title}: ${who} called ${e.api.operation} on ${e.api.service_name}${e.cloud.region ? ` in ${e.cloud.region}` : ''}`),
    finding_info: {
      uid: id,
      title: rule.title,
      desc: rule.description,
      analytic: { uid: rule.id, name: rule.title, type: 'Rule' },
      attacks: rule.attack,
      first_seen_time: e.time,
      last_seen_time: e.time,
      related_events: [{ uid: e.metadata.uid }],
    },
    detector: DETECTOR_NAME,
    rule: rule.id,
    entity: { kind: 'principal', key: entityKey },
    count: 1,
    evidences: [apiCallEvidence(e)],
    cloud: { ...e.cloud },
    actor: { user: { uid: e.actor.user.uid, name: e.actor.user.name, type: e.actor.user.type } },
    api: { operation: e.api.operation, service_name: e.api.service_name },
    src_endpoint: { ip: e.src_endpoint.ip },
  };
}
