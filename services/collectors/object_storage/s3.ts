/**
 * Reads objects from S3 (or an S3-compatible store) with @aws-sdk/client-s3: ListObjectsV2, paginated,
 * then one streamed GetObject per object, chunked as it arrives. IAM: s3:ListBucket, s3:GetObject and,
 * for versioned reads, s3:GetObjectVersion (see README.md).
 */
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { CollectorOutput } from '../../core/components.ts';
import type { ObjectStore } from '../../core/model/object-chunk.ts';
import { ChunkAssembler, chunkStream, listedObject, objectRef, unquoteEtag, type ChunkContext, type ObjectDescriptor } from './chunker.ts';
import { parseObjectStorageConfig, type ObjectStorageConfig, type ObjectStorageConfigInput } from './config.ts';

export interface S3ReadOptions {
  client: S3Client;
  bucket: string;
  /** Only keys starting with this prefix. */
  prefix?: string;
  /** Start listing after this key (resume a run: pass the key of the last object fully published). */
  startAfter?: string;
  /** MaxKeys of each ListObjectsV2 page, 1..1000. Default 1000. */
  pageSize?: number;
  /** Collector config (chunkBytes, maxObjectBytes, decodeGzip); store and bucket are set by the reader. */
  config?: ObjectStorageConfigInput;
  /** Store recorded on the objects, for S3-compatible APIs (e.g. 'gcs' through its XML API). Default 's3'. */
  store?: ObjectStore;
  /** Only used when the store gives no Last-Modified. */
  clock?: Clock;
  signal?: AbortSignal;
}

export interface S3ObjectReadOptions extends Omit<S3ReadOptions, 'prefix' | 'startAfter' | 'pageSize'> {
  key: string;
  /** A specific version (needs s3:GetObjectVersion). Default: the current version. */
  versionId?: string;
}

/** The SDK's commands are loaded on first use, so importing the collector's index stays cheap. */
function s3Sdk(): Promise<typeof import('@aws-sdk/client-s3')> {
  return import('@aws-sdk/client-s3');
}

type Body = NonNullable<GetObjectCommandOutput['Body']>;

async function* emptyBody(): AsyncGenerator<Uint8Array> {
  // No body: an empty object.
}

async function* wholeBody(body: { transformToByteArray(): Promise<Uint8Array> }): AsyncGenerator<Uint8Array> {
  yield await body.transformToByteArray();
}

/** The GetObject body as a stream of bytes. In Node it is an http.IncomingMessage (async iterable). */
function bodyStream(body: Body | undefined): AsyncIterable<Uint8Array> {
  if (body === undefined) return emptyBody();
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) return body as unknown as AsyncIterable<Uint8Array>;
  return wholeBody(body);
}

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
}

interface Target {
  store: ObjectStore;
  bucket: string;
  key: string;
  versionId?: string;
  /** Size from the listing, checked against maxObjectBytes before the GET. */
  listedSize?: number;
}

async function* readOne(
  client: S3Client,
  t: Target,
  config: ObjectStorageConfig,
  clock: Clock,
  signal: AbortSignal | undefined,
): AsyncGenerator<CollectorOutput, void, undefined> {
  const name = objectRef(t) + (t.versionId ? `?versionId=${t.versionId}` : '');
  const ctx: ChunkContext = { config, clock, name };
  const base = listedObject(t, t.versionId, t.listedSize);
  if (t.listedSize !== undefined && t.listedSize > config.maxObjectBytes) {
    // chunkStream rejects it without reading; no GET is made.
    yield* chunkStream(base, emptyBody(), ctx);
    return;
  }
  const { GetObjectCommand } = await s3Sdk();
  let res: GetObjectCommandOutput;
  try {
    res = await client.send(
      new GetObjectCommand({ Bucket: t.bucket, Key: t.key, ...(t.versionId ? { VersionId: t.versionId } : {}) }),
      { abortSignal: signal },
    );
  } catch (err) {
    const n = errorName(err);
    if (n === 'NoSuchKey' || n === 'NoSuchVersion' || n === 'NotFound') {
      yield new ChunkAssembler(base, ctx, null, null).reject(
        'SLUICE_ERR_INPUT_NOT_FOUND',
        `${n}: the object no longer exists (deleted after it was listed?)`,
      );
      return;
    }
    throw err;
  }
  const desc: ObjectDescriptor = {
    ...base,
    version_id: res.VersionId && res.VersionId !== 'null' ? res.VersionId : (t.versionId ?? null),
    etag: unquoteEtag(res.ETag),
    size: res.ContentLength ?? t.listedSize ?? 0,
    declared_content_type: res.ContentType ?? null,
    declared_content_encoding: res.ContentEncoding ?? null,
    last_modified: res.LastModified ? res.LastModified.getTime() : null,
  };
  const body = bodyStream(res.Body);
  try {
    yield* chunkStream(desc, body, ctx);
  } finally {
    // chunkStream closes the body when it stops early; this covers an over-size reject, where it is never read.
    const b = res.Body as { destroy?: () => void } | undefined;
    b?.destroy?.();
  }
}

/**
 * Chunks of every object of a bucket (optionally under a prefix), in key order, one object after the
 * other. Keys ending in "/" with size 0 (console "folder" markers) are skipped. Objects listed larger
 * than maxObjectBytes are rejected without a GET; an object deleted between list and get is rejected
 * with SLUICE_ERR_INPUT_NOT_FOUND. Other S3 errors (access, network) are thrown: a caller that retries
 * with `startAfter` = the last object it completed gets the same chunk uids again for an object it
 * had partly published.
 */
export async function* readS3Objects(options: S3ReadOptions): AsyncGenerator<CollectorOutput, void, undefined> {
  const config = parseObjectStorageConfig({ ...options.config, store: options.store ?? 's3' });
  const clock = options.clock ?? systemClock;
  const store = options.store ?? 's3';
  const pageSize = Math.min(1000, Math.max(1, Math.trunc(options.pageSize ?? 1000)));
  const { ListObjectsV2Command } = await s3Sdk();
  let token: string | undefined;
  do {
    const page = await options.client.send(
      new ListObjectsV2Command({
        Bucket: options.bucket,
        MaxKeys: pageSize,
        ...(options.prefix ? { Prefix: options.prefix } : {}),
        ...(token ? { ContinuationToken: token } : options.startAfter ? { StartAfter: options.startAfter } : {}),
      }),
      { abortSignal: options.signal },
    );
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      if (item.Key.endsWith('/') && (item.Size ?? 0) === 0) continue;
      yield* readOne(options.client, { store, bucket: options.bucket, key: item.Key, listedSize: item.Size }, config, clock, options.signal);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Chunks of one object (e.g. named by an S3 event notification), optionally of one version. */
export async function* readS3Object(options: S3ObjectReadOptions): AsyncGenerator<CollectorOutput, void, undefined> {
  const config = parseObjectStorageConfig({ ...options.config, store: options.store ?? 's3' });
  const target: Target = { store: options.store ?? 's3', bucket: options.bucket, key: options.key };
  if (options.versionId !== undefined) target.versionId = options.versionId;
  yield* readOne(options.client, target, config, options.clock ?? systemClock, options.signal);
}
