/**
 * `sluice collector object_storage --follow gcs`: a GCS bucket (under a prefix) listed every
 * pollIntervalMs with @google-cloud/storage; an object is read again only when its `generation`
 * changes (a new upload of the same name is a new generation; metadata updates are not). The read
 * pins the listed generation, so the chunks are those of the version recorded. The loop, the state
 * file written after Kafka acknowledged and the metric are listing-follow.ts's; this file is the
 * GCS half. Bucket `<bucket>`, store `gcs`. IAM: roles/storage.objectViewer on the bucket
 * (storage.objects.list and storage.objects.get), see README.md.
 */
import type { Bucket } from '@google-cloud/storage';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { CollectorOutput } from '../../core/components.ts';
import type { Logger } from '../../core/logger.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { EventPublisher } from '../publisher.ts';
import { ChunkAssembler, chunkStream, listedObject, objectRef, type ChunkContext, type ObjectDescriptor } from './chunker.ts';
import { parseObjectStorageConfig, type ObjectStorageConfig, type ObjectStorageConfigInput } from './config.ts';
import type { GcsFollowConfig } from './gcs-follow-config.ts';
import { ListingFollower, type ListedEntry, type ListingFollowStats, type ListingSource } from './listing-follow.ts';

/** An object as the JSON API lists it (the fields read). */
export interface GcsObjectInfo {
  name: string;
  /** int64 as a decimal string. */
  generation: string;
  size: number;
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  /** RFC 3339. */
  updated?: string | undefined;
  md5Hash?: string | undefined;
}

/** The calls the follower makes on a bucket: the SDK's Bucket through adaptGcsBucket, or a fake in tests. */
export interface GcsFollowBucket {
  readonly name: string;
  /** One listing page (at most 1000 objects) and the token of the next. */
  listPage(prefix: string | undefined, pageToken: string | undefined): Promise<{ objects: GcsObjectInfo[]; nextPageToken?: string | undefined }>;
  /** The bytes of one generation, as stored (no decompressive transcoding). Rejects with code 404 when it is gone. */
  download(name: string, generation: string, signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

export type GcsFollowStats = ListingFollowStats;

interface FileMetadataLike {
  name?: string;
  generation?: string | number;
  size?: string | number;
  contentType?: string;
  contentEncoding?: string;
  updated?: string;
  md5Hash?: string;
}

/** The SDK's Bucket seen through GcsFollowBucket. */
export function adaptGcsBucket(bucket: Bucket): GcsFollowBucket {
  return {
    name: bucket.name,
    async listPage(prefix, pageToken) {
      const [files, next] = await bucket.getFiles({ autoPaginate: false, maxResults: 1000, ...(prefix ? { prefix } : {}), ...(pageToken ? { pageToken } : {}) });
      const objects = files.map((f) => {
        const m = f.metadata as FileMetadataLike;
        return {
          name: f.name,
          generation: String(m.generation ?? ''),
          size: Number(m.size ?? 0),
          contentType: m.contentType,
          contentEncoding: m.contentEncoding,
          updated: m.updated,
          md5Hash: m.md5Hash,
        };
      });
      return { objects, nextPageToken: (next as { pageToken?: string } | null | undefined)?.pageToken };
    },
    download(name, generation) {
      // decompress: false: gzip objects arrive as stored; the chunker decodes them (decodeGzip, size bounds).
      return bucket.file(name, { generation: Number(generation) }).createReadStream({ decompress: false, validation: false });
    },
  };
}

function codeOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? Number((err as { code: unknown }).code) : undefined;
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {
  // No body: rejected before a download.
}

/**
 * Chunks of one object generation. Larger than maxObjectBytes in the listing: rejected without a
 * download; gone since the listing (404): rejected with SLUICE_ERR_INPUT_NOT_FOUND; other errors thrown.
 */
export async function* readGcsObject(bucket: GcsFollowBucket, o: GcsObjectInfo, config: ObjectStorageConfig, clock: Clock, signal?: AbortSignal): AsyncGenerator<CollectorOutput, void, undefined> {
  const ref = { store: 'gcs' as const, bucket: bucket.name, key: o.name };
  const ctx: ChunkContext = { config, clock, name: `${objectRef(ref)}#${o.generation}` };
  const base = listedObject(ref, o.generation, o.size);
  if (o.size > config.maxObjectBytes) {
    yield* chunkStream(base, emptyBody(), ctx);
    return;
  }
  const updated = o.updated ? Date.parse(o.updated) : Number.NaN;
  const desc: ObjectDescriptor = {
    ...base,
    etag: o.md5Hash ?? null,
    declared_content_type: o.contentType ?? null,
    declared_content_encoding: o.contentEncoding ?? null,
    last_modified: Number.isFinite(updated) ? updated : null,
  };
  const body = bucket.download(o.name, o.generation, signal)[Symbol.asyncIterator]();
  // The first read opens the request: a 404 there is the object deleted (or overwritten) after the listing.
  let first: IteratorResult<Uint8Array>;
  try {
    first = await body.next();
  } catch (err) {
    if (codeOf(err) === 404) {
      yield new ChunkAssembler(base, ctx, null, null).reject('SLUICE_ERR_INPUT_NOT_FOUND', `404: generation ${o.generation} no longer exists (deleted or overwritten after it was listed?)`);
      return;
    }
    throw err;
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.done) return;
    yield first.value;
    for (;;) {
      const next = await body.next();
      if (next.done) return;
      yield next.value;
    }
  }
  try {
    yield* chunkStream(desc, rest(), ctx);
  } finally {
    await body.return?.();
  }
}

/** The bucket as a ListingSource: pages of (name, generation, size), reads pinned to the generation. */
export function gcsListingSource(bucket: GcsFollowBucket, objectStorage: ObjectStorageConfigInput, clock: Clock = systemClock): ListingSource {
  const config = parseObjectStorageConfig({ ...objectStorage, store: 'gcs', bucket: bucket.name });
  const listed = new Map<string, GcsObjectInfo>();
  return {
    id: `gcs://${bucket.name}`,
    label: 'GCS',
    async *list(prefix) {
      let token: string | undefined;
      do {
        const page = await bucket.listPage(prefix, token);
        listed.clear();
        const entries: ListedEntry[] = [];
        for (const o of page.objects) {
          // Zero-length names ending in "/" are folder placeholders of the console.
          if (o.name.endsWith('/') && o.size === 0) continue;
          listed.set(o.name, o);
          entries.push({ name: o.name, token: o.generation, size: o.size });
        }
        yield entries;
        token = page.nextPageToken || undefined;
      } while (token);
    },
    read(entry) {
      const o = listed.get(entry.name) ?? { name: entry.name, generation: entry.token, size: entry.size };
      return readGcsObject(bucket, o, config, clock);
    },
  };
}

export interface GcsFollowerDeps {
  bucket: GcsFollowBucket;
  publisher: EventPublisher;
  config: GcsFollowConfig;
  /** The object_storage collector config (chunkBytes, maxObjectBytes, decodeGzip). */
  objectStorage: ObjectStorageConfigInput;
  logger: Logger;
  telemetry: Telemetry;
  clock?: Clock;
}

export function gcsFollower(deps: GcsFollowerDeps): ListingFollower {
  return new ListingFollower({
    source: gcsListingSource(deps.bucket, deps.objectStorage, deps.clock),
    publisher: deps.publisher,
    settings: { prefix: deps.config.prefix, pollIntervalMs: deps.config.pollIntervalMs, stateFile: deps.config.stateFile, objectsPerCommit: deps.config.objectsPerCommit },
    logger: deps.logger,
    telemetry: deps.telemetry,
    metric: {
      name: 'sluice_gcs_objects_total',
      description: 'Objects seen by the GCS follow mode, by outcome: read (new or changed generation), unchanged, removed (gone from the bucket).',
    },
  });
}
