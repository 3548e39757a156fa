import type { AvroCodec } from '../core/avro/codec.ts';
import type { FindingSink, RejectedRecord } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import type { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError, type ErrorCode } from '../core/errors.ts';
import { SCHEMA_NAMES, type ApiActivity, type Finding } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { ConsumedBatch, Consumer, Transport } from '../core/transport.ts';
import type { DetectorPool } from './runtime/pool.ts';
import type { ProcessBatchRequest } from './runtime/protocol.ts';

export interface ProcessorStats {
  eventsIn: number;
  findingsOut: number;
  deadLettered: number;
  batches: number;
}

export interface ProcessorDeps {
  transport: Transport;
  codec: AvroCodec;
  pool: DetectorPool;
  sinks: readonly FindingSink[];
  deadLetters: DeadLetterWriter;
  config: SluiceConfig;
  logger: Logger;
}

/**
 * The processor role: a consumer group over the activity topic. Each partition batch is decoded,
 * run through the detectors on the worker pool, written to every sink, and only then committed.
 * A sink failure fails the batch (no commit; it is redelivered); a bad record is dead-lettered
 * and the batch goes on.
 */
export class ProcessorService {
  readonly stats: ProcessorStats = { eventsIn: 0, findingsOut: 0, deadLettered: 0, batches: 0 };
  private consumer: Consumer | undefined;

  constructor(private readonly deps: ProcessorDeps) {}

  get groupId(): string {
    return this.deps.config.processor.groupId;
  }

  get topics(): string[] {
    return [this.deps.config.topics.activity];
  }

  async start(): Promise<Consumer> {
    for (const sink of this.deps.sinks) await sink.start();
    const consumer = await this.deps.transport.consumer({ groupId: this.groupId, topics: this.topics, fromBeginning: true });
    this.consumer = consumer;
    await consumer.run((batch) => this.handleBatch(batch));
    return consumer;
  }

  async handleBatch(batch: ConsumedBatch): Promise<void> {
    const rejects: RejectedRecord[] = [];
    const events: ProcessBatchRequest['events'] = [];
    const positions: string[] = [];
    for (const m of batch.messages) {
      const position = `${batch.topic}/${batch.partition}@${m.offset}`;
      try {
        const { value } = await this.deps.codec.decode<ApiActivity>(m.value, SCHEMA_NAMES.apiActivity);
        events.push({ event: value, meta: { key: m.key ?? '', topic: batch.topic, partition: batch.partition, offset: m.offset } });
        positions.push(position);
      } catch (err) {
        rejects.push(reject('decode', position, err, m.value));
      }
    }

    const findings: Finding[] = [];
    const size = this.deps.config.processor.maxBatchSize;
    const chunks: Array<ProcessBatchRequest['events']> = [];
    for (let i = 0; i < events.length; i += size) chunks.push(events.slice(i, i + size));
    const results = await Promise.all(chunks.map((chunk) => this.deps.pool.process(chunk)));
    results.forEach((result, c) => {
      findings.push(...result.findings);
      for (const f of result.failures) {
        const i = c * size + f.index;
        const ev = events[i]!;
        rejects.push(reject('detect', positions[i]!, new SluiceError('SLUICE_ERR_DETECTOR_FAILED', `${f.detector}: ${f.error.message}`), Buffer.from(JSON.stringify(ev.event))));
      }
    });

    // Every sink and the dead-letter topic must acknowledge before the batch is committed.
    await Promise.all([...this.deps.sinks.map((s) => s.write(findings)), this.deps.deadLetters.write(rejects)]);
    this.stats.batches++;
    this.stats.eventsIn += batch.messages.length;
    this.stats.findingsOut += findings.length;
    this.stats.deadLettered += rejects.length;
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    for (const sink of this.deps.sinks) await sink.close();
  }
}

function reject(stage: 'decode' | 'detect', position: string, err: unknown, raw: Buffer): RejectedRecord {
  const code: ErrorCode = err instanceof SluiceError ? err.code : 'SLUICE_ERR_DETECTOR_FAILED';
  return { kind: 'dead_letter', stage, source: 'processor', position, reasonCode: code, reason: (err as Error).message, raw };
}
