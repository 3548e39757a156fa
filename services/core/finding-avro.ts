import type { Finding } from './events.ts';

/** schemas/avro/finding.v1.avsc as a TypeScript record. */
export interface FindingRecord {
  id: string;
  class_uid: number;
  category_uid: number;
  activity_id: number;
  type_uid: number;
  time: number;
  severity_id: number;
  severity: string;
  message: string;
  detector: string;
  rule: string;
  title: string;
  description: string;
  analytic_type: string;
  attacks: Array<{ technique_uid: string; tactic: string | null }>;
  entity_kind: string;
  entity_key: string;
  first_seen_time: number;
  last_seen_time: number;
  count: number;
  related_event_uids: string[];
  evidences_json: string;
  cloud_provider: string | null;
  cloud_region: string | null;
  cloud_account_uid: string | null;
  actor_uid: string | null;
  class_details_json: string | null;
}

/** The Avro form of a finding (flat columns plus JSON for the nested evidence). */
export function toFindingRecord(f: Finding, classDetails?: unknown): FindingRecord {
  return {
    id: f.id,
    class_uid: f.class_uid,
    category_uid: f.category_uid,
    activity_id: f.activity_id,
    type_uid: f.type_uid,
    time: f.time,
    severity_id: f.severity_id,
    severity: f.severity,
    message: f.message,
    detector: f.detector,
    rule: f.rule,
    title: f.finding_info.title,
    description: f.finding_info.desc,
    analytic_type: f.finding_info.analytic.type,
    attacks: f.finding_info.attacks.map((a) => ({ technique_uid: a.technique_uid, tactic: a.tactic ?? null })),
    entity_kind: f.entity.kind,
    entity_key: f.entity.key,
    first_seen_time: f.finding_info.first_seen_time,
    last_seen_time: f.finding_info.last_seen_time,
    count: f.count,
    related_event_uids: f.finding_info.related_events.map((e) => e.uid),
    evidences_json: JSON.stringify(f.evidences),
    cloud_provider: f.cloud.provider,
    cloud_region: f.cloud.region,
    cloud_account_uid: f.cloud.account_uid,
    actor_uid: f.actor?.user.uid ?? null,
    class_details_json: classDetails === undefined ? null : JSON.stringify(classDetails),
  };
}
