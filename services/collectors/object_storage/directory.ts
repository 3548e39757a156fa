/**
 * Reads every regular file under a directory as an object of the `file` store and emits its chunks,
 * streaming (never a whole file in memory). Keys are paths relative to the directory with `/`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { CollectorOutput } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import { ChunkAssembler, chunkStream, type ChunkContext, type ObjectDescriptor } from './chunker.ts';
import { parseObjectStorageConfig, type ObjectStorageConfigInput } from './config.ts';

export interface DirectoryReadOptions {
  /** Collector config (chunkBytes, maxObjectBytes, decodeGzip); store and bucket are set by the reader. */
  config?: ObjectStorageConfigInput;
  /** Bucket recorded on the objects. Default: the directory's base name. */
  bucket?: string;
  /** Only keys starting with this prefix (relative, `/`-separated). */
  prefix?: string;
  /** Time of chunks is the file's mtime; the clock is only a fallback. */
  clock?: Clock;
}

/** Relative keys of the regular files under root, sorted; hidden entries (.name) and symlinks are skipped. */
async function listKeys(root: string, rel = ''): Promise<string[]> {
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  const keys: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const key = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) keys.push(...(await listKeys(root, key)));
    else if (e.isFile()) keys.push(key);
  }
  return keys;
}

async function* emptySource(): AsyncGenerator<Uint8Array> {
  // An empty file: nothing to read.
}

function compareKeys(a: string, b: string): number {
  // Byte order of UTF-8, as S3 lists keys.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

async function md5OfFile(path: string, size: number): Promise<string> {
  const hash = createHash('md5');
  if (size > 0) for await (const piece of createReadStream(path, { start: 0, end: size - 1 })) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/**
 * Yields the chunks of every file under `dir` (recursively, sorted by key), one object after the other.
 * The etag is the file's MD5 (a first streaming pass), version_id is null, last_modified the mtime.
 * A file that cannot be read comes out as a RejectedRecord; a missing `dir` throws SLUICE_ERR_INPUT_NOT_FOUND.
 */
export async function* readDirectoryObjects(dir: string, options: DirectoryReadOptions = {}): AsyncGenerator<CollectorOutput, void, undefined> {
  const root = resolve(dir);
  const config = parseObjectStorageConfig({ ...options.config, store: 'file' });
  const clock = options.clock ?? systemClock;
  const bucket = options.bucket ?? basename(root);
  let keys: string[];
  try {
    keys = await listKeys(root);
  } catch (cause) {
    throw new SluiceError('SLUICE_ERR_INPUT_NOT_FOUND', `directory ${dir} does not exist or cannot be listed`, { cause });
  }
  keys.sort(compareKeys);
  for (const key of keys) {
    if (options.prefix !== undefined && !key.startsWith(options.prefix)) continue;
    const path = join(root, ...key.split('/'));
    const ctx: ChunkContext = { config, clock, name: path.split(sep).join('/'), sourceErrors: 'reject' };
    const desc: ObjectDescriptor = {
      store: 'file',
      bucket,
      key,
      version_id: null,
      etag: null,
      size: 0,
      declared_content_type: null,
      declared_content_encoding: null,
      last_modified: null,
    };
    try {
      const st = await stat(path);
      desc.size = st.size;
      desc.last_modified = Math.trunc(st.mtimeMs);
      // Over-size files are rejected by chunkStream before any read; skip the hash for them.
      if (st.size <= config.maxObjectBytes) desc.etag = await md5OfFile(path, st.size);
    } catch (err) {
      yield new ChunkAssembler(desc, ctx, null, null).reject(
        'SLUICE_ERR_INPUT_UNREADABLE',
        `cannot read ${key}: ${err instanceof Error ? err.message : String(err)}`,
      );
      continue;
    }
    const source: AsyncIterable<Uint8Array> =
      desc.size > 0 ? createReadStream(path, { start: 0, end: desc.size - 1, highWaterMark: 64 * 1024 }) : emptySource();
    yield* chunkStream(desc, source, ctx);
  }
}
