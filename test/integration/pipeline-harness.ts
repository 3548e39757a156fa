/**
 * The set-up the pipeline integration tests share: an application context on a silent logger and
 * the system clock, and a ClickHouse client on the test's own database. The test's topics are
 * created before its tests (real Kafka, as a deployment would) and its database is dropped after.
 */
import { after, before } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import type { AppContext } from '../../services/core/app-context.ts';
import { systemClock } from '../../services/core/clock.ts';
import type { SluiceConfig } from '../../services/core/config.ts';
import { silentLogger } from '../../services/core/logger.ts';
import { createTelemetry } from '../../services/core/telemetry.ts';
import { createClickHouseClient } from '../../services/sinks/clickhouse/index.ts';
import { createPipelineTopics } from '../support/pipeline-config.ts';

export interface PipelineHarness {
  ctx: AppContext;
  clickhouse: ClickHouseClient;
}

/** Registers the before/after hooks of a pipeline test on `config` (with its ClickHouse set) and returns its context and client. */
export function pipelineHarness(config: SluiceConfig): PipelineHarness {
  const ctx: AppContext = { config, logger: silentLogger(), clock: systemClock, telemetry: createTelemetry({ serviceName: 'sluice-test' }) };
  if (!config.clickhouse) throw new Error('pipelineHarness needs a config with clickhouse set');
  const database = config.clickhouse.database;
  const clickhouse = createClickHouseClient(config.clickhouse, ctx.logger);
  before(() => createPipelineTopics(config));
  after(async () => {
    // Best effort: a database left behind is isolated by its suffix and does not fail the test.
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
    await clickhouse.close();
  });
  return { ctx, clickhouse };
}
