import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { murmur2, partitionForKey } from './partitioner.ts';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (k: Buffer | string) => number;

test('murmur2 equals kafkajs (and so Kafka) for every key length', () => {
  for (let len = 0; len < 64; len++) {
    for (let i = 0; i < 20; i++) {
      const key = randomBytes(len);
      assert.equal(murmur2(key), kafkajsMurmur2(key), `key ${key.toString('hex')}`);
    }
  }
  for (const key of ['arn:aws:iam::123456789012:user/alice', 'a', '', 'ü-unicode-ключ']) {
    assert.equal(murmur2(key), kafkajsMurmur2(key));
  }
});

test('partitionForKey is positive, in range and stable', () => {
  for (let i = 0; i < 1000; i++) {
    const key = randomBytes(12).toString('hex');
    const p = partitionForKey(key, 12);
    assert.ok(p >= 0 && p < 12);
    assert.equal(partitionForKey(key, 12), p);
    assert.equal(p, (kafkajsMurmur2(key) & 0x7fffffff) % 12);
  }
});
