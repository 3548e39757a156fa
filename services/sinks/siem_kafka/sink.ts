import type { FindingSink, SinkWriteOptions } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import { findingToOcsf } from '../../core/ocsf/index.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { Producer } from '../../core/transport.ts';

/**
 * Publishes findings as OCSF JSON on the findings topic for SIEM subscribers, keyed by finding id
 * (a redelivered finding has the same key and id, so subscribers can upsert). Each message carries
 * the write's trace context (`traceparent`, `tracestate`), so a subscriber can continue the trace.
 */
export class SiemKafkaSink implements FindingSink {
  readonly name = 'siem_kafka';

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly telemetry: Telemetry,
  ) {}

  async start(): Promise<void> {}

  async write(findings: readonly Finding[], options: SinkWriteOptions = {}): Promise<void> {
    if (findings.length === 0) return;
    const trace = options.context ? this.telemetry.inject(options.context) : {};
    await this.producer.send(
      this.topic,
      findings.map((f) => ({
        key: f.id,
        value: Buffer.from(JSON.stringify(findingToOcsf(f))),
        headers: { 'content-type': 'application/json', 'ocsf-class-uid': String(f.class_uid), 'sluice-detector': f.detector, ...trace },
      })),
    );
  }

  async healthcheck(): Promise<void> {}

  async close(): Promise<void> {}
}
