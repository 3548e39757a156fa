/**
 * Shapes that carry an Azure activity record inside something else: activity-log alert
 * notifications (legacy and common alert schema) and fields written as JSON text. Pure helpers
 * for normalize.ts; see README.md ("Inputs accepted").
 */
import { isObj, type Obj } from '../k8s_audit/fields.ts';

/** An object, or JSON text of an object (some exporters stringify `properties` or `claims`): the object, else null. */
export function objectOrJsonText(v: unknown): Obj | null {
  if (isObj(v)) return v;
  if (typeof v !== 'string' || !v.trim().startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(v);
    return isObj(parsed) ? parsed : null;
  } catch {
    return null; // not JSON: kept as text in unmapped
  }
}

/**
 * The activity log event inside an activity-log alert notification (action group webhook, Logic
 * App or Event Hubs receiver): the legacy schema (`schemaId` `Microsoft.Insights/activityLogs`,
 * event in `data.context.activityLog`) or the common alert schema (`azureMonitorCommonAlertSchema`
 * with `data.essentials.monitoringService` "Activity Log - …", event in `data.alertContext`).
 * Returned in the REST field names this normalizer reads: `eventSource` becomes the category, the
 * first alert target the resourceId when the event has none, and `claims` written as JSON text is
 * parsed (text that is not a JSON object is kept as `claimsText`). null for any other record.
 */
export function activityLogAlertEvent(record: unknown): Obj | null {
  if (!isObj(record) || !isObj(record.data)) return null;
  const data = record.data;
  let inner: Obj | null = null;
  let target: string | null = null;
  if (record.schemaId === 'Microsoft.Insights/activityLogs' && isObj(data.context) && isObj(data.context.activityLog)) {
    inner = data.context.activityLog;
  } else if (
    record.schemaId === 'azureMonitorCommonAlertSchema' &&
    isObj(data.essentials) &&
    typeof data.essentials.monitoringService === 'string' &&
    /^activity log/i.test(data.essentials.monitoringService) &&
    isObj(data.alertContext)
  ) {
    inner = data.alertContext;
    const ids = data.essentials.alertTargetIDs;
    if (Array.isArray(ids) && typeof ids[0] === 'string') target = ids[0];
  }
  if (inner === null) return null;
  const out: Obj = { ...inner };
  if (out.category === undefined && inner.eventSource !== undefined) {
    out.category = inner.eventSource;
    delete out.eventSource;
  }
  if (out.resourceId === undefined && target !== null) out.resourceId = target;
  if (typeof inner.claims === 'string') {
    const parsed = objectOrJsonText(inner.claims);
    if (parsed !== null) out.claims = parsed;
    else {
      delete out.claims;
      out.claimsText = inner.claims;
    }
  }
  return out;
}
