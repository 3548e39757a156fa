/**
 * LogEntry field names as exporters write them. The Logging API writes camelCase
 * (`protoPayload`, `logName`, `insertId`, `receiveTimestamp`); some exports lower-case them all
 * (Panther's GCP.AuditLog schema). Shared by this collector and k8s_audit (GKE entries).
 */
import { isObj, type Obj } from '../k8s_audit/fields.ts';

/** Lower-cased LogEntry field -> its Logging API name. */
const LOWERCASE_LOG_ENTRY_KEYS: Readonly<Record<string, string>> = {
  protopayload: 'protoPayload',
  logname: 'logName',
  insertid: 'insertId',
  receivetimestamp: 'receiveTimestamp',
  httprequest: 'httpRequest',
  sourcelocation: 'sourceLocation',
  spanid: 'spanId',
  tracesampled: 'traceSampled',
};

/**
 * The LogEntry with its field names as the Logging API writes them: an export that lower-cased
 * them gets the camelCase names back, the camelCase field winning when both are present. A record
 * that already has a `protoPayload` object, or has no lower-cased `protopayload` object, is
 * returned unchanged (the same object).
 */
export function canonicalLogEntry(record: unknown): unknown {
  if (!isObj(record) || isObj(record.protoPayload) || !isObj(record.protopayload)) return record;
  const out: Obj = {};
  for (const [k, v] of Object.entries(record)) {
    const name = LOWERCASE_LOG_ENTRY_KEYS[k];
    if (name === undefined) out[k] = v;
    else if (!(name in record)) out[name] = v;
  }
  return out;
}
