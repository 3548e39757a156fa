import type { EventMeta } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { ConfigState } from '../../core/model/config-state.ts';
import { findingId, findingHeader, ruleFindingInfo } from '../../core/finding-id.ts';
import { FINDING_SEVERITY, type CompiledRule } from '../../rules/index.ts';

export const DETECTOR_NAME = 'posture';

/** A rule's status on a resource: `fail` (the condition holds) or `pass` (resolved). */
export type PostureStatus = 'fail' | 'pass';

/** `CIS AWS Foundations 3.0.0 2.1.4; AWS FSBP S3.8`. */
export function complianceText(rule: CompiledRule): string {
  return rule.compliance.map((c) => `${c.standard} ${c.control}`).join('; ');
}

/**
 * The OCSF Compliance Finding (2003) of a status transition: a new failure, or a failure resolved
 * (a pass after a fail, or the resource deleted). evidences[0].status carries the status, which
 * the ClickHouse query in README.md reads. No configuration value goes into the finding.
 */
export function postureFinding(rule: CompiledRule, status: PostureStatus, e: ConfigState, meta: EventMeta, reason: string): Finding {
  const id = findingId(DETECTOR_NAME, rule.id, meta.key, [e.metadata.uid, status]);
  const sev = status === 'fail' ? FINDING_SEVERITY[rule.severity] : 'Informational';
  const where = e.location ? ` (${e.location.file}${e.location.line !== null ? `:${e.location.line}` : ''})` : '';
  const message = status === 'fail' ? `${rule.title}: ${e.resource.type} ${e.resource.uid}${where}` : `Resolved: ${rule.title}: ${e.resource.type} ${e.resource.uid} (${reason})`;
  return {
    ...findingHeader(id, 2003, e.time, sev, message),
    finding_info: {
      ...ruleFindingInfo(id, rule),
      attacks: [],
      first_seen_time: e.time,
      last_seen_time: e.time,
      related_events: [{ uid: e.metadata.uid }],
    },
    detector: DETECTOR_NAME,
    rule: rule.id,
    entity: { kind: 'resource', key: meta.key },
    count: 1,
    evidences: [
      {
        status,
        reason,
        rule_severity: rule.severity,
        resource_uid: e.resource.uid,
        resource_type: e.resource.type,
        resource_name: e.resource.name,
        source: e.source,
        change_type: e.change_type,
        file: e.location?.file ?? null,
        line: e.location?.line ?? null,
        compliance: complianceText(rule),
        remediation: rule.remediation,
      },
    ],
    cloud: { provider: e.source === 'k8s' || e.location?.format === 'kubernetes' ? 'Kubernetes' : 'AWS', region: e.resource.region, account_uid: e.resource.account_uid },
  };
}
