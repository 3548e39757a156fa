import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * kafkajs checksums every record batch with CRC-32C (Castagnoli) in JavaScript. Sluice's patch
 * (patches/kafkajs+2.2.4.patch, SLUICE-PATCH(kafkajs-2.2.4-crc32c-slicing)) replaces upstream's
 * byte-at-a-time loop with slicing-by-8. The patched function must give the same checksum for
 * every input: checked on published check values and against a bitwise byte-at-a-time reference
 * built here from the polynomial, independent of the patched tables.
 */
const require = createRequire(import.meta.url);
const crc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
const raw = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Uint8Array) => number;

/** Bit-at-a-time CRC-32C over the reflected polynomial 0x82F63B78 (RFC 3720 appendix B.4). */
function reference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('the installed kafkajs carries the slicing-by-8 CRC32C patch', () => {
  const file = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js');
  assert.match(readFileSync(file, 'utf8'), /SLUICE-PATCH\(kafkajs-2\.2\.4-crc32c-slicing\)/);
});

test('CRC-32C check value: "123456789" -> 0xE3069283', () => {
  assert.equal(crc32c(Buffer.from('123456789', 'latin1')), 0xe3069283);
  assert.equal(reference(Buffer.from('123456789', 'latin1')), 0xe3069283);
});

test('RFC 3720 B.4 vectors', () => {
  const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const descending = Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i));
  assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(ascending), 0x46dd794e);
  assert.equal(crc32c(descending), 0x113fdb5c);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('equals the byte-at-a-time reference for every length 0..64', () => {
  for (let length = 0; length <= 64; length++) {
    for (let round = 0; round < 20; round++) {
      const bytes = randomBytes(length);
      assert.equal(crc32c(bytes), reference(bytes), `length ${length}: ${bytes.toString('hex')}`);
    }
  }
});

test('equals the reference on large buffers at odd offsets (Buffer slices, plain Uint8Array views)', () => {
  const pool = randomBytes(3 << 20);
  for (const [offset, length] of [
    [1, 1 << 20],
    [3, 2_000_001],
    [7, 65_543],
    [13, 500 * 2_100 + 5],
  ] as const) {
    const slice = pool.subarray(offset, offset + length);
    const want = reference(slice);
    assert.equal(crc32c(slice), want, `offset ${offset}, length ${length}`);
    assert.equal(raw(new Uint8Array(pool.buffer, pool.byteOffset + offset, length)), want);
  }
});

test('a changed byte changes the checksum (the test can fail)', () => {
  const bytes = randomBytes(4096);
  const before = crc32c(bytes);
  bytes[2049] = bytes[2049]! ^ 0x01;
  assert.notEqual(crc32c(bytes), before);
  assert.equal(crc32c(bytes), reference(bytes));
});
