/**
 * One interface over Kafka (kafkajs) and the embedded in-process log: topics, partitions,
 * keyed partitioning, offsets and consumer groups. Offsets are strings, as in Kafka clients.
 */

export type Headers = Record<string, string>;

export interface OutgoingMessage {
  /** Partition key; messages with the same key go to the same partition, in order. */
  key: string;
  /** null is a tombstone: on a compacted topic it deletes the key. */
  value: Buffer | null;
  headers?: Headers;
  /** Explicit partition, overriding the key's (state changelogs are co-partitioned with their input). */
  partition?: number;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Empty for a tombstone (a null value on the wire). */
  value: Buffer;
  /** True when the record is a tombstone (null value). */
  tombstone?: boolean;
  headers: Headers;
  timestamp: number;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
  /**
   * The partition's high watermark (next offset to be written) when the batch was fetched, if the
   * transport knows it cheaply: high watermark - (last offset + 1) is the lag once the batch commits.
   */
  highWatermark?: string;
}

export interface Producer {
  /** Resolves once every message is acknowledged by the log. */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group with no committed offset starts. Default: earliest. */
  fromBeginning?: boolean;
  /**
   * Called with this member's whole assignment each time it changes (join, rebalance), before any
   * batch of a newly assigned partition is handed to the handler.
   */
  onAssignment?: (assignment: readonly TopicPartition[]) => void;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * The handler is called with one partition's batch at a time, in offset order per partition.
 * When it resolves, the offset after the batch's last message is committed for the group;
 * when it rejects, nothing is committed and the consumer stops with that error.
 */
export type BatchHandler = (batch: ConsumedBatch) => Promise<void>;

export interface Consumer {
  run(handler: BatchHandler): Promise<void>;
  /** Stops fetching, waits for the batch in flight and its commit, and leaves the group. */
  stop(): Promise<void>;
  /** Stops fetching new batches for every assigned partition (backpressure); batches in flight go on. */
  pause(): void;
  /** Undoes pause(). */
  resume(): void;
  /** Resolves when run() ends: after stop(), or rejects on a fatal error. */
  readonly done: Promise<void>;
}

export type PartitionOffsets = Map<number, bigint>;

export interface Transport {
  readonly kind: 'embedded' | 'kafka';
  producer(): Promise<Producer>;
  consumer(options: ConsumerOptions): Promise<Consumer>;
  /** Next offset to be written, per partition (the high watermark). */
  endOffsets(topic: string): Promise<PartitionOffsets>;
  /** Offsets committed by a group, per partition; partitions without a commit are absent. */
  committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets>;
  /**
   * Reads the given partitions of a topic from their earliest offset up to their end as of the
   * call, without a consumer group commit, handing over messages in offset order per partition.
   * Used to restore state from changelog topics. Fails with a retriable error after timeoutMs.
   */
  readPartitions(
    topic: string,
    partitions: readonly number[],
    onMessages: (messages: readonly ConsumedMessage[]) => void,
    options?: { timeoutMs?: number },
  ): Promise<void>;
  /** Number of partitions of a topic; throws SLUICE_ERR_TRANSPORT_TOPIC_UNKNOWN when it does not exist. */
  partitionCount(topic: string): Promise<number>;
  close(): Promise<void>;
}

/** True when a group has committed every partition of a topic up to its end. */
export async function isCaughtUp(transport: Transport, groupId: string, topic: string): Promise<boolean> {
  const [end, committed] = await Promise.all([transport.endOffsets(topic), transport.committedOffsets(groupId, topic)]);
  for (const [partition, high] of end) {
    if (high === 0n) continue;
    if ((committed.get(partition) ?? 0n) < high) return false;
  }
  return true;
}
