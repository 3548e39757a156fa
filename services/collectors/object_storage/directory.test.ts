import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ManualClock } from '../../core/clock.ts';
import type { CollectorOutput } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import {
  DOC_VARIOUS,
  DOC_VARIOUS_GZ,
  DOC_VARIOUS_TRUNCATED_GZ,
  EMPTY,
  SAMPLE_CSV,
  SMALL_PDF,
  readBytes,
} from '../../../test/fixtures/object_storage/load.ts';
import { assertAvroRoundTrip, collectAll, split } from '../../../test/fixtures/object_storage/helpers.ts';
import { chunkStream, parseObjectStorageConfig, readDirectoryObjects, type ObjectDescriptor } from './index.ts';

const DOC = readBytes(DOC_VARIOUS);
const MTIME_S = 1_700_000_000; // 2023-11-14T22:13:20Z

describe('readDirectoryObjects', () => {
  let root: string;
  let dir: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'sluice-objdir-'));
    dir = join(root, 'dlp-bucket');
    const put = (rel: string, from: URL): void => {
      const path = join(dir, ...rel.split('/'));
      mkdirSync(join(path, '..'), { recursive: true });
      copyFileSync(from, path);
      utimesSync(path, MTIME_S, MTIME_S);
    };
    put('docs/doc_various', DOC_VARIOUS);
    put('docs/doc_various.gz', DOC_VARIOUS_GZ);
    put('docs/cut.gz', DOC_VARIOUS_TRUNCATED_GZ);
    put('empty', EMPTY);
    put('nested/deeper/sample.csv', SAMPLE_CSV);
    put('pdf/small.pdf', SMALL_PDF);
    writeFileSync(join(dir, '.hidden'), 'skipped');
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it('reads every file in key order, one object after the other, keyed by file://<dir name>/<relative path>', async () => {
    const outs = await collectAll(readDirectoryObjects(dir, { config: { chunkBytes: 1024 }, clock: new ManualClock(0) }));
    const { chunks, rejects } = split(outs);
    const keys = [...new Set(chunks.map((c) => c.key))];
    assert.deepEqual(keys, [
      'file://dlp-bucket/docs/cut.gz',
      'file://dlp-bucket/docs/doc_various',
      'file://dlp-bucket/docs/doc_various.gz',
      'file://dlp-bucket/empty',
      'file://dlp-bucket/nested/deeper/sample.csv',
      'file://dlp-bucket/pdf/small.pdf',
    ]);
    // Objects are not interleaved: each key's outputs are contiguous.
    const runs = outs.map((o) => (o.kind === 'event' ? o.key : `reject:${o.position}`));
    for (const k of keys) {
      const first = runs.indexOf(k);
      const last = runs.lastIndexOf(k);
      assert.ok(runs.slice(first, last + 1).every((r) => r === k), `${k} contiguous`);
    }
    assert.equal(rejects.length, 1, 'only the truncated gzip is rejected');
    assert.match(rejects[0]!.reason, /^gzip content is corrupt: unexpected end of file \(at decoded offset \d+, after \d+ chunks?; the object has no is_last chunk\)$/);
    assert.match(rejects[0]!.position, /dlp-bucket\/docs\/cut\.gz#\d+$/);

    const doc = chunks.filter((c) => c.key === 'file://dlp-bucket/docs/doc_various');
    assert.deepEqual(doc.map((c) => c.event.size), [1024, 1024, 1024, 1024, 144]);
    assert.deepEqual(doc.map((c) => c.event.total_chunks), [5, 5, 5, 5, 5]);
    assert.deepEqual(Buffer.concat(doc.map((c) => c.event.content)), DOC);
    const o = doc[0]!.event.object;
    assert.equal(o.store, 'file');
    assert.equal(o.bucket, 'dlp-bucket');
    assert.equal(o.key, 'docs/doc_various');
    assert.equal(o.etag, 'd3206133cda4525a3781f1976cbc8cab'); // md5sum of the fixture
    assert.equal(o.last_modified, MTIME_S * 1000);
    assert.equal(doc[0]!.event.time, MTIME_S * 1000);
    assert.equal(doc[0]!.event.metadata.original_time, '2023-11-14T22:13:20.000Z');
    assert.equal(doc[2]!.event.metadata.uid, 'file://dlp-bucket/docs/doc_various@d3206133cda4525a3781f1976cbc8cab#2');

    const gz = chunks.filter((c) => c.key === 'file://dlp-bucket/docs/doc_various.gz');
    assert.deepEqual(gz.map((c) => c.event.offset), [0, 1024, 2048, 3072, 4096]);
    assert.deepEqual(gz.map((c) => c.event.total_chunks), [null, null, null, null, 5]);
    assert.deepEqual(Buffer.concat(gz.map((c) => c.event.content)), DOC);
    assert.equal(gz[0]!.event.object.content_encoding, 'gzip');
    assert.equal(gz[0]!.event.object.size, 981);

    const cut = chunks.filter((c) => c.key === 'file://dlp-bucket/docs/cut.gz');
    const cutBytes = Buffer.concat(cut.map((c) => c.event.content));
    assert.deepEqual(cutBytes, DOC.subarray(0, cutBytes.length));
    assert.ok(cut.every((c) => !c.event.is_last));

    const empty = chunks.filter((c) => c.key === 'file://dlp-bucket/empty');
    assert.equal(empty.length, 1);
    assert.equal(empty[0]!.event.size, 0);
    assert.equal(empty[0]!.event.is_last, true);

    assert.equal(chunks.find((c) => c.key.endsWith('sample.csv'))!.event.object.content_type, 'text/csv');
    assert.equal(chunks.find((c) => c.key.endsWith('small.pdf'))!.event.object.content_type, 'application/pdf');
    chunks.forEach((c) => assertAvroRoundTrip(c.event, c.position));
  });

  it('gives the same uids as a second read (idempotent downstream)', async () => {
    const uids = async (): Promise<string[]> =>
      split(await collectAll(readDirectoryObjects(dir, { config: { chunkBytes: 1024 } }))).chunks.map((c) => c.event.metadata.uid);
    assert.deepEqual(await uids(), await uids());
  });

  it('filters by key prefix and accepts a bucket name', async () => {
    const { chunks } = split(await collectAll(readDirectoryObjects(dir, { prefix: 'nested/', bucket: 'b' })));
    assert.deepEqual(chunks.map((c) => c.key), ['file://b/nested/deeper/sample.csv']);
  });

  it('rejects files beyond maxObjectBytes without reading them', async () => {
    const { chunks, rejects } = split(await collectAll(readDirectoryObjects(dir, { prefix: 'docs/doc_various', config: { maxObjectBytes: 1000 } })));
    assert.deepEqual(chunks.map((c) => c.key), ['file://dlp-bucket/docs/doc_various.gz']); // 981 stored bytes: read; inflates to 4240 > 1000
    assert.equal(rejects.length, 2);
    assert.equal(rejects[0]!.reason, 'object is 4240 bytes, beyond maxObjectBytes (1000); not read');
    assert.match(rejects[1]!.reason, /^decoded content exceeds maxObjectBytes \(1000\); gzip inflates past the limit \(at decoded offset 1000, after 1 chunk;/);
    assert.equal(chunks[0]!.event.size, 1000);
  });

  it('a missing directory throws SLUICE_ERR_INPUT_NOT_FOUND', async () => {
    await assert.rejects(
      collectAll(readDirectoryObjects(join(root, 'nope'))),
      (err: unknown) => err instanceof SluiceError && err.code === 'SLUICE_ERR_INPUT_NOT_FOUND',
    );
  });
});

describe('chunkStream keeps memory bounded (streams, never holds a whole object)', () => {
  const MIB = 1024 * 1024;
  const TOTAL = 48 * MIB;
  const config = parseObjectStorageConfig({ chunkBytes: MIB });
  const desc = (size: number): ObjectDescriptor => ({
    store: 's3',
    bucket: 'b',
    key: 'big',
    version_id: null,
    etag: 'e',
    size,
    declared_content_type: null,
    declared_content_encoding: null,
    last_modified: 0,
  });

  /** 48 MiB of incompressible bytes, produced lazily; `produced` counts what the reader has pulled. */
  function producer(state: { produced: number }): AsyncGenerator<Buffer> {
    const block = randomBytes(64 * 1024);
    return (async function* () {
      while (state.produced < TOTAL) {
        state.produced += block.length;
        yield block;
      }
    })();
  }

  it('plain content: the reader is never more than a few chunks ahead of what was emitted', async () => {
    const state = { produced: 0 };
    let maxLead = 0;
    let emitted = 0;
    for await (const o of chunkStream(desc(TOTAL), producer(state), { config, clock: new ManualClock(0), name: 'big' })) {
      assert.equal(o.kind, 'event');
      if (o.kind === 'event' && o.stream === 'object_chunk') emitted = o.event.offset + o.event.size;
      maxLead = Math.max(maxLead, state.produced - emitted);
    }
    assert.equal(emitted, TOTAL);
    assert.ok(maxLead <= 3 * MIB, `lead ${maxLead} bytes`);
  });

  it('gzip content: decoded lazily, the lead stays bounded too', async () => {
    const state = { produced: 0 };
    const gz = Readable.from(producer(state)).pipe(createGzip({ level: 1 }));
    let maxLead = 0;
    let emitted = 0;
    let last = false;
    for await (const o of chunkStream(desc(0), gz, { config, clock: new ManualClock(0), name: 'big.gz' })) {
      if (o.kind === 'event' && o.stream === 'object_chunk') {
        emitted = o.event.offset + o.event.size;
        last = o.event.is_last;
        assert.equal(o.event.object.content_encoding, 'gzip');
      } else assert.fail(`unexpected output: ${o.kind === 'dead_letter' ? o.reason : o.stream}`);
      maxLead = Math.max(maxLead, state.produced - emitted);
    }
    assert.equal(emitted, TOTAL);
    assert.equal(last, true);
    assert.ok(maxLead <= 4 * MIB, `lead ${maxLead} bytes`);
  });

  it('a source error is thrown (the caller retries), not turned into a reject', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(3000, 0x61);
      throw new Error('connection reset');
    }
    const seen: CollectorOutput[] = [];
    await assert.rejects(async () => {
      for await (const o of chunkStream(desc(10_000), failing(), { config: parseObjectStorageConfig({ chunkBytes: 1024 }), clock: new ManualClock(0), name: 'x' })) seen.push(o);
    }, /connection reset/);
    assert.deepEqual(seen.map((o) => (o.kind === 'event' && o.stream === 'object_chunk' ? o.event.size : -1)), [1024, 1024]);
  });

  it("with sourceErrors: 'reject' a failing source gives chunks so far and a reject", async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(3000, 0x61);
      throw new Error('EIO: i/o error, read');
    }
    const outs = await collectAll(
      chunkStream(desc(10_000), failing(), { config: parseObjectStorageConfig({ chunkBytes: 1024 }), clock: new ManualClock(0), name: 'x', sourceErrors: 'reject' }),
    );
    const { chunks, rejects } = split(outs);
    assert.deepEqual(chunks.map((c) => c.event.size), [1024, 1024, 952]);
    assert.equal(rejects[0]!.reason, 'read failed: EIO: i/o error, read (at decoded offset 3000, after 3 chunks; the object has no is_last chunk)');
    assert.equal(rejects[0]!.position, 'x#3');
  });
});
