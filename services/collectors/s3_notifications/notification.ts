/**
 * What one SQS message body says: which S3 objects were created. The forms read:
 *
 * - an S3 event notification, `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put",
 *   "s3":{"bucket":{"name"},"object":{"key","size","versionId"}}}]}`; keys are URL-encoded (spaces as `+`);
 * - the same inside an SNS envelope (`{"Type":"Notification","Message":"<the S3 event as a string>"}`),
 *   when the queue is subscribed to a topic without raw message delivery;
 * - CloudTrail's own SNS notification, `{"s3Bucket":"…","s3ObjectKey":["AWSLogs/…json.gz", …]}`;
 * - AWS Config's delivery notifications, `{"messageType":"ConfigurationSnapshotDeliveryCompleted"
 *   (or …HistoryDeliveryCompleted),"s3Bucket":"…","s3ObjectKey":"…"}`;
 * - for aws_config only, a Config notification that carries its items inline
 *   (ConfigurationItemChangeNotification …): handed to the collector as it is.
 *
 * S3's `s3:TestEvent`, events other than ObjectCreated:*, SNS subscription confirmations and Config
 * notifications without an object are nothing to read. Anything else is a poison message.
 */
import { isObj, type Obj } from '../fields.ts';

export interface S3ObjectRef {
  bucket: string;
  /** The object key, decoded. */
  key: string;
  versionId?: string;
  /** Size from the notification, when it gives one. */
  size?: number;
}

export type NotificationForm = 's3' | 'sns+s3' | 'cloudtrail' | 'config';

export type ParsedNotification =
  | { kind: 'objects'; form: NotificationForm; objects: S3ObjectRef[]; ignored: number }
  /** Data to hand to the collector as one input (a Config notification with its items inline). */
  | { kind: 'inline'; form: 'config' | 'sns+config'; bytes: Buffer }
  | { kind: 'nothing'; reason: string }
  | { kind: 'invalid'; reason: string };

/** Config notifications that name a delivered file. */
const CONFIG_DELIVERIES = new Set(['ConfigurationSnapshotDeliveryCompleted', 'ConfigurationHistoryDeliveryCompleted']);
/** Config notifications that carry configuration items. */
const CONFIG_INLINE = new Set(['ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification']);

/** An S3 event key: URL-encoded, with `+` for a space. */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

function fromS3Event(records: unknown[], form: NotificationForm): ParsedNotification {
  const objects: S3ObjectRef[] = [];
  let ignored = 0;
  for (const [i, r] of records.entries()) {
    if (!isObj(r) || r.eventSource !== 'aws:s3' || typeof r.eventName !== 'string') return { kind: 'invalid', reason: `Records[${i}] is not an S3 event record` };
    if (!r.eventName.startsWith('ObjectCreated:')) {
      ignored++;
      continue;
    }
    const s3 = r.s3;
    const bucket = isObj(s3) && isObj(s3.bucket) ? s3.bucket.name : undefined;
    const object = isObj(s3) && isObj(s3.object) ? s3.object : undefined;
    if (typeof bucket !== 'string' || !bucket || !object || typeof object.key !== 'string' || !object.key) {
      return { kind: 'invalid', reason: `Records[${i}] (${r.eventName}) has no s3.bucket.name or s3.object.key` };
    }
    const ref: S3ObjectRef = { bucket, key: decodeS3Key(object.key) };
    if (typeof object.versionId === 'string' && object.versionId && object.versionId !== 'null') ref.versionId = object.versionId;
    if (typeof object.size === 'number' && Number.isFinite(object.size)) ref.size = object.size;
    objects.push(ref);
  }
  if (objects.length === 0) return { kind: 'nothing', reason: `no ObjectCreated record (${records.length} other event(s))` };
  return { kind: 'objects', form, objects, ignored };
}

function fromMessage(m: Obj, viaSns: boolean, collectorType: string, body: Buffer): ParsedNotification {
  if (Array.isArray(m.Records)) return fromS3Event(m.Records, viaSns ? 'sns+s3' : 's3');
  if (m.Event === 's3:TestEvent') return { kind: 'nothing', reason: 'S3 test event' };
  if (typeof m.s3Bucket === 'string' && m.s3Bucket) {
    // CloudTrail lists the files of one delivery; AWS Config names one file.
    const keys = Array.isArray(m.s3ObjectKey) ? m.s3ObjectKey : [m.s3ObjectKey];
    if (keys.length === 0 || !keys.every((k): k is string => typeof k === 'string' && k.length > 0)) {
      return { kind: 'invalid', reason: 's3ObjectKey is not a key or a list of keys' };
    }
    const bucket = m.s3Bucket;
    if (typeof m.messageType === 'string') {
      if (!CONFIG_DELIVERIES.has(m.messageType)) return { kind: 'nothing', reason: `AWS Config ${m.messageType}` };
      return { kind: 'objects', form: 'config', objects: keys.map((key) => ({ bucket, key })), ignored: 0 };
    }
    return { kind: 'objects', form: 'cloudtrail', objects: keys.map((key) => ({ bucket, key })), ignored: 0 };
  }
  if (typeof m.messageType === 'string') {
    if (collectorType === 'aws_config' && CONFIG_INLINE.has(m.messageType)) return { kind: 'inline', form: viaSns ? 'sns+config' : 'config', bytes: body };
    return { kind: 'nothing', reason: `AWS Config ${m.messageType}` };
  }
  return { kind: 'invalid', reason: 'not an S3 event notification, CloudTrail or AWS Config notification' };
}

/**
 * Reads one SQS message body. `collectorType` decides whether a Config notification with inline
 * items is data (aws_config) or nothing to read. Never throws.
 */
export function parseNotification(body: string, collectorType: string): ParsedNotification {
  let top: unknown;
  try {
    top = JSON.parse(body);
  } catch (err) {
    return { kind: 'invalid', reason: `the message body is not JSON: ${(err as Error).message}` };
  }
  if (!isObj(top)) return { kind: 'invalid', reason: 'the message body is not a JSON object' };
  const bytes = Buffer.from(body);
  if (typeof top.Type === 'string' && typeof top.TopicArn === 'string') {
    // An SNS envelope (the queue subscribed to a topic without raw message delivery).
    if (top.Type === 'SubscriptionConfirmation' || top.Type === 'UnsubscribeConfirmation') return { kind: 'nothing', reason: `SNS ${top.Type}` };
    if (top.Type !== 'Notification') return { kind: 'invalid', reason: `SNS message of type ${top.Type}` };
    let inner: unknown = top.Message;
    if (typeof inner === 'string') {
      try {
        inner = JSON.parse(inner);
      } catch (err) {
        return { kind: 'invalid', reason: `the SNS Message is not JSON: ${(err as Error).message}` };
      }
    }
    if (!isObj(inner)) return { kind: 'invalid', reason: 'the SNS Message is not a JSON object' };
    return fromMessage(inner, true, collectorType, bytes);
  }
  return fromMessage(top, false, collectorType, bytes);
}
