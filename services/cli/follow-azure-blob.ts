/**
 * `sluice collector object_storage --follow azure-blob`: a container listed every pollIntervalMs,
 * new or changed blobs (by etag) chunked and published, their etags recorded after Kafka
 * acknowledged (collectors/object_storage/azure-blob-follow.ts). Health endpoints on http.port
 * (/readyz once a listing succeeded); SIGTERM/SIGINT: the blob in hand is finished and the state written.
 */
import { invalidConfigError } from '../core/config.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import type { ObjectStorageConfigInput } from '../collectors/object_storage/config.ts';
import { AZURE_STORAGE_CONNECTION_ENV, AzureBlobFollowConfigSchema, type AzureBlobFollowConfig } from '../collectors/object_storage/azure-blob-follow-config.ts';
import { azureBlobFollower, type AzureBlobFollowStats } from '../collectors/object_storage/azure-blob-follow.ts';
import { requireFollowKafka, runFollowRole } from './follow-role.ts';
import type { AppContext } from './wiring.ts';

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
  requireFollowKafka(ctx, options.transport);
  const config = azureBlobFollowConfig(ctx);
  const { sqs: _sqs, azureBlob: _azureBlob, store: _store, bucket: _bucket, ...objectStorage } = (ctx.config.collectors.object_storage ?? {}) as ObjectStorageConfigInput;
  const { ContainerClient } = await import('@azure/storage-blob');
  const client = new ContainerClient(config.connectionString, config.containerName);
  return runFollowRole(ctx, {
    source: 'object_storage',
    // Chunks are large (chunkBytes each): produce rounds of at most 64 MiB, as the SQS follow mode does.
    batchSize: Math.max(1, Math.floor((64 * 1024 * 1024) / (objectStorage.chunkBytes ?? 1024 * 1024))),
    shutdownGraceMs: config.shutdownGraceMs,
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    follower: (publisher) => azureBlobFollower({ client, publisher, config, objectStorage, logger: ctx.logger, telemetry: ctx.telemetry, clock: ctx.clock }),
    started: [{ container: `${client.accountName}/${client.containerName}`, prefix: config.prefix, stateFile: config.stateFile }, 'collector following an Azure Blob container'],
    expired: 'shutdown grace period expired; exiting with blobs not recorded (they are read again)',
  });
}

export function renderAzureBlobCounts(stats: AzureBlobFollowStats): string {
  return (
    `azure blob polls ${stats.polls}, blobs read ${stats.objects} (unchanged ${stats.unchanged}, removed ${stats.removed}), list failures ${stats.listFailures}, ` +
    `read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
