import { SpanKind, type Attributes, type Context as TraceContext, type Span } from '@opentelemetry/api';
import type { AvroCodec } from '../core/avro/codec.ts';
import type { FindingSink, RejectedRecord } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import type { DeadLetterWriter } from '../core/dead-letter.ts';
import { partitionForKey } from '../core/partitioner.ts';
import { SluiceError, type ErrorCode } from '../core/errors.ts';
import { SCHEMA_NAMES, type ApiActivity, type Finding } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import { componentLabels, type ComponentLabels, type LagReading } from '../core/metrics.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { ConsumedBatch, Consumer, Transport } from '../core/transport.ts';
import { InstrumentedSink } from './runtime/instrumented-sink.ts';
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
  telemetry: Telemetry;
}

/**
 * The processor role: a consumer group over the activity topic. Each partition batch is decoded,
 * run through the detectors on the worker pool, written to every sink, and only then committed.
 * A sink failure fails the batch (no commit; it is redelivered); a bad record is dead-lettered
 * and the batch goes on. Each batch is a `sluice.process_batch` span continuing the trace carried
 * by its messages' headers, with decode, detect and per-sink write spans under it.
 */
export class ProcessorService {
  readonly stats: ProcessorStats = { eventsIn: 0, findingsOut: 0, deadLettered: 0, batches: 0 };
  readonly labels: ComponentLabels = componentLabels('processor', 'processor');
  private consumer: Consumer | undefined;
  /** The sinks, each wrapped to be traced, counted and timed. */
  private readonly sinks: readonly InstrumentedSink[];
  /** Lag per topic/partition after the last batch handled here (sluice_consumer_lag). */
  private readonly lag = new Map<string, LagReading>();
  private unobserveLag: (() => void) | undefined;

  constructor(private readonly deps: ProcessorDeps) {
    this.sinks = deps.sinks.map((sink) => new InstrumentedSink(sink, deps.telemetry));
  }

  get groupId(): string {
    return this.deps.config.processor.groupId;
  }

  get topics(): string[] {
    return [this.deps.config.topics.activity];
  }

  async start(): Promise<Consumer> {
    for (const sink of this.sinks) await sink.start();
    this.unobserveLag ??= this.deps.telemetry.metrics.observeLag(this.labels, () => this.lag.values());
    const consumer = await this.deps.transport.consumer({ groupId: this.groupId, topics: this.topics, fromBeginning: true });
    this.consumer = consumer;
    await consumer.run((batch) => this.handleBatch(batch));
    return consumer;
  }

  async handleBatch(batch: ConsumedBatch): Promise<void> {
    const { telemetry } = this.deps;
    const { metrics } = telemetry;
    const started = performance.now();
    metrics.received(this.labels, batch.messages.length);
    const { parent, links } = telemetry.extractBatch(batch.messages);
    const options = { kind: SpanKind.CONSUMER, links, attributes: this.batchAttributes(batch) };
    try {
      await telemetry.inSpan('sluice.process_batch', parent, options, (span, context) => this.process(batch, span, context));
    } catch (err) {
      if (err instanceof SluiceError && err.code === 'SLUICE_ERR_WORKER_EXITED') metrics.error(this.labels, 'detector_failed', 'processing');
      else metrics.error(this.labels, 'writer_failed', 'sending');
      throw err;
    } finally {
      metrics.batchSeconds(this.labels, (performance.now() - started) / 1000);
    }
  }

  private async process(batch: ConsumedBatch, span: Span, context: TraceContext): Promise<void> {
    const { telemetry } = this.deps;
    const rejects: RejectedRecord[] = [];
    const decoded = await telemetry.inSpan('sluice.decode', context, {}, async (s) => {
      const out = await this.decode(batch, rejects);
      s.setAttributes({ 'sluice.events': out.events.length, 'sluice.dead_lettered': rejects.length });
      return out;
    });
    const findings = await telemetry.inSpan('sluice.detect', context, { attributes: { 'sluice.events': decoded.events.length } }, async (s) => {
      const before = rejects.length;
      const out = await this.detect(decoded.events, decoded.positions, rejects);
      s.setAttributes({ 'sluice.findings': out.length, 'sluice.dead_lettered': rejects.length - before });
      return out;
    });

    // Every sink and the dead-letter topic must acknowledge before the batch is committed. A sink
    // that refuses findings for good (a non-retriable error) gets them dead-lettered instead, so
    // one unstorable finding cannot block its partition; a retriable failure fails the batch.
    const sinkRejects = (await Promise.all(this.sinks.map((s) => this.writeSink(s, findings, context)))).flat();
    rejects.push(...sinkRejects);
    const traceHeaders = rejects.length ? telemetry.inject(context) : {};
    await this.deps.deadLetters.write(rejects, traceHeaders);
    span.setAttributes({ 'sluice.findings': findings.length, 'sluice.dead_lettered': rejects.length });
    this.stats.batches++;
    this.stats.eventsIn += batch.messages.length;
    this.stats.findingsOut += findings.length;
    this.stats.deadLettered += rejects.length;
    telemetry.metrics.sent(this.labels, findings.length);
    this.countRejects(rejects);
    this.recordLag(batch);
  }

  /**
   * Writes to one sink. A non-retriable refusal dead-letters what the sink could not take: the
   * findings its error names in `details.invalid` (then the rest is written again), else all of them.
   */
  private async writeSink(sink: FindingSink, findings: readonly Finding[], context: TraceContext): Promise<RejectedRecord[]> {
    try {
      await sink.write(findings, { context });
      return [];
    } catch (err) {
      // Only a sink's own verdict that the data can never be stored is dead-lettered; anything
      // else (retriable, or an unknown error) fails the batch so it is redelivered, never lost.
      if (!(err instanceof SluiceError) || err.retriable) throw err;
      const named = Array.isArray(err.details.invalid) ? (err.details.invalid as Array<{ id: string; reason: string }>) : [];
      const refused = named.length ? new Map(named.map((i) => [i.id, i.reason])) : new Map(findings.map((f) => [f.id, (err as Error).message]));
      const rest = findings.filter((f) => !refused.has(f.id));
      if (named.length && rest.length) await sink.write(rest, { context });
      const code: ErrorCode = err.code;
      return findings
        .filter((f) => refused.has(f.id))
        .map((f) => ({
          kind: 'dead_letter' as const,
          stage: 'sink' as const,
          source: sink.name,
          position: `finding ${f.id}`,
          reasonCode: code,
          reason: refused.get(f.id)!,
          raw: Buffer.from(JSON.stringify(f)),
        }));
    }
  }

  /** A dead-lettered record is an error (decode or detect) and a discarded event, by reason code. */
  private countRejects(rejects: readonly RejectedRecord[]): void {
    const counts = new Map<string, { stage: RejectedRecord['stage']; code: string; n: number }>();
    for (const r of rejects) {
      const key = `${r.stage}/${r.reasonCode}`;
      const c = counts.get(key);
      if (c) c.n++;
      else counts.set(key, { stage: r.stage, code: r.reasonCode, n: 1 });
    }
    const { metrics } = this.deps.telemetry;
    for (const { stage, code, n } of counts.values()) {
      metrics.error(this.labels, stage === 'decode' ? 'decoder_failed' : 'detector_failed', 'processing', n);
      metrics.discarded(this.labels, code, n);
    }
  }

  private async decode(batch: ConsumedBatch, rejects: RejectedRecord[]): Promise<{ events: ProcessBatchRequest['events']; positions: string[] }> {
    const events: ProcessBatchRequest['events'] = [];
    const positions: string[] = [];
    for (const m of batch.messages) {
      const position = `${batch.topic}/${batch.partition}@${m.offset}`;
      try {
        const { value } = await this.deps.codec.decode<ApiActivity>(m.value, SCHEMA_NAMES.apiActivity);
        events.push({ event: value, meta: { key: m.key ?? '', topic: batch.topic, partition: batch.partition, offset: m.offset } });
        positions.push(position);
      } catch (err) {
        // A registry outage is not the record's fault: fail the batch so it is redelivered.
        if (err instanceof SluiceError && err.retriable) throw err;
        rejects.push(reject('decode', position, err, m.value));
      }
    }
    return { events, positions };
  }

  /**
   * Runs the detectors on the pool. Events are grouped by state shard (murmur2 of the key), keeping
   * their order; each shard's events go, in chunks of maxBatchSize and one chunk after another, to
   * the thread that owns the shard, while different shards run in parallel. A detector failure
   * rejects its event only.
   */
  private async detect(events: ProcessBatchRequest['events'], positions: readonly string[], rejects: RejectedRecord[]): Promise<Finding[]> {
    const shards = this.deps.config.processor.stateShards;
    const size = this.deps.config.processor.maxBatchSize;
    const byShard = new Map<number, number[]>();
    events.forEach((e, i) => {
      const shard = partitionForKey(e.meta.key, shards);
      let list = byShard.get(shard);
      if (!list) byShard.set(shard, (list = []));
      list.push(i);
    });
    const findingsByShard = await Promise.all(
      [...byShard].map(async ([shard, indexes]) => {
        const found: Finding[] = [];
        for (let start = 0; start < indexes.length; start += size) {
          const chunk = indexes.slice(start, start + size);
          const result = await this.deps.pool.process(shard, chunk.map((i) => events[i]!));
          found.push(...result.findings);
          for (const f of result.failures) {
            const i = chunk[f.index]!;
            const error = new SluiceError('SLUICE_ERR_DETECTOR_FAILED', `${f.detector}: ${f.error.message}`);
            rejects.push(reject('detect', positions[i]!, error, Buffer.from(JSON.stringify(events[i]!.event))));
          }
        }
        return found;
      }),
    );
    return findingsByShard.flat();
  }

  private batchAttributes(batch: ConsumedBatch): Attributes {
    return {
      'messaging.system': this.deps.transport.kind === 'kafka' ? 'kafka' : 'sluice_embedded',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': this.groupId,
      'messaging.destination.name': batch.topic,
      'messaging.destination.partition.id': String(batch.partition),
      'messaging.batch.message_count': batch.messages.length,
      'sluice.offset.first': batch.messages[0]?.offset ?? '',
      'sluice.offset.last': batch.messages.at(-1)?.offset ?? '',
    };
  }

  /** The lag once this batch is committed: high watermark at fetch - (last offset + 1). */
  private recordLag(batch: ConsumedBatch): void {
    const last = batch.messages.at(-1);
    if (batch.highWatermark === undefined || !last) return;
    const lag = BigInt(batch.highWatermark) - (BigInt(last.offset) + 1n);
    this.lag.set(`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, lag: lag > 0n ? Number(lag) : 0 });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    for (const sink of this.sinks) await sink.close();
    this.unobserveLag?.();
    this.unobserveLag = undefined;
  }
}

function reject(stage: 'decode' | 'detect', position: string, err: unknown, raw: Buffer): RejectedRecord {
  const code: ErrorCode = err instanceof SluiceError ? err.code : 'SLUICE_ERR_DETECTOR_FAILED';
  return { kind: 'dead_letter', stage, source: 'processor', position, reasonCode: code, reason: (err as Error).message, raw };
}
