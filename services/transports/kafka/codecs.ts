/**
 * Kafka compression codecs beyond kafkajs's built-in gzip, registered once per process:
 * - **lz4** (produce and consume): the LZ4 frame format Kafka uses (KIP-57), with `lz4-napi`
 *   (lz4_flex, prebuilt binaries on npm for Linux glibc/musl, macOS and Windows);
 * - **snappy** (produce and consume): `kafkajs-snappy` (snappyjs, pure JavaScript), which also reads
 *   the xerial framing the Java client and brokers write;
 * - **zstd** (consume only): `fzstd`, a pure-JavaScript decoder. A broker whose topic has
 *   `compression.type=zstd` recompresses what it stores, and another producer may write zstd: Sluice
 *   reads both. Node 20 has no zstd encoder, so Sluice does not produce zstd.
 *
 * Every decoder is bounded: a batch that would decompress to more than `MAX_DECOMPRESSED_BYTES` is
 * refused with an error naming the codec (a decompression bomb on a topic must not take a role down
 * by memory). zstd is decoded as a stream and stopped at the bound; lz4 and snappy are checked once
 * decoded (their ratio is at most about 255:1, so the fetch size bounds the memory).
 */
import kafkajs, { type CompressionTypes as CompressionType } from 'kafkajs';
import { decompressFrameSync, compressFrameSync } from 'lz4-napi';
import { Decompress as ZstdDecompress } from 'fzstd';
import snappyCodec from 'kafkajs-snappy';
import type { KafkaTransportConfig } from './transport.ts';
import { SluiceError } from '../../core/errors.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** The producer compressions Sluice offers (`kafka.compression`). */
export type ProducerCompression = KafkaTransportConfig['compression'];

/** Largest decompressed record batch accepted (256 MiB, Kafka's default `fetch.max.bytes` is 50 MiB). */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

function tooLarge(codec: string, bytes: number): SluiceError {
  return new SluiceError(
    'SLUICE_ERR_INPUT_MALFORMED',
    `a ${codec}-compressed Kafka record batch decompresses to more than ${MAX_DECOMPRESSED_BYTES} bytes (${bytes} so far); refused`,
    { details: { codec, limit: MAX_DECOMPRESSED_BYTES } },
  );
}

function bounded(codec: string, out: Buffer): Buffer {
  if (out.length > MAX_DECOMPRESSED_BYTES) throw tooLarge(codec, out.length);
  return out;
}

export const lz4Codec = (): Codec => ({
  compress: async (encoder) => compressFrameSync(encoder.buffer),
  decompress: async (buffer) => bounded('lz4', decompressFrameSync(buffer)),
});

/** zstd, decode only: a stream decoder stopped as soon as the output passes the bound. */
export const zstdCodec = (): Codec => ({
  compress: async () => {
    throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', 'zstd is read, not written, by Sluice: set kafka.compression to lz4, snappy or gzip');
  },
  decompress: async (buffer) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const stream = new ZstdDecompress((chunk) => {
      total += chunk.length;
      if (total > MAX_DECOMPRESSED_BYTES) throw tooLarge('zstd', total);
      chunks.push(chunk);
    });
    stream.push(buffer, true);
    return Buffer.concat(chunks, total);
  },
});

const snappy = (): Codec => {
  const inner = snappyCodec();
  return { compress: (encoder) => inner.compress(encoder), decompress: async (buffer) => bounded('snappy', await inner.decompress(buffer)) };
};

let registered = false;

/** Registers lz4, snappy and zstd with kafkajs (idempotent). Called by the Kafka transport. */
export function registerKafkaCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as Record<number, () => Codec>;
  codecs[CompressionTypes.LZ4] = lz4Codec;
  codecs[CompressionTypes.Snappy] = snappy;
  codecs[CompressionTypes.ZSTD] = zstdCodec;
}

/** The kafkajs CompressionTypes value of a configured producer compression. */
export function compressionType(c: ProducerCompression): CompressionType {
  switch (c) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'snappy':
      return CompressionTypes.Snappy;
  }
}
