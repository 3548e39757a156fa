import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { componentLabels } from './metrics.ts';
import { telemetryConfigFromEnv } from './telemetry-config.ts';
import { startTelemetry, type Telemetry } from './telemetry.ts';
import { inMemoryTelemetry } from './telemetry-testing.ts';
import { SLUICE_VERSION } from './version.ts';

/**
 * The SDK reads the OTEL_* variables from process.env: each test sets exactly the ones it names
 * (the others are removed) and restores the environment afterwards.
 */
async function withOtelEnv<T>(vars: Record<string, string>, fn: () => Promise<T> | T): Promise<T> {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A real OTLP/HTTP receiver: records each export request and answers 200. */
async function otlpReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': String(req.headers['content-type'] ?? 'application/json') });
      res.end(req.headers['content-type'] === 'application/json' ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function resourceOf(telemetry: Telemetry): Promise<Record<string, unknown>> {
  await telemetry.resource.waitForAsyncAttributes?.();
  return { ...telemetry.resource.attributes };
}

/** Records one span and one counter, then flushes. */
async function emit(telemetry: Telemetry): Promise<void> {
  telemetry.metrics.received(componentLabels('collector', 'aws_cloudtrail'), 2);
  telemetry.tracer.startSpan('sluice.publish_batch').end();
  await telemetry.forceFlush();
}

test('without an endpoint nothing is exported; service.name defaults to the role and service.version is this Sluice', async () => {
  await withOtelEnv({}, async () => {
    const telemetry = await startTelemetry({ serviceName: 'sluice-processor' });
    try {
      assert.deepEqual(telemetry.exporters, { traces: [], metrics: [] });
      assert.equal(telemetry.serviceName, 'sluice-processor');
      const resource = await resourceOf(telemetry);
      assert.equal(resource['service.name'], 'sluice-processor');
      assert.equal(resource['service.version'], SLUICE_VERSION);
      assert.match(SLUICE_VERSION, /^\d+\.\d+\.\d+/);
      // The standard detectors ran: host, os, process, service instance.
      for (const key of ['host.name', 'os.type', 'process.pid', 'process.runtime.name', 'service.instance.id', 'telemetry.sdk.language']) assert.ok(key in resource, `${key} in the resource`);
      await emit(telemetry); // instruments and spans still work
      assert.ok(trace.isSpanContextValid(telemetry.tracer.startSpan('s').spanContext()));
    } finally {
      await telemetry.shutdown();
    }
  });
});

test('OTEL_EXPORTER_OTLP_ENDPOINT: the SDK exports OTLP http/protobuf by default, with the headers and resource from the environment', async () => {
  const receiver = await otlpReceiver();
  try {
    await withOtelEnv(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc',
        OTEL_SERVICE_NAME: 'my-collector',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=dev,team=secops',
      },
      async () => {
        const telemetry = await startTelemetry({ serviceName: 'sluice-collector' });
        try {
          assert.ok(telemetry.exporters.traces[0] instanceof ProtoTraceExporter);
          assert.equal(telemetry.serviceName, 'my-collector');
          const resource = await resourceOf(telemetry);
          assert.equal(resource['deployment.environment.name'], 'dev');
          assert.equal(resource.team, 'secops');
          await emit(telemetry);
        } finally {
          await telemetry.shutdown();
        }
      },
    );
    const paths = receiver.received.map((r) => r.path).sort();
    assert.ok(paths.includes('/v1/traces') && paths.includes('/v1/metrics'), `received ${paths.join(', ')}`);
    for (const r of receiver.received) {
      assert.equal(r.headers['content-type'], 'application/x-protobuf');
      assert.equal(r.headers.authorization, 'Bearer abc');
      assert.ok(r.body.includes(Buffer.from('my-collector')), 'service.name in the body');
      assert.ok(r.body.includes(Buffer.from(SLUICE_VERSION)), 'service.version in the body');
    }
  } finally {
    await receiver.close();
  }
});

test('OTEL_EXPORTER_OTLP_PROTOCOL=http/json and a signal-specific endpoint used as is', async () => {
  const receiver = await otlpReceiver();
  try {
    await withOtelEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces`, OTEL_METRICS_EXPORTER: 'none' }, async () => {
      const telemetry = await startTelemetry({ serviceName: 'sluice-run' });
      try {
        assert.ok(telemetry.exporters.traces[0] instanceof JsonTraceExporter);
        assert.deepEqual(telemetry.exporters.metrics, []);
        await emit(telemetry);
      } finally {
        await telemetry.shutdown();
      }
    });
    assert.deepEqual(receiver.received.map((r) => r.path), ['/custom/traces']);
    const body = JSON.parse(receiver.received[0]!.body.toString()) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> } }> };
    const attrs = Object.fromEntries(body.resourceSpans[0]!.resource.attributes.map((a) => [a.key, a.value.stringValue]));
    assert.equal(attrs['service.name'], 'sluice-run');
    assert.equal(attrs['service.version'], SLUICE_VERSION);
  } finally {
    await receiver.close();
  }
});

test('grpc protocol, per signal: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL overrides OTEL_EXPORTER_OTLP_PROTOCOL', async () => {
  await withOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }, async () => {
    const telemetry = await startTelemetry({ serviceName: 'sluice-run' });
    try {
      assert.ok(telemetry.exporters.traces[0] instanceof ProtoTraceExporter);
      assert.ok(!(telemetry.exporters.traces[0] instanceof GrpcTraceExporter));
      assert.ok(telemetry.exporters.metrics[0] instanceof GrpcMetricExporter);
      assert.equal(telemetry.config?.metrics?.protocol, 'grpc');
    } finally {
      await telemetry.shutdown();
    }
  });
});

test('exporter selection: none, console, OTEL_SDK_DISABLED, and values Sluice does not support are reported', async () => {
  await withOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, () => {
    const c = telemetryConfigFromEnv('sluice-run');
    assert.equal(c.traces, undefined);
    assert.deepEqual(c.metrics?.exporters, ['otlp']);
    assert.equal(c.metrics?.exportIntervalMillis, 60_000);
  });
  await withOtelEnv({ OTEL_TRACES_EXPORTER: 'console,zipkin', OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon', OTEL_METRIC_EXPORT_INTERVAL: '5000' }, async () => {
    const c = telemetryConfigFromEnv('sluice-run');
    assert.deepEqual(c.traces?.exporters, ['console']);
    assert.equal(c.metrics, undefined, 'no endpoint and no exporter named: no metrics export');
    assert.ok(c.warnings.some((w) => /OTEL_TRACES_EXPORTER=zipkin/.test(w)));
    assert.ok(c.warnings.some((w) => /carrier-pigeon/.test(w)));
    const telemetry = await startTelemetry({ serviceName: 'sluice-run' });
    assert.ok(telemetry.exporters.traces[0] instanceof ConsoleSpanExporter);
    await telemetry.shutdown();
  });
  await withOtelEnv({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, async () => {
    const telemetry = await startTelemetry({ serviceName: 'sluice-run' });
    assert.deepEqual(telemetry.exporters, { traces: [], metrics: [] });
    assert.equal(telemetry.config?.disabled, true);
  });
  await withOtelEnv({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '5000' }, () => {
    const c = telemetryConfigFromEnv('sluice-run');
    assert.deepEqual(c.metrics?.exporters, ['otlp'], 'a named exporter is used even without an endpoint (the SDK default one)');
    assert.equal(c.metrics?.exportIntervalMillis, 5000);
    assert.equal(c.metrics?.exportTimeoutMillis, 5000, 'the timeout is at most the interval');
  });
});

test('service.name: OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then the default; OTEL_NODE_RESOURCE_DETECTORS chooses the detectors', async () => {
  await withOtelEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' }, () => assert.equal(telemetryConfigFromEnv('sluice-run').serviceName, 'from-attrs'));
  await withOtelEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=a', OTEL_SERVICE_NAME: 'b' }, () => assert.equal(telemetryConfigFromEnv('sluice-run').serviceName, 'b'));
  await withOtelEnv({}, () => assert.equal(telemetryConfigFromEnv('sluice-run').serviceName, 'sluice-run'));
  await withOtelEnv({ OTEL_NODE_RESOURCE_DETECTORS: 'env,process', OTEL_RESOURCE_ATTRIBUTES: 'service.version=9.9.9' }, async () => {
    const telemetry = await startTelemetry({ serviceName: 'sluice-run' });
    const resource = await resourceOf(telemetry);
    assert.ok('process.pid' in resource);
    assert.ok(!('host.name' in resource), 'the host detector did not run');
    assert.equal(resource['service.version'], '9.9.9', 'a service.version from the environment wins');
    await telemetry.shutdown();
  });
  await withOtelEnv({ OTEL_NODE_RESOURCE_DETECTORS: 'none,bogus' }, () => assert.deepEqual(telemetryConfigFromEnv('x').resourceDetectors, []));
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
