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
import { listInputFiles, readInputOrReject } from './files.ts';

export interface CollectorRunStats {
  files: number;
  read: number;
  normalized: number;
  deadLettered: number;
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
  const files = await listInputFiles(paths);
  const stats: CollectorRunStats = { files: files.length, read: 0, normalized: 0, deadLettered: 0 };
  const batchSize = deps.batchSize ?? 500;
  const { telemetry } = deps;
  const labels = componentLabels('collector', deps.collector.type);
  const pending = new Map<string, OutgoingMessage[]>();
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
        await deps.producer.send(topic, messages);
        telemetry.metrics.sent(labels, messages.length);
        sent += messages.length;
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
            list.push({
              key: out.key,
              value,
              headers: { ...batch.traceHeaders, 'sluice-source': deps.collector.type, 'sluice-event-uid': out.event.metadata.uid },
            });
            stats.normalized++;
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
  deps.logger.debug({ collector: deps.collector.type, ...stats }, 'collector finished its inputs');
  return stats;
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
