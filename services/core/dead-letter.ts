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
