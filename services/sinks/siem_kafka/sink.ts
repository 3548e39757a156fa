import type { FindingSink } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import type { Producer } from '../../core/transport.ts';

/**
 * Publishes findings as OCSF JSON on the findings topic for SIEM subscribers, keyed by finding id
 * (a redelivered finding has the same key and id, so subscribers can upsert).
 */
export class SiemKafkaSink implements FindingSink {
  readonly name = 'siem_kafka';

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async start(): Promise<void> {}

  async write(findings: readonly Finding[]): Promise<void> {
    if (findings.length === 0) return;
    await this.producer.send(
      this.topic,
      findings.map((f) => ({
        key: f.id,
        value: Buffer.from(JSON.stringify(f)),
        headers: { 'content-type': 'application/json', 'ocsf-class-uid': String(f.class_uid), 'sluice-detector': f.detector },
      })),
    );
  }

  async healthcheck(): Promise<void> {}

  async close(): Promise<void> {}
}
