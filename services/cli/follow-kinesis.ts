/**
 * `sluice collector aws_cloudtrail --follow kinesis`: CloudTrail through CloudWatch Logs -> a
 * subscription filter -> a Kinesis data stream, read as a long-running role
 * (collectors/aws_cloudtrail/kinesis-follow.ts). Per-shard checkpoints in a JSON file written only
 * after Kafka acknowledged; health endpoints on http.port (/readyz once the shards were listed);
 * SIGTERM/SIGINT: the records in hand are published and checkpointed, then exit 0; after
 * kinesis.shutdownGraceMs the role exits anyway (the uncheckpointed records are read again).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { invalidConfigError } from '../core/config.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import { KinesisFollowConfigSchema, type KinesisFollowConfig, type KinesisFollowConfigInput } from '../collectors/aws_cloudtrail/kinesis-config.ts';
import { KinesisFollower, type KinesisFollowStats } from '../collectors/aws_cloudtrail/kinesis-follow.ts';
import { JsonFileCheckpointStore } from '../collectors/aws_cloudtrail/kinesis.ts';
import type { AwsCloudTrailConfigInput } from '../collectors/aws_cloudtrail/config.ts';
import { requireFollowKafka, runFollowRole } from './follow-role.ts';
import type { AppContext } from './wiring.ts';

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
  requireFollowKafka(ctx, options.transport);
  const config = kinesisFollowConfig(ctx, flags);
  const { kinesis: _kinesis, sqs: _sqs, ...collectorConfig } = (ctx.config.collectors.aws_cloudtrail ?? {}) as AwsCloudTrailConfigInput;
  const client = await createKinesisClient(config);
  return runFollowRole(ctx, {
    source: 'aws_cloudtrail',
    shutdownGraceMs: config.shutdownGraceMs,
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    follower: (publisher) =>
      new KinesisFollower({
        client,
        streamName: config.streamName,
        checkpoints: new JsonFileCheckpointStore(config.checkpointFile),
        publisher,
        config,
        collector: collectorConfig,
        logger: ctx.logger,
        telemetry: ctx.telemetry,
      }),
    started: [{ stream: config.streamName, region: config.region, checkpointFile: config.checkpointFile }, 'collector following a Kinesis stream'],
    stopping: 'collector stopping: publishing and checkpointing the records in hand',
    expired: 'shutdown grace period expired; exiting with records not checkpointed (they are read again)',
    close: () => client.destroy(),
  });
}

/** The summary line of a Kinesis follow run, on stderr when it stops. */
export function renderKinesisCounts(stats: KinesisFollowStats): string {
  return (
    `kinesis records ${stats.records} (data ${stats.dataMessages}, control ${stats.controlMessages}, unreadable ${stats.unreadableRecords}), ` +
    `checkpoints ${stats.checkpoints}, retries ${stats.retries}, read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
