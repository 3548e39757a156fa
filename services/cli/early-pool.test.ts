import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec } from '../core/avro/codec.ts';
import { LocalSchemaRegistry } from '../core/avro/registry.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { inMemoryTelemetry } from '../core/telemetry-testing.ts';
import { buildProcessor } from '../processor/build.ts';
import { EmbeddedLog } from '../transports/embedded/log.ts';
import { collectorFor } from './collectors.ts';
import { appTopology, resolveConfig } from './config.ts';
import { startDetectorPool } from './early-pool.ts';
import { CollectingSink } from './output.ts';
import { runPipeline } from './pipeline.ts';
import { stopLoggingRecord } from '../../test/fixtures/cloudtrail/stop-logging.ts';

/**
 * `sluice run` starts the detector pool before it loads the rest of the pipeline (early-pool.ts);
 * the processor then takes that pool over: same findings, same pool gauges, closed at the end,
 * and closed too when the run fails before the processor exists.
 */

const PROCESSOR = { component_id: 'processor', component_kind: 'processor', component_type: 'processor' };

/** A CloudTrail StopLogging record (the start-up bench's record): signatures' CloudTrail logging stopped. */
const STOP_LOGGING = stopLoggingRecord('early-pool-1');

test('a pool started early reports its gauges once the processor takes it, and is closed with it', async () => {
  const mem = inMemoryTelemetry();
  const config = resolveConfig({ processor: { workers: 1 } });
  const pool = await startDetectorPool(config);
  const log = new EmbeddedLog({ partitions: config.topics.partitions, clock: systemClock });
  try {
    assert.equal((await mem.points('sluice_pool_queue_depth')).length, 0, 'no telemetry before the processor takes the pool');
    const ctx = { config, logger: silentLogger(), clock: systemClock, telemetry: mem.telemetry };
    const processor = await buildProcessor(ctx, appTopology(config), log, new AvroCodec(new LocalSchemaRegistry()), [], pool);
    assert.equal(processor.pool, pool);
    const depth = await mem.points('sluice_pool_queue_depth');
    assert.deepEqual(depth.find((p) => Object.entries(PROCESSOR).every(([k, v]) => p.attributes[k] === v))?.value, 0);
    assert.equal((await mem.points('sluice_pool_utilization')).length, 1);
    await processor.close();
    assert.equal(pool.threads, 0, 'the processor closed the pool');
  } finally {
    await log.close();
  }
});

test('runPipeline with a pool started early finds what it finds without one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-early-pool-'));
  try {
    const input = join(dir, 'one.json');
    await writeFile(input, JSON.stringify(STOP_LOGGING));
    const config = resolveConfig({ processor: { workers: 2 } });
    const run = async (early: boolean): Promise<{ titles: string[]; threadsAfter: number | null }> => {
      const sink = new CollectingSink();
      const pool = early ? await startDetectorPool(config) : undefined;
      const ctx = { config, logger: silentLogger(), clock: systemClock, telemetry: inMemoryTelemetry().telemetry };
      const summary = await runPipeline(ctx, { collector: collectorFor('auto', config), inputs: [input], sinks: [sink], ...(pool ? { pool } : {}) });
      assert.equal(summary.processor.eventsIn, 1);
      return { titles: sink.findings.map((f) => f.finding_info.title).sort(), threadsAfter: pool ? pool.threads : null };
    };
    const without = await run(false);
    const withEarly = await run(true);
    assert.deepEqual(without.titles, ['CloudTrail logging stopped']);
    assert.deepEqual(withEarly.titles, without.titles);
    assert.equal(withEarly.threadsAfter, 0, 'runPipeline closed the pool it was given');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('runPipeline closes the pool it was given when it fails before building the processor', async () => {
  // Kafka without a Schema Registry is refused (local schema ids) before the processor is built.
  const config = resolveConfig({ kafka: { brokers: ['127.0.0.1:9'] } });
  const pool = await startDetectorPool(resolveConfig({ processor: { workers: 1 } }));
  assert.equal(pool.threads, 1);
  const ctx = { config, logger: silentLogger(), clock: systemClock, telemetry: inMemoryTelemetry().telemetry };
  await assert.rejects(runPipeline(ctx, { collector: collectorFor('auto', config), inputs: [], pool }), { code: 'SLUICE_ERR_CONFIG_INVALID' });
  assert.equal(pool.threads, 0);
});
