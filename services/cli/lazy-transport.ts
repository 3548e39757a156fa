import type { KafkaTransportConfig } from '../transports/kafka/transport.ts';
import type { Logger } from '../core/logger.ts';
import type { ConsumedMessage, Consumer, ConsumerOptions, PartitionOffsets, Producer, Transport } from '../core/transport.ts';

/**
 * The Kafka transport, its module (kafkajs and its client) imported on first use: a command that
 * runs on the embedded log, or never opens a transport, does not load it. Every Transport method
 * is asynchronous, so the first one awaits the import and the construction (whose errors, such
 * as an unpatched kafkajs or bad security settings, surface there); close() before any use
 * opens nothing.
 */
export class LazyKafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  private inner: Promise<Transport> | undefined;

  constructor(
    private readonly config: KafkaTransportConfig,
    private readonly logger: Logger,
  ) {}

  private transport(): Promise<Transport> {
    this.inner ??= import('../transports/kafka/transport.ts').then(({ KafkaTransport }) => new KafkaTransport(this.config, this.logger));
    return this.inner;
  }

  async producer(): Promise<Producer> {
    return (await this.transport()).producer();
  }

  async consumer(options: ConsumerOptions): Promise<Consumer> {
    return (await this.transport()).consumer(options);
  }

  async endOffsets(topic: string): Promise<PartitionOffsets> {
    return (await this.transport()).endOffsets(topic);
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets> {
    return (await this.transport()).committedOffsets(groupId, topic);
  }

  async readPartitions(topic: string, partitions: readonly number[], onMessages: (messages: readonly ConsumedMessage[]) => void, options?: { timeoutMs?: number }): Promise<void> {
    return (await this.transport()).readPartitions(topic, partitions, onMessages, options);
  }

  async partitionCount(topic: string): Promise<number> {
    return (await this.transport()).partitionCount(topic);
  }

  /** Closes the transport if it was opened; one whose construction failed has nothing to close. */
  async close(): Promise<void> {
    if (!this.inner) return;
    const transport = await this.inner.catch(() => undefined);
    await transport?.close();
  }
}
