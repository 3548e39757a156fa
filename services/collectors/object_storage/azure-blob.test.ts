/**
 * readAzureBlobs against Azurite, Microsoft's Azure Storage emulator (test/support/azurite.ts), on a
 * free loopback port with in-memory storage, driven through the official @azure/storage-blob client.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerClient } from '@azure/storage-blob';
import { ManualClock } from '../../core/clock.ts';
import { AWS_MULTI_JSON, DOC_VARIOUS, DOC_VARIOUS_GZ, SMALL_PDF, readBytes } from '../../../test/fixtures/object_storage/load.ts';
import { assertAvroRoundTrip, collectAll, split } from '../../../test/fixtures/object_storage/helpers.ts';
import { startAzuriteBlob, type AzuriteBlob } from '../../../test/support/azurite.ts';
import { readAzureBlob, readAzureBlobs } from './azure-blob.ts';

const CONTAINER = 'sluice-dlp';
const BUCKET = `devstoreaccount1/${CONTAINER}`;
const DOC = readBytes(DOC_VARIOUS); // 4240 bytes = 2.5 chunks of 1696
const CHUNK = 1696;

describe('readAzureBlobs against Azurite', () => {
  let az: AzuriteBlob;
  let client: ContainerClient;

  before(async () => {
    az = await startAzuriteBlob();
    client = az.service.getContainerClient(CONTAINER);
    await client.create();
    const put = async (name: string, body: Buffer, headers: { blobContentType?: string; blobContentEncoding?: string } = {}, metadata?: Record<string, string>): Promise<void> => {
      await client.getBlockBlobClient(name).uploadData(body, { blobHTTPHeaders: headers, ...(metadata ? { metadata } : {}) });
    };
    await put('docs/a/aws_multi.json', readBytes(AWS_MULTI_JSON), { blobContentType: 'application/json' });
    await put('docs/doc_various.txt', DOC, { blobContentType: 'text/plain' });
    await put('docs/doc_various.txt.gz', readBytes(DOC_VARIOUS_GZ), { blobContentType: 'text/plain', blobContentEncoding: 'gzip' });
    await put('docs/folder/', Buffer.alloc(0)); // a "folder" marker: skipped
    await put('docs/lake-dir', Buffer.alloc(0), {}, { hdi_isfolder: 'true' }); // a Data Lake directory: skipped
    await put('other/small.pdf', readBytes(SMALL_PDF), { blobContentType: 'application/pdf' });
  });

  after(async () => {
    await az?.close();
  });

  it('reads a prefix in name order, skips folder markers, chunks each blob with its Azure metadata', async () => {
    const outs = await collectAll(readAzureBlobs({ client, prefix: 'docs/', pageSize: 2, config: { chunkBytes: CHUNK }, clock: new ManualClock(0) }));
    const { chunks, rejects } = split(outs);
    assert.deepEqual(rejects, []);
    assert.deepEqual([...new Set(chunks.map((c) => c.key))], [`azure_blob://${BUCKET}/docs/a/aws_multi.json`, `azure_blob://${BUCKET}/docs/doc_various.txt`, `azure_blob://${BUCKET}/docs/doc_various.txt.gz`]);
    const doc = chunks.filter((c) => c.event.object.key === 'docs/doc_various.txt');
    assert.deepEqual(doc.map((c) => c.event.offset), [0, 1696, 3392]);
    assert.deepEqual(Buffer.concat(doc.map((c) => c.event.content)), DOC);
    const props = await client.getBlobClient('docs/doc_various.txt').getProperties();
    const o = doc[0]!.event.object;
    assert.equal(o.store, 'azure_blob');
    assert.equal(o.bucket, BUCKET);
    assert.equal(o.etag, props.etag!.replace(/"/g, ''));
    assert.equal(o.size, 4240);
    assert.equal(o.declared_content_type, 'text/plain');
    assert.equal(o.last_modified, props.lastModified!.getTime());
    assert.equal(doc[0]!.event.metadata.product_name, 'Azure Blob Storage');
    assert.equal(doc[0]!.event.metadata.vendor_name, 'Microsoft');
    assert.deepEqual(doc.map((c) => c.event.metadata.uid), [0, 1, 2].map((i) => `azure_blob://${BUCKET}/docs/doc_various.txt@${o.etag}#${i}`));
    chunks.forEach((c) => assertAvroRoundTrip(c.event, c.position));
    const gz = chunks.filter((c) => c.event.object.key === 'docs/doc_various.txt.gz');
    assert.deepEqual(Buffer.concat(gz.map((c) => c.event.content)), DOC, 'gzip content is decoded');
    assert.equal(gz[0]!.event.object.content_encoding, 'gzip');
  });

  it('startAfter resumes the listing; the whole container includes other prefixes', async () => {
    const { chunks } = split(await collectAll(readAzureBlobs({ client, startAfter: 'docs/doc_various.txt', pageSize: 1 })));
    assert.deepEqual([...new Set(chunks.map((c) => c.event.object.key))], ['docs/doc_various.txt.gz', 'other/small.pdf']);
    assert.equal(chunks.at(-1)!.event.object.content_type, 'application/pdf');
  });

  it('blobs listed beyond maxObjectBytes are rejected without a download', async () => {
    const downloaded: string[] = [];
    const spy = az.service.getContainerClient(CONTAINER);
    const getBlobClient = spy.getBlobClient.bind(spy);
    spy.getBlobClient = (name: string) => {
      downloaded.push(name);
      return getBlobClient(name);
    };
    const { chunks, rejects } = split(await collectAll(readAzureBlobs({ client: spy, prefix: 'docs/doc_various.txt', config: { maxObjectBytes: 1000 } })));
    assert.deepEqual(downloaded, ['docs/doc_various.txt.gz'], 'only the 981-byte gzip is fetched');
    assert.equal(rejects[0]!.reason, 'object is 4240 bytes, beyond maxObjectBytes (1000); not read');
    assert.match(rejects[1]!.reason, /^decoded content exceeds maxObjectBytes \(1000\)/, 'the 981-byte gzip is read and stopped when it inflates past the bound');
    assert.equal(chunks.length, 1);
  });

  it('readAzureBlob reads one blob; a missing one is rejected as not found; a missing container throws', async () => {
    const { chunks } = split(await collectAll(readAzureBlob({ client, name: 'other/small.pdf' })));
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0]!.event.content, readBytes(SMALL_PDF));
    const missing = split(await collectAll(readAzureBlob({ client, name: 'nope' })));
    assert.equal(missing.chunks.length, 0);
    assert.equal(missing.rejects[0]!.reasonCode, 'SLUICE_ERR_INPUT_NOT_FOUND');
    assert.equal(missing.rejects[0]!.position, `azure_blob://${BUCKET}/nope#0`);
    await assert.rejects(collectAll(readAzureBlobs({ client: az.service.getContainerClient('no-such-container') })), (err: unknown) => (err as { statusCode?: number }).statusCode === 404);
  });
});
