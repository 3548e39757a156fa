import { randomUUID } from 'node:crypto';
import { Kafka, PartitionAssigners, Partitioners, logLevel, type Admin, type Consumer as KafkaConsumer, type LogEntry } from 'kafkajs';
import type { KafkaConfig } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { SluiceError } from '../../core/errors.ts';
import type {
  BatchHandler,
  ConsumedMessage,
  Consumer,
  ConsumerOptions,
  Headers,
  OutgoingMessage,
  PartitionOffsets,
  Producer,
  Transport,
} from '../../core/transport.ts';
import { assertKafkajsPatched } from './patch-guard.ts';
import { CoPartitionedAssigner } from './co-partitioned-assigner.ts';
import { kafkaSecurityOptions } from './security.ts';
import { compressionType, registerKafkaCodecs } from './codecs.ts';
import { Coalescer } from './coalescer.ts';
import { mergeTopicSends, topicSendBytes, type TopicSend } from './topic-sends.ts';

/** kafkajs protocol error types meaning the records can never be accepted as they are. */
const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/**
 * A failed produce as a SluiceError: a record the broker refuses for its size (MESSAGE_TOO_LARGE,
 * RECORD_LIST_TOO_LARGE, INVALID_RECORD; `max.message.bytes`) is SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE,
 * not retriable, so that the caller dead-letters it instead of retrying forever; anything else is
 * SLUICE_ERR_TRANSPORT_UNAVAILABLE (retriable). The kafkajs error is searched through its causes.
 */
export function classifyProduceError(topic: string, cause: unknown): SluiceError {
  for (let e: unknown = cause, depth = 0; e && depth < 8; e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError, depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && TOO_LARGE_TYPES.has(type)) {
      return new SluiceError('SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE', `producing to ${topic} refused: ${type} (${(e as Error).message}); the record is larger than the broker accepts (max.message.bytes)`, {
        cause,
        details: { kafkaErrorType: type },
      });
    }
  }
  return new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', `producing to ${topic} failed: ${(cause as Error).message}`, { cause });
}
import type { z } from 'zod';

const ENDOFFSET_ATTEMPTS = 8;

export type KafkaTransportConfig = z.output<typeof KafkaConfig>;

function toKafkaLogLevel(level: string): logLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.WARN;
  }
}

function headersOf(raw: Record<string, unknown> | undefined): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (Buffer.isBuffer(v)) out[k] = v.toString('utf8');
    else if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && v.length > 0) out[k] = String(v[0]);
  }
  return out;
}

/** A kafkajs message as a ConsumedMessage (a null value is a tombstone). */
function toConsumed(topic: string, partition: number, m: { offset: string; key: Buffer | null; value: Buffer | null; headers?: Record<string, unknown>; timestamp: string }): ConsumedMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value ?? Buffer.alloc(0),
    ...(m.value === null ? { tombstone: true } : {}),
    headers: headersOf(m.headers),
    timestamp: Number(m.timestamp),
  };
}

const REBALANCE_ERROR_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR', 'FENCED_INSTANCE_ID']);

/** True for the errors kafkajs raises when the group's generation changed under a member (also when wrapped by its retrier). */
export function isRebalanceError(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur && typeof cur === 'object'; depth++) {
    const e = cur as { type?: unknown; originalError?: unknown; cause?: unknown; message?: unknown };
    if (typeof e.type === 'string' && REBALANCE_ERROR_TYPES.has(e.type)) return true;
    if (typeof e.message === 'string' && /group is rebalancing|generation id is not valid|coordinator is not aware of this member/i.test(e.message)) return true;
    cur = e.originalError ?? e.cause;
  }
  return false;
}

/** One request a kafkajs client sent and got an answer to (its instrumentation event `request`). */
export interface KafkaRequestEvent {
  client: 'producer' | 'consumer' | 'admin';
  /** Kafka API name as kafkajs spells it: Produce, Fetch, OffsetCommit, Heartbeat, Metadata… */
  apiName: string;
  /** Broker host:port. */
  broker: string;
  /** Bytes of the response. */
  size: number;
  /** Milliseconds from sending to the response. */
  durationMs: number;
}

export interface KafkaTransportOptions {
  /** Called for every request a producer, consumer or admin client of this transport completes (benches, diagnostics). */
  onRequest?: (e: KafkaRequestEvent) => void;
}

type RequestPayload = { broker: string; apiName: string; size: number; duration: number };

export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private adminClient: Promise<Admin> | undefined;
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(
    private readonly config: KafkaTransportConfig,
    private readonly logger: Logger,
    private readonly options: KafkaTransportOptions = {},
  ) {
    assertKafkajsPatched();
    registerKafkaCodecs();
    const log = logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      ...kafkaSecurityOptions(config),
      logLevel: toKafkaLogLevel(logger.level),
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5000 },
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const { message, ...fields } = entry;
          // Retries are bounded on purpose: a dead cluster must surface as an error (the batch is then
          // redelivered), not hang a send forever. kafkajs warns about that for idempotent producers.
          if (message.startsWith('Limiting retries for the idempotent producer')) return;
          if (level <= logLevel.ERROR) log.warn(fields, message);
          else if (level === logLevel.WARN) log.warn(fields, message);
          else log.debug(fields, message);
        },
    });
  }

  /** Forwards a client's request events to options.onRequest, when set. */
  private instrument(client: KafkaRequestEvent['client'], emitter: { on(event: string, listener: (e: { payload: RequestPayload }) => void): unknown; events: { REQUEST: string } }): void {
    const onRequest = this.options.onRequest;
    if (!onRequest) return;
    emitter.on(emitter.events.REQUEST, ({ payload: p }) => onRequest({ client, apiName: p.apiName, broker: p.broker, size: p.size, durationMs: p.duration }));
  }

  /** One admin client, created on first use; concurrent callers share the same connection attempt. */
  private admin(): Promise<Admin> {
    if (!this.adminClient) {
      const admin = this.kafka.admin();
      this.instrument('admin', admin);
      this.adminClient = admin.connect().then(
        () => admin,
        (cause: unknown) => {
          this.adminClient = undefined;
          throw new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', `Kafka admin connection failed: ${(cause as Error).message}`, { cause });
        },
      );
    }
    return this.adminClient;
  }

  async producer(): Promise<Producer> {
    const producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: this.config.idempotentProducer,
      maxInFlightRequests: this.config.idempotentProducer ? 1 : 5,
      allowAutoTopicCreation: false,
    });
    this.instrument('producer', producer);
    await producer.connect().catch((cause: unknown) => {
      throw new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', `cannot connect to Kafka (${this.config.brokers.join(',')}): ${(cause as Error).message}`, { cause });
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await producer.disconnect();
    };
    const compression = compressionType(this.config.compression);
    const toKafka = (m: OutgoingMessage) => ({
      key: m.key,
      value: m.value,
      headers: m.headers ?? {},
      ...(m.partition === undefined ? {} : { partition: m.partition }),
    });
    const direct = async (topic: string, messages: readonly OutgoingMessage[]) => {
      try {
        await producer.send({ topic, acks: -1, compression, messages: messages.map(toKafka) });
      } catch (cause) {
        throw classifyProduceError(topic, cause);
      }
    };
    if (this.config.producerLingerMs === 0) {
      this.closers.push(close);
      return {
        send: async (topic, messages) => {
          if (messages.length === 0) return;
          await direct(topic, messages);
        },
        close,
      };
    }
    // Concurrent sends (a processor's partitions in flight, each writing findings, outputs,
    // dead letters and changelogs) leave as one produce request per broker.
    const coalescer = new Coalescer<TopicSend>({
      lingerMs: this.config.producerLingerMs,
      maxBytes: this.config.producerBatchMaxBytes,
      size: topicSendBytes,
      flush: async (items) => {
        await producer.sendBatch({ acks: -1, compression, topicMessages: mergeTopicSends(items).map(({ topic, messages }) => ({ topic, messages: messages.map(toKafka) })) });
      },
      // A record too large fails the whole request: each caller's messages are sent again alone, so
      // only the caller that sent it gets SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE and isolates it.
      retryAlone: (cause) => classifyProduceError('', cause).code === 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE',
      error: (item, cause) => classifyProduceError(item.topic, cause),
    });
    const closeCoalesced = async () => {
      await coalescer.close();
      await close();
    };
    this.closers.push(closeCoalesced);
    return {
      send: async (topic, messages) => {
        if (messages.length === 0) return;
        await coalescer.submit({ topic, messages });
      },
      close: closeCoalesced,
    };
  }

  async consumer(options: ConsumerOptions): Promise<Consumer> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      // Partition p of every input topic on one member (joins such as vulns need it), round robin as the fallback mid-upgrade.
      partitionAssigners: [CoPartitionedAssigner, PartitionAssigners.roundRobin],
      sessionTimeout: this.config.sessionTimeoutMs,
      heartbeatInterval: this.config.heartbeatIntervalMs,
      maxWaitTimeInMs: this.config.maxWaitTimeMs,
      minBytes: this.config.fetchMinBytes,
      maxBytesPerPartition: this.config.maxBytesPerPartition,
      maxBytes: this.config.maxBytesPerFetch,
      allowAutoTopicCreation: false,
    });
    this.instrument('consumer', consumer);
    await consumer.connect().catch((cause: unknown) => {
      throw new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', `cannot connect to Kafka (${this.config.brokers.join(',')}): ${(cause as Error).message}`, { cause });
    });
    for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
    if (options.onAssignment) {
      const notify = options.onAssignment;
      // GROUP_JOIN comes after every join/sync, before the first fetch of the new generation.
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        const assignment = Object.entries(e.payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => ({ topic, partition })),
        );
        notify(assignment);
      });
    }
    const handle = new KafkaGroupConsumer(consumer, this.config.partitionsConsumedConcurrently, this.config.heartbeatIntervalMs, options.topics, this.config.commitLingerMs);
    this.closers.push(() => handle.stop());
    return handle;
  }

  async endOffsets(topic: string): Promise<PartitionOffsets> {
    const offsets = await fetchTopicOffsetsRetrying(await this.admin(), topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets> {
    const admin = await this.admin();
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const out: PartitionOffsets = new Map();
    for (const p of result?.partitions ?? []) {
      if (p.offset !== '-1') out.set(p.partition, BigInt(p.offset));
    }
    return out;
  }

  async partitionCount(topic: string): Promise<number> {
    const admin = await this.admin();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const n = meta.topics[0]?.partitions.length ?? 0;
      if (n === 0) throw new Error('no partitions');
      return n;
    } catch (cause) {
      throw new SluiceError('SLUICE_ERR_TRANSPORT_TOPIC_UNKNOWN', `topic ${topic} does not exist or has no partitions: ${(cause as Error).message}`, { cause });
    }
  }

  /**
   * kafkajs has no assign(): a throwaway consumer group (never committed) subscribes from the
   * earliest offset, pauses partitions it was not asked for, and stops once every asked partition
   * has reached its end offset as of the call.
   */
  async readPartitions(
    topic: string,
    partitions: readonly number[],
    onMessages: (messages: readonly ConsumedMessage[]) => void,
    options: { timeoutMs?: number } = {},
  ): Promise<void> {
    const admin = await this.admin();
    const offsets = await fetchTopicOffsetsRetrying(admin, topic).catch((cause: unknown) => {
      if (cause instanceof SluiceError) throw cause;
      throw new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', `reading offsets of ${topic} failed: ${(cause as Error).message}`, { cause });
    });
    const ends = new Map<number, bigint>();
    for (const o of offsets) {
      if (partitions.includes(o.partition) && BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high));
    }
    if (ends.size === 0) return;
    const groupId = `${this.config.clientId}-restore-${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: this.config.sessionTimeoutMs,
      heartbeatInterval: this.config.heartbeatIntervalMs,
      maxWaitTimeInMs: this.config.maxWaitTimeMs,
      maxBytesPerPartition: this.config.maxBytesPerPartition,
      maxBytes: this.config.maxBytesPerFetch,
      allowAutoTopicCreation: false,
    });
    this.instrument('consumer', consumer);
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new SluiceError('SLUICE_ERR_STATE_RESTORE', `reading ${topic} partitions ${[...ends.keys()].join(',')} did not finish within ${timeoutMs} ms`)),
          timeoutMs,
        );
        consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
        void consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const end = ends.get(batch.partition);
              if (end === undefined) {
                consumer.pause([{ topic, partitions: [batch.partition] }]);
                return;
              }
              const messages: ConsumedMessage[] = [];
              for (const m of batch.messages) {
                if (BigInt(m.offset) >= end) break;
                messages.push(toConsumed(topic, batch.partition, m));
              }
              if (messages.length) onMessages(messages);
              const last = batch.messages.at(-1);
              // Compaction can leave gaps, so the batch's high watermark also tells when the end is reached.
              const reached = (last && BigInt(last.offset) + 1n >= end) || BigInt(batch.highWatermark) <= BigInt(batch.lastOffset()) + 1n;
              if (reached) {
                ends.delete(batch.partition);
                consumer.pause([{ topic, partitions: [batch.partition] }]);
                if (ends.size === 0) resolve();
              }
            },
          })
          .catch(reject);
      });
    } catch (cause) {
      if (cause instanceof SluiceError) throw cause;
      throw new SluiceError('SLUICE_ERR_STATE_RESTORE', `reading ${topic} failed: ${(cause as Error).message}`, { cause });
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
    }
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => {});
    const admin = this.adminClient;
    this.adminClient = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => {});
  }
}

type TopicPartitionOffset = { topic: string; partition: number; offset: string };

class KafkaGroupConsumer implements Consumer {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;
  private stopped = false;
  /** Commits of the partitions in flight, merged into one OffsetCommit request (commitLingerMs > 0). */
  private readonly commits: Coalescer<TopicPartitionOffset> | undefined;

  constructor(
    private readonly consumer: KafkaConsumer,
    private readonly concurrency: number,
    private readonly heartbeatMs: number,
    private readonly topics: readonly string[],
    commitLingerMs = 0,
  ) {
    if (commitLingerMs > 0) {
      this.commits = new Coalescer<TopicPartitionOffset>({ lingerMs: commitLingerMs, maxBytes: Number.POSITIVE_INFINITY, size: () => 1, flush: (offsets) => consumer.commitOffsets([...offsets]) });
    }
    this.done = new Promise<void>((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    this.done.catch(() => {});
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.rejectDone(e.payload.error);
    });
  }

  async run(handler: BatchHandler): Promise<void> {
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages: ConsumedMessage[] = batch.messages.map((m) => toConsumed(batch.topic, batch.partition, m));
        // kafkajs heartbeats only when asked: keep the group session alive while sinks retry.
        const beat = setInterval(() => void heartbeat().catch(() => {}), this.heartbeatMs);
        try {
          await handler({ topic: batch.topic, partition: batch.partition, messages, highWatermark: batch.highWatermark });
        } finally {
          clearInterval(beat);
        }
        const last = batch.messages[batch.messages.length - 1]!.offset;
        try {
          const commit = { topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) };
          await (this.commits ? this.commits.submit(commit) : this.consumer.commitOffsets([commit]));
        } catch (err) {
          // The group moved on while the batch ran (a member joined or left): the commit is refused
          // and the batch will be delivered again to the partition's next owner, whose state skips
          // what the changelog already reflects. Not a reason to crash the consumer.
          if (isRebalanceError(err)) return;
          throw err;
        }
        resolveOffset(last);
        await heartbeat().catch((err: unknown) => {
          if (!isRebalanceError(err)) throw err;
        });
      },
    });
  }

  pause(): void {
    this.consumer.pause(this.topics.map((topic) => ({ topic })));
  }

  resume(): void {
    this.consumer.resume(this.topics.map((topic) => ({ topic })));
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.done;
    this.stopped = true;
    await this.consumer.disconnect();
    this.resolveDone();
  }
}

/**
 * kafkajs' fetchTopicOffsets throws a bare TypeError ("high.pop() is undefined") when the cluster's
 * metadata momentarily lists no partition leaders for the topic (right after it is created, or
 * while a leader moves). That is transient: retry it a few times, then report it as the topic
 * being unavailable instead of leaking the TypeError.
 */
export async function fetchTopicOffsetsRetrying(admin: Pick<Admin, 'fetchTopicOffsets'>, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (cause) {
      if (!(cause instanceof TypeError)) throw cause;
      if (attempt >= ENDOFFSET_ATTEMPTS) {
        throw new SluiceError('SLUICE_ERR_TRANSPORT_UNAVAILABLE', `cannot read the end offsets of ${topic}: no partition leaders in the metadata after ${attempt} attempts`, { cause });
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
