/**
 * `sluice collector aws_cloudtrail --follow kinesis`: CloudTrail through CloudWatch Logs -> a
 * subscription filter -> a Kinesis data stream, read as a long-running role
 * (collectors/aws_cloudtrail/kinesis-follow.ts). Per-shard checkpoints in a JSON file written only
 * after Kafka acknowledged; health endpoints on http.port (/readyz once the shards were listed);
 * SIGTERM/SIGINT: the records in hand are published and checkpointed, then exit 0; after
 * kinesis.shutdownGraceMs the role exits anyway (the uncheckpointed records are read again).
 */
import { once } from 'node:events';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { invalidConfigError } from '../core/config.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import { EventPublisher } from '../collectors/publisher.ts';
import { KinesisFollowConfigSchema, type KinesisFollowConfig, type KinesisFollowConfigInput } from '../collectors/aws_cloudtrail/kinesis-config.ts';
import { KinesisFollower, type KinesisFollowStats } from '../collectors/aws_cloudtrail/kinesis-follow.ts';
import { JsonFileCheckpointStore } from '../collectors/aws_cloudtrail/kinesis.ts';
import type { AwsCloudTrailConfigInput } from '../collectors/aws_cloudtrail/config.ts';
import { startHealthServer } from './health.ts';
import { createCodec, createTransport, type AppContext } from './wiring.ts';

/** Command-line settings of `--follow kinesis`; each overrides its `collectors.aws_cloudtrail.kinesis` key. */
export interface KinesisFollowFlags {
  kinesisStream?: string;
  kinesisEndpoint?: string;
  checkpointFile?: string;
  region?: string;
}

export interface KinesisRoleOptions {
  /** Stops the role like SIGTERM does (tests). */
  stop?: AbortSignal;
  /** Another transport than the configured Kafka (tests: the embedded log). */
  transport?: Transport;
}

/** collectors.aws_cloudtrail.kinesis with the flags over it, validated; the stream name and region are required. */
export function kinesisFollowConfig(ctx: AppContext, flags: KinesisFollowFlags, env: NodeJS.ProcessEnv = process.env): KinesisFollowConfig & { streamName: string; region: string } {
  const section = ((ctx.config.collectors.aws_cloudtrail ?? {}) as AwsCloudTrailConfigInput).kinesis ?? {};
  const input: KinesisFollowConfigInput = {
    ...section,
    ...(flags.kinesisStream ? { streamName: flags.kinesisStream } : {}),
    ...(flags.kinesisEndpoint ? { endpoint: flags.kinesisEndpoint } : {}),
    ...(flags.checkpointFile ? { checkpointFile: flags.checkpointFile } : {}),
    ...(flags.region ? { region: flags.region } : {}),
  };
  const parsed = KinesisFollowConfigSchema.safeParse(input);
  if (!parsed.success) throw invalidConfigError('collectors.aws_cloudtrail.kinesis', parsed.error.issues);
  const { streamName } = parsed.data;
  if (!streamName) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow kinesis needs a stream: --kinesis-stream or collectors.aws_cloudtrail.kinesis.streamName');
  const region = parsed.data.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'no AWS region: set collectors.aws_cloudtrail.kinesis.region, --region or AWS_REGION');
  return { ...parsed.data, streamName, region };
}

/**
 * The Kinesis client: credentials from the SDK's default chain; HTTP/1.1, since only the polling
 * API (ListShards, GetShardIterator, GetRecords) is used and the client's default HTTP/2 handler is
 * there for SubscribeToShard only (and is not spoken by kinesalite).
 */
async function createKinesisClient(config: KinesisFollowConfig & { region: string }): Promise<KinesisClient> {
  const [{ KinesisClient }, { NodeHttpHandler }] = await Promise.all([import('@aws-sdk/client-kinesis'), import('@smithy/node-http-handler')]);
  return new KinesisClient({ region: config.region, requestHandler: new NodeHttpHandler(), ...(config.endpoint ? { endpoint: config.endpoint } : {}) });
}

export async function runKinesisFollowRole(ctx: AppContext, flags: KinesisFollowFlags, options: KinesisRoleOptions = {}): Promise<KinesisFollowStats> {
  if (!ctx.config.kafka && !options.transport) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'the collector role runs against Kafka: set KAFKA_BROKERS or --kafka-brokers');
  }
  const config = kinesisFollowConfig(ctx, flags);
  const { kinesis: _kinesis, sqs: _sqs, ...collectorConfig } = (ctx.config.collectors.aws_cloudtrail ?? {}) as AwsCloudTrailConfigInput;
  const client = await createKinesisClient(config);
  const transport = options.transport ?? createTransport(ctx);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  let killTimer: NodeJS.Timeout | undefined;
  try {
    const codec = await createCodec(ctx);
    const producer = await transport.producer();
    try {
      const deadLetters = new DeadLetterWriter(producer, codec, ctx.config.topics.deadLetter, ctx.clock);
      const publisher = new EventPublisher({ source: 'aws_cloudtrail', producer, codec, deadLetters, topics: ctx.config.topics, telemetry: ctx.telemetry });
      const follower = new KinesisFollower({
        client,
        streamName: config.streamName,
        checkpoints: new JsonFileCheckpointStore(config.checkpointFile),
        publisher,
        config,
        collector: collectorConfig,
        logger: ctx.logger,
        telemetry: ctx.telemetry,
      });
      health = await startHealthServer(ctx.config.http.port, async () => follower.ready && !stop.signal.aborted, ctx.logger);
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      options.stop?.addEventListener('abort', onSignal, { once: true });
      const kill = new AbortController();
      stop.signal.addEventListener(
        'abort',
        () => {
          ctx.logger.info({ graceMs: config.shutdownGraceMs }, 'collector stopping: publishing and checkpointing the records in hand');
          killTimer = setTimeout(() => kill.abort(), config.shutdownGraceMs);
        },
        { once: true },
      );
      ctx.logger.info({ stream: config.streamName, region: config.region, checkpointFile: config.checkpointFile }, 'collector following a Kinesis stream');
      const stats = await Promise.race([
        follower.run(stop.signal),
        once(kill.signal, 'abort').then(() => {
          ctx.logger.warn({ graceMs: config.shutdownGraceMs }, 'shutdown grace period expired; exiting with records not checkpointed (they are read again)');
          return follower.stats;
        }),
      ]);
      ctx.logger.info(stats, 'collector stopped');
      return stats;
    } finally {
      await producer.close();
    }
  } finally {
    clearTimeout(killTimer);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    health?.close();
    client.destroy();
    if (!options.transport) await transport.close();
  }
}

/** The summary line of a Kinesis follow run, on stderr when it stops. */
export function renderKinesisCounts(stats: KinesisFollowStats): string {
  return (
    `kinesis records ${stats.records} (data ${stats.dataMessages}, control ${stats.controlMessages}, unreadable ${stats.unreadableRecords}), ` +
    `checkpoints ${stats.checkpoints}, retries ${stats.retries}, read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
