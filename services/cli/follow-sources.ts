/**
 * The live sources of `sluice collector <type> --follow [source]` and the collector types each
 * serves. Loaded by every command (main.ts), so it holds data only; the roles are imported on use.
 */
import { SluiceError } from '../core/errors.ts';

export const FOLLOW_SOURCES = {
  /** S3 object-created notifications on SQS (collector-follow.ts); the default, as before `--follow` took a value. */
  sqs: ['aws_cloudtrail', 'aws_config', 'object_storage'],
  /** CloudWatch Logs subscription records on a Kinesis data stream (follow-kinesis.ts). */
  kinesis: ['aws_cloudtrail'],
  /** The kube-apiserver audit webhook backend (follow-webhook.ts). */
  webhook: ['k8s_audit'],
  /** The activity log a diagnostic setting streams to an event hub (follow-eventhubs.ts). */
  eventhubs: ['azure_activity'],
  /** Audit LogEntries a Cloud Logging sink routes to a Pub/Sub topic (follow-pubsub.ts). */
  pubsub: ['gcp_audit'],
  /** A Blob Storage container polled, blobs read again when their etag changes (follow-azure-blob.ts). */
  'azure-blob': ['object_storage'],
  /** A GCS bucket polled, objects read again when their generation changes (follow-gcs.ts). */
  gcs: ['object_storage'],
  /** The account's IAM credential report, password policy and summary, read on an interval (follow-iam.ts). */
  iam: ['aws_account'],
  /** The config_rescan detector's requests, each resource read again from AWS Config (follow-rescan.ts). */
  rescan: ['aws_config_rescan'],
} as const satisfies Record<string, readonly string[]>;

export type FollowSource = keyof typeof FOLLOW_SOURCES;

/** What `--follow` was given (true: no value) -> the source; SLUICE_ERR_CONFIG_INVALID naming what fits the type. */
export function followSourceFor(type: string, given: string | true): FollowSource {
  const fits = (Object.keys(FOLLOW_SOURCES) as FollowSource[]).filter((s) => (FOLLOW_SOURCES[s] as readonly string[]).includes(type));
  if (given === true) {
    // Without a value: SQS for the types that read S3 notifications (unchanged), else the one source of the type.
    if (fits.includes('sqs')) return 'sqs';
    if (fits.length === 1) return fits[0]!;
  } else if ((fits as string[]).includes(given)) {
    return given as FollowSource;
  }
  const known = (Object.keys(FOLLOW_SOURCES) as FollowSource[]).map((s) => `${s} (${FOLLOW_SOURCES[s].join(', ')})`).join('; ');
  const what = given === true ? '--follow' : `--follow ${given}`;
  throw new SluiceError(
    'SLUICE_ERR_CONFIG_INVALID',
    fits.length
      ? `${what} does not fit collector ${type}: it follows ${fits.join(' or ')}`
      : `collector ${type} has no follow mode; the live sources are ${known}`,
  );
}
