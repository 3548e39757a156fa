import type { Finding } from '../../core/events.ts';
import { findingToOcsf } from '../../core/ocsf/index.ts';
import { formatDate, formatDateTime, stringifyWellFormed, toWellFormed } from './sql.ts';

/**
 * One row of `{db}.findings`, as sent in JSONEachRow and as read back in JSONEachRow.
 * DateTime columns are `YYYY-MM-DD hh:mm:ss` UTC text, which every ClickHouse version parses
 * without `date_time_input_format`; absent optional fields are empty strings, not NULL.
 */
export interface FindingRow {
  id: string;
  time: string;
  date: string;
  severity_id: number;
  severity: string;
  detector: string;
  rule: string;
  title: string;
  message: string;
  entity_kind: string;
  entity_key: string;
  account_uid: string;
  region: string;
  provider: string;
  principal: string;
  operation: string;
  service: string;
  src_ip: string;
  count: number;
  first_seen: string;
  last_seen: string;
  related_event_uids: string[];
  attack_techniques: string[];
  /** The whole finding as OCSF JSON. */
  finding_json: string;
  /** ReplacingMergeTree version: finding_info.last_seen_time in epoch ms; the highest wins. */
  version: number;
  ingested_at: string;
}

/** Column order of the table, used in the INSERT column list. */
export const FINDING_COLUMNS = [
  'id',
  'time',
  'date',
  'severity_id',
  'severity',
  'detector',
  'rule',
  'title',
  'message',
  'entity_kind',
  'entity_key',
  'account_uid',
  'region',
  'provider',
  'principal',
  'operation',
  'service',
  'src_ip',
  'count',
  'first_seen',
  'last_seen',
  'related_event_uids',
  'attack_techniques',
  'finding_json',
  'version',
  'ingested_at',
] as const satisfies ReadonlyArray<keyof FindingRow>;

/** DateTime is a UInt32 of seconds: 1970-01-01 00:00:00 to 2106-02-07 06:28:15 UTC. */
const MAX_DATETIME_MS = 4_294_967_295_000;
const MAX_UINT32 = 4_294_967_295;

export class FindingRowError extends Error {
  override readonly name = 'FindingRowError';
}

function epochMs(value: unknown, field: string, findingId: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_DATETIME_MS) {
    throw new FindingRowError(`finding ${findingId}: ${field} must be epoch milliseconds between 1970 and 2106, got ${String(value)}`);
  }
  return Math.floor(value);
}

function clampInt(value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  return Math.min(max, Math.max(0, Math.trunc(value)));
}

function str(value: string | null | undefined): string {
  return value == null ? '' : toWellFormed(value);
}

/**
 * Maps a finding to its table row. Throws FindingRowError when the finding cannot be stored
 * (no id, or a time outside DateTime's range); such a finding would fail on every retry.
 */
export function toFindingRow(finding: Finding, ingestedAtMs: number = Date.now()): FindingRow {
  if (typeof finding.id !== 'string' || finding.id === '') throw new FindingRowError('finding has no id');
  const id = finding.id;
  const time = epochMs(finding.time, 'time', id);
  const info = finding.finding_info;
  const firstSeen = epochMs(info.first_seen_time, 'finding_info.first_seen_time', id);
  const lastSeen = epochMs(info.last_seen_time, 'finding_info.last_seen_time', id);
  return {
    id: toWellFormed(id),
    time: formatDateTime(time),
    date: formatDate(time),
    severity_id: clampInt(finding.severity_id, 255),
    severity: str(finding.severity),
    detector: str(finding.detector),
    rule: str(finding.rule),
    title: str(info.title),
    message: str(finding.message),
    entity_kind: str(finding.entity.kind),
    entity_key: str(finding.entity.key),
    account_uid: str(finding.cloud.account_uid),
    region: str(finding.cloud.region),
    provider: str(finding.cloud.provider),
    principal: str(finding.actor?.user.uid),
    operation: str(finding.api?.operation),
    service: str(finding.api?.service_name),
    src_ip: str(finding.src_endpoint?.ip),
    count: clampInt(finding.count, MAX_UINT32),
    first_seen: formatDateTime(firstSeen),
    last_seen: formatDateTime(lastSeen),
    related_event_uids: info.related_events.map((e) => str(e.uid)),
    attack_techniques: info.attacks.map((a) => str(a.technique_uid)),
    finding_json: stringifyWellFormed(findingToOcsf(finding)),
    version: lastSeen,
    ingested_at: formatDateTime(ingestedAtMs),
  };
}

/** One JSONEachRow line (with its newline); lone surrogates are already replaced. */
export function encodeRow(row: FindingRow): string {
  return `${JSON.stringify(row)}\n`;
}
