import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createTelemetry, type Telemetry } from './telemetry.ts';

/** For tests: Telemetry whose spans and metrics stay in memory, to be read back. */
export interface InMemoryTelemetry {
  telemetry: Telemetry;
  /** Ended spans so far. */
  spans(): ReadableSpan[];
  /** Collects now and returns every metric (cumulative). */
  collect(): Promise<MetricData[]>;
  /** Collects now and returns the points of one metric: sums and gauges as numbers, histograms as their count and sum. */
  points(name: string): Promise<MetricPoint[]>;
}

export interface MetricPoint {
  attributes: Attributes;
  value: number;
  /** Histograms only. */
  sum?: number;
}

export function inMemoryTelemetry(serviceName = 'sluice-test'): InMemoryTelemetry {
  const spanExporter = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when collect() forces it.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const telemetry = createTelemetry({ serviceName, spanProcessors: [new SimpleSpanProcessor(spanExporter)], metricReaders: [reader] });
  const collect = async (): Promise<MetricData[]> => {
    metricExporter.reset();
    await reader.forceFlush();
    return (metricExporter.getMetrics().at(-1)?.scopeMetrics ?? []).flatMap((s) => s.metrics);
  };
  return {
    telemetry,
    spans: () => spanExporter.getFinishedSpans(),
    collect,
    points: async (name) => {
      const metric = (await collect()).find((m) => m.descriptor.name === name);
      if (!metric) return [];
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        return metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value.count, sum: p.value.sum ?? 0 }));
      }
      if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
        return metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value.count, sum: p.value.sum ?? 0 }));
      }
      return metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value }));
    },
  };
}
