/**
 * The follow-mode collector: long-polls an SQS queue for S3 object-created notifications, reads each
 * notified object, publishes its events through the collector's publisher, and deletes the message
 * only once Kafka acknowledged every event and dead letter of every object it names.
 *
 * Delivery is at-least-once. A crash (or a failed delete) after the publish and before the delete
 * leaves the message on the queue; SQS delivers it again after its visibility timeout and its
 * objects are published again. Their events keep their ids (CloudTrail eventID, Config item
 * hashes, object chunk uids from bucket/key/etag/offset), so downstream outputs stay idempotent and
 * the repeat is counted (`redelivered`, sluice_notifications_redelivered_total).
 *
 * Poison messages (not a notification; an object still missing after the retries) are dead-lettered
 * with the reason and deleted. Transient failures (S3 errors other than a missing object) leave the
 * message for redelivery, and the queue's redrive policy bounds how often: set one
 * (maxReceiveCount) with an SQS dead-letter queue. A Kafka failure stops the follower (the role
 * exits non-zero, the message comes back).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import picomatch from 'picomatch';
import type { Collector, CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { ObjectStorageConfigInput } from '../object_storage/config.ts';
import type { EventPublisher, PublishCounts } from '../publisher.ts';
import type { S3NotificationsConfig } from './config.ts';
import { VisibilityHeartbeat } from './heartbeat.ts';
import { NotificationMetrics, type NotificationOutcome } from './metrics.ts';
import { parseNotification, type S3ObjectRef } from './notification.ts';
import { MissingObjectError, objectName, readObject } from './objects.ts';
import type { NotificationQueue, QueueMessage } from './sqs-queue.ts';

export interface FollowStats extends PublishCounts {
  /** Messages received (a redelivered one counts again). */
  messages: number;
  /** Messages deleted after their objects were published, or as nothing to read, or as poison. */
  deleted: number;
  /** Received with ApproximateReceiveCount > 1. */
  redelivered: number;
  /** Deleted with nothing to read (S3 test events, other event types, subscription confirmations). */
  ignored: number;
  /** Dead-lettered and deleted: not a notification, or an object missing after the retries. */
  poison: number;
  /** Left on the queue after a failure, for redelivery. */
  failed: number;
  /** Returned to the queue (visibility 0) unstarted on shutdown. */
  released: number;
  objects: number;
  skippedObjects: number;
  /** Visibility extensions made while objects were read. */
  extensions: number;
}

export interface FollowerHooks {
  /** Called after a message's outputs were acknowledged, before its delete (tests: a crash there). */
  afterPublish?(message: QueueMessage): Promise<void>;
}

export interface FollowerDeps {
  queue: NotificationQueue;
  s3: S3Client;
  /** The collector (its type names the source; it reads whole objects and inline notifications). */
  collector: Collector;
  publisher: EventPublisher;
  config: S3NotificationsConfig;
  /** For object_storage: the collector's config; objects are then streamed in chunks. */
  objectStorage?: ObjectStorageConfigInput;
  logger: Logger;
  telemetry: Telemetry;
  hooks?: FollowerHooks;
}

/** Keys no collector of the type should read, besides config.excludeKeys. */
const BUILT_IN_EXCLUDES: Readonly<Record<string, readonly string[]>> = {
  aws_cloudtrail: ['**/CloudTrail-Digest/**'],
  aws_config: ['**/ConfigWritabilityCheckFile'],
};

/** Longest pause between two failed receives. */
const MAX_RECEIVE_BACKOFF_MS = 30_000;

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch {
    // aborted
  }
}

export class S3NotificationFollower {
  readonly stats: FollowStats;
  private readonly type: string;
  private readonly labels: ComponentLabels;
  private readonly metrics: NotificationMetrics;
  private readonly excluded: (key: string) => boolean;
  private readonly heartbeat: VisibilityHeartbeat;
  private receivedOnce = false;

  constructor(private readonly deps: FollowerDeps) {
    this.type = deps.collector.type;
    this.stats = Object.assign(deps.publisher.counts as FollowStats, {
      messages: 0,
      deleted: 0,
      redelivered: 0,
      ignored: 0,
      poison: 0,
      failed: 0,
      released: 0,
      objects: 0,
      skippedObjects: 0,
      extensions: 0,
    });
    this.labels = componentLabels('collector', this.type);
    this.metrics = new NotificationMetrics(deps.telemetry.meter, this.labels);
    const globs = [...(BUILT_IN_EXCLUDES[this.type] ?? []), ...deps.config.excludeKeys];
    this.excluded = globs.length ? picomatch(globs, { dot: true }) : () => false;
    this.heartbeat = new VisibilityHeartbeat(deps.queue, deps.config.visibilityTimeoutSeconds, deps.logger);
  }

  /** True once a receive succeeded (the queue is reachable and readable): the role's readiness. */
  get ready(): boolean {
    return this.receivedOnce;
  }

  /**
   * Runs until `stop` is aborted: then no new message is started, the one in progress is finished
   * (published and deleted) and the batch's unstarted ones are released. `kill` aborts the one in
   * progress too (its S3 read and pauses; it is not deleted). A Kafka or other non-retriable
   * failure is thrown.
   */
  async run(stop: AbortSignal, kill?: AbortSignal): Promise<FollowStats> {
    const { queue, config, logger } = this.deps;
    let failures = 0;
    try {
      while (!stop.aborted) {
        let messages: QueueMessage[];
        const started = Date.now();
        try {
          messages = await queue.receive(config.maxMessages, config.waitTimeSeconds, config.visibilityTimeoutSeconds, stop);
          failures = 0;
          this.receivedOnce = true;
        } catch (err) {
          failures++;
          this.deps.telemetry.metrics.error(this.labels, 'request_failed', 'receiving');
          const backoff = Math.min(MAX_RECEIVE_BACKOFF_MS, 500 * 2 ** Math.min(failures, 10));
          logger.warn({ err, failures, backoffMs: backoff }, 'SQS receive failed; retrying');
          await pause(backoff, stop);
          continue;
        }
        if (messages.length === 0) {
          // Long polling returns early only when a message came; a queue (or emulator) without it returns at once.
          if (Date.now() - started < config.waitTimeSeconds * 1000) await pause(config.emptyReceiveDelayMs, stop);
          continue;
        }
        await this.handleBatch(messages, stop, kill);
      }
    } finally {
      this.heartbeat.stop();
      this.stats.extensions = this.heartbeat.extensions;
    }
    return this.stats;
  }

  private async handleBatch(messages: QueueMessage[], stop: AbortSignal, kill?: AbortSignal): Promise<void> {
    this.heartbeat.track(messages);
    try {
      for (const [i, m] of messages.entries()) {
        if (stop.aborted || kill?.aborted) {
          await this.release(messages.slice(i));
          return;
        }
        try {
          await this.handle(m, kill);
        } finally {
          this.heartbeat.untrack(m);
        }
      }
    } finally {
      this.heartbeat.stop();
      this.stats.extensions = this.heartbeat.extensions;
    }
  }

  /** Unstarted messages go back to the queue at once, for another consumer. */
  private async release(messages: readonly QueueMessage[]): Promise<void> {
    for (const m of messages) {
      this.heartbeat.untrack(m);
      try {
        await this.deps.queue.setVisibility(m, 0);
        this.count('released');
      } catch (err) {
        this.deps.logger.warn({ err, messageId: m.messageId }, 'could not release an unstarted SQS message; it comes back after its visibility timeout');
      }
    }
  }

  private count(outcome: NotificationOutcome): void {
    this.metrics.message(outcome);
    const s = this.stats;
    if (outcome === 'ignored') s.ignored++;
    else if (outcome === 'poison') s.poison++;
    else if (outcome === 'failed') s.failed++;
    else if (outcome === 'released') s.released++;
  }

  private async handle(m: QueueMessage, kill?: AbortSignal): Promise<void> {
    const { publisher, logger } = this.deps;
    this.stats.messages++;
    if (m.receiveCount > 1) {
      this.stats.redelivered++;
      this.metrics.redelivery();
      logger.info({ messageId: m.messageId, receiveCount: m.receiveCount }, 'SQS message delivered again: its objects are published again with the same event ids');
    }
    const parsed = parseNotification(m.body, this.type);
    let outcome: NotificationOutcome = 'published';
    try {
      if (parsed.kind === 'nothing') {
        logger.debug({ messageId: m.messageId, reason: parsed.reason }, 'notification with nothing to read');
        outcome = 'ignored';
      } else if (parsed.kind === 'invalid') {
        await publisher.add(this.reject(`sqs://${m.messageId}#0`, 'SLUICE_ERR_NOTIFICATION_INVALID', parsed.reason, Buffer.from(m.body)));
        outcome = 'poison';
      } else if (parsed.kind === 'inline') {
        for (const out of this.deps.collector.collect({ name: `sqs://${m.messageId}`, bytes: parsed.bytes })) await publisher.add(out);
      } else {
        let missing = 0;
        let read = 0;
        for (const ref of parsed.objects) {
          if (this.excluded(ref.key)) {
            this.stats.skippedObjects++;
            this.metrics.object('skipped');
            continue;
          }
          if (await this.readWithRetries(ref, m, kill)) read++;
          else missing++;
        }
        if (read === 0) outcome = missing ? 'poison' : 'ignored';
      }
      await publisher.flush();
    } catch (err) {
      publisher.fail(err);
      this.count('failed');
      if (err instanceof SluiceError && (err.code === 'SLUICE_ERR_OBJECT_STORE_UNAVAILABLE' || err.code === 'SLUICE_ERR_INPUT_UNREADABLE')) {
        this.deps.telemetry.metrics.error(this.labels, 'request_failed', 'receiving');
        logger.warn({ err, messageId: m.messageId }, 'reading a notified object failed; the message is left for redelivery');
        return;
      }
      throw err;
    }
    // Everything the message named is acknowledged by Kafka: only now may it go.
    await this.deps.hooks?.afterPublish?.(m);
    try {
      await this.deps.queue.delete(m);
      this.stats.deleted++;
      this.count(outcome);
    } catch (err) {
      this.deps.telemetry.metrics.error(this.labels, 'request_failed', 'sending');
      logger.warn({ err, messageId: m.messageId }, 'could not delete a published SQS message; it will be delivered and published again (same event ids)');
    }
  }

  /** Publishes one object's outputs; false when it was still missing after the retries (dead-lettered). */
  private async readWithRetries(ref: S3ObjectRef, m: QueueMessage, kill?: AbortSignal): Promise<boolean> {
    const { config, publisher } = this.deps;
    const reader = { s3: this.deps.s3, collector: this.deps.collector, maxObjectBytes: config.maxObjectBytes, ...(this.deps.objectStorage ? { objectStorage: this.deps.objectStorage } : {}) };
    for (let attempt = 0; ; attempt++) {
      try {
        await readObject(reader, ref, (out: CollectorOutput) => publisher.add(out), kill);
        this.stats.objects++;
        this.metrics.object('read');
        return true;
      } catch (err) {
        if (!(err instanceof MissingObjectError)) throw err;
        if (attempt >= config.missingObjectRetries || kill?.aborted) {
          this.metrics.object('missing');
          const reason = `${err.message}; still missing after ${attempt + 1} attempt(s) (notification ${m.messageId})`;
          await publisher.add(this.reject(`${objectName(ref)}#0`, 'SLUICE_ERR_INPUT_NOT_FOUND', reason, Buffer.from(m.body)));
          return false;
        }
        await pause(config.retryBackoffMs * 2 ** attempt, kill);
      }
    }
  }

  private reject(position: string, reasonCode: RejectedRecord['reasonCode'], reason: string, raw: Buffer): RejectedRecord {
    return { kind: 'dead_letter', stage: 'collect', source: this.type, position, reasonCode, reason, raw };
  }
}
