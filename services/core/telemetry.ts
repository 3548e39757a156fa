import {
  ROOT_CONTEXT,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Context,
  type Link,
  type Meter,
  type Span,
  type SpanContext,
  type SpanOptions,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
  type ResourceDetector,
} from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SluiceMetrics } from './metrics.ts';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from './semconv.ts';
import { telemetryConfigFromEnv, type ResourceDetectorName, type TelemetryConfig } from './telemetry-config.ts';
import { buildExporters } from './telemetry-exporters.ts';
import { MessagingMetrics } from './telemetry-messaging.ts';
import { SLUICE_VERSION } from './version.ts';
import type { Headers } from './transport.ts';

/**
 * Traces and metrics for one process, passed in the AppContext. The providers are used directly,
 * never registered globally: two Telemetry objects (two tests) do not see each other's data.
 * Without a reader or span processor nothing leaves the process, but every instrument and span works
 * and trace context still flows through Kafka headers.
 */

export interface TelemetryOptions {
  /** service.name of the resource. */
  serviceName: string;
  /** service.version of the resource; default this Sluice's version (package.json). */
  serviceVersion?: string;
  /** What the resource detectors found (startTelemetry): it overrides service.version; serviceName overrides its service.name. */
  resource?: Resource;
  /** E.g. a SimpleSpanProcessor over an InMemorySpanExporter in tests. */
  spanProcessors?: SpanProcessor[];
  /** E.g. a PeriodicExportingMetricReader over an InMemoryMetricExporter in tests. */
  metricReaders?: IMetricReader[];
}

/** The exporters startTelemetry created, if any (for inspection; they are owned by the providers). */
export interface TelemetryExporters {
  traces: SpanExporter[];
  metrics: PushMetricExporter[];
}

/** The span context of a batch of consumed messages: the first message's as parent, the others as links. */
export interface BatchTraceContext {
  parent: Context;
  links: Link[];
}

const TRACER_NAME = 'sluice';
/** Span links kept per batch; a batch of 1000 messages from 1000 producers needs no 1000 links. */
const MAX_BATCH_LINKS = 32;

export class Telemetry {
  readonly serviceName: string;
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly metrics: SluiceMetrics;
  /** The OpenTelemetry messaging metrics (messaging.client.*), recorded by instrumentTransport. */
  readonly messaging: MessagingMetrics;
  /** The resource every span and metric carries. */
  readonly resource: Resource;
  /** W3C Trace Context (traceparent, tracestate). */
  readonly propagator: TextMapPropagator = new W3CTraceContextPropagator();
  readonly exporters: TelemetryExporters;
  /** What startTelemetry read from the environment; undefined for createTelemetry. */
  readonly config: TelemetryConfig | undefined;
  private readonly tracerProvider: BasicTracerProvider;
  private readonly meterProvider: MeterProvider;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: TelemetryOptions, started?: { config: TelemetryConfig; exporters: TelemetryExporters }) {
    this.serviceName = options.serviceName;
    this.config = started?.config;
    this.exporters = started?.exporters ?? { traces: [], metrics: [] };
    // Later wins: the SDK's defaults, this Sluice's version, what the detectors found (a
    // service.version in OTEL_RESOURCE_ATTRIBUTES overrides ours), the service name resolved.
    const resource = defaultResource()
      .merge(resourceFromAttributes({ [ATTR_SERVICE_VERSION]: options.serviceVersion ?? SLUICE_VERSION }))
      .merge(options.resource ?? null)
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }));
    this.resource = resource;
    this.tracerProvider = new BasicTracerProvider({ resource, spanProcessors: options.spanProcessors ?? [] });
    this.meterProvider = new MeterProvider({ resource, readers: options.metricReaders ?? [] });
    this.tracer = this.tracerProvider.getTracer(TRACER_NAME, SLUICE_VERSION);
    this.meter = this.meterProvider.getMeter(TRACER_NAME, SLUICE_VERSION);
    this.metrics = new SluiceMetrics(this.meter);
    this.messaging = new MessagingMetrics(this.meter);
  }

  /** Writes the context's traceparent (and tracestate) into the headers; returns them. */
  inject(context: Context, headers: Headers = {}): Headers {
    this.propagator.inject(context, headers, defaultTextMapSetter);
    return headers;
  }

  /** The remote span context carried by message headers (ROOT_CONTEXT's when there is none). */
  extract(headers: Headers): Context {
    return this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  }

  /**
   * Parent and links of a consumed batch: the first message carrying a valid traceparent is the
   * parent; the distinct other contexts become links (at most MAX_BATCH_LINKS).
   */
  extractBatch(messages: Iterable<{ headers: Headers }>): BatchTraceContext {
    let parent: Context = ROOT_CONTEXT;
    let parentKey: string | undefined;
    const links = new Map<string, SpanContext>();
    for (const { headers } of messages) {
      const key = headers.traceparent;
      if (!key || key === parentKey || links.has(key)) continue;
      const ctx = this.extract(headers);
      const spanContext = trace.getSpanContext(ctx);
      if (!spanContext) continue;
      if (parentKey === undefined) {
        parent = ctx;
        parentKey = key;
      } else {
        links.set(key, spanContext);
        if (links.size >= MAX_BATCH_LINKS) break;
      }
    }
    return { parent, links: [...links.values()].map((context) => ({ context })) };
  }

  /** Runs fn in a child span of parent; an error is recorded on the span and rethrown; the span always ends. */
  async inSpan<T>(name: string, parent: Context, options: SpanOptions, fn: (span: Span, context: Context) => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(name, options, parent);
    try {
      return await fn(span, trace.setSpan(parent, span));
    } catch (err) {
      recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  /** Exports what is buffered now (no-op without exporters). */
  async forceFlush(): Promise<void> {
    await Promise.all([this.tracerProvider.forceFlush(), this.meterProvider.forceFlush()]);
  }

  /** Flushes and stops the exporters. Idempotent. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= Promise.all([this.tracerProvider.shutdown(), this.meterProvider.shutdown()]).then(() => undefined);
    return this.shutdownPromise;
  }
}

export function recordError(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** Telemetry that exports nothing unless given span processors / metric readers. */
export function createTelemetry(options: TelemetryOptions = { serviceName: 'sluice' }): Telemetry {
  return new Telemetry(options);
}

export interface StartTelemetryOptions {
  /** Used when OTEL_SERVICE_NAME (and service.name in OTEL_RESOURCE_ATTRIBUTES) is unset: `sluice-<role>`. */
  serviceName: string;
}

const DETECTORS: Record<ResourceDetectorName, ResourceDetector> = {
  env: envDetector,
  host: hostDetector,
  os: osDetector,
  process: processDetector,
  serviceinstance: serviceInstanceIdDetector,
};

/**
 * Telemetry for a role, configured by the standard OTEL_* variables of process.env as the
 * OpenTelemetry SDK reads them (telemetry-config.ts): the resource detectors (env, host, os,
 * process, service instance), then one exporter per OTEL_{TRACES,METRICS}_EXPORTER entry, OTLP
 * over OTEL_EXPORTER_OTLP_[SIGNAL_]PROTOCOL. No exporter without an OTLP endpoint (unless an
 * exporter is named) or with OTEL_SDK_DISABLED=true. Creating the exporters opens no connection.
 */
export async function startTelemetry(options: StartTelemetryOptions): Promise<Telemetry> {
  const config = telemetryConfigFromEnv(options.serviceName);
  const resource = detectResources({ detectors: config.resourceDetectors.map((d) => DETECTORS[d]) });
  const built = await buildExporters(config);
  return new Telemetry(
    { serviceName: config.serviceName, resource, spanProcessors: built.spanProcessors, metricReaders: built.metricReaders },
    { config, exporters: { traces: built.spanExporters, metrics: built.metricExporters } },
  );
}
