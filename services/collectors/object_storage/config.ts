import { z } from 'zod';
import { sqsSection } from '../s3_notifications/config.ts';
import { azureBlobSection } from './azure-blob-follow-config.ts';
import { gcsSection } from './gcs-follow-config.ts';
import { parseCollectorConfig } from '../config-common.ts';

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;

export const DEFAULT_CHUNK_BYTES = MIB;
export const MIN_CHUNK_BYTES = KIB;
/** Chunks travel as single Kafka messages: keep them well under common broker limits. */
export const MAX_CHUNK_BYTES = 64 * MIB;
/**
 * Largest object read, stored or decoded (gzip-bomb guard). 256 MiB: each decoded byte is scanned by
 * DLP and published to Kafka, so larger objects are a deliberate choice (raise it per deployment).
 */
export const DEFAULT_MAX_OBJECT_BYTES = 256 * MIB;

/** Stores an object can come from (the `object.store` field). */
export const OBJECT_STORES = ['s3', 'gcs', 'azure_blob', 'file'] as const;

/** Configuration of the object_storage collector. Unknown keys are rejected. */
export const ObjectStorageConfigSchema = z.strictObject({
  chunkBytes: z
    .number()
    .int()
    .min(MIN_CHUNK_BYTES)
    .max(MAX_CHUNK_BYTES)
    .default(DEFAULT_CHUNK_BYTES)
    .describe(
      'Size of each emitted chunk in bytes of decoded content (the last chunk of an object may be smaller). ' +
        'At least 1 KiB, at most 64 MiB. Memory per object read is about twice this.',
    )
    .meta({ examples: [1048576, 262144] }),
  maxObjectBytes: z
    .number()
    .int()
    .min(0)
    .default(DEFAULT_MAX_OBJECT_BYTES)
    .describe(
      'Objects whose stored size is larger are rejected without being read; gzip content that inflates past ' +
        'this many decoded bytes is rejected when it gets there (gzip-bomb guard). Default 256 MiB.',
    )
    .meta({ examples: [268435456, 5368709120] }),
  decodeGzip: z
    .boolean()
    .default(true)
    .describe(
      'Decompress gzip content (magic bytes 1f 8b, or a declared Content-Encoding: gzip) and chunk the decoded ' +
        'bytes. When false, gzip objects are chunked as stored and sniffed as application/gzip.',
    )
    .meta({ examples: [true] }),
  store: z
    .enum(OBJECT_STORES)
    .default('file')
    .describe('Store recorded for inputs handed to collect() (e.g. `sluice run --input dir`); the readers set their own.')
    .meta({ examples: ['file', 's3'] }),
  bucket: z
    .string()
    .min(1)
    .max(1024)
    .default('local')
    .describe('Bucket recorded for inputs handed to collect(); the input name becomes the key.')
    .meta({ examples: ['local', 'my-bucket'] }),
  sqs: sqsSection(),
  azureBlob: azureBlobSection(),
  gcs: gcsSection(),
});

export type ObjectStorageConfig = Readonly<z.output<typeof ObjectStorageConfigSchema>>;
export type ObjectStorageConfigInput = z.input<typeof ObjectStorageConfigSchema>;

/** Validates a config, reporting every problem at once; returns it frozen. */
export function parseObjectStorageConfig(input: unknown = {}): ObjectStorageConfig {
  return parseCollectorConfig(ObjectStorageConfigSchema, input, 'object_storage');
}
