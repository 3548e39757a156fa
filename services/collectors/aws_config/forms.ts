/**
 * The forms AWS Config data comes in, unwrapped down to configuration items. Pure: no I/O.
 *
 * One native record (a file, an array element or an NDJSON line) expands to zero or more units:
 * a configuration item with its context (which form it came in, the change diff, envelope fields),
 * or a rejection naming why the record holds no configuration item. See README.md for the list.
 */
import { clip, isObj, setOwn, typeName, type Obj } from './config-state.ts';
import { SNAPSHOT_FORM, snapshotItems } from './snapshot.ts';

/** What a wrapper tells about the configuration items inside it. */
export interface ItemContext {
  /** metadata.log_name: the native form, e.g. ConfigurationItemChangeNotification, ConfigurationSnapshot. */
  form: string;
  /** Items of a configuration snapshot: change_type snapshot. */
  snapshot: boolean;
  /** configurationItemDiff of a change notification (or an oversized item's summary changeType). */
  diff: unknown;
  /** Set for an OversizedConfigurationItemChangeNotification: the item is the summary, without configuration. */
  oversized: boolean;
  /** notificationCreationTime of the notification, used when the item has no capture time. */
  notificationTime: unknown;
  /** Account of an enclosing envelope (EventBridge `account`, Config rule event `accountId`). */
  envelopeAccount: string | null;
  /** Envelope fields kept in `unmapped` (eventbridge, sns, config_rule, snapshot, notification, ...). */
  envelope: Obj;
  /** How the input's JSON was repaired before parsing (read.ts), or null. */
  repaired: string | null;
}

export type Unit =
  | { kind: 'item'; item: unknown; ctx: ItemContext; raw: unknown }
  | { kind: 'reject'; reason: string; raw: unknown };

export function rootContext(repaired: string | null = null): ItemContext {
  return {
    form: 'ConfigurationItem',
    snapshot: false,
    diff: null,
    oversized: false,
    notificationTime: null,
    envelopeAccount: null,
    envelope: {},
    repaired,
  };
}

/** Nested wrappers deeper than this (an SNS message in an EventBridge event in ...) are rejected. */
export const MAX_WRAPPER_DEPTH = 8;

/** AWS Config SNS/EventBridge message types that carry no configuration item, and what they are. */
export const MESSAGE_TYPES_WITHOUT_ITEMS: Readonly<Record<string, string>> = Object.freeze({
  ScheduledNotification: 'a periodic Config rule trigger',
  ConfigurationSnapshotDeliveryStarted: 'a snapshot delivery status message',
  ConfigurationSnapshotDeliveryCompleted: 'a snapshot delivery status message; the snapshot itself is the S3 object it names',
  ConfigurationSnapshotDeliveryFailed: 'a snapshot delivery status message',
  ConfigurationHistoryDeliveryCompleted: 'a history delivery status message; the history itself is the S3 object it names',
  ComplianceChangeNotification: 'a Config rule compliance change',
  ConfigRulesEvaluationStarted: 'a Config rule evaluation status message',
});

/** Keys of a bare configuration item: `resourceType` plus one of these. */
const ITEM_MARKERS = ['configurationItemCaptureTime', 'configurationItemStatus', 'configurationStateId', 'configuration'] as const;

/** A configuration item: resourceType and a capture time, status, state id or configuration. */
export function looksLikeItem(r: Obj): boolean {
  return Object.hasOwn(r, 'resourceType') && ITEM_MARKERS.some((k) => Object.hasOwn(r, k));
}

function child(ctx: ItemContext, patch: Partial<ItemContext>, envelope?: [string, unknown]): ItemContext {
  const next: ItemContext = { ...ctx, ...patch, envelope: { ...ctx.envelope } };
  if (envelope) setOwn(next.envelope, envelope[0], envelope[1]);
  return next;
}

function pick(r: Obj, keys: readonly string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (Object.hasOwn(r, k) && r[k] !== undefined) setOwn(out, k, r[k]);
  return out;
}

function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

function keyList(r: Obj, max = 6): string {
  const keys = Object.keys(r);
  return keys.length === 0 ? '(none)' : `${keys.slice(0, max).join(', ')}${keys.length > max ? ', …' : ''}`;
}

/**
 * Expands one native record into configuration-item units and rejections. Never throws on bad
 * shapes (it may throw only on a bug; the collector turns that into a rejection too).
 */
export function expandRecord(value: unknown, ctx: ItemContext = rootContext()): Unit[] {
  const out: Unit[] = [];
  expand(value, ctx, value, 0, out);
  return out;
}

function expand(value: unknown, ctx: ItemContext, raw: unknown, depth: number, out: Unit[]): void {
  const reject = (reason: string, r: unknown = raw): void => {
    out.push({ kind: 'reject', reason, raw: r });
  };
  if (depth > MAX_WRAPPER_DEPTH) return reject(`wrappers nested deeper than ${MAX_WRAPPER_DEPTH} levels`);
  if (Array.isArray(value)) {
    // A nested empty list holds no item, but it is still input: it must not vanish without a trace.
    if (value.length === 0 && depth > 0) return reject('empty JSON array inside a record list: no configuration item');
    if (value.length === 0) return reject('record must be a JSON object, got an empty array');
    for (const v of value) expand(v, ctx, v, depth + 1, out);
    return;
  }
  if (!isObj(value)) return reject(`record must be a JSON object, got ${typeName(value)}`);
  const r = value;

  // cloud-custodian placebo recording of a boto3 response: {"status_code": 200, "data": {...}}.
  if (typeof r.status_code === 'number' && Object.hasOwn(r, 'data')) {
    if (!isObj(r.data)) return reject(`placebo response: data must be an object, got ${typeName(r.data)}`);
    if (r.status_code < 200 || r.status_code > 299) return reject(`placebo response with status_code ${r.status_code}: an API error, not configuration data`);
    return expandApiResponse(r.data, child(ctx, {}, ['placebo', { status_code: r.status_code }]), raw, depth + 1, out, reject);
  }

  // SNS notification (as delivered to SQS or HTTP): the Config message is the JSON text in Message.
  if (r.Type === 'Notification' && Object.hasOwn(r, 'Message') && (Object.hasOwn(r, 'TopicArn') || Object.hasOwn(r, 'MessageId'))) {
    if (typeof r.Message !== 'string') return reject(`SNS notification: Message must be a string, got ${typeName(r.Message)}`);
    const parsed = parseJsonText(r.Message);
    if (!parsed.ok) return reject(`SNS notification: Message is not JSON: ${parsed.error}`);
    const sns = pick(r, ['MessageId', 'TopicArn', 'Subject', 'Timestamp']);
    return expand(parsed.value, child(ctx, {}, ['sns', sns]), raw, depth + 1, out);
  }

  // EventBridge event: {"detail-type", "source", "detail", ...}.
  if (Object.hasOwn(r, 'detail-type') && Object.hasOwn(r, 'detail')) {
    const source = r.source;
    if (source !== 'aws.config') {
      const dt = typeof r['detail-type'] === 'string' ? `"${clip(r['detail-type'])}"` : typeName(r['detail-type']);
      const src = typeof source === 'string' ? `"${clip(source)}"` : typeName(source);
      const hint = source === 'aws.cloudtrail' || (isObj(r.detail) && typeof r.detail.eventSource === 'string') ? ' (it wraps a CloudTrail event: use the aws_cloudtrail collector)' : '';
      return reject(`not AWS Config data: an EventBridge event from source ${src}, detail-type ${dt}${hint}`);
    }
    const eb = pick(r, ['id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'version']);
    const account = typeof r.account === 'string' && r.account !== '' ? r.account : ctx.envelopeAccount;
    return expand(r.detail, child(ctx, { envelopeAccount: account }, ['eventbridge', eb]), raw, depth + 1, out);
  }

  // AWS Config rule invocation (the Lambda event of a custom rule): invokingEvent is JSON text.
  if (Object.hasOwn(r, 'invokingEvent')) {
    if (typeof r.invokingEvent !== 'string') return reject(`Config rule event: invokingEvent must be a string, got ${typeName(r.invokingEvent)}`);
    const parsed = parseJsonText(r.invokingEvent);
    if (!parsed.ok) return reject(`Config rule event: invokingEvent is not JSON: ${parsed.error}`);
    // resultToken is an opaque callback token for PutEvaluations: left out of unmapped (it stays in raw_data).
    const rule = pick(r, ['configRuleName', 'configRuleArn', 'configRuleId', 'accountId', 'version', 'eventLeftScope', 'executionRoleArn', 'ruleParameters', 'evaluationMode']);
    const account = typeof r.accountId === 'string' && r.accountId !== '' ? r.accountId : ctx.envelopeAccount;
    return expand(parsed.value, child(ctx, { envelopeAccount: account }, ['config_rule', rule]), raw, depth + 1, out);
  }

  // SNS / EventBridge / rule message bodies.
  if (Object.hasOwn(r, 'messageType') || Object.hasOwn(r, 'configurationItem') || Object.hasOwn(r, 'configurationItemSummary')) {
    return expandMessage(r, ctx, raw, out, reject);
  }

  // API responses and S3 files holding lists of items.
  if (
    Object.hasOwn(r, 'configurationItems') ||
    Object.hasOwn(r, 'baseConfigurationItems') ||
    Object.hasOwn(r, 'BaseConfigurationItems') ||
    Object.hasOwn(r, 'ConfigurationItem') ||
    (Object.hasOwn(r, 'Results') && Object.hasOwn(r, 'QueryInfo')) ||
    Object.hasOwn(r, 'resourceIdentifiers') ||
    Object.hasOwn(r, 'ResourceIdentifiers') ||
    Object.hasOwn(r, 'EvaluationResults') ||
    Object.hasOwn(r, 'FailedEvaluations')
  ) {
    return expandApiResponse(r, ctx, raw, depth + 1, out, reject);
  }

  // A cloud scanner's resource snapshot (dotted ResourceType, or {resourceType, resource}): snapshot.ts.
  const snap = snapshotItems(r);
  if (snap !== null) {
    if (!snap.ok) return reject(snap.reason);
    const next = child(ctx, { form: SNAPSHOT_FORM }, ['scanner_snapshot', { resourceType: snap.type }]);
    for (const item of snap.items) out.push({ kind: 'item', item, ctx: next, raw });
    return;
  }

  if (looksLikeItem(r)) {
    out.push({ kind: 'item', item: r, ctx, raw });
    return;
  }
  return reject(notConfigReason(r));
}

/** Why an object is not AWS Config data, naming what is missing. */
function notConfigReason(r: Obj): string {
  if (typeof r.eventSource === 'string' && typeof r.eventName === 'string') {
    return 'not AWS Config data: a CloudTrail event (eventSource, eventName); use the aws_cloudtrail collector';
  }
  const itemish = ['resourceId', 'configurationItemCaptureTime', 'configurationItemStatus', 'configurationStateId', 'arn', 'ARN', 'awsRegion'].filter((k) =>
    Object.hasOwn(r, k),
  );
  if (itemish.length > 0 && !Object.hasOwn(r, 'resourceType')) {
    return `not a configuration item: resourceType is missing (the record has ${itemish.join(', ')})`;
  }
  if (Object.hasOwn(r, 'resourceType')) {
    return `not a configuration item: resourceType is present but none of ${ITEM_MARKERS.join(', ')}`;
  }
  return (
    'not AWS Config data: expected a configuration item (resourceType, configurationItemCaptureTime), a notification ' +
    `(messageType, configurationItem), a list (configurationItems), an EventBridge event (detail) or a Config rule event (invokingEvent); the record has keys ${keyList(r)}`
  );
}

function expandMessage(r: Obj, ctx: ItemContext, raw: unknown, out: Unit[], reject: (reason: string, raw?: unknown) => void): void {
  const messageType = r.messageType;
  if (messageType !== undefined && typeof messageType !== 'string') return reject(`messageType must be a string, got ${typeName(messageType)}`);
  const notification = pick(r, ['messageType', 'recordVersion', 'notificationCreationTime']);
  const base = child(ctx, { notificationTime: r.notificationCreationTime ?? null }, ['notification', notification]);

  if (messageType === 'OversizedConfigurationItemChangeNotification' || (messageType === undefined && Object.hasOwn(r, 'configurationItemSummary'))) {
    const summary = r.configurationItemSummary;
    if (!isObj(summary)) return reject(`OversizedConfigurationItemChangeNotification: configurationItemSummary must be an object, got ${typeName(summary)}`);
    const next = child(base, { form: 'OversizedConfigurationItemChangeNotification', oversized: true, diff: { changeType: summary.changeType } }, [
      's3DeliverySummary',
      r.s3DeliverySummary ?? null,
    ]);
    out.push({ kind: 'item', item: summary, ctx: next, raw });
    return;
  }
  if (messageType !== undefined && Object.hasOwn(MESSAGE_TYPES_WITHOUT_ITEMS, messageType)) {
    const where = typeof r.s3ObjectKey === 'string' ? ` (s3ObjectKey ${clip(r.s3ObjectKey, 200)})` : '';
    return reject(`not a configuration item: AWS Config ${messageType} is ${MESSAGE_TYPES_WITHOUT_ITEMS[messageType]}${where}`);
  }
  if (Object.hasOwn(r, 'configurationItem')) {
    const item = r.configurationItem;
    if (!isObj(item)) return reject(`configurationItem must be an object, got ${typeName(item)}`);
    const diff = r.configurationItemDiff;
    if (diff !== undefined && diff !== null && !isObj(diff)) return reject(`configurationItemDiff must be an object, got ${typeName(diff)}`);
    const next = child(base, { form: messageType ?? 'ConfigurationItemChangeNotification', diff: diff ?? null }, diff == null ? undefined : ['configurationItemDiff', diff]);
    out.push({ kind: 'item', item, ctx: next, raw });
    return;
  }
  return reject(`not a configuration item: unknown AWS Config messageType "${clip(String(messageType))}" without configurationItem`);
}

function itemsOf(
  list: unknown,
  key: string,
  ctx: ItemContext,
  out: Unit[],
  reject: (reason: string, raw?: unknown) => void,
): void {
  if (!Array.isArray(list)) return reject(`${key} must be an array, got ${typeName(list)}`);
  for (const item of list) out.push({ kind: 'item', item, ctx, raw: item });
}

/** Responses of the AWS Config API (bare or placebo-recorded) and S3 snapshot/history files. */
function expandApiResponse(r: Obj, ctx: ItemContext, raw: unknown, depth: number, out: Unit[], reject: (reason: string, raw?: unknown) => void): void {
  if (Object.hasOwn(r, 'configurationItems')) {
    // S3 snapshot file: {fileVersion, configSnapshotId, configurationItems}; S3 history file:
    // {fileVersion, configurationItems}; GetResourceConfigHistory: {configurationItems, nextToken}.
    const snapshot = Object.hasOwn(r, 'configSnapshotId');
    const form = snapshot ? 'ConfigurationSnapshot' : Object.hasOwn(r, 'fileVersion') ? 'ConfigurationHistory' : 'GetResourceConfigHistory';
    const file = pick(r, ['fileVersion', 'configSnapshotId']);
    const next = child(ctx, { form, snapshot }, Object.keys(file).length ? ['file', file] : undefined);
    return itemsOf(r.configurationItems, 'configurationItems', next, out, reject);
  }
  if (Object.hasOwn(r, 'baseConfigurationItems') || Object.hasOwn(r, 'BaseConfigurationItems')) {
    const key = Object.hasOwn(r, 'baseConfigurationItems') ? 'baseConfigurationItems' : 'BaseConfigurationItems';
    const form = key === 'baseConfigurationItems' ? 'BatchGetResourceConfig' : 'BatchGetAggregateResourceConfig';
    return itemsOf(r[key], key, child(ctx, { form }), out, reject);
  }
  if (Object.hasOwn(r, 'ConfigurationItem')) {
    const item = r.ConfigurationItem;
    if (!isObj(item)) return reject(`ConfigurationItem must be an object, got ${typeName(item)}`);
    out.push({ kind: 'item', item, ctx: child(ctx, { form: 'GetAggregateResourceConfig' }), raw: item });
    return;
  }
  if (Object.hasOwn(r, 'Results') && Object.hasOwn(r, 'QueryInfo')) {
    const results = r.Results;
    if (!Array.isArray(results)) return reject(`SelectResourceConfig: Results must be an array, got ${typeName(results)}`);
    const next = child(ctx, { form: 'SelectResourceConfig' });
    results.forEach((row: unknown) => {
      let value = row;
      if (typeof row === 'string') {
        const parsed = parseJsonText(row);
        if (!parsed.ok) return reject(`SelectResourceConfig result row is not JSON: ${parsed.error}`, row);
        value = parsed.value;
      }
      if (!isObj(value)) return reject(`SelectResourceConfig result row must be a JSON object, got ${typeName(value)}`, row);
      if (looksLikeItem(value) && Object.hasOwn(value, 'configurationItemCaptureTime')) {
        out.push({ kind: 'item', item: value, ctx: next, raw: value });
        return;
      }
      reject(
        `not a configuration item: a SelectResourceConfig result row with only the selected fields (${keyList(value)}); ` +
          'an advanced-query projection has no resourceType or configurationItemCaptureTime',
        value,
      );
    });
    return;
  }
  if (Object.hasOwn(r, 'resourceIdentifiers') || Object.hasOwn(r, 'ResourceIdentifiers')) {
    const list = r.resourceIdentifiers ?? r.ResourceIdentifiers;
    const n = Array.isArray(list) ? `${list.length} resource identifier${list.length === 1 ? '' : 's'}` : 'resource identifiers';
    return reject(`not a configuration item: a ListDiscoveredResources response (${n}, no configuration)`);
  }
  if (Object.hasOwn(r, 'EvaluationResults')) {
    return reject('not a configuration item: a compliance response (EvaluationResults of GetComplianceDetailsByConfigRule), not configuration data');
  }
  if (Object.hasOwn(r, 'FailedEvaluations')) {
    return reject('not a configuration item: a PutEvaluations response (FailedEvaluations), not configuration data');
  }
  if (Object.keys(r).every((k) => k === 'ResponseMetadata')) {
    return reject('not a configuration item: an API response with only ResponseMetadata (e.g. PutEvaluations), no configuration data');
  }
  // Anything else inside a placebo wrapper may still be a message or an item.
  return expand(r, ctx, raw, depth, out);
}
