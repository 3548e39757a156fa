import type { Finding } from '../events.ts';
import { attackObject } from './attack.ts';
import { cloudObject, compact, SEVERITY_CAPTIONS, type OcsfObject } from './common.ts';
import { OCSF_SCHEMA_VERSION } from './schema.ts';

const ANALYTIC_TYPES: Readonly<Record<string, number>> = { Rule: 1, Behavioral: 2, Statistical: 3 };

/** The Sluice fields OCSF has no attribute for, kept under `unmapped.sluice`. */
export interface SluiceFindingFields {
  detector: string;
  rule: string;
  entity_kind: string;
  entity_key: string;
  evidences: Finding['evidences'];
}

type Evidence = Finding['evidences'][number];

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A finding's resolved state: a posture pass, a withdrawn or fixed vulnerability. */
function isResolved(f: Finding): boolean {
  return f.evidences.some((e) => e.status === 'pass' || e.status === 'resolved');
}

/** The structured evidence of the activity behind a finding: who, which API, from where. */
function activityEvidence(f: Finding): Record<string, unknown> | null {
  const ev: Record<string, unknown> = {
    actor: f.actor ? { user: { uid: f.actor.user.uid, name: f.actor.user.name } } : null,
    api: f.api ? { operation: f.api.operation, service: f.api.service_name ? { name: f.api.service_name } : null } : null,
    src_endpoint: f.src_endpoint?.ip ? { ip: f.src_endpoint.ip } : null,
  };
  return ev.actor || ev.api || ev.src_endpoint ? ev : null;
}

/** OCSF `evidences`: the activity evidence first, then each of the detector's evidence records as `data`. */
function evidences(f: Finding): Record<string, unknown>[] {
  const head = activityEvidence(f);
  const rest = f.evidences.map((e) => ({ data: e }));
  if (head && rest.length > 0) return [{ ...head, data: rest[0]!.data }, ...rest.slice(1)];
  return head ? [head] : rest;
}

/** `CIS AWS Foundations 3.0.0 2.1.4; AWS FSBP S3.8` -> standards and controls. */
function complianceObject(f: Finding): Record<string, unknown> {
  const e: Evidence = f.evidences[0] ?? {};
  const refs = (str(e.compliance) ?? '').split(';').map((s) => s.trim()).filter(Boolean);
  const standards = [...new Set(refs.map((r) => (r.lastIndexOf(' ') > 0 ? r.slice(0, r.lastIndexOf(' ')) : r)))];
  const controls = refs.map((r) => r.slice(r.lastIndexOf(' ') + 1));
  const pass = e.status === 'pass';
  return {
    status_id: pass ? 1 : 3,
    status: pass ? 'Pass' : 'Fail',
    status_detail: str(e.reason),
    control: controls.length > 0 ? controls.join(', ') : f.rule,
    standards: standards.length > 0 ? standards : null,
    requirements: refs.length > 0 ? refs : null,
    desc: f.finding_info.desc,
  };
}

/** The resource a posture or drift finding is about, from its first evidence record. */
function evidenceResource(f: Finding): Record<string, unknown> | null {
  const e: Evidence = f.evidences[0] ?? {};
  const uid = str(e.resource_uid);
  const name = str(e.resource_name);
  if (!uid && !name) return null;
  return { uid, name, type: str(e.resource_type) };
}

const BUCKET_TYPES: Readonly<Record<string, readonly [number, string]>> = { AWS: [1, 'S3'], Azure: [2, 'Azure Blob'], GCP: [3, 'GCP Bucket'] };
const LIFECYCLE: Readonly<Record<string, number>> = { 'Data at Rest': 1, 'Data at-Rest': 1 };

/** Data Security (2006) attributes of a DLP finding: data_security with 1.8.0 captions, file and databucket with their type ids. */
function dataSecurityParts(f: Finding): Record<string, unknown> {
  const x = f as Finding & {
    data_security?: Record<string, unknown>;
    databucket?: { name: string; type: string };
    file?: { name: string; path: string; size: number; mime_type: string; version: string | null; etag: string | null };
    confidence_score?: number | null;
    risk_score?: number;
  };
  const ds = x.data_security;
  const bucketType = BUCKET_TYPES[f.cloud.provider];
  return {
    data_security: ds
      ? {
          category_id: ds.category_id,
          category: ds.category,
          data_lifecycle_state_id: LIFECYCLE[String(ds.data_lifecycle_state)] ?? 0,
          data_lifecycle_state: LIFECYCLE[String(ds.data_lifecycle_state)] ? 'Data at-Rest' : 'Unknown',
          detection_system_id: ds.detection_system_id,
          detection_system: ds.detection_system,
          detection_pattern: ds.detection_pattern,
          pattern_match: ds.pattern_match,
        }
      : null,
    databucket: x.databucket ? { name: x.databucket.name, type_id: bucketType?.[0] ?? 99, type: bucketType?.[1] ?? x.databucket.type } : null,
    file: x.file ? { name: x.file.name, path: x.file.path, size: x.file.size, mime_type: x.file.mime_type, version: x.file.version, type_id: 1, type: 'Regular File' } : null,
    confidence_score: x.confidence_score,
    risk_score: x.risk_score,
  };
}

/**
 * A Sluice finding in OCSF 1.8.0 form (Detection 2004, Compliance 2003, Vulnerability 2002, Data
 * Security 2006), with the `cloud` profile declared. The deterministic id is `finding_info.uid`
 * and `metadata.uid`; detector, rule, entity and the detector's evidence records, which OCSF has
 * no attributes for, are under `unmapped.sluice` (the evidence records are also `evidences[].data`).
 */
export function findingToOcsf(f: Finding): OcsfObject {
  const resolved = isResolved(f);
  const fi = f.finding_info;
  const resources: unknown[] = f.resources?.length ? f.resources : [evidenceResource(f)].filter(Boolean);
  const sluice: SluiceFindingFields = { detector: f.detector, rule: f.rule, entity_kind: f.entity.kind, entity_key: f.entity.key, evidences: f.evidences };
  const remediation = str(f.evidences[0]?.remediation);
  return compact({
    class_uid: f.class_uid,
    category_uid: f.category_uid,
    activity_id: f.activity_id,
    type_uid: f.type_uid,
    time: f.time,
    // An id OCSF does not define (a detector bug) is rendered as Other (99) with the name as given.
    severity_id: f.severity_id in SEVERITY_CAPTIONS ? f.severity_id : 99,
    severity: f.severity_id in SEVERITY_CAPTIONS ? SEVERITY_CAPTIONS[f.severity_id] : String(f.severity),
    status_id: resolved ? 4 : 1,
    status: resolved ? 'Resolved' : 'New',
    message: f.message,
    count: Math.min(Math.max(Math.trunc(f.count), 0), 2_147_483_647), // OCSF count is a 32-bit integer
    metadata: { uid: f.id, version: OCSF_SCHEMA_VERSION, product: { name: 'Sluice', vendor_name: 'Sluice' }, profiles: ['cloud'] },
    finding_info: {
      uid: fi.uid,
      title: fi.title,
      desc: fi.desc,
      analytic: { uid: fi.analytic.uid, name: fi.analytic.name, type_id: ANALYTIC_TYPES[fi.analytic.type] ?? 99, type: fi.analytic.type },
      attacks: fi.attacks.length > 0 ? fi.attacks.map((a) => attackObject(a.technique_uid, a.tactic)) : null,
      first_seen_time: fi.first_seen_time,
      last_seen_time: fi.last_seen_time,
      related_events: fi.related_events.length > 0 ? fi.related_events : null,
      types: [f.detector],
    },
    cloud: cloudObject(f.cloud.provider || 'Unknown', f.cloud.region, f.cloud.account_uid),
    api: f.api && f.class_uid !== 2006 ? { operation: f.api.operation, service: f.api.service_name ? { name: f.api.service_name } : null } : null,
    // Vulnerability 2002 and Data Security 2006 define no `evidences`: their evidence records stay under unmapped.sluice.
    evidences: f.class_uid === 2004 || f.class_uid === 2003 ? evidences(f) : null,
    resources: resources.length > 0 ? resources : null,
    compliance: f.class_uid === 2003 ? complianceObject(f) : null,
    remediation: f.class_uid === 2003 && remediation ? { desc: remediation } : null,
    vulnerabilities: f.class_uid === 2002 || f.vulnerabilities?.length ? f.vulnerabilities ?? [] : null,
    ...(f.class_uid === 2006 ? dataSecurityParts(f) : {}),
    unmapped: { sluice },
  });
}
