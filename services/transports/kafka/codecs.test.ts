/**
 * The Kafka codecs (codecs.ts): lz4 and snappy round trips, and decoding of frames written by the
 * reference tools (`zstd -19` and `lz4 -9`, version 1.5.4 / 1.9.4 of Debian 12, output embedded below
 * as base64: 200 numbered lines, 4,892 bytes, sha256 ff69e786…). The bound on decompressed size is
 * checked with a zstd bomb made in the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { compressionType, lz4Codec, MAX_DECOMPRESSED_BYTES, registerKafkaCodecs, zstdCodec } from './codecs.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;

const ZSTD_FRAME = 'KLUv/WQcEh0IAHZVLBigJ4XWkGjNeuuMUtVYf++9pZSSBzWs4gEzACQAGgBzhQxxVnSskCHOik4VMsRZ0aGSHMVrK30WMsRZ0SABQKFAAYEBwwCCAILDAUIhgKGAwCH/f84555xzzkKGOCs6pZAhzooOKWSIs6IzChnirOiIQoY4Kxrvvffee6+11lprrbW11lprrbVSSimllFL6D4MZKsuyLMuyLEuSJEmSJEmSHMdxHMdxHEdRFEVRFEVRvIDHqBGg+f3P4KU1EfyvkPyZXW6ts9PNtbY6u9xaV33hy3uhl3mJl+5il3VBz0qxKYWmKJqkyJRCUxRNUmRKodFuze6w7TU7Zmb5VajArgI7bsei';
const LZ4_FRAME = 'BCJNGGRAp+YDAAD/CHNsdWljZSB6c3RkIGZpeHR1cmU6IDEKFwACHzIXAAMfMxcAAx80FwADHzUXAAMfNhcAAx83FwADHzgXAAMfORcAAy8xMBgABA/oAAQfMekABB8x6gAEHzHrAAQfMewABB8x7QAEHzHuAAQfMe8ABB8x8AAEHzLwAAQfMtgBBQ/wAAQfMvAABB8y8AAEHzLwAAQfMvAABB8y8AAEHzLwAAQfMvAABB8z8AAEHzPwAAQfM8kCBQ/wAAQfM/AABB8z8AAEHzPwAAQfM/AABB8z8AAEHzPwAAQfNPAABB808AAEHzTwAAQfNLoDBQ/wAAQfNPAABB808AAEHzTwAAQfNPAABB808AAEHzXwAAQfNfAABB818AAEHzXwAAQfNasEBQ/wAAQfNfAABB818AAEHzXwAAQfNfAABB828AAEHzbwAAQfNvAABB828AAEHzbwAAQfNpwFBQ/wAAQfNvAABB828AAEHzbwAAQfN/AABB838AAEHzfwAAQfN/AABB838AAEHzfwAAQfN40GBQ/wAAQfN/AABB838AAEHzjwAAQfOPAABB848AAEHzjwAAQfOPAABB848AAEHzjwAAQfOH4HBQ/wAAQfOPAABB858AAEHznwAAQfOfAABB858AAEHznwAAQfOfAABB858AAEHznwAAQfOW8IBQ9wCAYPcQgFHzByCAUfMHMIBR8wdAgFHzB1CAUfMHYIBR8wdwgFHzB4CAUfMHkIBR8w+gAFD2sJBw/6AAUPbQkGD24JBg9vCQYPcAkGD3EJBg9yCQYPcwkGD3QJBR8xdQkFLzEyZgoGD/oABQ94CQUfMXkJBR8xegkFHzF7CQUfMXwJBR8xfQkFHzF+CQUfMX8JBR8xgAkFLzEzYQsGD/oABQ+DCQUfMYQJBR8xhQkFHzGGCQUfMYcJBR8xiAkFHzGJCQUfMYoJBR8xiwkFLzE0XAwGD/oABQ+OCQUfMY8JBR8xkAkFHzGRCQUfMZIJBR8xkwkFHzGUCQUfMZUJBR8xlgkFLzE1Vw0GD/oABQ+ZCQUfMZoJBR8xmwkFHzGcCQUfMZ0JBR8xngkFHzGfCQUfMaAJBR8xoQkFLzE2Ug4GD/oABQ+kCQUfMaUJBR8xpgkFHzGnCQUfMagJBR8xqQkFHzGqCQUfMasJBR8xrAkFLzE3TQ8GD/oABQ+vCQUfMbAJBR8xsQkFHzGyCQUfMbMJBR8xtAkFHzG1CQUfMbYJBR8xtwkFLzE4SBAGD/oABQ+6CQUfMbsJBR8xvAkFHzG9CQUfMb4JBR8xvwkFHzHACQUfMcEJBR8xwgkFLzE5QxEGD/oAA1AgMjAwCgAAAACgUznE';
const PLAIN_SHA256 = 'ff69e786b79149b6e52ea0004542b19249a965ac6af499183abd54ba39fbc6f6';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('zstd frames written by the zstd tool decode to the original bytes', async () => {
  const out = await zstdCodec().decompress(Buffer.from(ZSTD_FRAME, 'base64'));
  assert.equal(out.length, 4892);
  assert.equal(sha(out), PLAIN_SHA256);
});

test('lz4 frames written by the lz4 tool decode; lz4 round-trips random and repetitive batches', async () => {
  const codec = lz4Codec();
  assert.equal(sha(await codec.decompress(Buffer.from(LZ4_FRAME, 'base64'))), PLAIN_SHA256);
  for (const plain of [randomBytes(70_000), Buffer.alloc(300_000, 'sluice ')]) {
    const packed = await codec.compress({ buffer: plain });
    assert.deepEqual(packed.subarray(0, 4), Buffer.from([0x04, 0x22, 0x4d, 0x18]), 'LZ4 frame magic (the format Kafka uses)');
    assert.deepEqual(await codec.decompress(packed), plain);
  }
});

test('registered with kafkajs: lz4 and snappy round-trip through kafkajs codec table, snappy reads xerial framing', async () => {
  registerKafkaCodecs();
  const codecs = CompressionCodecs as Record<number, () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>;
  const plain = Buffer.from('{"eventName":"StopLogging"}\n'.repeat(500));
  for (const type of [CompressionTypes.LZ4, CompressionTypes.Snappy]) {
    const codec = codecs[type]!();
    const packed = await codec.compress({ buffer: plain });
    assert.ok(packed.length < plain.length / 5, `type ${type} compresses`);
    assert.deepEqual(await codec.decompress(packed), plain);
  }
  // xerial framing (what the Java client writes): header, version, compatible version, then (length, block)*.
  const raw = await codecs[CompressionTypes.Snappy]!().compress({ buffer: plain });
  const size = Buffer.alloc(4);
  size.writeUInt32BE(raw.length);
  const xerial = Buffer.concat([Buffer.from([130, 83, 78, 65, 80, 80, 89, 0]), Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]), size, raw]);
  assert.deepEqual(await codecs[CompressionTypes.Snappy]!().decompress(xerial), plain);
  assert.equal(typeof codecs[CompressionTypes.ZSTD], 'function');
});

test('a zstd batch that decompresses past the bound is refused with the codec named', async () => {
  // A frame of raw-literal/RLE blocks: each RLE block repeats one byte 128 KiB times in 4 bytes.
  const blocks = Math.ceil(MAX_DECOMPRESSED_BYTES / (128 * 1024)) + 2;
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]); // magic, FHD: no checksum, no content size, window descriptor
  const rle = (last: boolean) => {
    const h = ((128 * 1024) << 3) | (1 << 1) | (last ? 1 : 0); // Block_Size, Block_Type = RLE, Last_Block
    return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x41]);
  };
  const frame = Buffer.concat([header, ...Array.from({ length: blocks }, (_, i) => rle(i === blocks - 1))]);
  assert.ok(frame.length < 20_000);
  await assert.rejects(zstdCodec().decompress(frame), /zstd-compressed Kafka record batch decompresses to more than/);
});

test('zstd is not produced, and the configured names map to kafkajs types', async () => {
  await assert.rejects(zstdCodec().compress({ buffer: Buffer.from('x') }), /zstd is read, not written/);
  assert.equal(compressionType('none'), CompressionTypes.None);
  assert.equal(compressionType('gzip'), CompressionTypes.GZIP);
  assert.equal(compressionType('lz4'), CompressionTypes.LZ4);
  assert.equal(compressionType('snappy'), CompressionTypes.Snappy);
});
