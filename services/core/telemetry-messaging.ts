/**
 * The OpenTelemetry messaging metrics (semantic conventions, https://opentelemetry.io/docs/specs/semconv/messaging/messaging-metrics/),
 * recorded around a Transport so that every producer and consumer of a role counts alike: the
 * collector's events, dead letters, the findings topic, changelogs, the processor's batches.
 * The Vector-style component metrics (metrics.ts) stay as they are; docs/telemetry.md maps one set onto the other.
 */
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { SluiceError } from './errors.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ERROR_TYPE_VALUE_OTHER,
  MESSAGING_DURATION_BUCKETS,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_OPERATION_TYPE_VALUE_RECEIVE,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  MESSAGING_SYSTEM_VALUE_EMBEDDED,
  MESSAGING_SYSTEM_VALUE_KAFKA,
  METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
  METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  METRIC_MESSAGING_PROCESS_DURATION,
} from './semconv.ts';
import type { Telemetry } from './telemetry.ts';
import type { BatchHandler, Consumer, ConsumerOptions, Producer, Transport } from './transport.ts';

/** `error.type`: the Sluice error code, else the error's class name (semconv: low-cardinality). */
export function errorType(err: unknown): string {
  if (err instanceof SluiceError) return err.code;
  if (err instanceof Error && err.name) return err.name;
  return ERROR_TYPE_VALUE_OTHER;
}

export class MessagingMetrics {
  private readonly sent: Counter;
  private readonly consumed: Counter;
  private readonly operationDuration: Histogram;
  private readonly processDuration: Histogram;

  constructor(meter: Meter) {
    this.sent = meter.createCounter(METRIC_MESSAGING_CLIENT_SENT_MESSAGES, { description: 'Number of messages producer attempted to send to the broker.', unit: '{message}' });
    this.consumed = meter.createCounter(METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES, { description: 'Number of messages that were delivered to the application.', unit: '{message}' });
    this.operationDuration = meter.createHistogram(METRIC_MESSAGING_CLIENT_OPERATION_DURATION, {
      description: 'Duration of messaging operation initiated by a producer or consumer client.',
      unit: 's',
      advice: { explicitBucketBoundaries: MESSAGING_DURATION_BUCKETS },
    });
    this.processDuration = meter.createHistogram(METRIC_MESSAGING_PROCESS_DURATION, {
      description: 'Duration of processing operation.',
      unit: 's',
      advice: { explicitBucketBoundaries: MESSAGING_DURATION_BUCKETS },
    });
  }

  /** One produce request of `count` messages (acknowledged, or failed with `err`). */
  recordSend(system: string, topic: string, count: number, seconds: number, err?: unknown): void {
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: system,
      [ATTR_MESSAGING_OPERATION_NAME]: 'send',
      [ATTR_MESSAGING_DESTINATION_NAME]: topic,
      ...(err === undefined ? {} : { [ATTR_ERROR_TYPE]: errorType(err) }),
    };
    if (count > 0) this.sent.add(count, attributes);
    this.operationDuration.record(seconds, { ...attributes, [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_SEND });
  }

  /** Messages handed to the application: a consumer group's batch, or a group-less read (state restore). */
  recordConsumed(system: string, topic: string, partition: number, count: number, groupId?: string): void {
    if (count <= 0) return;
    this.consumed.add(count, {
      [ATTR_MESSAGING_SYSTEM]: system,
      [ATTR_MESSAGING_OPERATION_NAME]: 'poll',
      [ATTR_MESSAGING_DESTINATION_NAME]: topic,
      [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(partition),
      ...(groupId === undefined ? {} : { [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId }),
    });
  }

  /** The application's handling of one consumed batch (the processor: decode, detectors, sinks). */
  recordProcess(system: string, topic: string, partition: number, groupId: string, seconds: number, err?: unknown): void {
    this.processDuration.record(seconds, {
      [ATTR_MESSAGING_SYSTEM]: system,
      [ATTR_MESSAGING_OPERATION_NAME]: 'process',
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [ATTR_MESSAGING_DESTINATION_NAME]: topic,
      [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(partition),
      [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId,
      ...(err === undefined ? {} : { [ATTR_ERROR_TYPE]: errorType(err) }),
    });
  }

  /** A group-less read of partitions up to their end (changelog restore), as one receive operation. */
  recordReceive(system: string, topic: string, seconds: number, err?: unknown): void {
    this.operationDuration.record(seconds, {
      [ATTR_MESSAGING_SYSTEM]: system,
      [ATTR_MESSAGING_OPERATION_NAME]: 'poll',
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_RECEIVE,
      [ATTR_MESSAGING_DESTINATION_NAME]: topic,
      ...(err === undefined ? {} : { [ATTR_ERROR_TYPE]: errorType(err) }),
    });
  }
}

/** `messaging.system` of a transport. */
export function messagingSystem(transport: Pick<Transport, 'kind'>): string {
  return transport.kind === 'kafka' ? MESSAGING_SYSTEM_VALUE_KAFKA : MESSAGING_SYSTEM_VALUE_EMBEDDED;
}

const seconds = (started: number): number => (performance.now() - started) / 1000;

/** Wraps a producer: every send() counts its messages and its duration. */
function instrumentProducer(producer: Producer, metrics: MessagingMetrics, system: string): Producer {
  return {
    async send(topic, messages) {
      const started = performance.now();
      try {
        await producer.send(topic, messages);
      } catch (err) {
        metrics.recordSend(system, topic, messages.length, seconds(started), err);
        throw err;
      }
      metrics.recordSend(system, topic, messages.length, seconds(started));
    },
    close: () => producer.close(),
  };
}

/** Wraps a consumer: every batch counts as consumed, and the handler's run as its processing. */
function instrumentConsumer(consumer: Consumer, metrics: MessagingMetrics, system: string, options: ConsumerOptions): Consumer {
  return {
    run(handler: BatchHandler) {
      return consumer.run(async (batch) => {
        metrics.recordConsumed(system, batch.topic, batch.partition, batch.messages.length, options.groupId);
        const started = performance.now();
        try {
          await handler(batch);
        } catch (err) {
          metrics.recordProcess(system, batch.topic, batch.partition, options.groupId, seconds(started), err);
          throw err;
        }
        metrics.recordProcess(system, batch.topic, batch.partition, options.groupId, seconds(started));
      });
    },
    stop: () => consumer.stop(),
    pause: () => consumer.pause(),
    resume: () => consumer.resume(),
    get done() {
      return consumer.done;
    },
  };
}

/**
 * The transport with the OpenTelemetry messaging metrics recorded on the telemetry's meter.
 * Behaviour is unchanged: every call is passed through, errors included.
 */
export function instrumentTransport(transport: Transport, telemetry: Pick<Telemetry, 'messaging'>): Transport {
  const metrics = telemetry.messaging;
  const system = messagingSystem(transport);
  return {
    kind: transport.kind,
    producer: async () => instrumentProducer(await transport.producer(), metrics, system),
    consumer: async (options) => instrumentConsumer(await transport.consumer(options), metrics, system, options),
    endOffsets: (topic) => transport.endOffsets(topic),
    committedOffsets: (groupId, topic) => transport.committedOffsets(groupId, topic),
    async readPartitions(topic, partitions, onMessages, options) {
      const started = performance.now();
      try {
        await transport.readPartitions(
          topic,
          partitions,
          (messages) => {
            const byPartition = new Map<number, number>();
            for (const m of messages) byPartition.set(m.partition, (byPartition.get(m.partition) ?? 0) + 1);
            for (const [partition, n] of byPartition) metrics.recordConsumed(system, topic, partition, n);
            onMessages(messages);
          },
          options,
        );
      } catch (err) {
        metrics.recordReceive(system, topic, seconds(started), err);
        throw err;
      }
      metrics.recordReceive(system, topic, seconds(started));
    },
    partitionCount: (topic) => transport.partitionCount(topic),
    close: () => transport.close(),
  };
}
