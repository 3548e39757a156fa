/**
 * A drift finding: OCSF Detection Finding (2004), one per differing attribute, naming the
 * template file, line and address, the live resource and both values (masked).
 */
import type { Finding } from '../../core/events.ts';
import { findingHeader, findingId } from '../../core/finding-id.ts';
import { FINDING_SEVERITY } from '../../rules/index.ts';
import type { DriftDifference } from './compare.ts';
import type { DriftPair } from './match.ts';

export const DRIFT_DETECTOR = 'iac_drift';

/** The drift finding of one differing attribute of a matched pair. */
export function driftFinding(pair: DriftPair, d: DriftDifference): Finding {
  const { template: t, live: l } = pair;
  const rule = `drift.${d.attribute}`;
  const address = t.resource.name ?? t.resource.uid;
  const file = t.location?.file ?? t.resource.uid;
  const line = t.location?.line ?? null;
  const id = findingId(DRIFT_DETECTOR, rule, l.resource.uid, [t.resource.uid, l.metadata.uid, d.template_value, d.live_value]);
  const title = `IaC drift: ${d.title}`;
  return {
    ...findingHeader(
      id,
      2004,
      l.time,
      FINDING_SEVERITY[d.severity],
      `${d.title} of ${l.resource.uid} differs from ${address} (${file}${line !== null ? `:${line}` : ''}): template ${d.template_value}, live ${d.live_value}`,
    ),
    finding_info: {
      uid: id,
      title,
      desc: 'A resource defined in an infrastructure-as-code template has a live configuration (AWS Config) that differs from the template on a security-relevant attribute.',
      analytic: { uid: rule, name: title, type: 'Rule' },
      attacks: [],
      first_seen_time: l.time,
      last_seen_time: l.time,
      related_events: [{ uid: t.metadata.uid }, { uid: l.metadata.uid }],
    },
    detector: DRIFT_DETECTOR,
    rule,
    entity: { kind: 'resource', key: l.resource.uid },
    count: 1,
    evidences: [
      {
        attribute: d.attribute,
        template_file: file,
        template_line: line,
        template_column: null,
        template_address: address,
        template_type: t.resource.type,
        template_value: d.template_value,
        live_value: d.live_value,
        live_risk: d.live_risk,
        matched_by: pair.matchedBy,
        resource_uid: l.resource.uid,
        resource_name: l.resource.name,
        resource_type: l.resource.type,
      },
    ],
    cloud: { provider: 'AWS', region: l.resource.region, account_uid: l.resource.account_uid },
  };
}
