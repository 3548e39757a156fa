/**
 * Azure activity log from Event Hubs: a diagnostic setting ("Stream to an event hub") sends each
 * batch of activity-log records as one event whose body is `{"records":[…]}`. The follower
 * subscribes through an EventHubConsumerClient (@azure/event-hubs) with a Blob Storage checkpoint
 * store (@azure/eventhubs-checkpointstore-blob), which also balances the partitions between
 * replicas. For each batch of a partition: every event's body goes through the azure_activity
 * collector, the outputs are published, and only after Kafka acknowledged them is the partition's
 * checkpoint moved to the batch's last event. The SDK fetches a partition's next batch only after
 * processEvents resolved, so a slow Kafka slows the reading (backpressure). Batches of different
 * partitions are published one after the other (a flush must cover exactly its own batch).
 *
 * At least once: a crash after the publish and before the checkpoint re-reads that batch; its
 * events keep their ids (metadata.uid from the record), so downstream stays idempotent. A failed
 * checkpoint write is logged and counted, not fatal (the next batch's checkpoint covers it). A
 * Kafka failure stops the role (exit 1; the orchestrator restarts it, reading from the checkpoints).
 */
import type { Counter } from '@opentelemetry/api';
import type { Collector } from '../../core/components.ts';
import type { Logger } from '../../core/logger.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { EventPublisher, PublishCounts } from '../publisher.ts';

/** What the follower reads of an event (a ReceivedEventData of @azure/event-hubs). */
export interface EventHubsEvent {
  /** Decoded by the SDK: an object when the bytes were JSON, else bytes or a string. */
  body: unknown;
  sequenceNumber: number;
}

/** What the follower uses of the SDK's PartitionContext. */
export interface EventHubsPartitionContext {
  readonly eventHubName: string;
  readonly partitionId: string;
  updateCheckpoint(event: EventHubsEvent): Promise<void>;
}

export interface EventHubsHandlers {
  processEvents(events: EventHubsEvent[], context: EventHubsPartitionContext): Promise<void>;
  processError(error: Error, context: EventHubsPartitionContext): Promise<void>;
}

/** The part of EventHubConsumerClient the follower uses (tests give a fake one). */
export interface EventHubsClientLike {
  subscribe(handlers: EventHubsHandlers, options?: Record<string, unknown>): { close(): Promise<void> };
  close(): Promise<void>;
}

export interface EventHubsFollowStats extends PublishCounts {
  /** Event Hubs events (each a `{"records":[…]}` message) read. */
  events: number;
  batches: number;
  checkpoints: number;
  checkpointFailures: number;
  /** Errors the SDK reported (connection, ownership, ...); it retries them itself. */
  receiveErrors: number;
}

export interface EventHubsFollowerDeps {
  client: EventHubsClientLike;
  /** The azure_activity collector. */
  collector: Collector;
  publisher: EventPublisher;
  /** Passed to subscribe (maxBatchSize, maxWaitTimeInSeconds, startPosition). */
  subscribeOptions: Record<string, unknown>;
  logger: Logger;
  telemetry: Telemetry;
}

/** An event body as bytes for the collector. */
export function eventBodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body ?? null), 'utf8');
}

export class EventHubsFollower {
  readonly stats: EventHubsFollowStats;
  private readonly labels: ComponentLabels;
  private readonly eventsCounter: Counter;
  private readonly checkpointCounter: Counter;
  private queue: Promise<void> = Promise.resolve();
  private fatal: unknown;
  private failed = new AbortController();
  private active = false;

  constructor(private readonly deps: EventHubsFollowerDeps) {
    this.stats = Object.assign(deps.publisher.counts as EventHubsFollowStats, { events: 0, batches: 0, checkpoints: 0, checkpointFailures: 0, receiveErrors: 0 });
    this.labels = componentLabels('collector', deps.collector.type);
    this.eventsCounter = deps.telemetry.meter.createCounter('sluice_eventhubs_events_total', { description: 'Event Hubs events read by a follow-mode collector.' });
    this.checkpointCounter = deps.telemetry.meter.createCounter('sluice_eventhubs_checkpoints_total', {
      description: 'Partition checkpoints written after Kafka acknowledged, by outcome (written, failed).',
    });
  }

  /** True once subscribed and not failed: the role's readiness. */
  get ready(): boolean {
    return this.active && this.fatal === undefined;
  }

  /** Runs until `stop` is aborted (then the batches in hand are finished) or Kafka fails (thrown). */
  async run(stop: AbortSignal): Promise<EventHubsFollowStats> {
    const subscription = this.deps.client.subscribe(
      {
        processEvents: (events, context) => this.enqueue(events, context),
        processError: async (error, context) => {
          this.stats.receiveErrors++;
          this.deps.telemetry.metrics.error(this.labels, 'request_failed', 'receiving');
          this.deps.logger.warn({ err: error, partitionId: context?.partitionId }, 'Event Hubs receive error; the SDK retries');
        },
      },
      this.deps.subscribeOptions,
    );
    this.active = true;
    await new Promise<void>((resolve) => {
      if (stop.aborted || this.failed.signal.aborted) return resolve();
      stop.addEventListener('abort', () => resolve(), { once: true });
      this.failed.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.active = false;
    await subscription.close();
    await this.queue;
    if (this.fatal !== undefined) throw this.fatal;
    return this.stats;
  }

  private enqueue(events: EventHubsEvent[], context: EventHubsPartitionContext): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const run = (): Promise<void> => this.handle(events, context);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async handle(events: EventHubsEvent[], context: EventHubsPartitionContext): Promise<void> {
    if (this.fatal !== undefined) throw this.fatal;
    const { collector, publisher, logger } = this.deps;
    try {
      for (const e of events) {
        const name = `eventhubs:${context.eventHubName}/${context.partitionId}@${e.sequenceNumber}`;
        for (const out of collector.collect({ name, bytes: eventBodyBytes(e.body) })) await publisher.add(out);
      }
      await publisher.flush();
    } catch (err) {
      publisher.fail(err);
      this.fatal = err;
      logger.error({ err, partitionId: context.partitionId }, 'publishing Event Hubs events failed; stopping (the batch is read again after a restart)');
      this.failed.abort();
      throw err;
    }
    this.stats.events += events.length;
    this.stats.batches++;
    this.eventsCounter.add(events.length, { ...this.labels, partition_id: context.partitionId });
    // Kafka acknowledged every output of the batch: only now may the checkpoint move.
    try {
      await context.updateCheckpoint(events[events.length - 1]!);
      this.stats.checkpoints++;
      this.checkpointCounter.add(1, { ...this.labels, outcome: 'written' });
    } catch (err) {
      this.stats.checkpointFailures++;
      this.checkpointCounter.add(1, { ...this.labels, outcome: 'failed' });
      logger.warn({ err, partitionId: context.partitionId }, 'Event Hubs checkpoint write failed; the next batch checkpoints past it (a restart before then re-reads the batch)');
    }
  }
}
