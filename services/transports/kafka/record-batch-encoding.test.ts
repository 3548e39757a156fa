import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Sluice's kafkajs patch (patches/kafkajs+2.2.4.patch, SLUICE-PATCH(kafkajs-2.2.4-encoder-alloc))
 * changes how the produce request is encoded (encoders sized from the records, allocUnsafe, varints
 * written in place), never what is encoded. The SHA-256 digests below were computed with unpatched
 * kafkajs 2.2.4 on the same deterministic input (one request of three partitions over two topics,
 * 540 records from 0 B to 70 KB, null and string keys and values, array headers, missing
 * timestamps, a large firstSequence); the patched encoder must give the very same bytes.
 */
const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder') as new (size?: number) => {
  writeUVarInt(v: number): unknown; writeVarInt(v: number): unknown; buffer: Buffer;
};
const Long = require('kafkajs/src/utils/long') as { fromValue(v: number): unknown };
const compression = require('kafkajs/src/protocol/message/compression') as {
  Types: Record<'None' | 'ZSTD', number>;
  Codecs: Record<number, () => unknown>;
};
type Message = { key: string | Buffer | null; value: string | Buffer | null; timestamp?: number; headers: Record<string, string | Array<string | Buffer>> };
const produceV7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as (args: object) => { encode(): Promise<{ buffer: Buffer }> };

/** Upstream kafkajs 2.2.4 (unpatched) on `requestInput()`. */
const UPSTREAM = {
  none: { bytes: 4471989, sha256: '34c535c4ed71a5136a48167e4cbf45fdde7122cd46174610cec969d1b9341189' },
  compressed: { bytes: 4472007, sha256: '5784665f982654cb76d2290f6fd8b4abf12d4bf9aa0b1015fad8b89995e4945c' },
};

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff);
}

function messages(n: number, seed: number): Message[] {
  const r = lcg(seed);
  const out: Message[] = [];
  for (let i = 0; i < n; i++) {
    const len = [0, 1, 127, 128, 300, 2100, 16384, 70000][(r() >> 16) % 8]!;
    const value = Buffer.alloc(len);
    for (let j = 0; j < len; j++) value[j] = r() & 0xff;
    out.push({
      key: i % 5 === 0 ? null : i % 5 === 1 ? `principal-${r() % 1000}` : Buffer.from(`k${i}`),
      value: i % 7 === 3 ? `string value ${i} é` : i % 11 === 4 ? null : value,
      ...(i % 13 === 0 ? {} : { timestamp: 1765000000000 + (r() % 100000) - 50000 }),
      headers: i % 3 === 0 ? {} : { 'content-type': 'avro', trace: [Buffer.from([i & 0xff]), 'x'.repeat(i % 200)] },
    });
  }
  return out;
}

async function encodeRequest(codec: number): Promise<{ bytes: number; sha256: string }> {
  const realNow = Date.now;
  Date.now = () => 1765000000000; // records without a timestamp take Date.now()
  try {
    const request = produceV7({
      acks: -1,
      timeout: 30000,
      compression: codec,
      producerId: Long.fromValue(4242),
      producerEpoch: 3,
      transactionalId: null,
      topicData: [
        { topic: 'sluice.activity', partitions: [{ partition: 0, firstSequence: 7, messages: messages(500, 1) }, { partition: 11, firstSequence: 0, messages: messages(37, 2) }] },
        { topic: 'sluice.dlq', partitions: [{ partition: 3, firstSequence: 2147483000, messages: messages(3, 3) }] },
      ],
    });
    const { buffer } = await request.encode();
    return { bytes: buffer.length, sha256: createHash('sha256').update(buffer).digest('hex') };
  } finally {
    Date.now = realNow;
  }
}

test('the installed kafkajs carries the encoder allocation patch', () => {
  const file = require.resolve('kafkajs/src/protocol/encoder.js');
  assert.match(readFileSync(file, 'utf8'), /SLUICE-PATCH\(kafkajs-2\.2\.4-encoder-alloc\)/);
});

test('an uncompressed produce request is byte-identical to upstream kafkajs', async () => {
  assert.deepEqual(await encodeRequest(compression.Types.None), UPSTREAM.none);
});

test('a compressed produce request hands the codec the same record bytes as upstream', async () => {
  // A stand-in codec that prefixes a marker, so the digest covers exactly what kafkajs gave the codec.
  const saved = compression.Codecs[compression.Types.ZSTD]!;
  compression.Codecs[compression.Types.ZSTD] = () => ({
    compress: async (encoder: { buffer: Buffer }) => Buffer.concat([Buffer.from('codec:'), encoder.buffer]),
  });
  try {
    assert.deepEqual(await encodeRequest(compression.Types.ZSTD), UPSTREAM.compressed);
  } finally {
    compression.Codecs[compression.Types.ZSTD] = saved;
  }
});

test('varints are written as LEB128 with zig-zag for signed values', () => {
  const cases: Array<[number, string, 'u' | 's']> = [
    [0, '00', 'u'], [1, '01', 'u'], [127, '7f', 'u'], [128, '8001', 'u'], [300, 'ac02', 'u'],
    [0x7fffffff, 'ffffffff07', 'u'], [-1, '01', 's'], [1, '02', 's'], [-64, '7f', 's'], [64, '8001', 's'],
    [-2147483648, 'ffffffff0f', 's'],
  ];
  for (const [value, hex, kind] of cases) {
    const e = new Encoder(1); // starts at 2 bytes, so the 5-byte forms make it grow
    if (kind === 'u') e.writeUVarInt(value); else e.writeVarInt(value);
    assert.equal(e.buffer.toString('hex'), hex, `${kind} ${value}`);
  }
});

/** The record decoder's header gathering (SLUICE-PATCH: one object instead of a spread per header). */
test('decoded record headers: one value per key, repeated keys as arrays in order, inherited names and __proto__ kept as own keys', () => {
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => { buffer: Buffer };
  const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (d: unknown, ctx: object) => { headers: Record<string, unknown>; offset: string; value: Buffer };
  const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => { readVarInt(): number };
  const decode = (headers: object): Record<string, unknown> => {
    const d = new Decoder(Record({ key: 'k', value: 'v', headers, offsetDelta: 2, timestampDelta: 0 }).buffer);
    d.readVarInt(); // the record's length
    const r = decodeRecord(d, { firstOffset: '40', firstTimestamp: 1_700_000_000_000, magicByte: 2 });
    assert.equal(r.offset, '42');
    return r.headers;
  };
  const text = (v: unknown): unknown => (Array.isArray(v) ? v.map(text) : Buffer.isBuffer(v) ? v.toString() : v);
  const plain = (h: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, text(v)]));

  assert.deepEqual(plain(decode({ traceparent: '00-aa-bb-01', 'sluice-source': 'aws_cloudtrail' })), { traceparent: '00-aa-bb-01', 'sluice-source': 'aws_cloudtrail' });
  assert.deepEqual(plain(decode({ a: ['1', '2', '3'], b: 'x' })), { a: ['1', '2', '3'], b: 'x' });
  assert.deepEqual(plain(decode({})), {});
  const odd = decode({ toString: 'ts', ['__proto__']: 'p', constructor: ['c1', 'c2'] });
  assert.equal(Object.getPrototypeOf(odd), Object.prototype, 'a __proto__ header does not change the prototype');
  assert.deepEqual(Object.keys(odd).sort(), ['__proto__', 'constructor', 'toString']);
  assert.equal(text(Object.getOwnPropertyDescriptor(odd, '__proto__')?.value), 'p');
  assert.equal(text(odd.toString), 'ts');
  assert.deepEqual(text(odd.constructor), ['c1', 'c2']);
});
