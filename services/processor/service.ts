import { randomUUID } from 'node:crypto';
import { SpanKind, type Attributes, type Context as TraceContext, type Span } from '@opentelemetry/api';
import { outputSignatureHeaders } from './output-signing.ts';
import type { AvroCodec } from '../core/avro/codec.ts';
import type { AvroType } from '../core/avro/registry.ts';
import { MAGIC_BYTE } from '../core/avro/wire.ts';
import type { EventMeta, FindingSink, RejectedRecord, SideOutput } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import { CONTENT_STREAMS, deadLetterEvent, deadLetterPayload, type DeadLetterWriter } from '../core/dead-letter.ts';
import { deserializeError, SluiceError, type ErrorCode } from '../core/errors.ts';
import type { Finding } from '../core/events.ts';
import { STREAMS, topicFor, type StreamEvents, type StreamName } from '../core/streams.ts';
import type { Logger } from '../core/logger.ts';
import { componentLabels, type ComponentLabels, type LagReading } from '../core/metrics.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { ConsumedBatch, Consumer, OutgoingMessage, Producer, Transport } from '../core/transport.ts';
import { InstrumentedSink } from './runtime/instrumented-sink.ts';
import { isFinalRefusal, isolateRefused, isRecordTooLarge, writeIsolatingRefused } from './runtime/isolate-refused.ts';
import type { BatchInput, DetectorPool } from './runtime/pool.ts';
import { cachedSchemaText, PendingEvent } from './runtime/encoded-events.ts';
import type { PackedState } from './runtime/protocol.ts';
import type { StateManager } from './runtime/state-manager.ts';

export interface ProcessorStats {
  eventsIn: number;
  findingsOut: number;
  deadLettered: number;
  batches: number;
  /** Retried steps (decode, restore, detect, sink and topic writes). */
  retries: number;
  /** Detector runs skipped because the state already reflected the event (replays). */
  skipped: number;
  /** Seconds spent in each step of the batches handled so far, summed (sluice_batch_stage_duration_seconds). */
  stageSeconds: Record<BatchStage, number>;
}

/** The steps of a partition batch, in order; the commit follows in the transport. */
export const BATCH_STAGES = ['decode', 'detect', 'sinks', 'side_outputs', 'dead_letters', 'changelog'] as const;
export type BatchStage = (typeof BATCH_STAGES)[number];

export interface ProcessorDeps {
  transport: Transport;
  codec: AvroCodec;
  pool: DetectorPool;
  state: StateManager;
  /** Producer for side outputs (actions, enforcement). */
  producer: Producer;
  sinks: readonly FindingSink[];
  deadLetters: DeadLetterWriter;
  config: SluiceConfig;
  logger: Logger;
  telemetry: Telemetry;
  /** The input streams: those of the enabled detectors. */
  streams: readonly StreamName[];
  /** Enabled detectors that take control messages; when any, the control topic is read. */
  controlled?: readonly string[];
}

type DecodedEvent = { event: StreamEvents[StreamName]; meta: EventMeta };

interface Detected {
  findings: Finding[];
  outputs: SideOutput[];
  changes: PackedState[];
}

/**
 * The processor role: a consumer group over the input topics of the enabled detectors. Each
 * partition batch is decoded, run through the detectors on the worker pool at the current state
 * epoch, and delivered: findings to every sink and side outputs to their topics (at once), then
 * rejects to the dead-letter topic, then state changes to the changelogs; only then is it committed.
 * Retriable failures are retried in place with backoff (a stale or crashed worker restores state
 * and re-detects; a failed write retries only the writes not yet acknowledged) up to
 * processor.retryTimeoutMs. Each batch is a `sluice.process_batch` span continuing the trace
 * carried by its messages' headers, with decode, detect and per-sink write spans under it.
 */
export class ProcessorService {
  readonly stats: ProcessorStats = { eventsIn: 0, findingsOut: 0, deadLettered: 0, batches: 0, retries: 0, skipped: 0, stageSeconds: Object.fromEntries(BATCH_STAGES.map((s) => [s, 0])) as Record<BatchStage, number> };
  readonly labels: ComponentLabels = componentLabels('processor', 'processor');
  private consumer: Consumer | undefined;
  /** The sinks, each wrapped to be traced, counted and timed. */
  private readonly sinks: readonly InstrumentedSink[];
  /** Lag per topic/partition after the last batch handled here (sluice_consumer_lag). */
  private readonly lag = new Map<string, LagReading>();
  private unobserveLag: (() => void) | undefined;
  private readonly streamOfTopic: Map<string, StreamName>;
  private stopping = false;
  private stateTimer: NodeJS.Timeout | undefined;
  private controlConsumer: Consumer | undefined;
  /** The control table: latest message per (detector, record key), in arrival order. */
  private readonly controlTable = new Map<string, { detector: string; value: unknown }>();
  private maintenanceTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ProcessorDeps) {
    this.sinks = deps.sinks.map((sink) => new InstrumentedSink(sink, deps.telemetry));
    this.streamOfTopic = new Map(deps.streams.map((s) => [topicFor(s, deps.config.topics), s]));
  }

  get groupId(): string {
    return this.deps.config.processor.groupId;
  }

  get topics(): string[] {
    return [...this.streamOfTopic.keys()];
  }

  async start(): Promise<Consumer> {
    for (const sink of this.sinks) await sink.start();
    await this.deps.state.validate();
    this.unobserveLag ??= this.deps.telemetry.metrics.observeLag(this.labels, () => this.lag.values());
    const consumer = await this.deps.transport.consumer({
      groupId: this.groupId,
      topics: this.topics,
      fromBeginning: true,
      onAssignment: (a) => this.deps.state.setAssignment(a),
    });
    this.consumer = consumer;
    this.deps.pool.onSaturation((full) => (full ? consumer.pause() : consumer.resume()));
    if (this.deps.controlled?.length) {
      await this.startControl();
      // The control reader lives as long as the data consumer, however that one ends.
      const control = this.controlConsumer;
      void consumer.done.catch(() => {}).finally(() => void control?.stop());
    }
    await consumer.run((batch) => this.handleBatch(batch));
    this.stateTimer ??= setInterval(() => void this.reportStateSize().catch(() => {}), 15_000);
    this.stateTimer.unref();
    const every = this.deps.config.processor.maintenanceIntervalMs;
    if (every > 0) {
      this.maintenanceTimer ??= setInterval(() => void this.runMaintenance().catch((err: unknown) => this.deps.logger.warn({ err: errorSummary(err) }, 'detector maintenance failed')), every);
      this.maintenanceTimer.unref();
    }
    return consumer;
  }

  /**
   * Reads the control topic from its start in a consumer group of this process alone (every
   * processor reads every message), keeps the latest message per (detector, key), and hands the
   * whole table to every worker thread after each batch. Malformed records are dead-lettered.
   */
  private async startControl(): Promise<void> {
    const topic = this.deps.config.topics.control;
    const consumer = await this.deps.transport.consumer({ groupId: `${this.groupId}-control-${randomUUID()}`, topics: [topic], fromBeginning: true });
    this.controlConsumer = consumer;
    const wanted = new Set(this.deps.controlled);
    await consumer.run(async (batch) => {
      const rejects: RejectedRecord[] = [];
      for (const m of batch.messages) {
        const position = `${batch.topic}/${batch.partition}@${m.offset}`;
        let value: unknown;
        try {
          value = JSON.parse(m.value.toString('utf8'));
        } catch (err) {
          rejects.push(reject('decode', position, new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `control message is not JSON: ${(err as Error).message}`), m.value));
          continue;
        }
        const detector = value && typeof value === 'object' ? (value as { detector?: unknown }).detector : undefined;
        if (typeof detector !== 'string' || !wanted.has(detector)) {
          rejects.push(reject('decode', position, new SluiceError('SLUICE_ERR_INPUT_MALFORMED', `control message names no enabled detector that takes control messages (${[...wanted].join(', ')})`), m.value));
          continue;
        }
        const id = `${detector}\u0000${m.key ?? m.offset}`;
        this.controlTable.delete(id); // re-insert: the table keeps arrival order
        if (!m.tombstone) this.controlTable.set(id, { detector, value });
      }
      if (rejects.length) await this.deps.deadLetters.write(rejects);
      await this.broadcastControl();
    });
  }

  /** Hands the current control table to every worker thread (also after a restore: new threads). */
  async broadcastControl(): Promise<void> {
    if (!this.deps.controlled?.length) return;
    const messages: Record<string, unknown[]> = {};
    for (const { detector, value } of this.controlTable.values()) (messages[detector] ??= []).push(value);
    const failures = (await Promise.all(this.deps.pool.representativeShards().map((s) => this.deps.pool.control(s, messages)))).flat();
    for (const f of failures) this.deps.logger.warn({ detector: f.detector, err: f.error.message }, 'detector control() failed');
  }

  /**
   * Runs the detectors' maintain() hooks once on every worker thread, inside the state gate (no
   * restore runs meanwhile), and writes the resulting deletions to the changelogs.
   * Returns the number of changelog records written.
   */
  async runMaintenance(): Promise<number> {
    if (this.stopping) return 0;
    const { state, pool } = this.deps;
    const epoch = await state.enter();
    try {
      const results = await Promise.all(pool.representativeShards().map((s) => pool.maintain(s, epoch)));
      for (const r of results) for (const f of r.failures) this.deps.logger.warn({ detector: f.detector, err: f.error.message }, 'detector maintain() failed');
      return await state.persist(results.map((r) => r.changes));
    } catch (err) {
      state.markStale();
      throw err;
    } finally {
      state.exit();
    }
  }

  /** sluice_state_size_bytes and sluice_state_entities per detector, summed over the shards' owners. */
  async reportStateSize(): Promise<Map<string, { entities: number; bytes: number }>> {
    const shards = this.deps.config.processor.stateShards;
    const per = await Promise.all(Array.from({ length: shards }, (_, s) => this.deps.pool.stateStats(s)));
    const totals = new Map<string, { entities: number; bytes: number }>();
    for (const list of per) {
      for (const d of list) {
        const t = totals.get(d.detector) ?? { entities: 0, bytes: 0 };
        t.entities += d.entities;
        t.bytes += d.bytes;
        totals.set(d.detector, t);
      }
    }
    for (const [detector, t] of totals) this.deps.telemetry.metrics.stateBytes(componentLabels('detector', detector), t.bytes, t.entities);
    return totals;
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
      if (err instanceof SluiceError && (err.code === 'SLUICE_ERR_WORKER_EXITED' || err.code === 'SLUICE_ERR_STATE_RESTORE')) metrics.error(this.labels, 'detector_failed', 'processing');
      else metrics.error(this.labels, 'writer_failed', 'sending');
      throw err;
    } finally {
      metrics.batchSeconds(this.labels, (performance.now() - started) / 1000);
    }
  }

  private async process(batch: ConsumedBatch, span: Span, context: TraceContext): Promise<void> {
    const { telemetry, state } = this.deps;
    const retry = new Retry(this.deps.config.processor.retryTimeoutMs, () => this.stopping);
    const rejects: RejectedRecord[] = [];
    const stream = this.streamOfTopic.get(batch.topic);
    if (!stream) throw new SluiceError('SLUICE_ERR_TRANSPORT_TOPIC_UNKNOWN', `no detector consumes ${batch.topic}`);
    const decoded = await this.timed('decode', () => retry.run('decode', (e) => this.onRetry('decode', e), () =>
      telemetry.inSpan('sluice.decode', context, {}, async (s) => {
        rejects.length = 0;
        const out = await this.decode(batch, stream, rejects);
        s.setAttributes({ 'sluice.events': out.events.length, 'sluice.dead_lettered': rejects.length });
        return out;
      }),
    ));
    const decodeRejects = rejects.length;
    for (;;) {
      const epoch = await retry.run('restore', (e) => this.onRetry('restore', e), () => state.enter());
      let detected: Detected;
      try {
        detected = await this.timed('detect', () => telemetry.inSpan('sluice.detect', context, { attributes: { 'sluice.events': decoded.events.length, 'sluice.state_epoch': epoch } }, async (s) => {
          rejects.length = decodeRejects;
          const out = await this.detect(stream, epoch, decoded.events, decoded.positions, rejects);
          s.setAttributes({ 'sluice.findings': out.findings.length, 'sluice.dead_lettered': rejects.length - decodeRejects });
          return out;
        }));
      } catch (err) {
        // Some shards may have advanced: the threads' state is restored before anything runs again.
        state.exit();
        state.markStale();
        await retry.wait('detect', err, (e) => this.onRetry('detect', e));
        continue;
      }
      try {
        await this.deliver(stream, decoded, detected, rejects, retry, context);
      } catch (err) {
        // Not delivered: the threads' state is ahead of the changelog; restore before the redelivery.
        state.markStale();
        state.exit();
        throw err;
      }
      state.exit();
      span.setAttributes({ 'sluice.findings': detected.findings.length, 'sluice.dead_lettered': rejects.length, 'sluice.state_epoch': epoch });
      this.stats.batches++;
      this.stats.eventsIn += batch.messages.length;
      this.stats.findingsOut += detected.findings.length;
      this.stats.deadLettered += rejects.length;
      telemetry.metrics.sent(this.labels, detected.findings.length);
      this.countRejects(rejects);
      this.recordLag(batch);
      return;
    }
  }

  private onRetry(stage: string, err: unknown): void {
    this.stats.retries++;
    this.deps.logger.warn({ stage, err: errorSummary(err) }, 'batch step failed, retrying');
  }

  /**
   * Every sink, the side-output topics, the dead-letter topic and the changelogs must acknowledge
   * before the batch is committed. The sinks and the side outputs are written at once; the dead
   * letters (which include what they refused) follow, and the changelog goes last, so state never
   * runs ahead of the outputs it produced. A sink that refuses findings for good (a non-retriable error) gets them
   * dead-lettered instead, so one unstorable finding cannot block its partition. A retriable
   * failure retries only the writes not yet acknowledged.
   */
  private async deliver(
    stream: StreamName,
    decoded: { events: DecodedEvent[] },
    detected: Detected,
    rejects: RejectedRecord[],
    retry: Retry,
    context: TraceContext,
  ): Promise<void> {
    const { findings } = detected;
    const pending = new Set(this.sinks);
    const eventsPending = new Set(this.deps.config.clickhouse?.storeEvents === false ? [] : this.sinks.filter((s) => s.storesEvents));
    // Read only for a sink that stores events: reading e.event decodes a record the threads decoded for themselves.
    const events = eventsPending.size ? decoded.events.map((e) => ({ event: e.event, key: e.meta.key })) : [];
    const sinksDone = this.timed('sinks', () => retry.run('sinks', (e) => this.onRetry('sinks', e), async () => {
      const results = await Promise.allSettled([
        ...[...pending].map(async (sink) => {
          const refused = await this.writeSink(stream, sink, findings, context);
          rejects.push(...refused);
          pending.delete(sink);
        }),
        ...[...eventsPending].map(async (sink) => {
          await sink.writeEvents(stream, events);
          eventsPending.delete(sink);
        }),
      ]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    }));
    const outputsDone = this.timed('side_outputs', () => retry.run('side outputs', (e) => this.onRetry('side outputs', e), () => this.writeOutputs(stream, detected.outputs, context)));
    // Both run at once; neither is left running when the batch fails.
    const [sinksResult, outputsResult] = await Promise.allSettled([sinksDone, outputsDone]);
    if (sinksResult.status === 'rejected') throw sinksResult.reason;
    if (outputsResult.status === 'rejected') throw outputsResult.reason;
    rejects.push(...outputsResult.value);
    const traceHeaders = rejects.length ? this.deps.telemetry.inject(context) : {};
    await this.timed('dead_letters', () => retry.run('dead letters', (e) => this.onRetry('dead letters', e), () => this.deps.deadLetters.write(rejects, traceHeaders)));
    await this.timed('changelog', () => retry.run('changelog', (e) => this.onRetry('changelog', e), () => this.deps.state.persist(detected.changes)));
  }

  /** Runs one step of a batch and adds its time, failed tries included, to stats.stageSeconds and sluice_batch_stage_duration_seconds. */
  private async timed<T>(stage: BatchStage, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.stats.stageSeconds[stage] += seconds;
      this.deps.telemetry.metrics.batchStageSeconds(this.labels, stage, seconds);
    }
  }

  /**
   * Writes the side outputs to their topics. One the broker refuses for its size (larger than the
   * topic's max.message.bytes) is returned as a dead letter, and the others of its topic are written.
   */
  private async writeOutputs(stream: StreamName, outputs: readonly SideOutput[], context: TraceContext): Promise<RejectedRecord[]> {
    if (outputs.length === 0) return [];
    const headers = this.deps.telemetry.inject(context);
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const o of outputs) {
      const topic = this.deps.config.topics[o.stream];
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      const value = Buffer.from(JSON.stringify(o.value));
      // Actions and enforcement decisions are signed so that consumers act only on what a processor wrote.
      const signature = outputSignatureHeaders(o.stream, this.deps.config.remediation.actionsKey, topic, o.key, value);
      list.push({ key: o.key, value, headers: Object.assign({}, headers, { 'sluice-output-id': o.value.id }, signature) });
    }
    const refused = await Promise.all(
      [...byTopic].map(async ([topic, messages]) =>
        (await writeIsolatingRefused(messages, (part) => this.deps.producer.send(topic, part), isRecordTooLarge)).map(({ item, error }) => ({ topic, item, error })),
      ),
    );
    return refused.flat().map(({ topic, item, error }) => ({
      kind: 'dead_letter' as const,
      stage: 'sink' as const,
      source: 'processor',
      position: `${topic} output ${item.headers?.['sluice-output-id'] ?? item.key}`,
      reasonCode: error.code,
      reason: `output of ${item.value?.length ?? 0} bytes: ${error.message}`,
      raw: CONTENT_STREAMS.has(stream) ? Buffer.from(JSON.stringify({ id: item.headers?.['sluice-output-id'] ?? null, key: item.key, omitted: 'content-stream outputs are never dead-lettered whole', size: item.value?.length ?? 0 })) : (item.value ?? Buffer.alloc(0)),
    }));
  }

  /**
   * Writes to one sink. A non-retriable refusal dead-letters what the sink could not take: the
   * findings its error names in `details.invalid` (then the rest is written again); when it names
   * none (a record over the broker's max.message.bytes fails its whole produce request), the
   * findings are written again by halves down to the single ones it refuses, which alone are
   * dead-lettered. Findings of a content stream are dead-lettered without their content.
   */
  private async writeSink(stream: StreamName, sink: FindingSink, findings: readonly Finding[], context: TraceContext): Promise<RejectedRecord[]> {
    try {
      await sink.write(findings, { context });
      return [];
    } catch (err) {
      // Only a sink's own verdict that the data can never be stored is dead-lettered; anything
      // else (retriable, or an unknown error) fails the batch so it is redelivered, never lost.
      if (!(err instanceof SluiceError) || err.retriable) throw err;
      const named = Array.isArray(err.details.invalid) ? (err.details.invalid as Array<{ id: string; reason: string }>) : [];
      let refused: Array<{ finding: Finding; code: ErrorCode; reason: string }>;
      if (named.length) {
        const reasons = new Map(named.map((i) => [i.id, i.reason]));
        const rest = findings.filter((f) => !reasons.has(f.id));
        if (rest.length) await sink.write(rest, { context });
        const code: ErrorCode = err.code;
        refused = findings.filter((f) => reasons.has(f.id)).map((f) => ({ finding: f, code, reason: reasons.get(f.id)! }));
      } else {
        const alone = await isolateRefused(findings, err, (part) => sink.write(part, { context }), isFinalRefusal);
        refused = alone.map(({ item, error }) => ({ finding: item, code: error.code, reason: error.message }));
      }
      return refused.map(({ finding, code, reason }) => ({
        kind: 'dead_letter' as const,
        stage: 'sink' as const,
        source: sink.name,
        position: `finding ${finding.id}`,
        reasonCode: code,
        reason,
        raw: findingDeadLetterRaw(stream, finding),
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

  /**
   * Checks each record's Confluent header and resolves its writer schema from the registry here
   * (a registry outage fails the step, to be retried; a bad header or an unknown schema id
   * dead-letters the record, as AvroCodec.decode would). The Avro bodies are decoded by the worker
   * threads (detect); only when a sink stores the events themselves are they decoded here too, for
   * that sink (a body that does not decode is then dead-lettered here).
   */
  private async decode(batch: ConsumedBatch, stream: StreamName, rejects: RejectedRecord[]): Promise<{ events: DecodedEvent[]; positions: string[] }> {
    type Event = StreamEvents[StreamName];
    const events: DecodedEvent[] = [];
    const positions: string[] = [];
    const schema = STREAMS[stream].schema;
    const { codec } = this.deps;
    const forSinks = this.deps.config.clickhouse?.storeEvents !== false && this.sinks.some((s) => s.storesEvents);
    // A detector failure's dead letter reads its event: decoded here then, from the same bytes.
    const read = (p: PendingEvent<Event>): Event => {
      try {
        return codec.decodeWith<Event>(p.payload, p.schemaId, p.writer, schema);
      } catch {
        // Not read for a record the threads could not decode (detect dead-letters it at decode).
        return null as unknown as Event;
      }
    };
    const writers = new Map<number, { schemaId: number; writer: AvroType }>();
    for (const m of batch.messages) {
      const position = `${batch.topic}/${batch.partition}@${m.offset}`;
      const meta: EventMeta = { key: m.key ?? '', topic: batch.topic, partition: batch.partition, offset: m.offset };
      try {
        let found = m.value.length >= 5 && m.value[0] === MAGIC_BYTE ? writers.get(m.value.readInt32BE(1)) : undefined;
        if (!found) {
          // AvroCodec.decode in two halves: the header and the registry here, once per schema id...
          found = await codec.writerOf(m.value);
          writers.set(found.schemaId, found);
        }
        if (forSinks) {
          // ...and the body, here for the sinks (the threads decode their own copy: no clone crosses).
          const value = codec.decodeWith<Event>(m.value, found.schemaId, found.writer, schema);
          events.push(new PendingEvent<Event>(meta, m.value, found.schemaId, found.writer, () => value));
        } else {
          events.push(new PendingEvent<Event>(meta, m.value, found.schemaId, found.writer, read));
        }
        positions.push(position);
      } catch (err) {
        // A registry outage is not the record's fault: fail the step so it is retried.
        if (err instanceof SluiceError && err.retriable) throw err;
        rejects.push(reject('decode', position, err, deadLetterPayload(stream, m.value)));
      }
    }
    return { events, positions };
  }

  /**
   * Runs the detectors on the pool (DetectorPool.processBatch). Events are grouped by state shard
   * (murmur2 of the key), keeping their order; the shards of one thread travel together in requests
   * of up to maxBatchSize records, run one after another on that thread, while threads run in
   * parallel. The records cross as their Avro bytes, in one transferred buffer per request, with
   * the writer schemas resolved in decode, and the thread decodes them (no decoded object is cloned);
   * one that does not decode there is dead-lettered at the decode stage with its position and the
   * codec's reason, as AvroCodec.decode would have rejected it. A detector failure rejects its event only.
   */
  private async detect(stream: StreamName, epoch: number, events: readonly DecodedEvent[], positions: readonly string[], rejects: RejectedRecord[]): Promise<Detected> {
    const pending = events.length > 0 && events.every((e) => e instanceof PendingEvent) ? (events as ReadonlyArray<PendingEvent<StreamEvents[StreamName]>>) : null;
    let input: BatchInput;
    if (pending) {
      const reader = this.deps.codec.registry.typeForName(STREAMS[stream].schema);
      const writers = new Map<number, string>();
      for (const p of pending) if (!writers.has(p.schemaId)) writers.set(p.schemaId, cachedSchemaText(p.writer));
      input = { kind: 'avro', records: pending, schemas: { writers, reader: cachedSchemaText(reader) } };
    } else {
      input = { kind: 'objects', events };
    }
    const result = await this.deps.pool.processBatch(epoch, stream, input, this.deps.config.processor.maxBatchSize);
    this.stats.skipped += result.skipped;
    for (const f of [...result.decodeFailures].sort((a, b) => a.index - b.index)) {
      rejects.push(reject('decode', positions[f.index]!, deserializeError(f.error), deadLetterPayload(stream, pending![f.index]!.payload)));
    }
    for (const f of result.failures) {
      const error = new SluiceError('SLUICE_ERR_DETECTOR_FAILED', `${f.detector}: ${f.error.message}`);
      // Never the content of a content stream (object_chunk): position, reason and metadata only.
      rejects.push(reject('detect', positions[f.index]!, error, Buffer.from(JSON.stringify(deadLetterEvent(stream, events[f.index]!.event), bufferAsBase64))));
    }
    return { findings: result.findings, outputs: result.outputs, changes: result.changes };
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
    this.stopping = true;
    await this.controlConsumer?.stop();
    this.controlConsumer = undefined;
    clearInterval(this.stateTimer);
    this.stateTimer = undefined;
    clearInterval(this.maintenanceTimer);
    this.maintenanceTimer = undefined;
    await this.consumer?.stop();
    for (const sink of this.sinks) await sink.close();
    this.unobserveLag?.();
    this.unobserveLag = undefined;
  }
}

/**
 * The raw field of a finding's dead letter: the finding, or for a content stream (object_chunk) only
 * what identifies it, never the evidence drawn from the content.
 */
function findingDeadLetterRaw(stream: StreamName, f: Finding): Buffer {
  const whole = Buffer.from(JSON.stringify(f));
  if (!CONTENT_STREAMS.has(stream)) return whole;
  return Buffer.from(JSON.stringify({ id: f.id, detector: f.detector, rule: f.rule, entity: f.entity, time: f.time, omitted: 'content-stream findings are never dead-lettered whole', size: whole.length }));
}

/** Buffers (e.g. object chunk content) as base64 in dead-letter JSON. */
function bufferAsBase64(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return { base64: Buffer.from((value as { data: number[] }).data).toString('base64') };
  }
  return value;
}

function errorSummary(err: unknown): { code?: string; message: string } {
  return err instanceof SluiceError ? { code: err.code, message: err.message } : { message: (err as Error)?.message ?? String(err) };
}

/**
 * In-place retries of one batch: exponential backoff from 100 ms to 5 s, for retriable errors
 * only, until the batch's deadline (processor.retryTimeoutMs) or a shutdown.
 */
class Retry {
  private readonly deadline: number;
  private attempt = 0;

  constructor(
    timeoutMs: number,
    private readonly stopping: () => boolean,
  ) {
    this.deadline = Date.now() + timeoutMs;
  }

  async run<T>(what: string, onRetry: (err: unknown) => void, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        await this.wait(what, err, onRetry);
      }
    }
  }

  /** Returns after the backoff when err may be retried, else throws it (or a shutdown error). */
  async wait(what: string, err: unknown, onRetry: (err: unknown) => void): Promise<void> {
    const retriable = err instanceof SluiceError && err.retriable;
    if (!retriable) throw err;
    if (this.stopping()) throw new SluiceError('SLUICE_ERR_RUNTIME_SHUTDOWN', `${what}: shutting down during retries`, { cause: err });
    if (Date.now() >= this.deadline) throw err;
    onRetry(err);
    const delay = Math.min(5000, 100 * 2 ** Math.min(this.attempt++, 6));
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, this.deadline - Date.now()))));
  }
}

function reject(stage: 'decode' | 'detect', position: string, err: unknown, raw: Buffer): RejectedRecord {
  const code: ErrorCode = err instanceof SluiceError ? err.code : 'SLUICE_ERR_DETECTOR_FAILED';
  return { kind: 'dead_letter', stage, source: 'processor', position, reasonCode: code, reason: (err as Error).message, raw };
}
