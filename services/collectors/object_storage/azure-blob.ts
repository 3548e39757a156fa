/**
 * Reads blobs from Azure Blob Storage with @azure/storage-blob: the container's flat listing,
 * paginated, then one streamed download per blob, chunked as it arrives (the same chunker as S3
 * and local files). The object's `bucket` is `<account>/<container>`, so two storage accounts'
 * containers of the same name stay apart. RBAC: "Storage Blob Data Reader" on the container
 * (Microsoft.Storage/storageAccounts/blobServices/containers/read and .../blobs/read), see README.md.
 */
import type { BlobDownloadResponseParsed, ContainerClient } from '@azure/storage-blob';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { CollectorOutput } from '../../core/components.ts';
import { ChunkAssembler, chunkStream, listedObject, objectRef, unquoteEtag, type ChunkContext, type ObjectDescriptor } from './chunker.ts';
import { parseObjectStorageConfig, type ObjectStorageConfig, type ObjectStorageConfigInput } from './config.ts';

export interface AzureBlobReadOptions {
  /** A ContainerClient of the official SDK (credentials, endpoint and retries are the caller's). */
  client: ContainerClient;
  /** Only blobs whose names start with this prefix. */
  prefix?: string;
  /** Resume a run: only blobs whose names sort after this one (the listing is in name order). */
  startAfter?: string;
  /** Blobs per listing page, 1..5000. Default 1000. */
  pageSize?: number;
  /** Collector config (chunkBytes, maxObjectBytes, decodeGzip); store and bucket are set by the reader. */
  config?: ObjectStorageConfigInput;
  /** Only used when the service gives no Last-Modified. */
  clock?: Clock;
  signal?: AbortSignal;
}

export interface AzureBlobObjectReadOptions extends Omit<AzureBlobReadOptions, 'prefix' | 'startAfter' | 'pageSize'> {
  name: string;
  /** A specific blob version (blob versioning on). Default: the current version. */
  versionId?: string;
}

/** `<account>/<container>`: the object's bucket. */
export function azureBucket(client: ContainerClient): string {
  return `${client.accountName}/${client.containerName}`;
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {
  // No body: an empty blob.
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number((err as { statusCode: unknown }).statusCode) : undefined;
}

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
}

interface Target {
  name: string;
  versionId?: string;
  /** Size from the listing, checked against maxObjectBytes before the download. */
  listedSize?: number;
}

async function* readOne(client: ContainerClient, t: Target, config: ObjectStorageConfig, clock: Clock, signal: AbortSignal | undefined): AsyncGenerator<CollectorOutput, void, undefined> {
  const bucket = azureBucket(client);
  const ref = { store: 'azure_blob' as const, bucket, key: t.name };
  const ctx: ChunkContext = { config, clock, name: objectRef(ref) + (t.versionId ? `?versionId=${t.versionId}` : '') };
  const base = listedObject(ref, t.versionId, t.listedSize);
  if (t.listedSize !== undefined && t.listedSize > config.maxObjectBytes) {
    // chunkStream rejects it without reading; no download is made.
    yield* chunkStream(base, emptyBody(), ctx);
    return;
  }
  const blob = t.versionId ? client.getBlobClient(t.name).withVersion(t.versionId) : client.getBlobClient(t.name);
  let res: BlobDownloadResponseParsed;
  try {
    res = await blob.download(0, undefined, { abortSignal: signal });
  } catch (err) {
    if (statusOf(err) === 404 || codeOf(err) === 'BlobNotFound') {
      yield new ChunkAssembler(base, ctx, null, null).reject('SLUICE_ERR_INPUT_NOT_FOUND', `${codeOf(err) || 'BlobNotFound'}: the blob no longer exists (deleted after it was listed?)`);
      return;
    }
    throw err;
  }
  const desc: ObjectDescriptor = {
    ...base,
    version_id: res.versionId ?? t.versionId ?? null,
    etag: unquoteEtag(res.etag),
    size: res.contentLength ?? t.listedSize ?? 0,
    declared_content_type: res.contentType ?? null,
    declared_content_encoding: res.contentEncoding ?? null,
    last_modified: res.lastModified ? res.lastModified.getTime() : null,
  };
  const body = (res.readableStreamBody as AsyncIterable<Uint8Array> | undefined) ?? emptyBody();
  try {
    yield* chunkStream(desc, body, ctx);
  } finally {
    (res.readableStreamBody as { destroy?: () => void } | undefined)?.destroy?.();
  }
}

/**
 * Chunks of every blob of a container (optionally under a prefix), in name order, one blob after
 * the other. Zero-length names ending in "/" and Data Lake directory markers (metadata
 * hdi_isfolder=true) are skipped. Blobs listed larger than maxObjectBytes are rejected without a
 * download; a blob deleted between list and download is rejected with SLUICE_ERR_INPUT_NOT_FOUND.
 * Other errors (authorization, network, a missing container) are thrown.
 */
export async function* readAzureBlobs(options: AzureBlobReadOptions): AsyncGenerator<CollectorOutput, void, undefined> {
  const config = parseObjectStorageConfig({ ...options.config, store: 'azure_blob', bucket: azureBucket(options.client) });
  const clock = options.clock ?? systemClock;
  const maxPageSize = Math.min(5000, Math.max(1, Math.trunc(options.pageSize ?? 1000)));
  const pages = options.client.listBlobsFlat({ ...(options.prefix ? { prefix: options.prefix } : {}), includeMetadata: true }).byPage({ maxPageSize });
  for await (const page of pages) {
    if (options.signal?.aborted) throw options.signal.reason;
    for (const item of page.segment.blobItems) {
      if (options.startAfter !== undefined && item.name <= options.startAfter) continue;
      const size = item.properties.contentLength ?? 0;
      if ((item.name.endsWith('/') && size === 0) || item.metadata?.hdi_isfolder === 'true') continue;
      yield* readOne(options.client, { name: item.name, listedSize: size }, config, clock, options.signal);
    }
  }
}

/** Chunks of one blob (e.g. named by an Event Grid BlobCreated event), optionally of one version. */
export async function* readAzureBlob(options: AzureBlobObjectReadOptions): AsyncGenerator<CollectorOutput, void, undefined> {
  const config = parseObjectStorageConfig({ ...options.config, store: 'azure_blob', bucket: azureBucket(options.client) });
  const target: Target = { name: options.name };
  if (options.versionId !== undefined) target.versionId = options.versionId;
  yield* readOne(options.client, target, config, options.clock ?? systemClock, options.signal);
}
