/**
 * Which telemetry a role exports, decided from the standard OTEL_* variables with the SDK's own
 * readers (@opentelemetry/core's getStringFromEnv & co. and the resources' envDetector). Endpoints,
 * headers, timeouts, compression, certificates, temporality, the sampler and the batch processor
 * settings are not read here: the OTLP exporters, the tracer provider and the batch span processor
 * read them themselves when they are built. What is decided here, as the NodeSDK decides it:
 * the exporter of each signal (OTEL_{TRACES,METRICS}_EXPORTER), the OTLP protocol
 * (OTEL_EXPORTER_OTLP_[SIGNAL_]PROTOCOL), the metric export interval, the resource detectors
 * (OTEL_NODE_RESOURCE_DETECTORS) and OTEL_SDK_DISABLED.
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
import { getBooleanFromEnv, getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { envDetector } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from './semconv.ts';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export type SignalExporter = 'otlp' | 'console';
export const RESOURCE_DETECTORS = ['env', 'host', 'os', 'process', 'serviceinstance'] as const;
export type ResourceDetectorName = (typeof RESOURCE_DETECTORS)[number];

export interface SignalExport {
  exporters: SignalExporter[];
  /** The OTLP encoding and transport (default http/protobuf, as the specification says). */
  protocol: OtlpProtocol;
}

export interface TelemetryConfig {
  /** service.name: OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES, else the role's default. */
  serviceName: string;
  /** OTEL_SDK_DISABLED=true: nothing is exported (instruments still work in memory). */
  disabled: boolean;
  /** Absent when no trace exporter is to be built. */
  traces?: SignalExport;
  /** Absent when no metric exporter is to be built. */
  metrics?: SignalExport & { exportIntervalMillis: number; exportTimeoutMillis: number };
  /** OTEL_NODE_RESOURCE_DETECTORS (default all). */
  resourceDetectors: ResourceDetectorName[];
  /** Values that were ignored, and why (printed by the role at start). */
  warnings: string[];
}

type Signal = 'TRACES' | 'METRICS';

function protocolOf(signal: Signal, warnings: string[]): OtlpProtocol {
  const raw = getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if ((OTLP_PROTOCOLS as readonly string[]).includes(raw)) return raw as OtlpProtocol;
  warnings.push(`unsupported OTLP protocol "${raw}" for ${signal.toLowerCase()}: using http/protobuf`);
  return 'http/protobuf';
}

/**
 * OTEL_<SIGNAL>_EXPORTER as the SDK reads it, with one difference: when it is unset, OTLP is used
 * only if an OTLP endpoint is set for the signal, so an unconfigured Sluice does not try
 * http://localhost:4318 on every export.
 */
function exportersOf(signal: Signal, warnings: string[]): SignalExporter[] {
  const listed = [...new Set(getStringListFromEnv(`OTEL_${signal}_EXPORTER`) ?? [])].filter((s) => s !== 'null');
  if (listed.length === 0) {
    const endpoint = getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`) ?? getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT');
    return endpoint ? ['otlp'] : [];
  }
  if (listed.includes('none')) return [];
  const out: SignalExporter[] = [];
  for (const name of listed) {
    if (name === 'otlp' || name === 'console') out.push(name);
    else warnings.push(`OTEL_${signal}_EXPORTER=${name} is not supported by Sluice (otlp, console, none): ignored`);
  }
  return out;
}

function detectorsOf(warnings: string[]): ResourceDetectorName[] {
  const listed = getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS') ?? ['all'];
  if (listed.includes('all')) return [...RESOURCE_DETECTORS];
  if (listed.includes('none')) return [];
  return listed.filter((d): d is ResourceDetectorName => {
    const known = (RESOURCE_DETECTORS as readonly string[]).includes(d);
    if (!known) warnings.push(`unknown resource detector "${d}" in OTEL_NODE_RESOURCE_DETECTORS: ignored`);
    return known;
  });
}

function positive(name: string): number | undefined {
  const n = getNumberFromEnv(name);
  return n !== undefined && n > 0 ? n : undefined;
}

/** Reads the OTEL_* variables of process.env (where the SDK's exporters read theirs). */
export function telemetryConfigFromEnv(defaultServiceName: string): TelemetryConfig {
  const warnings: string[] = [];
  const fromEnv = envDetector.detect().attributes?.[ATTR_SERVICE_NAME];
  const serviceName = typeof fromEnv === 'string' && fromEnv ? fromEnv : defaultServiceName;
  const config: TelemetryConfig = { serviceName, disabled: getBooleanFromEnv('OTEL_SDK_DISABLED'), resourceDetectors: detectorsOf(warnings), warnings };
  if (config.disabled) return config;
  const traceExporters = exportersOf('TRACES', warnings);
  if (traceExporters.length) config.traces = { exporters: traceExporters, protocol: protocolOf('TRACES', warnings) };
  const metricExporters = exportersOf('METRICS', warnings);
  if (metricExporters.length) {
    const exportIntervalMillis = positive('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
    // The periodic reader rejects a timeout longer than its interval.
    const exportTimeoutMillis = Math.min(positive('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, exportIntervalMillis);
    config.metrics = { exporters: metricExporters, protocol: protocolOf('METRICS', warnings), exportIntervalMillis, exportTimeoutMillis };
  }
  return config;
}
