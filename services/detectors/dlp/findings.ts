/**
 * OCSF Data Security Findings (class 2006, category 2 Findings, activity 1 Create, type_uid 200601):
 * one per validated match, and one object verdict per object. Evidence is masked here; no raw value
 * is put in any field.
 */
import type { Finding, SeverityName } from '../../core/events.ts';
import { findingHeader, findingId } from '../../core/finding-id.ts';
import type { StoredObject } from '../../core/model/object-chunk.ts';
import type { DataCategory } from './types.ts';
import type { MaskedValue } from './masking.ts';
import type { ObjectMatch } from './object-scan.ts';

export const DETECTOR_NAME = 'dlp';
export const VERDICT_RULE = 'object_verdict';

/** OCSF data_security.category_id of each category. */
export const CATEGORY_IDS: Readonly<Record<DataCategory, number>> = { Personal: 1, Governmental: 2, Financial: 3, Business: 4, Security: 6, Other: 99 };

/** The OCSF Data Security object (1.3) as filled by this detector. */
export interface DataSecurityObject {
  category: DataCategory;
  category_id: number;
  data_lifecycle_state: 'Data at Rest';
  data_lifecycle_state_id: 1;
  detection_system: 'Data Discovery & Classification';
  detection_system_id: 4;
  /** The data type (detector) id, or object_verdict. */
  detection_pattern: string;
  /** The masked value (never the raw one); absent on verdicts. */
  pattern_match?: string;
}

/**
 * A Finding of OCSF class 2006. The core Finding type is typed for Detection Findings (2004); this
 * one differs in class_uid/type_uid and adds the Data Security attributes. See asFinding.
 */
export type DataSecurityFinding = Omit<Finding, 'class_uid' | 'type_uid'> & {
  class_uid: 2006;
  type_uid: 200601;
  /** 0-100. */
  confidence_score: number | null;
  /** 0-100, on verdicts. */
  risk_score?: number;
  data_security: DataSecurityObject;
  databucket: { name: string; type: string };
  file: { name: string; path: string; size: number; mime_type: string; version: string | null; etag: string | null };
};

/**
 * The runtime's Detector interface returns the core Finding type, typed for class 2004 only. A Data
 * Security Finding has the same fields plus more, so it is returned as a Finding; the literal
 * class_uid/type_uid differ (2006/200601). Widening Finding to `2004 | 2006` removes the need.
 */
export function asFinding(f: DataSecurityFinding): Finding {
  return f as unknown as Finding;
}

const PROVIDERS: Record<string, string> = { s3: 'AWS', gcs: 'GCP', azure_blob: 'Azure', file: 'local' };

/** The object's version tag: version_id, else etag, else 'unversioned' (as in chunk uids). */
export function versionTag(o: StoredObject): string {
  return o.version_id ?? o.etag ?? 'unversioned';
}

function base(
  id: string,
  rule: string,
  key: string,
  o: StoredObject,
  time: number,
  severity: SeverityName,
  message: string,
): Omit<DataSecurityFinding, 'finding_info' | 'count' | 'evidences' | 'confidence_score' | 'data_security'> {
  return {
    ...findingHeader(id, 2006, time, severity, message),
    type_uid: 200601, // the header's class_uid * 100 + 1, as the literal DataSecurityFinding declares
    detector: DETECTOR_NAME,
    rule,
    entity: { kind: 'object', key },
    cloud: { provider: PROVIDERS[o.store] ?? o.store, region: null, account_uid: null },
    databucket: { name: o.bucket, type: o.store },
    file: { name: o.key.split('/').pop() ?? o.key, path: o.key, size: o.size, mime_type: o.content_type, version: o.version_id, etag: o.etag },
  };
}

/** One finding per validated match. Its id depends on the object version, the data type and the absolute offset. */
export function matchFinding(m: ObjectMatch, o: StoredObject, key: string, masked: MaskedValue): DataSecurityFinding {
  const def = m.def;
  const id = findingId(DETECTOR_NAME, def.id, key, [versionTag(o), String(m.offset)]);
  const shown = masked.masked ?? masked.hash ?? '****';
  const what = m.subtype ? `${def.title} (${m.subtype})` : def.title;
  return {
    ...base(id, def.id, key, o, m.time, m.severity, `${what} in ${key} at byte ${m.offset}: ${shown} (confidence ${m.confidence})`),
    finding_info: {
      uid: id,
      title: def.title,
      desc: `A validated ${def.title.toLowerCase()} in the object's content.`,
      analytic: { uid: `dlp.${def.id}`, name: def.title, type: 'Rule' },
      attacks: [],
      first_seen_time: m.time,
      last_seen_time: m.time,
      related_events: m.related.map((uid) => ({ uid })),
    },
    count: 1,
    confidence_score: Math.round(m.confidence * 100),
    evidences: [
      {
        data_type: def.id,
        subtype: m.subtype,
        offset: m.offset,
        length: m.length,
        masked: masked.masked,
        hash: masked.hash,
        confidence: m.confidence,
        keyword: m.keyword,
        test_value: m.testValue,
        paired: m.paired,
        chunk_index: m.chunkIndex,
      },
    ],
    data_security: {
      category: def.category,
      category_id: CATEGORY_IDS[def.category],
      data_lifecycle_state: 'Data at Rest',
      data_lifecycle_state_id: 1,
      detection_system: 'Data Discovery & Classification',
      detection_system_id: 4,
      detection_pattern: def.id,
      pattern_match: shown,
    },
  };
}

/** What the verdict finding says; computed by verdict.ts. */
export interface VerdictSummary {
  counts: Record<string, number>;
  severityByType: Record<string, SeverityName>;
  total: number;
  highest: SeverityName;
  risk: number;
  category: DataCategory;
  /** Lines about what was not scanned or not emitted (binary content, gaps, caps). */
  notes: Array<Record<string, string | number | boolean | null>>;
  actions: Array<{ policy: string; action: string }>;
  related: string[];
  firstTime: number;
}

/** The object-level finding emitted with the last chunk. */
export function verdictFinding(v: VerdictSummary, o: StoredObject, key: string, time: number): DataSecurityFinding {
  const id = findingId(DETECTOR_NAME, VERDICT_RULE, key, [versionTag(o)]);
  const types = Object.keys(v.counts).sort();
  const list = types.map((t) => `${v.counts[t]} ${t}`).join(', ');
  const skipped = v.notes.find((n) => typeof n.skipped === 'string')?.skipped;
  const head =
    v.total > 0
      ? `${key}: ${list} (highest ${v.highest}, risk ${v.risk})`
      : skipped
        ? `${key} not scanned: ${skipped}`
        : `${key}: no sensitive data found`;
  const actions = v.actions.length ? `; actions: ${v.actions.map((a) => `${a.action} (${a.policy})`).join(', ')}` : '';
  return {
    ...base(id, VERDICT_RULE, key, o, time, v.highest, `${head}${actions}`),
    finding_info: {
      uid: id,
      title: 'DLP object verdict',
      desc: 'Counts of validated sensitive data per type in one object, its highest severity and risk score, and the policy actions requested.',
      analytic: { uid: `dlp.${VERDICT_RULE}`, name: 'DLP object verdict', type: 'Rule' },
      attacks: [],
      first_seen_time: v.firstTime,
      last_seen_time: time,
      related_events: v.related.map((uid) => ({ uid })),
    },
    count: v.total,
    confidence_score: null,
    risk_score: v.risk,
    evidences: [
      ...types.map((t) => ({ data_type: t, count: v.counts[t]!, max_severity: v.severityByType[t] ?? null })),
      ...v.notes,
      ...v.actions.map((a) => ({ policy: a.policy, action: a.action })),
    ],
    data_security: {
      category: v.category,
      category_id: CATEGORY_IDS[v.category],
      data_lifecycle_state: 'Data at Rest',
      data_lifecycle_state_id: 1,
      detection_system: 'Data Discovery & Classification',
      detection_system_id: 4,
      detection_pattern: VERDICT_RULE,
    },
  };
}
