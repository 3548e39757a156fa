/**
 * Reads the standard OTEL_* environment variables into a plain telemetry config, without I/O.
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface OtlpExportConfig {
  /** Full URL of the signal's OTLP/HTTP endpoint, e.g. http://otel-collector:4318/v1/traces. */
  url: string;
  /** Extra request headers (OTEL_EXPORTER_OTLP_HEADERS, then the signal-specific ones). */
  headers: Record<string, string>;
  /** Request timeout (OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT); the exporter's default when absent. */
  timeoutMillis?: number;
}

export interface TelemetryConfig {
  /** service.name: OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES, else the role's default. */
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, parsed (service.name included when set there). */
  resourceAttributes: Record<string, string>;
  /** True when OTEL_SDK_DISABLED=true: nothing is exported (instruments still work in memory). */
  disabled: boolean;
  /** Absent when nothing is to be exported for traces. */
  traces?: OtlpExportConfig;
  /** Absent when nothing is to be exported for metrics. */
  metrics?: OtlpExportConfig & { exportIntervalMillis: number; exportTimeoutMillis: number };
}

/** `key1=value1,key2=value2` with percent-encoded values, as in OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS. */
export function parseKeyValueList(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (raw ?? '').split(',')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq).trim();
    if (!key) continue;
    const value = entry.slice(eq + 1).trim();
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

function positiveInt(value: string | undefined): number | undefined {
  const v = nonEmpty(value);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The base endpoint gets the signal path appended; a signal-specific endpoint is used as is. */
function signalUrl(env: Env, signal: 'TRACES' | 'METRICS'): string | undefined {
  const specific = nonEmpty(env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]);
  if (specific) return specific;
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/v1/${signal.toLowerCase()}`;
}

function exportConfig(env: Env, signal: 'TRACES' | 'METRICS'): OtlpExportConfig | undefined {
  if (nonEmpty(env[`OTEL_${signal}_EXPORTER`])?.toLowerCase() === 'none') return undefined;
  const url = signalUrl(env, signal);
  if (!url) return undefined;
  const headers = { ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValueList(env[`OTEL_EXPORTER_OTLP_${signal}_HEADERS`]) };
  const timeoutMillis = positiveInt(env[`OTEL_EXPORTER_OTLP_${signal}_TIMEOUT`]) ?? positiveInt(env.OTEL_EXPORTER_OTLP_TIMEOUT);
  return timeoutMillis === undefined ? { url, headers } : { url, headers, timeoutMillis };
}

export function telemetryConfigFromEnv(env: Env, defaultServiceName: string): TelemetryConfig {
  const resourceAttributes = parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES);
  const serviceName = nonEmpty(env.OTEL_SERVICE_NAME) ?? nonEmpty(resourceAttributes['service.name']) ?? defaultServiceName;
  const disabled = nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true';
  const config: TelemetryConfig = { serviceName, resourceAttributes, disabled };
  if (disabled) return config;
  const traces = exportConfig(env, 'TRACES');
  if (traces) config.traces = traces;
  const metrics = exportConfig(env, 'METRICS');
  if (metrics) {
    const exportIntervalMillis = positiveInt(env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000;
    // The periodic reader rejects a timeout longer than its interval.
    const exportTimeoutMillis = Math.min(positiveInt(env.OTEL_METRIC_EXPORT_TIMEOUT) ?? 30_000, exportIntervalMillis);
    config.metrics = { ...metrics, exportIntervalMillis, exportTimeoutMillis };
  }
  return config;
}
