import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { componentLabels } from './metrics.ts';
import { parseKeyValueList, telemetryConfigFromEnv } from './telemetry-config.ts';
import { startTelemetry } from './telemetry.ts';
import { inMemoryTelemetry } from './telemetry-testing.ts';

test('without an endpoint nothing is exported, and the service name defaults to the role', async () => {
  const telemetry = startTelemetry({ serviceName: 'sluice-processor', env: {} });
  try {
    assert.deepEqual(telemetry.exporters, {});
    assert.equal(telemetry.serviceName, 'sluice-processor');
    assert.equal(telemetry.config?.traces, undefined);
    assert.equal(telemetry.config?.metrics, undefined);
    // Instruments and spans still work.
    telemetry.metrics.received(componentLabels('processor', 'processor'), 3);
    const span = telemetry.tracer.startSpan('s');
    assert.ok(trace.isSpanContextValid(span.spanContext()));
    span.end();
  } finally {
    await telemetry.shutdown();
  }
});

test('OTEL_EXPORTER_OTLP_ENDPOINT creates OTLP/HTTP exporters for traces and metrics (nothing is sent)', async () => {
  const telemetry = startTelemetry({
    serviceName: 'sluice-collector',
    env: {
      // Port 9 (discard): nothing listens, and nothing is sent because nothing is recorded.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc',
      OTEL_SERVICE_NAME: 'my-collector',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=dev,team=secops',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
    },
  });
  try {
    assert.ok(telemetry.exporters.traces instanceof OTLPTraceExporter);
    assert.ok(telemetry.exporters.metrics instanceof OTLPMetricExporter);
    assert.equal(telemetry.serviceName, 'my-collector');
    assert.deepEqual(telemetry.config?.traces, { url: 'http://127.0.0.1:9/v1/traces', headers: { authorization: 'Bearer abc' } });
    assert.deepEqual(telemetry.config?.metrics, {
      url: 'http://127.0.0.1:9/v1/metrics',
      headers: { authorization: 'Bearer abc' },
      exportIntervalMillis: 5000,
      exportTimeoutMillis: 5000,
    });
    assert.deepEqual(telemetry.config?.resourceAttributes, { 'deployment.environment': 'dev', team: 'secops' });
  } finally {
    await telemetry.shutdown();
  }
});

test('signal-specific endpoints are used as they are; OTEL_<SIGNAL>_EXPORTER=none turns a signal off', () => {
  const config = telemetryConfigFromEnv(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      OTEL_METRICS_EXPORTER: 'none',
    },
    'sluice-run',
  );
  assert.deepEqual(config.traces, { url: 'https://traces.example/otlp', headers: {}, timeoutMillis: 2500 });
  assert.equal(config.metrics, undefined);

  const metricsOnly = telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4318/v1/metrics' }, 'sluice-run');
  assert.equal(metricsOnly.traces, undefined);
  assert.equal(metricsOnly.metrics?.url, 'http://m:4318/v1/metrics');
});

test('OTEL_SDK_DISABLED=true exports nothing even with an endpoint', () => {
  const telemetry = startTelemetry({ serviceName: 'sluice-run', env: { OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' } });
  assert.deepEqual(telemetry.exporters, {});
  assert.equal(telemetry.config?.disabled, true);
});

test('service.name: OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then the default', () => {
  assert.equal(telemetryConfigFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' }, 'sluice-run').serviceName, 'from-attrs');
  assert.equal(telemetryConfigFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=a', OTEL_SERVICE_NAME: 'b' }, 'sluice-run').serviceName, 'b');
  assert.deepEqual(parseKeyValueList('a=1, b = x%2Cy ,bad,=v,c='), { a: '1', b: 'x,y', c: '' });
});

test('traceparent and tracestate round-trip through message headers', () => {
  const { telemetry } = inMemoryTelemetry();
  const span = telemetry.tracer.startSpan('publish');
  const headers = telemetry.inject(trace.setSpan(telemetry.extract({}), span), { 'sluice-source': 'x' });
  span.end();
  assert.match(headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  const extracted = trace.getSpanContext(telemetry.extract(headers));
  assert.equal(extracted?.traceId, span.spanContext().traceId);
  assert.equal(extracted?.spanId, span.spanContext().spanId);
  assert.equal(extracted?.isRemote, true);
});

test('a batch takes its first message context as parent and links the other distinct ones', () => {
  const { telemetry } = inMemoryTelemetry();
  const a = telemetry.tracer.startSpan('a');
  const b = telemetry.tracer.startSpan('b');
  const ha = telemetry.inject(trace.setSpan(telemetry.extract({}), a));
  const hb = telemetry.inject(trace.setSpan(telemetry.extract({}), b));
  const { parent, links } = telemetry.extractBatch([{ headers: {} }, { headers: ha }, { headers: ha }, { headers: hb }, { headers: hb }]);
  assert.equal(trace.getSpanContext(parent)?.spanId, a.spanContext().spanId);
  assert.deepEqual(
    links.map((l) => l.context.spanId),
    [b.spanContext().spanId],
  );
  assert.deepEqual(telemetry.extractBatch([{ headers: {} }]).links, []);
});

test('inSpan records the error, sets the status and ends the span', async () => {
  const mem = inMemoryTelemetry();
  await assert.rejects(
    mem.telemetry.inSpan('boom', mem.telemetry.extract({}), {}, async () => {
      throw new Error('no');
    }),
    /no/,
  );
  const [span] = mem.spans();
  assert.equal(span?.name, 'boom');
  assert.equal(span?.status.code, 2);
  assert.equal(span?.events[0]?.name, 'exception');
});

test('counters carry the component labels; observable gauges are no longer read once unregistered', async () => {
  const mem = inMemoryTelemetry();
  const labels = componentLabels('sink', 'clickhouse');
  mem.telemetry.metrics.received(labels, 5);
  mem.telemetry.metrics.received(labels, 2);
  mem.telemetry.metrics.discarded(componentLabels('processor', 'processor'), 'SLUICE_ERR_SCHEMA_DECODE');
  assert.deepEqual(await mem.points('component_received_events_total'), [
    { attributes: { component_id: 'clickhouse', component_kind: 'sink', component_type: 'clickhouse' }, value: 7 },
  ]);
  assert.deepEqual((await mem.points('component_discarded_events_total'))[0]?.attributes.reason_code, 'SLUICE_ERR_SCHEMA_DECODE');

  let reads = 0;
  const stop = mem.telemetry.metrics.observePool(componentLabels('processor', 'processor'), () => {
    reads++;
    return { queueSize: 4, utilization: 0.5 };
  });
  assert.deepEqual((await mem.points('sluice_pool_queue_depth')).map((p) => p.value), [4]);
  assert.deepEqual((await mem.points('sluice_pool_utilization')).map((p) => p.value), [0.5]);
  const before = reads;
  stop();
  await mem.collect();
  assert.equal(reads, before);
});
