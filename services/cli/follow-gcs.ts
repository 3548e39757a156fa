/**
 * `sluice collector object_storage --follow gcs`: a bucket listed every pollIntervalMs, new or
 * changed objects (by generation) chunked and published, their generations recorded after Kafka
 * acknowledged (collectors/object_storage/gcs-follow.ts). Credentials: Application Default
 * Credentials (workload identity, GOOGLE_APPLICATION_CREDENTIALS) or gcs.keyFilename. Health
 * endpoints on http.port (/readyz once a listing succeeded); SIGTERM/SIGINT: the object in hand is
 * finished and the state written.
 */
import { invalidConfigError } from '../core/config.ts';
import { SluiceError } from '../core/errors.ts';
import type { Transport } from '../core/transport.ts';
import type { ObjectStorageConfigInput } from '../collectors/object_storage/config.ts';
import { GcsFollowConfigSchema, type GcsFollowConfig } from '../collectors/object_storage/gcs-follow-config.ts';
import { adaptGcsBucket, gcsFollower, type GcsFollowBucket, type GcsFollowStats } from '../collectors/object_storage/gcs-follow.ts';
import { requireFollowKafka, runFollowRole } from './follow-role.ts';
import type { AppContext } from './wiring.ts';

export interface GcsRoleOptions {
  stop?: AbortSignal;
  transport?: Transport;
  /** A bucket client other than the SDK's (tests: a fake, there being no local GCS peer). */
  bucket?: GcsFollowBucket;
}

export function gcsFollowConfig(ctx: AppContext): GcsFollowConfig {
  const section = ((ctx.config.collectors.object_storage ?? {}) as ObjectStorageConfigInput).gcs;
  if (!section) throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', '--follow gcs needs collectors.object_storage.gcs in the config (at least bucket)');
  const parsed = GcsFollowConfigSchema.safeParse(section);
  if (!parsed.success) throw invalidConfigError('collectors.object_storage.gcs', parsed.error.issues);
  return parsed.data;
}

async function sdkBucket(config: GcsFollowConfig): Promise<GcsFollowBucket> {
  const { Storage } = await import('@google-cloud/storage');
  const storage = new Storage({
    ...(config.projectId ? { projectId: config.projectId } : {}),
    ...(config.keyFilename ? { keyFilename: config.keyFilename } : {}),
    ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint } : {}),
    retryOptions: { autoRetry: true, maxRetries: 3 },
  });
  return adaptGcsBucket(storage.bucket(config.bucket));
}

export async function runGcsFollowRole(ctx: AppContext, options: GcsRoleOptions = {}): Promise<GcsFollowStats> {
  requireFollowKafka(ctx, options.transport);
  const config = gcsFollowConfig(ctx);
  const { sqs: _sqs, azureBlob: _azureBlob, gcs: _gcs, store: _store, bucket: _bucket, ...objectStorage } = (ctx.config.collectors.object_storage ?? {}) as ObjectStorageConfigInput;
  const bucket = options.bucket ?? (await sdkBucket(config));
  return runFollowRole(ctx, {
    source: 'object_storage',
    // Chunks are large (chunkBytes each): produce rounds of at most 64 MiB, as the other object followers do.
    batchSize: Math.max(1, Math.floor((64 * 1024 * 1024) / (objectStorage.chunkBytes ?? 1024 * 1024))),
    shutdownGraceMs: config.shutdownGraceMs,
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    follower: (publisher) => gcsFollower({ bucket, publisher, config, objectStorage, logger: ctx.logger, telemetry: ctx.telemetry, clock: ctx.clock }),
    started: [{ bucket: bucket.name, prefix: config.prefix, stateFile: config.stateFile }, 'collector following a GCS bucket'],
    expired: 'shutdown grace period expired; exiting with objects not recorded (they are read again)',
  });
}

export function renderGcsCounts(stats: GcsFollowStats): string {
  return (
    `gcs polls ${stats.polls}, objects read ${stats.objects} (unchanged ${stats.unchanged}, removed ${stats.removed}), list failures ${stats.listFailures}, ` +
    `read ${stats.read}, normalized ${stats.normalized}, dead-lettered ${stats.deadLettered}\n`
  );
}
