import { ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api';
import { SluiceError } from '../core/errors.ts';
import type { AvroCodec } from '../core/avro/codec.ts';
import type { Collector, RejectedRecord } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import type { DeadLetterWriter } from '../core/dead-letter.ts';
import { STREAMS, topicFor } from '../core/streams.ts';
import type { Logger } from '../core/logger.ts';
import { componentLabels, type ComponentLabels } from '../core/metrics.ts';
import { recordError, type Telemetry } from '../core/telemetry.ts';
import type { OutgoingMessage, Producer } from '../core/transport.ts';
import type { StreamName } from '../core/streams.ts';
import { readInputOrReject } from './files.ts';
import type { CappedCollector } from './fields.ts';
import { selectInputFiles, type InputFilter, type SkippedInput } from './inputs.ts';

export interface CollectorRunStats {
  /** Files read. */
  files: number;
  read: number;
  normalized: number;
  deadLettered: number;
  /** Files of the input directories not read: not feeds by name, or left out by --include/--exclude. */
  skipped: number;
  /** The skipped files with the reason (see collectors/inputs.ts). */
  skippedFiles: SkippedInput[];
  /** Normalized events per stream. */
  byStream: Partial<Record<StreamName, number>>;
  /** String fields cut at MAX_FIELD_CHARS (collectors/fields.ts) by a capped collector. */
  truncatedFields?: number;
}

export interface CollectorServiceDeps {
  collector: Collector;
  producer: Producer;
  codec: AvroCodec;
  deadLetters: DeadLetterWriter;
  topics: SluiceConfig['topics'];
  logger: Logger;
  telemetry: Telemetry;
  /** Events per produce request. */
  batchSize?: number;
  /** --include / --exclude for the files inside input directories. */
  inputFilter?: InputFilter;
}

/** One produce round: a `sluice.publish_batch` span whose context every message of the round carries. */
interface PublishBatch {
  span: Span;
  /** traceparent / tracestate of the span, copied into each message's headers. */
  traceHeaders: Record<string, string>;
  read: number;
}

/**
 * The collector role: reads input files, normalizes them through one collector, and publishes the
 * events (Avro, keyed by entity) and the rejects (dead-letter topic). Returns once all is acknowledged.
 * Every batch of `batchSize` records is one span; its trace context travels in the message headers
 * to the processor.
 */
export async function collectFiles(deps: CollectorServiceDeps, paths: readonly string[]): Promise<CollectorRunStats> {
  const { files, skipped } = await selectInputFiles(paths, deps.collector.type, deps.inputFilter);
  const stats: CollectorRunStats = { files: files.length, read: 0, normalized: 0, deadLettered: 0, skipped: skipped.length, skippedFiles: skipped, byStream: {} };
  for (const s of skipped) deps.logger.debug({ file: s.path, reason: s.reason }, 'input file skipped');
  const batchSize = deps.batchSize ?? 500;
  const { telemetry } = deps;
  const labels = componentLabels('collector', deps.collector.type);
  const pending = new Map<string, OutgoingMessage[]>();
  /** Input position of each pending message, for a dead letter if the broker refuses it. */
  const positions = new WeakMap<OutgoingMessage, string>();
  let rejects: RejectedRecord[] = [];
  let batch: PublishBatch | undefined;

  const openBatch = (): PublishBatch => {
    const span = telemetry.tracer.startSpan(
      'sluice.publish_batch',
      { kind: SpanKind.PRODUCER, attributes: { 'sluice.collector': deps.collector.type } },
      ROOT_CONTEXT,
    );
    return { span, traceHeaders: telemetry.inject(trace.setSpan(ROOT_CONTEXT, span)), read: 0 };
  };

  const publish = async (current: PublishBatch) => {
    telemetry.metrics.received(labels, current.read);
    let sent = 0;
    try {
      for (const [topic, messages] of pending) {
        if (!messages.length) continue;
        try {
          await deps.producer.send(topic, messages);
          telemetry.metrics.sent(labels, messages.length);
          sent += messages.length;
        } catch (err) {
          if (!isTooLarge(err)) throw err;
          // The broker refuses a record for its size: never retried. Send one by one and
          // dead-letter the refused ones (position, uid and size; never their content).
          for (const m of messages) {
            try {
              await deps.producer.send(topic, [m]);
              telemetry.metrics.sent(labels, 1);
              sent++;
            } catch (one) {
              if (!isTooLarge(one)) throw one;
              stats.normalized--;
              stats.deadLettered++;
              rejects.push({
                kind: 'dead_letter',
                stage: 'collect',
                source: deps.collector.type,
                position: positions.get(m) ?? `${topic}#?`,
                reasonCode: 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE',
                reason: `event ${m.headers?.['sluice-event-uid'] ?? '?'} is ${m.value?.length ?? 0} bytes encoded: ${(one as Error).message}`,
                raw: Buffer.alloc(0),
              });
            }
          }
        }
      }
      pending.clear();
      const dead = rejects;
      rejects = [];
      if (dead.length) {
        await deps.deadLetters.write(dead, current.traceHeaders);
        countRejects(telemetry, labels, dead);
      }
      current.span.setAttributes({ 'sluice.records_read': current.read, 'messaging.batch.message_count': sent, 'sluice.dead_lettered': dead.length });
    } catch (err) {
      telemetry.metrics.error(labels, 'request_failed', 'sending');
      recordError(current.span, err);
      throw err;
    } finally {
      current.span.end();
    }
  };

  const flush = async () => {
    const current = batch;
    batch = undefined;
    if (current) await publish(current);
  };

  try {
    for (const file of files) {
      const input = await readInputOrReject(file, deps.collector.type);
      const outputs = 'reject' in input ? [input.reject] : deps.collector.collect({ name: file, bytes: input.bytes });
      for (const out of outputs) {
        stats.read++;
        batch ??= openBatch();
        batch.read++;
        if (out.kind === 'dead_letter') {
          stats.deadLettered++;
          rejects.push(out);
        } else {
          const topic = topicFor(out.stream, deps.topics);
          try {
            const value = await deps.codec.encode(topic, STREAMS[out.stream].schema, out.event);
            let list = pending.get(topic);
            if (!list) pending.set(topic, (list = []));
            const message: OutgoingMessage = {
              key: out.key,
              value,
              headers: { ...batch.traceHeaders, 'sluice-source': deps.collector.type, 'sluice-event-uid': out.event.metadata.uid },
            };
            positions.set(message, out.position);
            list.push(message);
            stats.normalized++;
            stats.byStream[out.stream] = (stats.byStream[out.stream] ?? 0) + 1;
          } catch (err) {
            // A registry outage is not the record's fault: stop the pass with a clear error.
            if (err instanceof SluiceError && err.retriable) throw err;
            stats.deadLettered++;
            rejects.push({
              kind: 'dead_letter',
              stage: 'collect',
              source: deps.collector.type,
              position: out.position,
              reasonCode: 'SLUICE_ERR_SCHEMA_ENCODE',
              reason: (err as Error).message,
              raw: Buffer.from(JSON.stringify(out.event)),
            });
          }
        }
        if (stats.read % batchSize === 0) await flush();
      }
    }
    await flush();
  } catch (err) {
    // A failed read or publish: the batch in progress ends with the error.
    if (batch) {
      recordError(batch.span, err);
      batch.span.end();
    }
    throw err;
  }
  const truncated = (deps.collector as Partial<CappedCollector>).truncatedFields;
  if (truncated !== undefined) {
    stats.truncatedFields = truncated;
    if (truncated > 0) deps.logger.info({ collector: deps.collector.type, truncatedFields: truncated }, 'string fields longer than the cap were truncated');
  }
  const { skippedFiles: _skippedFiles, ...counts } = stats;
  deps.logger.debug({ collector: deps.collector.type, ...counts }, 'collector finished its inputs');
  return stats;
}

function isTooLarge(err: unknown): boolean {
  return err instanceof SluiceError && err.code === 'SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE';
}

/** Dead-lettered records are both errors (parse or encode) and discarded events, by reason code. */
function countRejects(telemetry: Telemetry, labels: ComponentLabels, rejects: readonly RejectedRecord[]): void {
  const byCode = new Map<string, number>();
  for (const r of rejects) byCode.set(r.reasonCode, (byCode.get(r.reasonCode) ?? 0) + 1);
  for (const [code, n] of byCode) {
    telemetry.metrics.error(labels, code === 'SLUICE_ERR_SCHEMA_ENCODE' ? 'encoder_failed' : 'parser_failed', 'processing', n);
    telemetry.metrics.discarded(labels, code, n);
  }
}
