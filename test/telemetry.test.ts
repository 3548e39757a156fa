import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec } from '../services/core/avro/codec.ts';
import { LocalSchemaRegistry } from '../services/core/avro/registry.ts';
import { ManualClock } from '../services/core/clock.ts';
import type { Collector, CollectorOutput, FindingSink } from '../services/core/components.ts';
import { appTopology, resolveConfig } from '../services/cli/config.ts';
import { DeadLetterWriter } from '../services/core/dead-letter.ts';
import { SCHEMA_NAMES } from '../services/core/events.ts';
import { silentLogger } from '../services/core/logger.ts';
import { inMemoryTelemetry, type MetricPoint } from '../services/core/telemetry-testing.ts';
import { isCaughtUp } from '../services/core/transport.ts';
import { collectFiles } from '../services/collectors/service.ts';
import { buildProcessor } from '../services/processor/build.ts';
import { EmbeddedLog } from '../services/transports/embedded/log.ts';
import { apiActivity } from './fixtures/events/api-activity.ts';

const PRINCIPAL = 'arn:aws:iam::123456789012:user/alice';

/** One JSON line per event: {"op","uid"}; anything else is rejected as malformed. */
const lineCollector: Collector = {
  type: 'test_lines',
  *collect({ name, bytes }): Iterable<CollectorOutput> {
    const lines = bytes.toString('utf8').split('\n').filter(Boolean);
    for (const [i, line] of lines.entries()) {
      const position = `${name}:${i + 1}`;
      try {
        const { op, uid } = JSON.parse(line) as { op: string; uid: string };
        yield { kind: 'event', stream: 'activity', key: PRINCIPAL, position, event: apiActivity({ operation: op, service: 'cloudtrail.amazonaws.com', uid }) };
      } catch {
        yield { kind: 'dead_letter', stage: 'collect', source: 'test_lines', position, reasonCode: 'SLUICE_ERR_INPUT_MALFORMED', reason: 'not JSON', raw: Buffer.from(line) };
      }
    }
  },
};

function value(points: MetricPoint[], labels: Record<string, string>): number | undefined {
  return points.find((p) => Object.entries(labels).every(([k, v]) => p.attributes[k] === v))?.value;
}

test('collector -> processor -> sinks: counters, one trace through the Kafka headers, traceparent on findings, lag 0', async () => {
  const mem = inMemoryTelemetry();
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ processor: { workers: 1 }, topics: { partitions: 3 } });
  const log = new EmbeddedLog({ partitions: 3, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const ctx = { config, logger: silentLogger(), clock, telemetry: mem.telemetry };
  const dir = await mkdtemp(join(tmpdir(), 'sluice-telemetry-'));
  const processor = await buildProcessor(ctx, appTopology(config), log, codec);
  try {
    // A poison message without trace headers, first in the partition the collector's events go to.
    const producer = await log.producer();
    await producer.send(config.topics.activity, [{ key: PRINCIPAL, value: Buffer.from('not avro') }]);

    // Two publish batches of two records: [StopLogging, bad line] and [DeleteTrail, ListBuckets].
    const input = join(dir, 'events.ndjson');
    const lines = ['{"op":"StopLogging","uid":"e1"}', 'not json', '{"op":"DeleteTrail","uid":"e2"}', '{"op":"ListBuckets","uid":"e3"}'];
    await writeFile(input, lines.join('\n'));
    const deadLetters = new DeadLetterWriter(producer, codec, config.topics.deadLetter, clock);
    const stats = await collectFiles(
      { collector: lineCollector, producer, codec, deadLetters, topics: config.topics, logger: ctx.logger, telemetry: mem.telemetry, batchSize: 2 },
      [input],
    );
    assert.deepEqual(stats, { files: 1, read: 4, normalized: 3, deadLettered: 1, skipped: 0, skippedFiles: [], byStream: { activity: 3 } });

    await processor.service.start();
    while (!(await isCaughtUp(log, config.processor.groupId, config.topics.activity))) await log.waitForChange(20);

    // ---- metrics
    const collector = { component_id: 'test_lines', component_kind: 'collector', component_type: 'test_lines' };
    const proc = { component_id: 'processor', component_kind: 'processor', component_type: 'processor' };
    const siem = { component_id: 'siem_kafka', component_kind: 'sink', component_type: 'siem_kafka' };
    const received = await mem.points('component_received_events_total');
    const sent = await mem.points('component_sent_events_total');
    const discarded = await mem.points('component_discarded_events_total');
    const errors = await mem.points('component_errors_total');
    assert.equal(value(received, collector), 4);
    assert.equal(value(sent, collector), 3);
    assert.equal(value(discarded, { ...collector, reason_code: 'SLUICE_ERR_INPUT_MALFORMED' }), 1);
    assert.equal(value(errors, { ...collector, error_type: 'parser_failed', stage: 'processing' }), 1);
    assert.equal(value(received, proc), 4);
    assert.equal(value(sent, proc), 2, 'two findings: logging stopped, trail deleted');
    assert.equal(value(discarded, { ...proc, reason_code: 'SLUICE_ERR_SCHEMA_DECODE' }), 1);
    assert.equal(value(errors, { ...proc, error_type: 'decoder_failed', stage: 'processing' }), 1);
    assert.equal(value(received, siem), 2);
    assert.equal(value(sent, siem), 2);
    assert.equal(discarded.length, 2);
    assert.equal(value(await mem.points('sluice_batch_duration_seconds'), proc), 1);
    assert.equal(value(await mem.points('sluice_sink_flush_duration_seconds'), siem), 1);
    assert.equal(value(await mem.points('sluice_pool_queue_depth'), proc), 0);
    assert.equal((await mem.points('sluice_pool_utilization')).length, 1);

    const partition = log.readAll(config.topics.activity)[0]!.partition;
    const lag = await mem.points('sluice_consumer_lag');
    assert.deepEqual(lag, [{ attributes: { ...proc, topic: config.topics.activity, partition: String(partition) }, value: 0 }]);

    // ---- traces: collector batch spans -> process batch (parent + link) -> decode, detect, sink write
    const spans = mem.spans();
    const publishes = spans.filter((s) => s.name === 'sluice.publish_batch');
    assert.equal(publishes.length, 2);
    const [first, second] = publishes.map((s) => s.spanContext());
    const batch = spans.find((s) => s.name === 'sluice.process_batch');
    assert.ok(batch);
    assert.equal(batch.spanContext().traceId, first!.traceId, 'the batch continues the trace of its first traced message');
    assert.equal(batch.parentSpanContext?.spanId, first!.spanId);
    assert.equal(batch.parentSpanContext?.isRemote, true);
    assert.deepEqual(
      batch.links.map((l) => [l.context.traceId, l.context.spanId]),
      [[second!.traceId, second!.spanId]],
    );
    assert.deepEqual(batch.attributes, {
      'messaging.system': 'sluice_embedded',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': config.processor.groupId,
      'messaging.destination.name': config.topics.activity,
      'messaging.destination.partition.id': String(partition),
      'messaging.batch.message_count': 4,
      'sluice.offset.first': '0',
      'sluice.offset.last': '3',
      'sluice.findings': 2,
      'sluice.dead_lettered': 1,
      'sluice.state_epoch': 1,
    });
    const children = spans.filter((s) => s.parentSpanContext?.spanId === batch.spanContext().spanId).map((s) => s.name);
    assert.deepEqual(children.sort(), ['sluice.decode', 'sluice.detect', 'sluice.sink.write']);
    const sinkSpan = spans.find((s) => s.name === 'sluice.sink.write')!;
    assert.equal(sinkSpan.attributes['sluice.sink'], 'siem_kafka');

    // ---- the findings carry the sink write's context, the collector's events their batch's
    const findings = log.readAll(config.topics.findings);
    assert.equal(findings.length, 2);
    for (const f of findings) {
      assert.equal(f.headers.traceparent, `00-${first!.traceId}-${sinkSpan.spanContext().spanId}-01`);
    }
    const events = log.readAll(config.topics.activity).filter((m) => m.headers['sluice-source'] === 'test_lines');
    assert.deepEqual(
      events.map((m) => m.headers.traceparent),
      [first, second, second].map((c) => `00-${c!.traceId}-${c!.spanId}-01`),
    );
    // Dead letters carry the trace of the batch that rejected them.
    const dead = log.readAll(config.topics.deadLetter);
    assert.deepEqual(dead.map((m) => m.headers.traceparent?.split('-')[1]).sort(), [first!.traceId, first!.traceId].sort());
  } finally {
    await processor.close();
    await log.close();
    await mem.telemetry.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failing sink: the sink and the processor count an error, the batch and sink spans end in error', async () => {
  const mem = inMemoryTelemetry();
  const clock = new ManualClock(1_700_000_000_000);
  const config = resolveConfig({ processor: { workers: 1 }, topics: { partitions: 1 } });
  const log = new EmbeddedLog({ partitions: 1, clock });
  const codec = new AvroCodec(new LocalSchemaRegistry());
  const broken: FindingSink = {
    name: 'broken',
    start: async () => {},
    write: async (findings) => {
      if (findings.length) throw new Error('sink unavailable');
    },
    healthcheck: async () => {},
    close: async () => {},
  };
  const processor = await buildProcessor({ config, logger: silentLogger(), clock, telemetry: mem.telemetry }, appTopology(config), log, codec, [broken]);
  try {
    const stop = apiActivity({ operation: 'StopLogging', service: 'cloudtrail.amazonaws.com', uid: 'e1' });
    await (await log.producer()).send(config.topics.activity, [{ key: PRINCIPAL, value: await codec.encode(config.topics.activity, SCHEMA_NAMES.apiActivity, stop) }]);
    const consumer = await processor.service.start();
    await assert.rejects(consumer.done, /sink unavailable/);

    const errors = await mem.points('component_errors_total');
    assert.equal(value(errors, { component_id: 'broken', component_kind: 'sink', error_type: 'writer_failed', stage: 'sending' }), 1);
    assert.equal(value(errors, { component_id: 'processor', error_type: 'writer_failed', stage: 'sending' }), 1);
    assert.equal(value(await mem.points('component_sent_events_total'), { component_id: 'broken' }), undefined);
    assert.equal(value(await mem.points('sluice_batch_duration_seconds'), { component_id: 'processor' }), 1);
    assert.deepEqual(await mem.points('sluice_consumer_lag'), [], 'no lag is reported for a batch that was not committed');
    const failed = mem.spans().filter((s) => s.status.code === SpanStatusCode.ERROR).map((s) => s.name);
    assert.deepEqual(failed.sort(), ['sluice.process_batch', 'sluice.sink.write']);
  } finally {
    await processor.close();
    await log.close();
  }
});
