/**
 * One notified object as collector outputs. aws_cloudtrail and aws_config objects (a CloudTrail log
 * file, a Config snapshot or history file: JSON, usually gzip) are read whole, up to maxObjectBytes,
 * and handed to the collector; object_storage objects are streamed and chunked as they arrive
 * (object_storage/s3.ts). IAM: s3:GetObject (s3:GetObjectVersion for a versioned notification).
 */
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { Collector, CollectorOutput, RejectedRecord } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import { readS3Object } from '../object_storage/s3.ts';
import type { ObjectStorageConfigInput } from '../object_storage/config.ts';
import type { S3ObjectRef } from './notification.ts';

/** The object is not there (NoSuchKey, NoSuchVersion): the caller may ask again, then gives up. */
export class MissingObjectError extends Error {
  override readonly name = 'MissingObjectError';
}

export interface ObjectReaderDeps {
  s3: S3Client;
  /** Reads whole objects (every type but object_storage). */
  collector: Collector;
  /** Set for object_storage: objects are streamed in chunks with this config. */
  objectStorage?: ObjectStorageConfigInput;
  maxObjectBytes: number;
}

export function objectName(ref: S3ObjectRef): string {
  return `s3://${ref.bucket}/${ref.key}${ref.versionId ? `?versionId=${ref.versionId}` : ''}`;
}

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
}

const MISSING = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

function storeError(ref: S3ObjectRef, err: unknown): SluiceError {
  if (err instanceof SluiceError) return err;
  return new SluiceError('SLUICE_ERR_OBJECT_STORE_UNAVAILABLE', `GetObject ${objectName(ref)}: ${errorName(err) || 'Error'}: ${(err as Error).message}`, { cause: err });
}

function tooLarge(source: string, ref: S3ObjectRef, size: number, max: number): RejectedRecord {
  return {
    kind: 'dead_letter',
    stage: 'collect',
    source,
    position: `${objectName(ref)}#0`,
    reasonCode: 'SLUICE_ERR_INPUT_UNREADABLE',
    reason: `the object is ${size} bytes, more than sqs.maxObjectBytes ${max}; not read`,
    raw: Buffer.alloc(0),
  };
}

async function readWhole(deps: ObjectReaderDeps, ref: S3ObjectRef, signal?: AbortSignal): Promise<Iterable<CollectorOutput>> {
  const source = deps.collector.type;
  if (ref.size !== undefined && ref.size > deps.maxObjectBytes) return [tooLarge(source, ref, ref.size, deps.maxObjectBytes)];
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  let res: GetObjectCommandOutput;
  try {
    res = await deps.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, ...(ref.versionId ? { VersionId: ref.versionId } : {}) }), signal ? { abortSignal: signal } : {});
  } catch (err) {
    if (MISSING.has(errorName(err))) throw new MissingObjectError(`${errorName(err)}: ${objectName(ref)}`);
    throw storeError(ref, err);
  }
  const body = res.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  if (res.ContentLength !== undefined && res.ContentLength > deps.maxObjectBytes) {
    body?.destroy?.();
    return [tooLarge(source, ref, res.ContentLength, deps.maxObjectBytes)];
  }
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const part of body ?? []) {
      size += part.length;
      if (size > deps.maxObjectBytes) {
        body?.destroy?.();
        return [tooLarge(source, ref, size, deps.maxObjectBytes)];
      }
      parts.push(Buffer.from(part));
    }
  } catch (err) {
    throw storeError(ref, err);
  }
  // The collector's outputs are produced as they are consumed (a large file is not held twice as events).
  return deps.collector.collect({ name: objectName(ref), bytes: Buffer.concat(parts, size) });
}

/**
 * The outputs of one object, passed to `emit` as they come (object_storage chunks stream; other
 * types are read whole first). Throws MissingObjectError when the object is not there (before
 * anything was emitted), a SluiceError SLUICE_ERR_OBJECT_STORE_UNAVAILABLE for other S3 failures.
 */
export async function readObject(deps: ObjectReaderDeps, ref: S3ObjectRef, emit: (out: CollectorOutput) => Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!deps.objectStorage) {
    for (const out of await readWhole(deps, ref, signal)) await emit(out);
    return;
  }
  const chunks = readS3Object({
    client: deps.s3,
    bucket: ref.bucket,
    key: ref.key,
    ...(ref.versionId ? { versionId: ref.versionId } : {}),
    config: deps.objectStorage,
    store: 's3',
    ...(signal ? { signal } : {}),
  });
  let first = true;
  /** An error of emit (publishing) is the caller's, not the store's: passed on as it is. */
  let emitted: { error: unknown } | undefined;
  try {
    for await (const out of chunks) {
      // readS3Object reports a missing object as its only output: a reject with INPUT_NOT_FOUND.
      if (first && out.kind === 'dead_letter' && out.reasonCode === 'SLUICE_ERR_INPUT_NOT_FOUND') throw new MissingObjectError(`${out.reason}: ${objectName(ref)}`);
      first = false;
      try {
        await emit(out);
      } catch (error) {
        emitted = { error };
        throw error;
      }
    }
  } catch (err) {
    if (err instanceof MissingObjectError || (emitted && err === emitted.error)) throw err;
    throw storeError(ref, err);
  }
}
