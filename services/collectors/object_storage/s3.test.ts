/**
 * readS3Objects against a real local S3 implementation: s3rver (test/support/s3rver.ts), on port 0
 * with a temp directory, driven through the real S3Client.
 *
 * s3rver runs in a child process started with --openssl-legacy-provider: it signs ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 (Node >= 17) only offers from its legacy provider,
 * and that provider can only be enabled when a process starts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ManualClock } from '../../core/clock.ts';
import {
  AWS_MULTI_JSON,
  DOC_VARIOUS,
  DOC_VARIOUS_GZ,
  DOC_VARIOUS_TRUNCATED_GZ,
  EMPTY,
  SMALL_PDF,
  readBytes,
} from '../../../test/fixtures/object_storage/load.ts';
import { assertAvroRoundTrip, collectAll, split, type ObjectChunkOutput } from '../../../test/fixtures/object_storage/helpers.ts';
import { startS3rver, type S3rverServer } from '../../../test/support/s3rver.ts';
import { readS3Object, readS3Objects } from './index.ts';

const BUCKET = 'sluice-dlp';
const DOC = readBytes(DOC_VARIOUS); // 4240 bytes = 2.5 chunks of 1696
const CHUNK = 1696;
const DOC_MD5 = 'd3206133cda4525a3781f1976cbc8cab'; // md5sum credsweeper/doc_various
const GZ_MD5 = 'b1f4c5cdd533ee3a734b035b62ee5479'; // md5sum derived/doc_various.gz
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

describe('readS3Objects against s3rver', () => {
  let s3: S3rverServer;
  let client: S3Client;
  const commands: string[] = [];

  before(async () => {
    s3 = await startS3rver([BUCKET]);
    client = s3.client;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    const put = async (Key: string, Body: Buffer, extra: { ContentType?: string; ContentEncoding?: string } = {}): Promise<void> => {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ContentLength: Body.length, ...extra }));
    };
    await put('docs/a/aws_multi.json', readBytes(AWS_MULTI_JSON), { ContentType: 'application/json' });
    await put('docs/doc_various.txt', DOC, { ContentType: 'text/plain' });
    await put('docs/doc_various.txt.gz', readBytes(DOC_VARIOUS_GZ), { ContentType: 'text/plain', ContentEncoding: 'gzip' });
    await put('docs/empty.txt', readBytes(EMPTY));
    await put('docs/folder/', Buffer.alloc(0)); // a console "folder" marker: skipped
    await put('docs/zz-cut.gz', readBytes(DOC_VARIOUS_TRUNCATED_GZ));
    await put('other/small.pdf', readBytes(SMALL_PDF), { ContentType: 'application/pdf' });
    commands.length = 0;
  });

  after(async () => {
    await s3?.close();
  });

  const byKey = (chunks: ObjectChunkOutput[], key: string): ObjectChunkOutput[] => chunks.filter((c) => c.event.object.key === key);

  it('lists a prefix page by page (MaxKeys 2) and reads each object in key order', async () => {
    const outs = await collectAll(readS3Objects({ client, bucket: BUCKET, prefix: 'docs/', pageSize: 2, config: { chunkBytes: CHUNK }, clock: new ManualClock(0) }));
    // 6 keys under docs/ (incl. the folder marker) in pages of 2.
    assert.deepEqual(commands.filter((c) => c === 'ListObjectsV2Command').length, 3);
    assert.deepEqual(commands.filter((c) => c === 'GetObjectCommand').length, 5);
    const { chunks, rejects } = split(outs);
    assert.deepEqual(
      [...new Set(chunks.map((c) => c.key))],
      ['s3://sluice-dlp/docs/a/aws_multi.json', 's3://sluice-dlp/docs/doc_various.txt', 's3://sluice-dlp/docs/doc_various.txt.gz', 's3://sluice-dlp/docs/empty.txt', 's3://sluice-dlp/docs/zz-cut.gz'],
    );
    assert.equal(rejects.length, 1);
    chunks.forEach((c) => assertAvroRoundTrip(c.event, c.position));
    commands.length = 0;
  });

  it('plain text object of 2.5 chunks: boundaries, offsets, sizes, is_last, order, uids', async () => {
    const chunks = byKey(split(await collectAll(readS3Objects({ client, bucket: BUCKET, prefix: 'docs/doc_various.txt', config: { chunkBytes: CHUNK } }))).chunks, 'docs/doc_various.txt');
    assert.deepEqual(chunks.map((c) => c.event.chunk_index), [0, 1, 2]);
    assert.deepEqual(chunks.map((c) => c.event.offset), [0, 1696, 3392]);
    assert.deepEqual(chunks.map((c) => c.event.size), [1696, 1696, 848]);
    assert.deepEqual(chunks.map((c) => c.event.is_last), [false, false, true]);
    assert.deepEqual(chunks.map((c) => c.event.total_chunks), [3, 3, 3]);
    assert.deepEqual(chunks[1]!.event.content, DOC.subarray(1696, 3392));
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.event.content)), DOC);
    assert.deepEqual(chunks.map((c) => c.event.metadata.uid), [0, 1, 2].map((i) => `s3://sluice-dlp/docs/doc_various.txt@${DOC_MD5}#${i}`));
    assert.deepEqual(chunks.map((c) => c.position), [0, 1, 2].map((i) => `s3://sluice-dlp/docs/doc_various.txt#${i}`));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'docs/doc_various.txt' }));
    const e = chunks[0]!.event;
    assert.deepEqual(e.object, {
      store: 's3',
      bucket: BUCKET,
      key: 'docs/doc_various.txt',
      version_id: null,
      etag: DOC_MD5,
      size: 4240,
      content_type: 'text/plain',
      declared_content_type: 'text/plain',
      content_encoding: null,
      last_modified: head.LastModified!.getTime(),
    });
    assert.equal(e.time, head.LastModified!.getTime());
    assert.equal(e.metadata.product_name, 'Amazon S3');
    assert.equal(e.metadata.vendor_name, 'AWS');
  });

  it('gzip object (Content-Encoding: gzip): chunks of decoded content with decoded offsets', async () => {
    const chunks = byKey(split(await collectAll(readS3Objects({ client, bucket: BUCKET, prefix: 'docs/doc_various.txt.gz', config: { chunkBytes: CHUNK } }))).chunks, 'docs/doc_various.txt.gz');
    assert.deepEqual(chunks.map((c) => c.event.offset), [0, 1696, 3392]);
    assert.deepEqual(chunks.map((c) => c.event.size), [1696, 1696, 848]);
    assert.deepEqual(chunks.map((c) => c.event.total_chunks), [null, null, 3]);
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.event.content)), DOC);
    const o = chunks[0]!.event.object;
    assert.equal(o.content_encoding, 'gzip');
    assert.equal(o.size, 981);
    assert.equal(o.etag, GZ_MD5);
    assert.equal(o.content_type, 'text/plain');
    assert.equal(chunks[2]!.event.metadata.uid, `s3://sluice-dlp/docs/doc_various.txt.gz@${GZ_MD5}#2`);
  });

  it('empty object: one chunk of size 0 with is_last', async () => {
    const chunks = byKey(split(await collectAll(readS3Objects({ client, bucket: BUCKET, prefix: 'docs/empty' }))).chunks, 'docs/empty.txt');
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]!.event.size, 0);
    assert.equal(chunks[0]!.event.is_last, true);
    assert.equal(chunks[0]!.event.total_chunks, 1);
    assert.equal(chunks[0]!.event.metadata.uid, `s3://sluice-dlp/docs/empty.txt@${EMPTY_MD5}#0`);
  });

  it('a truncated gzip object gives its decoded prefix and a reject', async () => {
    const { chunks, rejects } = split(await collectAll(readS3Objects({ client, bucket: BUCKET, prefix: 'docs/zz-cut', config: { chunkBytes: 1024 } })));
    const bytes = Buffer.concat(chunks.map((c) => c.event.content));
    assert.ok(bytes.length > 0);
    assert.deepEqual(bytes, DOC.subarray(0, bytes.length));
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0]!.position, `s3://sluice-dlp/docs/zz-cut.gz#${chunks.length}`);
    assert.match(rejects[0]!.reason, new RegExp(`^gzip content is corrupt: unexpected end of file \\(at decoded offset ${bytes.length}, `));
  });

  it('startAfter resumes the listing; the whole bucket includes other prefixes', async () => {
    const { chunks } = split(await collectAll(readS3Objects({ client, bucket: BUCKET, startAfter: 'docs/empty.txt', pageSize: 1 })));
    assert.deepEqual([...new Set(chunks.map((c) => c.event.object.key))], ['docs/zz-cut.gz', 'other/small.pdf']);
    assert.equal(chunks.at(-1)!.event.object.content_type, 'application/pdf');
  });

  it('objects listed beyond maxObjectBytes are rejected without a GET', async () => {
    commands.length = 0;
    const { chunks, rejects } = split(await collectAll(readS3Objects({ client, bucket: BUCKET, prefix: 'docs/doc_various.txt', config: { maxObjectBytes: 1000 } })));
    assert.deepEqual(commands, ['ListObjectsV2Command', 'GetObjectCommand']); // only the 981-byte gzip is fetched
    assert.equal(rejects[0]!.reason, 'object is 4240 bytes, beyond maxObjectBytes (1000); not read');
    assert.equal(rejects[0]!.position, 's3://sluice-dlp/docs/doc_various.txt#0');
    assert.match(rejects[1]!.reason, /^decoded content exceeds maxObjectBytes \(1000\)/);
    assert.equal(chunks.length, 1);
  });

  it('readS3Object reads one object; a missing key is rejected as not found', async () => {
    const { chunks } = split(await collectAll(readS3Object({ client, bucket: BUCKET, key: 'other/small.pdf' })));
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0]!.event.content, readBytes(SMALL_PDF));
    const missing = split(await collectAll(readS3Object({ client, bucket: BUCKET, key: 'nope' })));
    assert.equal(missing.chunks.length, 0);
    assert.equal(missing.rejects[0]!.reasonCode, 'SLUICE_ERR_INPUT_NOT_FOUND');
    assert.equal(missing.rejects[0]!.position, 's3://sluice-dlp/nope#0');
  });

  it('S3 errors other than a vanished object are thrown', async () => {
    await assert.rejects(collectAll(readS3Objects({ client, bucket: 'no-such-bucket' })), (err: unknown) => (err as Error).name === 'NoSuchBucket');
  });
});
