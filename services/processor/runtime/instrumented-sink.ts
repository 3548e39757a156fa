import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { FindingSink, SinkWriteOptions } from '../../core/components.ts';
import type { Finding } from '../../core/events.ts';
import { componentLabels, type ComponentLabels } from '../../core/metrics.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { StreamEvents, StreamName } from '../../core/streams.ts';

/**
 * Wraps a sink so every non-empty write is a `sluice.sink.write` span (child of the write's
 * context, which the sink receives in turn) and is counted and timed under the sink's labels.
 */
export class InstrumentedSink implements FindingSink {
  readonly name: string;
  readonly labels: ComponentLabels;

  constructor(
    readonly inner: FindingSink,
    private readonly telemetry: Telemetry,
  ) {
    this.name = inner.name;
    this.labels = componentLabels('sink', inner.name);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async write(findings: readonly Finding[], options: SinkWriteOptions = {}): Promise<void> {
    if (findings.length === 0) return this.inner.write(findings, options);
    const { metrics } = this.telemetry;
    metrics.received(this.labels, findings.length);
    const started = performance.now();
    try {
      await this.telemetry.inSpan(
        'sluice.sink.write',
        options.context ?? ROOT_CONTEXT,
        { attributes: { 'sluice.sink': this.name, 'sluice.findings': findings.length } },
        (_span, context) => this.inner.write(findings, { ...options, context }),
      );
      metrics.sent(this.labels, findings.length);
    } catch (err) {
      metrics.error(this.labels, 'writer_failed', 'sending');
      throw err;
    } finally {
      metrics.sinkFlushSeconds(this.labels, (performance.now() - started) / 1000);
    }
  }

  /** True when the inner sink stores input events too. */
  get storesEvents(): boolean {
    return typeof this.inner.writeEvents === 'function';
  }

  async writeEvents(stream: StreamName, events: ReadonlyArray<{ event: StreamEvents[StreamName]; key: string }>): Promise<void> {
    if (!this.inner.writeEvents || events.length === 0) return;
    const started = performance.now();
    try {
      await this.inner.writeEvents(stream, events);
    } catch (err) {
      this.telemetry.metrics.error(this.labels, 'writer_failed', 'sending');
      throw err;
    } finally {
      this.telemetry.metrics.sinkFlushSeconds(this.labels, (performance.now() - started) / 1000);
    }
  }

  healthcheck(): Promise<void> {
    return this.inner.healthcheck();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
