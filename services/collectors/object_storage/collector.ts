import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Collector, CollectorInput, CollectorOutput } from '../../core/components.ts';
import { chunkBuffer, SOURCE_TYPE, type ObjectDescriptor } from './chunker.ts';
import type { ObjectStorageConfig } from './config.ts';

export interface ObjectStorageDeps {
  /** Time of chunks whose object has no last-modified time (collect() inputs). Default: the system clock. */
  clock?: Clock;
}

/** Hex MD5 of bytes: the ETag S3 gives a single-part upload, used as the etag of local objects. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * Builds the collector from an already validated config. collect() treats one input as one object:
 * store and bucket from the config, key = input name, etag = MD5 of the bytes, last_modified null.
 * It never throws on bad input; the only rejections are over-size objects and corrupt gzip.
 */
export function createObjectStorageCollector(config: ObjectStorageConfig, deps: ObjectStorageDeps = {}): Collector {
  const clock = deps.clock ?? systemClock;

  function* collect(input: CollectorInput): Generator<CollectorOutput, void, undefined> {
    const bytes = Buffer.isBuffer(input.bytes) ? input.bytes : Buffer.from(input.bytes);
    const desc: ObjectDescriptor = {
      store: config.store,
      bucket: config.bucket,
      key: input.name,
      version_id: null,
      etag: md5Hex(bytes),
      size: bytes.length,
      declared_content_type: null,
      declared_content_encoding: null,
      last_modified: null,
    };
    yield* chunkBuffer(desc, bytes, { config, clock, name: input.name });
  }

  return { type: SOURCE_TYPE, collect };
}
