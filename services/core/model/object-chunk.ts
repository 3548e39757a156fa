import type { EventMetadata } from '../events.ts';

/** Object stores an ObjectChunk can come from. */
export type ObjectStore = 's3' | 'gcs' | 'azure_blob' | 'file';

/** The object a chunk belongs to; identical on every chunk of one object. */
export interface StoredObject {
  /** s3, gcs, azure_blob or file. */
  store: ObjectStore;
  /** Bucket or container; for the file store, the name given to the directory. */
  bucket: string;
  /** Object key; for the file store, the path relative to the directory with / separators. */
  key: string;
  version_id: string | null;
  /** ETag without surrounding quotes; for files, the hex MD5 of the stored bytes. */
  etag: string | null;
  /** Stored size in bytes (compressed size when content_encoding is gzip). */
  size: number;
  /** Sniffed from the decoded content's first bytes (magic bytes, BOM, text heuristics). */
  content_type: string;
  /** Content-Type as declared by the store, or null. */
  declared_content_type: string | null;
  /** 'gzip' when the stored bytes were gzip and were decoded, else null. */
  content_encoding: 'gzip' | null;
  /** Epoch ms, or null when unknown. */
  last_modified: number | null;
}

/**
 * One ordered chunk of an object-storage object, for DLP. Avro: schemas/avro/object_chunk.v1.avsc (sluice.ObjectChunk).
 * Stream: `object_chunk`, keyed by `<store>://<bucket>/<key>`. This file mirrors the Avro schema field by field.
 * Offsets and sizes count bytes of the DECODED content (decompressed when content_encoding is gzip).
 */
export interface ObjectChunk {
  /** uid = `<store>://<bucket>/<key>@<version_id ?? etag ?? 'unversioned'>#<chunk_index>`. */
  metadata: EventMetadata;
  object: StoredObject;
  chunk_index: number;
  /** Object-absolute offset of the first byte, in the decoded content. */
  offset: number;
  /** Bytes in this chunk. */
  size: number;
  is_last: boolean;
  /** Known on the last chunk, and on every chunk when the decoded size is known in advance. */
  total_chunks: number | null;
  content: Buffer;
  /** Epoch ms: last_modified, else the collection time. */
  time: number;
}
