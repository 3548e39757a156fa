/**
 * AKS audit events as Log Analytics stores them with diagnostic settings in resource-specific mode
 * (tables AKSAudit and AKSAuditAdmin, Azure Monitor table reference): one row per audit event with
 * PascalCase columns (Verb, User, SourceIps, ObjectRef, ResponseStatus, RequestObject…), exported
 * from the workspace (data export to Storage or Event Hubs, or a query result as JSON). A row is
 * turned back into the audit.k8s.io Event it came from, so the native mapping applies.
 */
import { isObj, malformed, typeName, type Obj } from './fields.ts';

/** The tables of the AKS resource-specific mode. */
export const AKS_AUDIT_TABLES = ['AKSAudit', 'AKSAuditAdmin'] as const;

/** Column -> Event field. Dynamic columns may arrive as objects or as JSON text. */
const COLUMNS: ReadonlyArray<readonly [string, string, 'text' | 'dynamic']> = [
  ['Level', 'level', 'text'],
  ['AuditId', 'auditID', 'text'],
  ['Stage', 'stage', 'text'],
  ['RequestUri', 'requestURI', 'text'],
  ['Verb', 'verb', 'text'],
  ['User', 'user', 'dynamic'],
  ['ImpersonatedUser', 'impersonatedUser', 'dynamic'],
  ['SourceIps', 'sourceIPs', 'dynamic'],
  ['UserAgent', 'userAgent', 'text'],
  ['ObjectRef', 'objectRef', 'dynamic'],
  ['ResponseStatus', 'responseStatus', 'dynamic'],
  ['RequestObject', 'requestObject', 'dynamic'],
  ['ResponseObject', 'responseObject', 'dynamic'],
  ['RequestReceivedTime', 'requestReceivedTimestamp', 'text'],
  ['StageReceivedTime', 'stageTimestamp', 'text'],
  ['Annotations', 'annotations', 'dynamic'],
];

/** What Log Analytics writes instead of an object over its size limit. */
const SKIPPED_OBJECT = 'skipped-too-big-size-object';

/** A row of AKSAudit / AKSAuditAdmin: its `Type` names the table, or it has the table's own columns. */
export function isAksAuditTableRow(record: unknown): boolean {
  if (!isObj(record)) return false;
  if (typeof record.Type === 'string') return (AKS_AUDIT_TABLES as readonly string[]).includes(record.Type);
  return typeof record.AuditId === 'string' && typeof record.Verb === 'string' && ('ObjectRef' in record || 'RequestUri' in record);
}

function dynamic(value: unknown, column: string): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!(text.startsWith('{') || text.startsWith('['))) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return malformed(`${column} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The audit Event of an AKSAudit / AKSAuditAdmin row, and the row's other columns (TenantId,
 * _ResourceId, PodName, TimeGenerated, Type…) for the wrapper.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED when a dynamic column holds broken JSON or a column has the wrong type.
 */
export function aksTableRowToEvent(row: Obj): { event: Obj; rest: Obj } {
  const event: Obj = { kind: 'Event', apiVersion: 'audit.k8s.io/v1' };
  const mapped = new Set<string>();
  for (const [column, field, kind] of COLUMNS) {
    const value = row[column];
    mapped.add(column);
    if (value === undefined || value === null || value === '') continue;
    if (kind === 'text') {
      if (typeof value !== 'string') malformed(`${column} must be a string, got ${typeName(value)}`);
      event[field] = value;
      continue;
    }
    if ((field === 'requestObject' || field === 'responseObject') && value === SKIPPED_OBJECT) continue;
    event[field] = dynamic(value, column);
  }
  const rest: Obj = {};
  for (const [k, v] of Object.entries(row)) if (!mapped.has(k)) rest[k] = v;
  return { event, rest };
}
