/**
 * object_storage collector: objects (S3 buckets, local directories, or one input's bytes) -> ordered
 * chunks on the 'object_chunk' stream, keyed by `<store>://<bucket>/<key>`, for content inspection (DLP).
 * Not a record splitter: any bytes are a valid object. See README.md for chunking, offsets, gzip and sniffing.
 */
import type { Collector, CollectorSpec } from '../../core/components.ts';
import { SOURCE_TYPE } from './chunker.ts';
import { createObjectStorageCollector, type ObjectStorageDeps } from './collector.ts';
import { ObjectStorageConfigSchema, parseObjectStorageConfig, type ObjectStorageConfigInput } from './config.ts';

export { ObjectStorageConfigSchema, parseObjectStorageConfig, DEFAULT_CHUNK_BYTES, MIN_CHUNK_BYTES, MAX_CHUNK_BYTES, DEFAULT_MAX_OBJECT_BYTES, OBJECT_STORES } from './config.ts';
export type { ObjectStorageConfig, ObjectStorageConfigInput } from './config.ts';
export { createObjectStorageCollector, md5Hex } from './collector.ts';
export type { ObjectStorageDeps } from './collector.ts';
export { ChunkAssembler, chunkBuffer, chunkStream, chunkUid, objectRef, unquoteEtag, gunzipBounded, SOURCE_TYPE } from './chunker.ts';
export type { ObjectDescriptor, ChunkContext, ObjectChunkOutput } from './chunker.ts';
export { sniffContentType, looksLikeUtf8Text, baseMediaType, SNIFF_BYTES } from './content-type.ts';
export type { SniffHints } from './content-type.ts';
export { readDirectoryObjects } from './directory.ts';
export type { DirectoryReadOptions } from './directory.ts';
export { readS3Objects, readS3Object } from './s3.ts';
export type { S3ReadOptions, S3ObjectReadOptions } from './s3.ts';

/**
 * Validates the config (throws SluiceError SLUICE_ERR_CONFIG_INVALID listing every problem) and
 * returns the collector.
 */
export function objectStorageCollector(config: ObjectStorageConfigInput = {}, deps: ObjectStorageDeps = {}): Collector {
  return createObjectStorageCollector(parseObjectStorageConfig(config), deps);
}

/**
 * Always false. This collector reads whole objects, not parsed records: any bytes are an object, so
 * no parsed JSON record can be told to be "an object-storage record", and `--source auto` must never
 * pick it for one. Run it explicitly (`--source object_storage`) or through its readers.
 */
export function sniffObjectStorage(_record: unknown): boolean {
  return false;
}

/** The component's spec: its type, config schema, factory and sniffer. */
export const objectStorageSpec: CollectorSpec = Object.freeze({
  kind: 'collector',
  type: SOURCE_TYPE,
  description: 'Objects from S3 buckets or directories, as ordered chunks of decoded content (gzip-aware, type-sniffed) for DLP.',
  streams: ['object_chunk'],
  configSchema: ObjectStorageConfigSchema,
  create: (config?: Record<string, unknown>) => objectStorageCollector(config as ObjectStorageConfigInput),
  sniff: sniffObjectStorage,
} as const);
