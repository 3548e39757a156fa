/**
 * `sluice collector <type> --follow`: the long-running collector role for aws_cloudtrail, aws_config
 * and object_storage, fed by S3 object-created notifications on SQS
 * (services/collectors/s3_notifications/). Health endpoints on http.port (/readyz once the queue
 * answered a receive), graceful SIGTERM/SIGINT: the message in progress is finished (published,
 * then deleted), unstarted ones are released; after sqs.shutdownGraceMs the role stops anyway and
 * what it had not deleted comes back on the queue.
 */
import { SluiceError } from '../core/errors.ts';
import type { ObjectStorageConfigInput } from '../collectors/object_storage/config.ts';
import {
  createS3Client,
  createSqsClient,
  FOLLOW_TYPES,
  resolveRegion,
  S3NotificationFollower,
  S3NotificationsConfigSchema,
  SqsNotificationQueue,
  type FollowerHooks,
  type FollowStats,
  type S3NotificationsConfig,
  type S3NotificationsConfigInput,
} from '../collectors/s3_notifications/index.ts';
import { invalidConfigError } from '../core/config.ts';
import { collectorFor } from './collectors.ts';
import { requireFollowKafka, runFollowRole } from './follow-role.ts';
import type { AppContext } from './wiring.ts';

/** Command-line settings of follow mode; each overrides its `collectors.<type>.sqs` key. */
export interface FollowFlags {
  sqsQueueUrl?: string;
  region?: string;
  sqsEndpoint?: string;
  s3Endpoint?: string;
}

export interface FollowOptions {
  /** Stops the role like SIGTERM does (tests). */
  stop?: AbortSignal;
  hooks?: FollowerHooks;
}

/** Records per produce round: object chunks are large (chunkBytes each), so fewer of them. */
function publishBatchSize(type: string, objectStorage: ObjectStorageConfigInput | undefined): number {
  if (type !== 'object_storage') return 500;
  const chunk = objectStorage?.chunkBytes ?? 1024 * 1024;
  return Math.max(1, Math.floor((64 * 1024 * 1024) / chunk));
}

/** collectors.<type>.sqs with the flags over it, validated; SLUICE_ERR_CONFIG_INVALID without a queue URL. */
export function followConfig(ctx: AppContext, type: string, flags: FollowFlags): S3NotificationsConfig & { queueUrl: string } {
  if (!FOLLOW_TYPES.includes(type)) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--follow reads S3 notifications from SQS for ${FOLLOW_TYPES.join(', ')}; not for ${type}`);
  }
  const section = (ctx.config.collectors[type]?.sqs ?? {}) as S3NotificationsConfigInput;
  const input: S3NotificationsConfigInput = {
    ...section,
    ...(flags.sqsQueueUrl ? { queueUrl: flags.sqsQueueUrl } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.sqsEndpoint ? { sqsEndpoint: flags.sqsEndpoint } : {}),
    ...(flags.s3Endpoint ? { s3Endpoint: flags.s3Endpoint } : {}),
  };
  const parsed = S3NotificationsConfigSchema.safeParse(input);
  if (!parsed.success) throw invalidConfigError(`collectors.${type}.sqs`, parsed.error.issues);
  const { queueUrl } = parsed.data;
  if (!queueUrl) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--follow needs a queue: --sqs-queue-url or collectors.${type}.sqs.queueUrl`);
  return { ...parsed.data, queueUrl };
}

export async function runCollectorFollowRole(ctx: AppContext, type: string, flags: FollowFlags, options: FollowOptions = {}): Promise<FollowStats> {
  requireFollowKafka(ctx, undefined);
  const config = followConfig(ctx, type, flags);
  const region = resolveRegion(config, config.queueUrl);
  const collector = collectorFor(type, ctx.config);
  let objectStorage: ObjectStorageConfigInput | undefined;
  if (type === 'object_storage') {
    const { sqs: _sqs, store: _store, bucket: _bucket, ...rest } = (ctx.config.collectors.object_storage ?? {}) as ObjectStorageConfigInput;
    objectStorage = rest;
  }
  const [sqs, s3] = await Promise.all([createSqsClient(config, region), createS3Client(config, region)]);
  return runFollowRole(ctx, {
    source: type,
    batchSize: publishBatchSize(type, objectStorage),
    shutdownGraceMs: config.shutdownGraceMs,
    ...(options.stop ? { stop: options.stop } : {}),
    follower: (publisher) =>
      new S3NotificationFollower({
        queue: new SqsNotificationQueue(sqs, config.queueUrl),
        s3,
        collector,
        publisher,
        config,
        ...(objectStorage ? { objectStorage } : {}),
        logger: ctx.logger,
        telemetry: ctx.telemetry,
        ...(options.hooks ? { hooks: options.hooks } : {}),
      }),
    started: [{ type, queueUrl: config.queueUrl, region }, 'collector following S3 notifications'],
    stopping: 'collector stopping: finishing the message in progress',
    expired: 'shutdown grace period expired; exiting with the message in progress not deleted',
    close: () => {
      sqs.destroy();
      s3.destroy();
    },
  });
}

/** The summary line of a follow run, on stderr when it stops. */
export function renderFollowCounts(stats: FollowStats): string {
  return (
    `messages ${stats.messages} (deleted ${stats.deleted}, redelivered ${stats.redelivered}, ignored ${stats.ignored}, poison ${stats.poison}, failed ${stats.failed}, released ${stats.released}), ` +
    `objects ${stats.objects} (skipped ${stats.skippedObjects}), read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
