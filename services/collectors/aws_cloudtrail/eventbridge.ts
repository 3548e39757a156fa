/**
 * CloudTrail events delivered by Amazon EventBridge (formerly CloudWatch Events): the CloudTrail
 * record is the `detail` of an envelope
 *   {"version":"0","id":"…","detail-type":"AWS API Call via CloudTrail","source":"aws.s3",
 *    "account":"…","time":"…","region":"…","resources":[],"detail":{…CloudTrail event…}}
 * normalizeCloudTrail unwraps it (see unwrapEventBridge); the envelope's identity is kept in
 * `unmapped.eventBridge`. Pure: no I/O.
 */
import { SluiceError } from '../../core/errors.ts';
import { isObj, typeName, type Obj } from '../fields.ts';

/** detail-type values EventBridge uses for events it receives from CloudTrail. */
export const EVENTBRIDGE_CLOUDTRAIL_DETAIL_TYPES: readonly string[] = Object.freeze([
  'AWS API Call via CloudTrail',
  'AWS Console Sign In via CloudTrail',
  'AWS Service Event via CloudTrail',
  'AWS Console Action via CloudTrail',
  'AWS Insight via CloudTrail',
]);

/** The envelope fields kept in `unmapped.eventBridge` (the CloudTrail record itself is `detail`). */
export interface EventBridgeEnvelopeInfo {
  id: string | null;
  'detail-type': string;
  source: string;
  account: string | null;
  time: string | null;
  region: string | null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** True for any EventBridge event envelope: `detail-type` and `source` strings and a `detail` key. */
export function isEventBridgeEnvelope(record: unknown): record is Obj {
  return isObj(record) && typeof record['detail-type'] === 'string' && typeof record.source === 'string' && 'detail' in record;
}

/** True for an EventBridge envelope that carries a CloudTrail event (`… via CloudTrail`, source `aws.*`). */
export function sniffEventBridgeCloudTrail(record: unknown): boolean {
  return (
    isEventBridgeEnvelope(record) &&
    /via CloudTrail$/.test(record['detail-type'] as string) &&
    (record.source as string).startsWith('aws.') &&
    isObj(record.detail)
  );
}

/**
 * When `record` is an EventBridge envelope, returns its `detail` (the CloudTrail record) and the
 * envelope's identity; otherwise null (the record is taken as a bare CloudTrail event).
 * @throws SluiceError SLUICE_ERR_INPUT_MALFORMED when it is an EventBridge event that does not carry a
 *   CloudTrail record (another detail-type or source, or a detail that is not an object).
 */
export function unwrapEventBridge(record: unknown): { detail: Obj; envelope: EventBridgeEnvelopeInfo } | null {
  if (!isEventBridgeEnvelope(record)) return null;
  const detailType = record['detail-type'] as string;
  const source = record.source as string;
  if (!/via CloudTrail$/.test(detailType) || !source.startsWith('aws.')) {
    throw new SluiceError(
      'SLUICE_ERR_INPUT_MALFORMED',
      `not a CloudTrail event: an EventBridge event with detail-type "${detailType.slice(0, 64)}" and source "${source.slice(0, 64)}" (CloudTrail events have a detail-type ending "via CloudTrail" and an aws.* source)`,
    );
  }
  const detail = record.detail;
  if (!isObj(detail)) {
    throw new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `not a CloudTrail event: EventBridge detail must be an object, got ${typeName(detail)}`);
  }
  return {
    detail,
    envelope: {
      id: str(record.id),
      'detail-type': detailType,
      source,
      account: str(record.account),
      time: str(record.time),
      region: str(record.region),
    },
  };
}
