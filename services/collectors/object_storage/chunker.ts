/**
 * Object -> ordered ObjectChunk events. Shared by collect() (bytes in memory), the directory reader
 * and the S3 reader (streams). See README.md for the rules on offsets, gzip, sniffing and failures.
 */
import { Readable, pipeline } from 'node:stream';
import { constants as bufferConstants } from 'node:buffer';
import { createGunzip, gunzipSync, constants as zlibConstants } from 'node:zlib';
import type { Clock } from '../../core/clock.ts';
import type { CollectedEvent, CollectorOutput, RejectedRecord } from '../../core/components.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { OCSF_VERSION } from '../../core/events.ts';
import type { ObjectChunk, ObjectStore, StoredObject } from '../../core/model/object-chunk.ts';
import type { ObjectStorageConfig } from './config.ts';
import { sniffContentType } from './content-type.ts';

export const SOURCE_TYPE = 'object_storage';

export type ObjectChunkOutput = Extract<CollectedEvent, { stream: 'object_chunk' }>;

/** What is known about an object before its content is read. */
export interface ObjectDescriptor
  extends Pick<StoredObject, 'store' | 'bucket' | 'key' | 'version_id' | 'etag' | 'size' | 'declared_content_type' | 'last_modified'> {
  /** Content-Encoding declared by the store (e.g. S3 metadata), if any. */
  declared_content_encoding: string | null;
}

/** What a store's listing tells of an object before it is read: where it is and its listed size. */
export function listedObject(ref: Pick<StoredObject, 'store' | 'bucket' | 'key'>, versionId: string | undefined, listedSize: number | undefined): ObjectDescriptor {
  return { store: ref.store, bucket: ref.bucket, key: ref.key, version_id: versionId ?? null, etag: null, size: listedSize ?? 0, declared_content_type: null, declared_content_encoding: null, last_modified: null };
}

export interface ChunkContext {
  config: ObjectStorageConfig;
  clock: Clock;
  /** Positions are `<name>#<index>`, the index counting every output of this object (chunks, then a reject). */
  name: string;
  /**
   * What chunkStream does when the source itself fails (disk or network error): 'throw' (default; the
   * caller retries) or 'reject' (chunks so far + a RejectedRecord, used for local files).
   */
  sourceErrors?: 'throw' | 'reject';
}

const PRODUCTS: Record<ObjectStore, { product: string; vendor: string }> = {
  s3: { product: 'Amazon S3', vendor: 'AWS' },
  gcs: { product: 'Google Cloud Storage', vendor: 'Google' },
  azure_blob: { product: 'Azure Blob Storage', vendor: 'Microsoft' },
  file: { product: 'Local filesystem', vendor: 'Sluice' },
};

/** The partition key and uid prefix of an object: `<store>://<bucket>/<key>`. */
export function objectRef(o: { store: string; bucket: string; key: string }): string {
  return `${o.store}://${o.bucket}/${o.key}`;
}

/** Which stored object, in which version and size: the fields a chunk's object and a reject's reference share. */
function objectIdentity(d: ObjectDescriptor): Pick<StoredObject, 'store' | 'bucket' | 'key' | 'version_id' | 'etag' | 'size'> {
  return { store: d.store, bucket: d.bucket, key: d.key, version_id: d.version_id, etag: d.etag, size: d.size };
}

/** metadata.uid of a chunk: `<store>://<bucket>/<key>@<version_id ?? etag ?? 'unversioned'>#<index>`. */
export function chunkUid(o: ObjectDescriptor | StoredObject, chunkIndex: number): string {
  return `${objectRef(o)}@${o.version_id ?? o.etag ?? 'unversioned'}#${chunkIndex}`;
}

/** S3 returns ETags quoted ("…"); weak ETags start with W/. Both are stripped. */
export function unquoteEtag(etag: string | null | undefined): string | null {
  if (etag === null || etag === undefined || etag === '') return null;
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

export function isGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function declaresGzip(desc: ObjectDescriptor): boolean {
  return (desc.declared_content_encoding ?? '')
    .split(',')
    .some((e) => ['gzip', 'x-gzip'].includes(e.trim().toLowerCase()));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Builds the chunks of one object from its decoded bytes, pushed in pieces of any size. It holds back
 * at most one chunk (to know which chunk is the last), so memory stays about 2 x chunkBytes.
 */
export class ChunkAssembler {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private chunkIndex = 0;
  private outputs = 0;
  private emitted = 0;
  private object: StoredObject | null = null;
  private readonly time: number;
  private readonly chunkBytes: number;
  private readonly maxBytes: number;
  private readonly totalChunks: number | null;
  /** True once the object is finished or aborted: nothing more is accepted. */
  closed = false;

  constructor(
    private readonly desc: ObjectDescriptor,
    private readonly ctx: ChunkContext,
    private readonly contentEncoding: 'gzip' | null,
    /** Decoded size when known in advance (content not gzip): gives total_chunks on every chunk. */
    private readonly expectedSize: number | null,
  ) {
    this.time = desc.last_modified ?? ctx.clock.now();
    this.chunkBytes = ctx.config.chunkBytes;
    this.maxBytes = ctx.config.maxObjectBytes;
    this.totalChunks = expectedSize === null ? null : Math.max(1, Math.ceil(expectedSize / this.chunkBytes));
  }

  /** Decoded bytes received so far. */
  get decodedBytes(): number {
    return this.emitted + this.pendingLen;
  }

  private position(): string {
    return `${this.ctx.name}#${this.outputs++}`;
  }

  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = this.pending[0]!;
      if (head.length <= need) {
        parts.push(head);
        this.pending.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        this.pending[0] = head.subarray(need);
        need = 0;
      }
    }
    this.pendingLen -= n;
    return Buffer.concat(parts, n);
  }

  private chunk(content: Buffer, isLast: boolean, totalChunks: number | null): ObjectChunkOutput {
    if (this.object === null) {
      const d = this.desc;
      this.object = {
        ...objectIdentity(d),
        content_type: sniffContentType(content, { declaredType: d.declared_content_type, key: d.key }),
        declared_content_type: d.declared_content_type,
        content_encoding: this.contentEncoding,
        last_modified: d.last_modified,
      };
    }
    const { product, vendor } = PRODUCTS[this.desc.store];
    const event: ObjectChunk = {
      metadata: {
        uid: chunkUid(this.desc, this.chunkIndex),
        version: OCSF_VERSION,
        product_name: product,
        vendor_name: vendor,
        log_name: null,
        original_time: new Date(this.time).toISOString(),
        source: SOURCE_TYPE,
      },
      object: this.object,
      chunk_index: this.chunkIndex,
      offset: this.emitted,
      size: content.length,
      is_last: isLast,
      total_chunks: isLast ? this.chunkIndex + 1 : totalChunks,
      content,
      time: this.time,
    };
    this.chunkIndex++;
    this.emitted += content.length;
    return { kind: 'event', stream: 'object_chunk', key: objectRef(this.desc), event, position: this.position() };
  }

  /** A RejectedRecord for this object; raw is the object reference as JSON (not its content). */
  reject(reasonCode: ErrorCode, reason: string): RejectedRecord {
    const d = this.desc;
    const raw = Buffer.from(
      JSON.stringify({
        ...objectIdentity(d),
        decoded_offset: this.decodedBytes,
        chunks_emitted: this.chunkIndex,
      }),
      'utf8',
    );
    return { kind: 'dead_letter', stage: 'collect', source: SOURCE_TYPE, position: this.position(), reasonCode, reason, raw };
  }

  /** Adds decoded bytes; returns the chunks now complete (and, past maxObjectBytes, the flush and the reject). */
  push(piece: Uint8Array): CollectorOutput[] {
    if (this.closed || piece.length === 0) return [];
    const out: CollectorOutput[] = [];
    let buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.length);
    const limit = Math.min(this.maxBytes, this.expectedSize ?? Number.POSITIVE_INFINITY);
    const room = limit - this.decodedBytes;
    const overflow = buf.length > room;
    if (overflow) buf = buf.subarray(0, Math.max(0, room));
    if (buf.length > 0) {
      this.pending.push(buf);
      this.pendingLen += buf.length;
    }
    // Strictly more than one chunk pending: the chunk taken is certainly not the last one.
    while (this.pendingLen > this.chunkBytes) out.push(this.chunk(this.take(this.chunkBytes), false, this.totalChunks));
    if (overflow) {
      const reason =
        this.expectedSize !== null && this.expectedSize < this.maxBytes
          ? `object has more than its declared ${this.expectedSize} bytes (it changed while being read?)`
          : `decoded content exceeds maxObjectBytes (${this.maxBytes}); ${this.contentEncoding === 'gzip' ? 'gzip inflates past the limit' : 'object too large'}`;
      out.push(...this.abort('SLUICE_ERR_INPUT_UNREADABLE', reason));
    }
    return out;
  }

  /** End of content: the final chunk (size 0 for an empty object) with is_last. */
  finish(): CollectorOutput[] {
    if (this.closed) return [];
    if (this.expectedSize !== null && this.decodedBytes !== this.expectedSize) {
      return this.abort(
        'SLUICE_ERR_INPUT_UNREADABLE',
        `object ended after ${this.decodedBytes} of its declared ${this.expectedSize} bytes (it changed while being read?)`,
      );
    }
    this.closed = true;
    const out: CollectorOutput[] = [];
    while (this.pendingLen > this.chunkBytes) out.push(this.chunk(this.take(this.chunkBytes), false, this.totalChunks));
    out.push(this.chunk(this.take(this.pendingLen), true, this.totalChunks));
    return out;
  }

  /**
   * The content cannot be read further: the decoded bytes received are still emitted as chunks
   * (none with is_last; the last of them may be shorter than chunkBytes), then one RejectedRecord.
   */
  abort(reasonCode: ErrorCode, reason: string): CollectorOutput[] {
    if (this.closed) return [];
    this.closed = true;
    const out: CollectorOutput[] = [];
    while (this.pendingLen > 0) out.push(this.chunk(this.take(Math.min(this.chunkBytes, this.pendingLen)), false, null));
    const where = `at decoded offset ${this.emitted}, after ${this.chunkIndex} chunk${this.chunkIndex === 1 ? '' : 's'}`;
    out.push(this.reject(reasonCode, `${reason} (${where}; the object has no is_last chunk)`));
    return out;
  }
}

function oversize(desc: ObjectDescriptor, ctx: ChunkContext): RejectedRecord | null {
  if (desc.size <= ctx.config.maxObjectBytes) return null;
  return new ChunkAssembler(desc, ctx, null, null).reject(
    'SLUICE_ERR_INPUT_UNREADABLE',
    `object is ${desc.size} bytes, beyond maxObjectBytes (${ctx.config.maxObjectBytes}); not read`,
  );
}

type GunzipResult =
  | { kind: 'ok'; decoded: Buffer }
  | { kind: 'too_large' }
  | { kind: 'corrupt'; decoded: Buffer; message: string };

/**
 * gunzip of bytes in memory, bounded by maxOut decoded bytes, with at most two inflates and never a
 * search: the whole input with Z_FINISH; if zlib reports damage, once more with Z_SYNC_FLUSH, which
 * decodes a truncated stream up to its end (the common damage: a cut upload) but still refuses bad
 * data, in which case no prefix is recovered (the stream readers, which inflate as a stream, do emit
 * what came before bad data). Work is thus at most 2 x maxOut decoded bytes whatever the input; the
 * former bisection re-inflated ~20 times (issue 21).
 */
export function gunzipBounded(bytes: Buffer, maxOut: number): GunzipResult {
  const maxOutputLength = Math.max(1, Math.min(maxOut, bufferConstants.MAX_LENGTH));
  try {
    const decoded = gunzipSync(bytes, { maxOutputLength });
    return decoded.length > maxOut ? { kind: 'too_large' } : { kind: 'ok', decoded };
  } catch (err) {
    if (err instanceof RangeError) return { kind: 'too_large' };
    const message = errorText(err);
    try {
      return { kind: 'corrupt', decoded: gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength }), message };
    } catch {
      return { kind: 'corrupt', decoded: Buffer.alloc(0), message };
    }
  }
}

/**
 * Chunks of an object held in memory (collect()). gzip is decoded whole (bounded by maxObjectBytes);
 * a gzip that inflates past maxObjectBytes is rejected without chunks.
 */
export function* chunkBuffer(desc: ObjectDescriptor, bytes: Buffer, ctx: ChunkContext): Generator<CollectorOutput, void, undefined> {
  const tooBig = oversize(desc, ctx);
  if (tooBig) {
    yield tooBig;
    return;
  }
  const gzip = bytes.length > 0 && ctx.config.decodeGzip && (isGzipMagic(bytes) || declaresGzip(desc));
  let decoded = bytes;
  let failure: string | null = null;
  if (gzip) {
    const r = gunzipBounded(bytes, ctx.config.maxObjectBytes);
    if (r.kind === 'too_large') {
      yield new ChunkAssembler(desc, ctx, 'gzip', null).reject(
        'SLUICE_ERR_INPUT_UNREADABLE',
        `decoded content exceeds maxObjectBytes (${ctx.config.maxObjectBytes}); gzip inflates past the limit`,
      );
      return;
    }
    decoded = r.decoded;
    if (r.kind === 'corrupt') failure = r.message;
  }
  const asm = new ChunkAssembler(desc, ctx, gzip ? 'gzip' : null, gzip ? null : decoded.length);
  const step = ctx.config.chunkBytes;
  for (let o = 0; o < decoded.length; o += step) yield* asm.push(decoded.subarray(o, o + step));
  if (failure !== null) yield* asm.abort('SLUICE_ERR_INPUT_UNREADABLE', `gzip content is corrupt: ${failure}`);
  else yield* asm.finish();
}

/** An error of the underlying source (disk, network), as opposed to bad content. */
class SourceReadError extends Error {
  constructor(readonly original: unknown) {
    super(errorText(original));
  }
}

/**
 * Chunks of an object read as a stream (directory and S3 readers). Memory stays bounded by about
 * 2 x chunkBytes plus stream buffers. Bad content (corrupt gzip, over-size, size mismatch) comes out as
 * chunks-so-far + a RejectedRecord; an error of the source itself (I/O, network) is thrown, so the
 * caller can retry: re-reading gives the same chunk uids.
 */
export async function* chunkStream(
  desc: ObjectDescriptor,
  source: AsyncIterable<Uint8Array>,
  ctx: ChunkContext,
): AsyncGenerator<CollectorOutput, void, undefined> {
  const tooBig = oversize(desc, ctx);
  if (tooBig) {
    yield tooBig;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    try {
      return await it.next();
    } catch (err) {
      throw new SourceReadError(err);
    }
  };
  let ended = false;
  let asm: ChunkAssembler | null = null;
  try {
    // Peek at the first two bytes for the gzip magic.
    const head: Buffer[] = [];
    let headLen = 0;
    while (headLen < 2) {
      const r = await next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length));
      headLen += r.value.length;
    }
    const first = Buffer.concat(head, headLen);
    const gzip = first.length > 0 && ctx.config.decodeGzip && (isGzipMagic(first) || declaresGzip(desc));
    const rest = async function* (): AsyncGenerator<Buffer> {
      if (first.length > 0) yield first;
      if (ended) return;
      for (;;) {
        const r = await next();
        if (r.done) {
          ended = true;
          return;
        }
        yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
      }
    };
    asm = new ChunkAssembler(desc, ctx, gzip ? 'gzip' : null, gzip ? null : desc.size);
    if (!gzip) {
      for await (const piece of rest()) {
        yield* asm.push(piece);
        if (asm.closed) return;
      }
      yield* asm.finish();
      return;
    }
    const gunzip = createGunzip();
    pipeline(Readable.from(rest(), { objectMode: false }), gunzip, () => {
      // Errors surface through the iteration below.
    });
    try {
      for await (const piece of gunzip as AsyncIterable<Buffer>) {
        yield* asm.push(piece);
        if (asm.closed) return;
      }
    } catch (err) {
      if (err instanceof SourceReadError) throw err;
      yield* asm.abort('SLUICE_ERR_INPUT_UNREADABLE', `gzip content is corrupt: ${errorText(err)}`);
      return;
    } finally {
      gunzip.destroy();
    }
    yield* asm.finish();
  } catch (err) {
    if (!(err instanceof SourceReadError)) throw err;
    if ((ctx.sourceErrors ?? 'throw') === 'throw') throw err.original;
    asm ??= new ChunkAssembler(desc, ctx, null, null);
    yield* asm.abort('SLUICE_ERR_INPUT_UNREADABLE', `read failed: ${err.message}`);
  } finally {
    if (!ended) await it.return?.();
  }
}
