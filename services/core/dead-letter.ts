import type { AvroCodec } from './avro/codec.ts';
import type { Clock } from './clock.ts';
import type { RejectedRecord } from './components.ts';
import { RAW_CAP_BYTES, SCHEMA_NAMES, type DeadLetterRecord } from './events.ts';
import type { Headers, Producer } from './transport.ts';

/**
 * Publishes rejected records to the dead-letter topic (Avro sluice.DeadLetter, keyed by source).
 * Nothing is dropped silently: every reject is published and counted.
 */
export class DeadLetterWriter {
  private total = 0;

  constructor(
    private readonly producer: Producer,
    private readonly codec: AvroCodec,
    private readonly topic: string,
    private readonly clock: Clock,
  ) {}

  get count(): number {
    return this.total;
  }

  /** `traceHeaders` (traceparent, tracestate) go into every message's headers. */
  async write(rejects: readonly RejectedRecord[], traceHeaders: Headers = {}): Promise<void> {
    if (rejects.length === 0) return;
    const messages = await Promise.all(
      rejects.map(async (r) => {
        const record: DeadLetterRecord = {
          stage: r.stage,
          source: r.source,
          position: r.position,
          reason_code: r.reasonCode,
          reason: r.reason,
          time: this.clock.now(),
          raw: r.raw.length > RAW_CAP_BYTES ? r.raw.subarray(0, RAW_CAP_BYTES) : r.raw,
          raw_truncated: r.raw.length > RAW_CAP_BYTES,
        };
        return {
          key: r.source,
          value: await this.codec.encode(this.topic, SCHEMA_NAMES.deadLetter, record),
          headers: { ...traceHeaders, 'sluice-reason-code': r.reasonCode, 'sluice-stage': r.stage },
        };
      }),
    );
    await this.producer.send(this.topic, messages);
    this.total += rejects.length;
  }
}

/**
 * Streams whose events carry the content of scanned objects (possibly secrets): their dead letters
 * keep position, reason and the event's metadata, never the content, which would otherwise sit
 * in the dead-letter topic for its whole retention.
 */
export const CONTENT_STREAMS: ReadonlySet<string> = new Set(['object_chunk']);

/** The raw bytes a dead letter of this stream may carry: the payload itself, or nothing for a content stream. */
export function deadLetterPayload(stream: string, payload: Buffer): Buffer {
  return CONTENT_STREAMS.has(stream) ? Buffer.alloc(0) : payload;
}

/** The event as a dead letter may carry it: for a content stream, `content` replaced by its size. */
export function deadLetterEvent(stream: string, event: unknown): unknown {
  if (!CONTENT_STREAMS.has(stream) || typeof event !== 'object' || event === null) return event;
  const { content, ...rest } = event as { content?: unknown } & Record<string, unknown>;
  const size = Buffer.isBuffer(content) || content instanceof Uint8Array ? content.length : typeof content === 'string' ? content.length : null;
  return { ...rest, content: { omitted: 'content is never dead-lettered', size } };
}
