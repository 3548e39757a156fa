/**
 * Builds the exporters a TelemetryConfig asks for. Each OTLP exporter is built without options, so
 * it reads its endpoint, headers, timeout, compression, certificates and (metrics) temporality
 * from the OTEL_EXPORTER_OTLP_* variables itself. Loaded on demand: the gRPC one pulls in grpc-js.
 */
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type IMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OtlpProtocol, TelemetryConfig } from './telemetry-config.ts';

async function otlpSpanExporter(protocol: OtlpProtocol): Promise<SpanExporter> {
  if (protocol === 'grpc') return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

async function otlpMetricExporter(protocol: OtlpProtocol): Promise<PushMetricExporter> {
  if (protocol === 'grpc') return new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter();
  if (protocol === 'http/json') return new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter();
  return new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter();
}

export interface BuiltExporters {
  spanExporters: SpanExporter[];
  metricExporters: PushMetricExporter[];
  spanProcessors: SpanProcessor[];
  metricReaders: IMetricReader[];
}

export async function buildExporters(config: TelemetryConfig): Promise<BuiltExporters> {
  const out: BuiltExporters = { spanExporters: [], metricExporters: [], spanProcessors: [], metricReaders: [] };
  for (const kind of config.traces?.exporters ?? []) {
    if (kind === 'console') {
      const exporter = new ConsoleSpanExporter();
      out.spanExporters.push(exporter);
      out.spanProcessors.push(new SimpleSpanProcessor(exporter));
    } else {
      const exporter = await otlpSpanExporter(config.traces!.protocol);
      out.spanExporters.push(exporter);
      // Reads OTEL_BSP_* itself.
      out.spanProcessors.push(new BatchSpanProcessor(exporter));
    }
  }
  const metrics = config.metrics;
  for (const kind of metrics?.exporters ?? []) {
    const exporter = kind === 'console' ? new ConsoleMetricExporter() : await otlpMetricExporter(metrics!.protocol);
    out.metricExporters.push(exporter);
    out.metricReaders.push(new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: metrics!.exportIntervalMillis, exportTimeoutMillis: metrics!.exportTimeoutMillis }));
  }
  return out;
}
