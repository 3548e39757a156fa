import { createHash } from 'node:crypto';
import { OCSF_VERSION, SEVERITY, type ApiActivity, type Finding, type FindingClassUid, type SeverityName } from './events.ts';

/**
 * Deterministic finding id: the same detector, rule, entity and triggering event(s) always give
 * the same id, so replays and at-least-once redelivery upsert instead of duplicating.
 * Formatted as a UUID (version nibble 5-like) for friendliness in SIEMs.
 */
export function findingId(detector: string, rule: string, entityKey: string, eventUids: readonly string[]): string {
  const h = createHash('sha256');
  for (const part of [detector, rule, entityKey, ...eventUids]) {
    h.update(part);
    h.update('\u0000');
  }
  const hex = h.digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The fields every Sluice finding starts with: id, OCSF class and type, time, severity, message
 * and metadata. Detectors spread it and add finding_info, entity, evidences and the rest.
 */
export function findingHeader<C extends FindingClassUid>(
  id: string,
  classUid: C,
  time: number,
  severity: SeverityName,
  message: string,
): Pick<Finding, 'id' | 'category_uid' | 'activity_id' | 'type_uid' | 'time' | 'severity_id' | 'severity' | 'message' | 'metadata'> & { class_uid: C } {
  return {
    id,
    class_uid: classUid,
    category_uid: 2,
    activity_id: 1,
    type_uid: classUid * 100 + 1,
    time,
    severity_id: SEVERITY[severity],
    severity,
    message,
    metadata: { version: OCSF_VERSION, product: { name: 'Sluice', vendor_name: 'Sluice' }, uid: id },
  };
}

/** The part of finding_info that names the rule a finding is of: the finding id, the rule's title and description, the rule as analytic. */
export function ruleFindingInfo(
  id: string,
  rule: { readonly id: string; readonly title: string; readonly description: string },
): Pick<Finding['finding_info'], 'uid' | 'title' | 'desc' | 'analytic'> {
  return { uid: id, title: rule.title, desc: rule.description, analytic: { uid: rule.id, name: rule.title, type: 'Rule' } };
}

/** The evidence of one API call as the single-event activity detectors report it. */
export function apiCallEvidence(e: ApiActivity): Record<string, string | number | boolean | null> {
  return {
    operation: e.api.operation,
    service: e.api.service_name,
    principal: e.actor.user.uid,
    principal_type: e.actor.user.type,
    source_ip: e.src_endpoint.ip,
    user_agent: e.user_agent,
    mfa: e.actor.session?.is_mfa ?? null,
    status: e.status,
  };
}
