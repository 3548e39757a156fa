import { partitionForKey } from '../../core/partitioner.ts';
import { SluiceError } from '../../core/errors.ts';
import type {
  BatchHandler,
  ConsumedMessage,
  Consumer,
  ConsumerOptions,
  OutgoingMessage,
  PartitionOffsets,
  Producer,
  Transport,
} from '../../core/transport.ts';
import type { Clock } from '../../core/clock.ts';

/**
 * The embedded log: an in-process partitioned log with Kafka's semantics where Sluice relies on
 * them — keyed partitioning (same murmur2 as Kafka), per-partition order, offsets, consumer groups
 * that split partitions between members, and commits. It keeps everything in memory: it serves
 * one-process runs (`sluice run` without Kafka) and fast unit tests, not durability.
 */
export interface EmbeddedLogOptions {
  /** Partitions of a topic created on first use. */
  partitions: number;
  maxBatchSize?: number;
  clock: Clock;
}

interface Group {
  members: Set<EmbeddedConsumer>;
  committed: Map<string, Map<number, bigint>>;
  /** partition key `${topic}/${p}` -> member currently processing it */
  busy: Map<string, EmbeddedConsumer>;
}

export class EmbeddedLog implements Transport {
  readonly kind = 'embedded' as const;
  private readonly topics = new Map<string, ConsumedMessage[][]>();
  private readonly groups = new Map<string, Group>();
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: EmbeddedLogOptions) {}

  createTopic(topic: string, partitions = this.options.partitions): void {
    if (!this.topics.has(topic)) this.topics.set(topic, Array.from({ length: partitions }, () => []));
  }

  private partitionsOf(topic: string): ConsumedMessage[][] {
    this.createTopic(topic);
    return this.topics.get(topic)!;
  }

  append(topic: string, messages: readonly OutgoingMessage[]): void {
    if (this.closed) throw new SluiceError('SLUICE_ERR_RUNTIME_SHUTDOWN', 'embedded log is closed');
    const parts = this.partitionsOf(topic);
    const now = this.options.clock.now();
    for (const m of messages) {
      const partition = m.partition ?? partitionForKey(m.key, parts.length);
      const log = parts[partition];
      if (!log) throw new SluiceError('SLUICE_ERR_TRANSPORT_TOPIC_UNKNOWN', `${topic} has no partition ${partition}`);
      log.push({
        topic,
        partition,
        offset: String(log.length),
        key: m.key,
        value: m.value ?? Buffer.alloc(0),
        ...(m.value === null ? { tombstone: true } : {}),
        headers: { ...(m.headers ?? {}) },
        timestamp: now,
      });
    }
    this.wake();
  }

  /** Reads a partition from an offset, for tests and tools. */
  read(topic: string, partition: number, from = 0, max = Number.MAX_SAFE_INTEGER): ConsumedMessage[] {
    return (this.partitionsOf(topic)[partition] ?? []).slice(from, from + max);
  }

  /** Next offset to be written to a partition. */
  highWatermark(topic: string, partition: number): number {
    return this.partitionsOf(topic)[partition]?.length ?? 0;
  }

  readAll(topic: string): ConsumedMessage[] {
    return this.partitionsOf(topic).flat();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves on the next append, commit or membership change (or after ms). */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  group(groupId: string): Group {
    let g = this.groups.get(groupId);
    if (!g) {
      g = { members: new Set(), committed: new Map(), busy: new Map() };
      this.groups.set(groupId, g);
    }
    return g;
  }

  /** Range-free round-robin assignment of topic-partitions over the sorted members. */
  assignment(groupId: string, member: EmbeddedConsumer): Array<{ topic: string; partition: number }> {
    const g = this.group(groupId);
    const members = [...g.members].sort((a, b) => a.memberId - b.memberId);
    const index = members.indexOf(member);
    if (index < 0) return [];
    const all: Array<{ topic: string; partition: number }> = [];
    for (const topic of [...member.topics].sort()) {
      const n = this.partitionsOf(topic).length;
      for (let p = 0; p < n; p++) all.push({ topic, partition: p });
    }
    return all.filter((_, i) => i % members.length === index);
  }

  commit(groupId: string, topic: string, partition: number, offset: bigint): void {
    const g = this.group(groupId);
    let t = g.committed.get(topic);
    if (!t) g.committed.set(topic, (t = new Map()));
    if ((t.get(partition) ?? -1n) < offset) t.set(partition, offset);
    this.wake();
  }

  async producer(): Promise<Producer> {
    return {
      send: async (topic, messages) => this.append(topic, messages),
      close: async () => {},
    };
  }

  private nextMemberId = 1;

  async consumer(options: ConsumerOptions): Promise<Consumer> {
    for (const t of options.topics) this.createTopic(t);
    return new EmbeddedConsumer(this, options, this.nextMemberId++, this.options.maxBatchSize ?? 1000);
  }

  async endOffsets(topic: string): Promise<PartitionOffsets> {
    return new Map(this.partitionsOf(topic).map((log, p) => [p, BigInt(log.length)]));
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets> {
    return new Map(this.group(groupId).committed.get(topic) ?? []);
  }

  async readPartitions(topic: string, partitions: readonly number[], onMessages: (messages: readonly ConsumedMessage[]) => void): Promise<void> {
    const parts = this.partitionsOf(topic);
    for (const p of partitions) {
      const log = parts[p];
      if (log?.length) onMessages(log.slice());
    }
  }

  async partitionCount(topic: string): Promise<number> {
    return this.partitionsOf(topic).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

class EmbeddedConsumer implements Consumer {
  readonly topics: readonly string[];
  private stopping = false;
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;
  readonly done: Promise<void>;
  private started = false;

  constructor(
    private readonly log: EmbeddedLog,
    private readonly options: ConsumerOptions,
    readonly memberId: number,
    private readonly maxBatchSize: number,
  ) {
    this.topics = options.topics;
    this.done = new Promise<void>((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    // A stopped consumer's done promise may never be awaited by callers that only call stop().
    this.done.catch(() => {});
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.started) throw new Error('consumer already running');
    this.started = true;
    const group = this.log.group(this.options.groupId);
    group.members.add(this);
    void this.loop(handler, group).then(
      () => this.resolveDone(),
      (e: unknown) => this.rejectDone(e),
    );
  }

  private lastAssignment = '';
  private paused = false;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  private async loop(handler: BatchHandler, group: Group): Promise<void> {
    try {
      while (!this.stopping && !this.log.isClosed) {
        let worked = false;
        const assignment = this.log.assignment(this.options.groupId, this);
        const signature = assignment.map((a) => `${a.topic}/${a.partition}`).join(',');
        if (signature !== this.lastAssignment) {
          this.lastAssignment = signature;
          this.options.onAssignment?.(assignment);
        }
        for (const { topic, partition } of this.paused ? [] : assignment) {
          if (this.log.assignment(this.options.groupId, this).every((a) => a.topic !== topic || a.partition !== partition)) break;
          if (this.stopping) break;
          const busyKey = `${topic}/${partition}`;
          const holder = group.busy.get(busyKey);
          if (holder && holder !== this) continue;
          const committed = group.committed.get(topic)?.get(partition) ?? 0n;
          const highWatermark = String(this.log.highWatermark(topic, partition));
          const messages = this.log.read(topic, partition, Number(committed), this.maxBatchSize);
          if (messages.length === 0) continue;
          group.busy.set(busyKey, this);
          try {
            await handler({ topic, partition, messages, highWatermark });
            this.log.commit(this.options.groupId, topic, partition, BigInt(messages[messages.length - 1]!.offset) + 1n);
          } finally {
            group.busy.delete(busyKey);
          }
          worked = true;
        }
        if (!worked) await this.log.waitForChange(50);
      }
    } finally {
      group.members.delete(this);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.started) {
      this.resolveDone();
      return;
    }
    await this.done.catch(() => {});
  }
}
