import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../core/clock.ts';
import {
  AWS_MULTI_JSON,
  DOC_VARIOUS,
  DOC_VARIOUS_GZ,
  DOC_VARIOUS_TRUNCATED_GZ,
  DOC_VARIOUS_UTF16BE,
  DOC_VARIOUS_UTF16LE,
  EMPTY,
  SAMPLE_CSV,
  SMALL_PDF,
  readBytes,
} from '../../../test/fixtures/object_storage/load.ts';
import { assertAvroRoundTrip, split } from '../../../test/fixtures/object_storage/helpers.ts';
import { objectStorageCollector, objectStorageSpec } from './index.ts';
import { assertConfigProblems } from '../../../test/fixtures/collector-kit.ts';

const DOC = readBytes(DOC_VARIOUS); // 4240 bytes
const DOC_MD5 = 'd3206133cda4525a3781f1976cbc8cab'; // md5sum credsweeper/doc_various
const GZ_MD5 = 'b1f4c5cdd533ee3a734b035b62ee5479'; // md5sum derived/doc_various.gz
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('object_storage collect(): a 4240-byte text object in 1 KiB chunks', () => {
  const clock = new ManualClock(T0);
  const collector = objectStorageCollector({ chunkBytes: 1024 }, { clock });
  const { chunks, rejects } = split(collector.collect({ name: 'docs/doc_various', bytes: DOC }));

  it('gives 5 ordered chunks, 4 full and one of 144 bytes, nothing rejected', () => {
    assert.deepEqual(rejects, []);
    assert.deepEqual(chunks.map((c) => c.event.size), [1024, 1024, 1024, 1024, 144]);
    assert.deepEqual(chunks.map((c) => c.event.offset), [0, 1024, 2048, 3072, 4096]);
    assert.deepEqual(chunks.map((c) => c.event.chunk_index), [0, 1, 2, 3, 4]);
    assert.deepEqual(chunks.map((c) => c.event.is_last), [false, false, false, false, true]);
    assert.deepEqual(chunks.map((c) => c.event.total_chunks), [5, 5, 5, 5, 5]);
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.event.content)), DOC);
  });

  it('keys every chunk by the object reference, with uids and positions per chunk', () => {
    chunks.forEach((c, i) => {
      assert.equal(c.key, 'file://local/docs/doc_various');
      assert.equal(c.position, `docs/doc_various#${i}`);
      assert.equal(c.event.metadata.uid, `file://local/docs/doc_various@${DOC_MD5}#${i}`);
    });
  });

  it('describes the object and the metadata', () => {
    const e = chunks[0]!.event;
    assert.deepEqual(e.object, {
      store: 'file',
      bucket: 'local',
      key: 'docs/doc_various',
      version_id: null,
      etag: DOC_MD5,
      size: 4240,
      content_type: 'text/plain',
      declared_content_type: null,
      content_encoding: null,
      last_modified: null,
    });
    assert.deepEqual(e.metadata, {
      uid: `file://local/docs/doc_various@${DOC_MD5}#0`,
      version: '1.8.0',
      product_name: 'Local filesystem',
      vendor_name: 'Sluice',
      log_name: null,
      original_time: '2024-05-01T12:00:00.000Z',
      source: 'object_storage',
    });
    assert.equal(e.time, T0);
  });

  it('every chunk round-trips through the Avro schema', () => {
    chunks.forEach((c) => assertAvroRoundTrip(c.event, c.position));
  });

  it('with the default 1 MiB chunk size the object is a single last chunk', () => {
    const one = split(objectStorageCollector({}, { clock }).collect({ name: 'd', bytes: DOC })).chunks;
    assert.equal(one.length, 1);
    assert.equal(one[0]!.event.size, 4240);
    assert.equal(one[0]!.event.is_last, true);
    assert.equal(one[0]!.event.total_chunks, 1);
  });

  it('records the configured store and bucket', () => {
    const c = split(objectStorageCollector({ store: 's3', bucket: 'b1' }, { clock }).collect({ name: 'k/x', bytes: DOC })).chunks[0]!;
    assert.equal(c.key, 's3://b1/k/x');
    assert.equal(c.event.metadata.product_name, 'Amazon S3');
    assert.equal(c.event.metadata.vendor_name, 'AWS');
  });
});

describe('object_storage collect(): gzip', () => {
  const clock = new ManualClock(T0);
  const collector = objectStorageCollector({ chunkBytes: 1024 }, { clock });

  it('chunks the decoded content; offsets and sizes count decoded bytes', () => {
    const { chunks, rejects } = split(collector.collect({ name: 'docs/doc_various.gz', bytes: readBytes(DOC_VARIOUS_GZ) }));
    assert.deepEqual(rejects, []);
    assert.deepEqual(chunks.map((c) => c.event.offset), [0, 1024, 2048, 3072, 4096]);
    assert.deepEqual(chunks.map((c) => c.event.size), [1024, 1024, 1024, 1024, 144]);
    assert.deepEqual(chunks.map((c) => c.event.total_chunks), [null, null, null, null, 5]);
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.event.content)), DOC);
    const o = chunks[0]!.event.object;
    assert.equal(o.content_encoding, 'gzip');
    assert.equal(o.content_type, 'text/plain');
    assert.equal(o.size, 981); // stored (compressed) size
    assert.equal(o.etag, GZ_MD5);
    assert.equal(chunks[4]!.event.metadata.uid, `file://local/docs/doc_various.gz@${GZ_MD5}#4`);
    chunks.forEach((c) => assertAvroRoundTrip(c.event, c.position));
  });

  it('a truncated gzip gives the chunks decoded so far (no is_last) and then one rejected record', () => {
    const outputs = [...collector.collect({ name: 'cut.gz', bytes: readBytes(DOC_VARIOUS_TRUNCATED_GZ) })];
    const { chunks, rejects, order } = split(outputs);
    assert.ok(chunks.length >= 1, 'some content before the cut is decoded');
    assert.deepEqual(order, [...chunks.map(() => 'event'), 'dead_letter']);
    const decoded = Buffer.concat(chunks.map((c) => c.event.content));
    assert.ok(decoded.length > 0 && decoded.length < DOC.length);
    assert.deepEqual(decoded, DOC.subarray(0, decoded.length), 'decoded bytes are a prefix of the original text');
    assert.ok(chunks.every((c) => !c.event.is_last && c.event.total_chunks === null));
    chunks.slice(0, -1).forEach((c) => assert.equal(c.event.size, 1024));
    const r = rejects[0]!;
    assert.equal(r.reasonCode, 'SLUICE_ERR_INPUT_UNREADABLE');
    assert.equal(r.source, 'object_storage');
    assert.equal(r.stage, 'collect');
    assert.equal(r.position, `cut.gz#${chunks.length}`);
    assert.equal(
      r.reason,
      `gzip content is corrupt: unexpected end of file (at decoded offset ${decoded.length}, after ${chunks.length} chunk${chunks.length === 1 ? '' : 's'}; the object has no is_last chunk)`,
    );
    const raw = JSON.parse(r.raw.toString('utf8')) as Record<string, unknown>;
    assert.equal(raw.key, 'cut.gz');
    assert.equal(raw.size, 500);
    assert.equal(raw.decoded_offset, decoded.length);
  });

  it('decodeGzip: false keeps the stored bytes, typed application/gzip', () => {
    const { chunks } = split(objectStorageCollector({ decodeGzip: false }, { clock }).collect({ name: 'x.gz', bytes: readBytes(DOC_VARIOUS_GZ) }));
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]!.event.object.content_type, 'application/gzip');
    assert.equal(chunks[0]!.event.object.content_encoding, null);
    assert.deepEqual(chunks[0]!.event.content, readBytes(DOC_VARIOUS_GZ));
  });

  it('a gzip that inflates past maxObjectBytes is rejected (collect() decodes whole, so without chunks)', () => {
    const { chunks, rejects } = split(objectStorageCollector({ maxObjectBytes: 2000 }, { clock }).collect({ name: 'bomb.gz', bytes: readBytes(DOC_VARIOUS_GZ) }));
    assert.equal(chunks.length, 0);
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0]!.position, 'bomb.gz#0');
    assert.equal(rejects[0]!.reason, 'decoded content exceeds maxObjectBytes (2000); gzip inflates past the limit');
  });
});

describe('object_storage collect(): content types, empty and over-size objects', () => {
  const clock = new ManualClock(T0);
  const collector = objectStorageCollector({ chunkBytes: 1024 }, { clock });
  const typeOf = (name: string, bytes: Buffer): string => split(collector.collect({ name, bytes })).chunks[0]!.event.object.content_type;

  it('sniffs PDF, JSON, CSV (by name), UTF-16 LE/BE (by BOM)', () => {
    assert.equal(typeOf('small.pdf', readBytes(SMALL_PDF)), 'application/pdf');
    assert.equal(typeOf('aws_multi.json', readBytes(AWS_MULTI_JSON)), 'application/json');
    assert.equal(typeOf('sample.csv', readBytes(SAMPLE_CSV)), 'text/csv');
    assert.equal(typeOf('u16le.txt', readBytes(DOC_VARIOUS_UTF16LE)), 'text/plain; charset=utf-16le');
    assert.equal(typeOf('u16be.txt', readBytes(DOC_VARIOUS_UTF16BE)), 'text/plain; charset=utf-16be');
  });

  it('UTF-16 objects are chunked on bytes (8378 bytes: 8 x 1024 + 186)', () => {
    const { chunks } = split(collector.collect({ name: 'u16le.txt', bytes: readBytes(DOC_VARIOUS_UTF16LE) }));
    assert.deepEqual(chunks.map((c) => c.event.size), [1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024, 186]);
  });

  it('an empty object is one chunk of size 0 with is_last', () => {
    const { chunks, rejects } = split(collector.collect({ name: 'empty', bytes: readBytes(EMPTY) }));
    assert.deepEqual(rejects, []);
    assert.equal(chunks.length, 1);
    const e = chunks[0]!.event;
    assert.equal(e.size, 0);
    assert.equal(e.offset, 0);
    assert.equal(e.is_last, true);
    assert.equal(e.total_chunks, 1);
    assert.equal(e.content.length, 0);
    assert.equal(e.metadata.uid, `file://local/empty@${EMPTY_MD5}#0`);
    assertAvroRoundTrip(e, 'empty');
  });

  it('an object beyond maxObjectBytes is rejected unread, naming the sizes', () => {
    const { chunks, rejects } = split(objectStorageCollector({ maxObjectBytes: 4000 }, { clock }).collect({ name: 'big', bytes: DOC }));
    assert.equal(chunks.length, 0);
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0]!.reasonCode, 'SLUICE_ERR_INPUT_UNREADABLE');
    assert.equal(rejects[0]!.reason, 'object is 4240 bytes, beyond maxObjectBytes (4000); not read');
    assert.equal(rejects[0]!.position, 'big#0');
  });
});

describe('object_storage collect() never throws on junk', () => {
  const collector = objectStorageCollector({ chunkBytes: 1024 }, { clock: new ManualClock(T0) });

  it('random bytes, gzip magic followed by junk, truncated gzip, JSON junk: each gives chunks and at most one reject', () => {
    const gz = readBytes(DOC_VARIOUS_GZ);
    const inputs: Buffer[] = [Buffer.from([0x1f]), Buffer.from([0x1f, 0x8b]), Buffer.from('{"Records": [1, 2'), Buffer.from('\u0000\u0001'.repeat(3000))];
    for (let i = 0; i < 300; i++) {
      const n = (i * 7919) % 5000;
      inputs.push(randomBytes(n));
      inputs.push(Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(n % 300)]));
      inputs.push(gz.subarray(0, n % gz.length));
    }
    inputs.forEach((bytes, i) => {
      const outs = [...collector.collect({ name: `junk-${i}`, bytes })];
      assert.ok(outs.length >= 1, `junk-${i}: something comes out`);
      const { chunks, rejects, order } = split(outs);
      assert.ok(rejects.length <= 1 && (rejects.length === 0 || order.at(-1) === 'dead_letter'), `junk-${i}: a reject is last`);
      if (rejects.length === 0) assert.equal(chunks.at(-1)!.event.is_last, true, `junk-${i}: ends with is_last`);
      outs.forEach((o, j) => assert.equal(o.position, `junk-${i}#${j}`));
      if (i % 50 === 0) chunks.forEach((c) => assertAvroRoundTrip(c.event, c.position));
    });
  });
});

describe('object_storage config and spec', () => {
  it('rejects bad config, listing every problem', () => {
    assertConfigProblems(() => objectStorageCollector({ chunkBytes: 100, bogus: 1 } as never), ['chunkBytes', 'bogus']);
  });

  it('the spec builds the collector; sniff never claims a parsed record', () => {
    assert.equal(objectStorageSpec.type, 'object_storage');
    assert.deepEqual(objectStorageSpec.streams, ['object_chunk']);
    const c = objectStorageSpec.create({ chunkBytes: 2048 });
    assert.equal(c.type, 'object_storage');
    assert.equal(split(c.collect({ name: 'd', bytes: DOC })).chunks.length, 3);
    const cloudTrail = { eventVersion: '1.08', eventSource: 's3.amazonaws.com', eventName: 'GetObject', userIdentity: {} };
    for (const r of [cloudTrail, { kind: 'Event', apiVersion: 'audit.k8s.io/v1' }, { flow: {} }, 'text', null, [1]]) {
      assert.equal(objectStorageSpec.sniff(r), false);
    }
  });
});
