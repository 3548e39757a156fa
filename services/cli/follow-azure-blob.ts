/**
 * `sluice collector object_storage --follow azure-blob`: a container listed every pollIntervalMs,
 * new or changed blobs (by etag) chunked and published, their etags recorded after Kafka
 * acknowledged (collectors/object_storage/azure-blob-follow.ts). Health endpoints on http.port
 * (/readyz once a listing succeeded); SIGTERM/SIGINT: the blob in hand is finished and the state written.
 */
import { once } from 'node:events';
import { invalidConfigError } from '../core/config.ts';
import { DeadLetterWriter } from '../core/dead-letter.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import { EventPublisher } from '../collectors/publisher.ts';
import type { ObjectStorageConfigInput } from '../collectors/object_storage/config.ts';
import { AZURE_STORAGE_CONNECTION_ENV, AzureBlobFollowConfigSchema, type AzureBlobFollowConfig } from '../collectors/object_storage/azure-blob-follow-config.ts';
import { AzureBlobFollower, type AzureBlobFollowStats } from '../collectors/object_storage/azure-blob-follow.ts';
import { startHealthServer } from './health.ts';
import { createCodec, createTransport, type AppContext } from './wiring.ts';

export interface AzureBlobRoleOptions {
  stop?: AbortSignal;
  transport?: Transport;
}

export function azureBlobFollowConfig(ctx: AppContext, env: NodeJS.ProcessEnv = process.env): AzureBlobFollowConfig & { connectionString: string } {
  const section = ((ctx.config.collectors.object_storage ?? {}) as ObjectStorageConfigInput).azureBlob;
  if (!section) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow azure-blob needs collectors.object_storage.azureBlob in the config (at least containerName)');
  const parsed = AzureBlobFollowConfigSchema.safeParse(section);
  if (!parsed.success) throw invalidConfigError('collectors.object_storage.azureBlob', parsed.error.issues);
  const connectionString = parsed.data.connectionString ?? env[AZURE_STORAGE_CONNECTION_ENV];
  if (!connectionString) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `--follow azure-blob needs a storage connection string: collectors.object_storage.azureBlob.connectionString or ${AZURE_STORAGE_CONNECTION_ENV}`);
  return { ...parsed.data, connectionString };
}

export async function runAzureBlobFollowRole(ctx: AppContext, options: AzureBlobRoleOptions = {}): Promise<AzureBlobFollowStats> {
  if (!ctx.config.kafka && !options.transport) {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'the collector role runs against Kafka: set KAFKA_BROKERS or --kafka-brokers');
  }
  const config = azureBlobFollowConfig(ctx);
  const { sqs: _sqs, azureBlob: _azureBlob, store: _store, bucket: _bucket, ...objectStorage } = (ctx.config.collectors.object_storage ?? {}) as ObjectStorageConfigInput;
  const { ContainerClient } = await import('@azure/storage-blob');
  const client = new ContainerClient(config.connectionString, config.containerName);
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
      // Chunks are large (chunkBytes each): produce rounds of at most 64 MiB, as the SQS follow mode does.
      const batchSize = Math.max(1, Math.floor((64 * 1024 * 1024) / (objectStorage.chunkBytes ?? 1024 * 1024)));
      const publisher = new EventPublisher({ source: 'object_storage', producer, codec, deadLetters, topics: ctx.config.topics, telemetry: ctx.telemetry, batchSize });
      const follower = new AzureBlobFollower({ client, publisher, config, objectStorage, logger: ctx.logger, telemetry: ctx.telemetry, clock: ctx.clock });
      health = await startHealthServer(ctx.config.http.port, async () => follower.ready && !stop.signal.aborted, ctx.logger);
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      options.stop?.addEventListener('abort', onSignal, { once: true });
      if (options.stop?.aborted) stop.abort();
      const kill = new AbortController();
      stop.signal.addEventListener('abort', () => (killTimer = setTimeout(() => kill.abort(), config.shutdownGraceMs)), { once: true });
      ctx.logger.info({ container: `${client.accountName}/${client.containerName}`, prefix: config.prefix, stateFile: config.stateFile }, 'collector following an Azure Blob container');
      const stats = await Promise.race([
        follower.run(stop.signal),
        once(kill.signal, 'abort').then(() => {
          ctx.logger.warn({ graceMs: config.shutdownGraceMs }, 'shutdown grace period expired; exiting with blobs not recorded (they are read again)');
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
    if (!options.transport) await transport.close();
  }
}

export function renderAzureBlobCounts(stats: AzureBlobFollowStats): string {
  return (
    `azure blob polls ${stats.polls}, blobs read ${stats.blobs} (unchanged ${stats.unchanged}, removed ${stats.removed}), list failures ${stats.listFailures}, ` +
    `read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
