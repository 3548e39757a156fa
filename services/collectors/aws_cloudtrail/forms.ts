/**
 * The delivery forms of a CloudTrail record besides the record itself and the S3 `{"Records":[…]}`
 * file (input.ts splits those) and the EventBridge envelope (eventbridge.ts):
 *
 * - a CloudWatch Logs subscription message (`{"messageType":"DATA_MESSAGE","logGroup",…,
 *   "logEvents":[{"id","timestamp","message":"<CloudTrail event JSON>"}]}`), as Firehose writes it to
 *   S3 or a Lambda receives it: one record per log event; a `CONTROL_MESSAGE` gives none;
 * - a CloudTrail Lake query result row (`GetQueryResults` `QueryResultRows`: each row is a list of
 *   one-key maps `[{"eventName":"…"},{"eventSource":"…"},…]`, values as text): merged into one record;
 *   dotted column names (`userIdentity.arn`) are nested back;
 * - nested fields given as JSON text (Athena/Glue tables and Lake rows keep `requestParameters`,
 *   `responseElements`, `additionalEventData`, `userIdentity`… as string columns): see parseTextFields.
 */
import { isObj, malformed, typeName, type Obj } from '../fields.ts';

/** CloudWatch Logs subscription message, as delivered to Kinesis, Firehose or Lambda. */
export function isSubscriptionMessage(value: unknown): value is Obj {
  return isObj(value) && Array.isArray(value.logEvents) && (value.messageType === 'DATA_MESSAGE' || value.messageType === 'CONTROL_MESSAGE');
}

/** A CloudTrail Lake result row: a non-empty list of objects with exactly one key each. */
export function isLakeRow(value: unknown): value is Obj[] {
  return Array.isArray(value) && value.length > 0 && value.every((c) => isObj(c) && Object.keys(c).length === 1);
}

/** A GetQueryResults response: `{"QueryResultRows":[[{…},…],…]}`. */
export function isLakeResult(value: unknown): value is Obj {
  return isObj(value) && Array.isArray(value.QueryResultRows) && value.QueryResultRows.every(isLakeRow);
}

/** One record from a Lake row; `userIdentity.arn` becomes `{userIdentity:{arn}}`. */
export function mergeLakeRow(row: readonly Obj[]): Obj {
  const out: Obj = {};
  for (const cell of row) {
    const [key, value] = Object.entries(cell)[0]!;
    const path = key.split('.');
    let at = out;
    for (const part of path.slice(0, -1)) {
      const next = at[part];
      if (isObj(next)) at = next;
      else at = at[part] = {};
    }
    at[path[path.length - 1]!] = value;
  }
  return out;
}

/**
 * The CloudTrail records inside one split item: the records of a subscription message (each log
 * event's message parsed), the merged record of a Lake row, the rows of a whole GetQueryResults
 * response, else the item itself.
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED for a log event whose message is not JSON text.
 */
export function recordsOf(value: unknown): unknown[] {
  if (isSubscriptionMessage(value)) {
    if (value.messageType === 'CONTROL_MESSAGE') return [];
    return (value.logEvents as unknown[]).map((le, i) => {
      const message = isObj(le) ? le.message : undefined;
      if (typeof message !== 'string') malformed(`logEvents[${i}].message must be a string, got ${typeName(message)}`);
      try {
        return JSON.parse(message) as unknown;
      } catch (err) {
        return malformed(`logEvents[${i}].message is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
  if (isLakeRow(value)) return [mergeLakeRow(value)];
  if (isLakeResult(value)) return (value.QueryResultRows as Obj[][]).map(mergeLakeRow);
  return [value];
}

/** Record fields CloudTrail writes as objects (or arrays) that exports may carry as JSON text. */
const OBJECT_FIELDS = ['userIdentity', 'requestParameters', 'responseElements', 'additionalEventData', 'serviceEventDetails', 'resources', 'tlsDetails', 'addendum', 'edgeDeviceDetails', 'insightDetails'] as const;

/** `{…}` / `[…]` text parsed, `"null"`/`""` as absent; anything else unchanged. */
function parsedText(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (t === '' || t === 'null') return null;
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return v;
    }
  }
  return v;
}

/**
 * The record with its object fields given as JSON text parsed (userIdentity's sessionContext too),
 * `readOnly`/`managementEvent` text kept as it is (rules read them with str()). Returns the same
 * object when nothing was text.
 */
export function parseTextFields(rec: Obj): Obj {
  let out: Obj | null = null;
  for (const key of OBJECT_FIELDS) {
    const v = rec[key];
    if (typeof v !== 'string') continue;
    out ??= { ...rec };
    out[key] = parsedText(v);
  }
  const id = (out ?? rec).userIdentity;
  if (isObj(id) && typeof id.sessionContext === 'string') {
    out ??= { ...rec };
    out.userIdentity = { ...id, sessionContext: parsedText(id.sessionContext) };
  }
  return out ?? rec;
}
