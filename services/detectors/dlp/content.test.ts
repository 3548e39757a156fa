import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ManualClock } from '../../core/clock.ts';
import type { ObjectChunk } from '../../core/model/object-chunk.ts';
import { chunkBuffer, type ObjectDescriptor } from '../../collectors/object_storage/chunker.ts';
import { parseObjectStorageConfig } from '../../collectors/object_storage/config.ts';
import { decodeWindow, sniffContent } from './content.ts';
import { makeSample, Rng } from './samples.ts';
import { chunksOf, placed, testDetector } from './testing.ts';

test('sniffContent: BOMs, the UTF-16 NUL pattern, binary types and control bytes', () => {
  const text = 'plain ASCII text for the sniffer, long enough to judge';
  assert.deepEqual(sniffContent(Buffer.from(text), 'text/plain'), { kind: 'text', encoding: 'utf8' });
  assert.deepEqual(sniffContent(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'text/plain; charset=utf-16le'), { kind: 'text', encoding: 'utf16le' });
  const be = Buffer.from(text, 'utf16le');
  be.swap16();
  assert.deepEqual(sniffContent(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'text/plain'), { kind: 'text', encoding: 'utf16be' });
  assert.deepEqual(sniffContent(Buffer.from(text, 'utf16le'), 'application/octet-stream'), { kind: 'text', encoding: 'utf16le' }, 'no BOM: NUL pattern');
  assert.deepEqual(sniffContent(be, 'application/octet-stream'), { kind: 'text', encoding: 'utf16be' }, 'no BOM, big-endian');
  assert.deepEqual(sniffContent(Buffer.from([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]), 'text/plain'), { kind: 'skip', reason: 'UTF-32 text is not supported' });
  assert.deepEqual(sniffContent(Buffer.from('%PDF-1.7 ...'), 'application/pdf'), { kind: 'skip', reason: 'binary content (application/pdf)' });
  assert.deepEqual(sniffContent(Buffer.from([0x1f, 0x8b, 8, 0]), 'application/gzip'), { kind: 'skip', reason: 'compressed content not decoded (application/gzip)' });
  const noisy = Buffer.from(text);
  for (let i = 0; i < noisy.length; i += 5) noisy[i] = 1;
  assert.deepEqual(sniffContent(noisy, 'text/plain'), { kind: 'skip', reason: 'binary content (control bytes)' });
  assert.equal(decodeWindow(Buffer.from([0x41, 0x00, 0x42]), 'utf16le'), 'A', 'odd trailing byte ignored');
});

test('binary content is skipped: counted in state, a line in the verdict, no findings', () => {
  const rng = new Rng(1);
  const secret = makeSample('aws_access_key_id', rng).text;
  // A "binary" object that happens to contain a secret: it is not scanned.
  const bytes = Buffer.concat([Buffer.from([0, 1, 2, 3, 0, 0, 7, 0]), Buffer.from(secret), Buffer.alloc(64)]);
  const d = testDetector();
  const chunks = chunksOf(bytes, [30], { key: 'blob.bin', contentType: 'application/octet-stream' });
  d.run([chunks[0]!]);
  const st = d.state.get('s3://bucket/blob.bin');
  assert.equal(st?.skip, 'binary content (application/octet-stream)');
  assert.equal(st?.bytesSkipped, 30);
  const out = d.run([chunks[1]!]);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.rule, 'object_verdict');
  assert.deepEqual(out[0]!.evidences.find((e) => 'skipped' in e), { skipped: 'binary content (application/octet-stream)', bytes_not_scanned: bytes.length });
});

test('gzip objects: the collector decodes them (content_encoding gzip) and offsets are in the decoded bytes', () => {
  const rng = new Rng(2);
  const s = makeSample('payment_card', rng);
  const plain = Buffer.from(`${'header line\n'.repeat(200)}${s.text}\n${'footer\n'.repeat(300)}`);
  const gz = gzipSync(plain);
  const desc: ObjectDescriptor = {
    store: 's3', bucket: 'b', key: 'logs/app.log.gz', version_id: null, etag: 'e', size: gz.length,
    declared_content_type: null, declared_content_encoding: null, last_modified: 1,
  };
  const config = parseObjectStorageConfig({ chunkBytes: 1024 });
  const chunks: ObjectChunk[] = [];
  for (const out of chunkBuffer(desc, gz, { config, clock: new ManualClock(1), name: 'app.log.gz' })) {
    if (out.kind === 'event' && out.stream === 'object_chunk') chunks.push(out.event);
  }
  assert.ok(chunks.length > 3);
  assert.equal(chunks[0]!.object.content_encoding, 'gzip');
  const got = placed(testDetector().run(chunks));
  assert.deepEqual(got, [`payment_card@${2400 + s.expect[0]!.offset}+${s.expect[0]!.length}`]);
});

test('UTF-16 without a BOM is detected and scanned', () => {
  const rng = new Rng(3);
  const s = makeSample('email', rng);
  const text = `contact list\n${s.text}\n`;
  const bytes = Buffer.from(text, 'utf16le');
  const got = placed(testDetector().run(chunksOf(bytes, [17, 40], { key: 'u16.txt', contentType: 'application/octet-stream' })));
  assert.deepEqual(got, [`email@${2 * (13 + s.expect[0]!.offset)}+${2 * s.expect[0]!.length}`]);
});

test('UTF-8 multi-byte characters around a match: offsets stay byte offsets', () => {
  const rng = new Rng(4);
  const s = makeSample('email', rng);
  const before = 'Korean 한국어 text — dashes — ';
  const bytes = Buffer.from(`${before}${s.text} 끝`, 'utf8');
  const offset = Buffer.byteLength(before, 'utf8') + s.expect[0]!.offset;
  for (const cut of [3, 8, 9, 10, offset + 2]) {
    assert.deepEqual(placed(testDetector().run(chunksOf(bytes, [cut], { key: `k${cut}` }))), [`email@${offset}+${s.expect[0]!.length}`]);
  }
});
