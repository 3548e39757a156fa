import { appTopology } from './config.ts';
import { once } from 'node:events';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import { migrationConnection } from '../core/config.ts';
import { collectFiles, type CollectorRunStats } from '../collectors/service.ts';
import type { InputFilter } from '../collectors/inputs.ts';
import { buildProcessor } from '../processor/build.ts';
import { sinkConfig } from '../core/components.ts';
import { ClickHouseFindingSink, clickhouseSinkSpec } from '../sinks/clickhouse/index.ts';
import { RemediatorService } from '../remediation/service.ts';
import { ActionResultWriter } from '../remediation/results.ts';
import { ActionResultRecorder } from '../remediation/results-recorder.ts';
import { collectorFor, offThreadFor } from './collectors.ts';
import { startHealthServer } from './health.ts';
import { createCodec, createTransport, type AppContext } from './wiring.ts';

function requireKafka(ctx: AppContext, role: string): void {
  if (!ctx.config.kafka) {
    throw new SluiceError(
      'SLUICE_ERR_CONFIG_INVALID',
      `the ${role} role runs against Kafka: set KAFKA_BROKERS or --kafka-brokers (for a one-process run without Kafka use \`sluice run\`)`,
    );
  }
}

/** Collector role: read files, normalize, publish to the topics and the DLQ. */
export async function runCollectorRole(ctx: AppContext, type: string, inputs: readonly string[], inputFilter?: InputFilter): Promise<CollectorRunStats> {
  requireKafka(ctx, 'collector');
  const collector = collectorFor(type, ctx.config);
  const transport = createTransport(ctx);
  try {
    const codec = await createCodec(ctx);
    const producer = await transport.producer();
    try {
      const deadLetters = new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock);
      return await collectFiles({ collector, producer, codec, deadLetters, topics: ctx.config.topics, logger: ctx.logger, telemetry: ctx.telemetry, inputFilter, offThread: offThreadFor(type, ctx) }, inputs);
    } finally {
      await producer.close();
    }
  } finally {
    await transport.close();
  }
}

/** Processor role: runs until SIGTERM/SIGINT, then stops fetching, finishes the batch in flight, commits and exits. */
export async function runProcessorRole(ctx: AppContext): Promise<void> {
  requireKafka(ctx, 'processor');
  const transport = createTransport(ctx);
  let processor: Awaited<ReturnType<typeof buildProcessor>> | undefined;
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  let ready = false;
  try {
    const codec = await createCodec(ctx);
    processor = await buildProcessor(ctx, appTopology(ctx.config), transport, codec);
    health = await startHealthServer(ctx.config.http.port, async () => ready, ctx.logger);
    const consumer = await processor.service.start();
    ready = true;
    ctx.logger.info({ group: processor.service.groupId, topics: processor.service.topics }, 'processor consuming');
    // Chaos hook: SIGUSR2 terminates one detector worker thread, as a crash would (see docs/deploy.md).
    const built = processor;
    process.on('SIGUSR2', () => {
      ctx.logger.warn('SIGUSR2: terminating one detector worker thread (fault injection)');
      void built.pool.terminateOneThread();
    });
    const signal = Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    await Promise.race([signal, consumer.done]);
    ctx.logger.info(processor.service.stats, 'processor stopping');
  } finally {
    // Whatever failed, release everything that was started, so the process can exit. Batches in
    // flight get processor.shutdownGraceMs to finish, deliver and commit; past it the process exits
    // anyway and the uncommitted batches are redelivered to the next owner (nothing is lost).
    ready = false;
    const grace = ctx.config.processor.shutdownGraceMs;
    let timer: NodeJS.Timeout | undefined;
    const closed = processor?.close().catch((e: unknown) => ctx.logger.warn({ err: e }, 'processor close failed'));
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), grace)));
    if ((await Promise.race([closed, expired])) === 'expired') ctx.logger.warn({ graceMs: grace }, 'shutdown grace period expired; exiting with batches uncommitted');
    clearTimeout(timer);
    await transport.close();
    health?.close();
  }
}

/** Applies the ClickHouse migrations. */
export async function runMigrate(ctx: AppContext): Promise<void> {
  if (!ctx.config.clickhouse) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'migrate needs ClickHouse: set CLICKHOUSE_URL or --clickhouse-url');
  }
  const { enabled: _enabled, ...options } = sinkConfig(clickhouseSinkSpec, ctx.config);
  const sink = new ClickHouseFindingSink({ clickhouse: migrationConnection(ctx.config.clickhouse), sink: options, logger: ctx.logger });
  try {
    await sink.start();
    ctx.logger.info({ database: ctx.config.clickhouse.database, user: migrationConnection(ctx.config.clickhouse).username }, 'ClickHouse migrations applied');
  } finally {
    await sink.close();
  }
}

/**
 * Remediator role: consumes the actions topic, calls the remediation webhook and the executors
 * (S3, EC2, IAM; dry-run by default, nothing allowed until remediation.executors.accounts allows
 * it), and writes every outcome to the action results topic.
 */
export async function runRemediatorRole(ctx: AppContext): Promise<void> {
  requireKafka(ctx, 'remediator');
  const transport = createTransport(ctx);
  let service: RemediatorService | undefined;
  let recorder: ActionResultRecorder | undefined;
  let resultSink: ClickHouseFindingSink | undefined;
  // /healthz and /readyz on http.port (probes in docker-compose.yml and k8s/): ready once consuming.
  let ready = false;
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  try {
    health = await startHealthServer(ctx.config.http.port, async () => ready, ctx.logger);
    const codec = await createCodec(ctx);
    const producer = await transport.producer();
    service = new RemediatorService(
      { transport, deadLetters: new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock), config: ctx.config, logger: ctx.logger, clock: ctx.clock },
      undefined,
      { results: new ActionResultWriter(producer, ctx.config.topics.actionResults) },
    );
    const consumer = await service.start();
    const r = ctx.config.remediation;
    const allowed = Object.fromEntries(Object.entries(r.executors.accounts).map(([account, a]) => [account, a.allow]));
    ctx.logger.info({ topic: ctx.config.topics.actions, results: ctx.config.topics.actionResults, dryRun: r.dryRun, webhook: r.webhookUrl ? 'configured' : 'none', executors: allowed }, 'remediator consuming');
    // The results topic (the remediator's and the enforcer's) into ClickHouse {db}.action_results.
    const stored = await startResultRecorder(ctx, transport, new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock));
    recorder = stored?.recorder;
    resultSink = stored?.sink;
    ready = true;
    await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT'), consumer.done, ...(stored ? [stored.consumer.done] : [])]);
    ready = false;
    ctx.logger.info({ ...service.stats, resultsStored: recorder?.stats }, 'remediator stopping');
  } finally {
    health?.close();
    await recorder?.stop().catch(() => {});
    await resultSink?.close().catch(() => {});
    await service?.stop().catch(() => {});
    await transport.close();
  }
}

/**
 * Starts the consumer that stores topics.actionResults in ClickHouse `{db}.action_results`, when
 * remediation.storeResults is true, or unset and the `clickhouse` connection is configured.
 */
async function startResultRecorder(ctx: AppContext, transport: ReturnType<typeof createTransport>, deadLetters: DeadLetterWriter): Promise<{ recorder: ActionResultRecorder; sink: ClickHouseFindingSink; consumer: Awaited<ReturnType<ActionResultRecorder['start']>> } | undefined> {
  const r = ctx.config.remediation;
  if (r.storeResults === false || (r.storeResults === undefined && !ctx.config.clickhouse)) return undefined;
  if (!ctx.config.clickhouse) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'remediation.storeResults is true but the `clickhouse` connection is not configured (CLICKHOUSE_URL)');
  const { enabled: _enabled, ...options } = sinkConfig(clickhouseSinkSpec, ctx.config);
  const sink = new ClickHouseFindingSink({ clickhouse: ctx.config.clickhouse, sink: options, logger: ctx.logger });
  await sink.start();
  const recorder = new ActionResultRecorder({ transport, store: sink, deadLetters, topic: ctx.config.topics.actionResults, groupId: r.resultsGroupId, logger: ctx.logger });
  const consumer = await recorder.start();
  ctx.logger.info({ topic: ctx.config.topics.actionResults, group: r.resultsGroupId, table: `${ctx.config.clickhouse.database}.action_results` }, 'storing action results in ClickHouse');
  return { recorder, sink, consumer };
}

/**
 * Publishes one control message (JSON) to the control topic, keyed so that a newer message for
 * the same target replaces the older one on the compacted topic.
 */
export async function publishControl(ctx: AppContext, key: string, value: Record<string, unknown>): Promise<void> {
  requireKafka(ctx, 'control');
  const transport = createTransport(ctx);
  try {
    const producer = await transport.producer();
    try {
      await producer.send(ctx.config.topics.control, [{ key, value: Buffer.from(JSON.stringify(value)) }]);
    } finally {
      await producer.close();
    }
  } finally {
    await transport.close();
  }
}
