import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { concatenatedJsonParts, splitInput, isGzip, type InputItem } from './input.ts';

const split = (name: string, text: string | Buffer, opts?: Parameters<typeof splitInput>[1]): InputItem[] => [
  ...splitInput({ name, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8') }, opts),
];

function values(items: InputItem[]): unknown[] {
  return items.map((i) => (i.kind === 'record' ? i.value : { error: i.error.code }));
}

describe('splitInput', () => {
  it('expands a {"Records":[...]} document with positions name#index', () => {
    const items = split('s3://b/k.json', JSON.stringify({ Records: [{ a: 1 }, { a: 2 }, { a: 3 }] }));
    assert.deepEqual(values(items), [{ a: 1 }, { a: 2 }, { a: 3 }]);
    assert.deepEqual(items.map((i) => i.position), ['s3://b/k.json#0', 's3://b/k.json#1', 's3://b/k.json#2']);
    assert.equal(items[1]!.raw.toString(), '{"a":2}');
  });

  it('expands a pretty-printed envelope spread over many lines', () => {
    const items = split('f', JSON.stringify({ Records: [{ a: 1 }, { b: [1, 2] }] }, null, 2));
    assert.deepEqual(values(items), [{ a: 1 }, { b: [1, 2] }]);
  });

  it('uses the envelope keys it is given (Azure: records) and ignores others', () => {
    const doc = JSON.stringify({ records: [{ x: 1 }, { x: 2 }] });
    assert.deepEqual(values(split('f', doc, { envelopeKeys: ['records'] })), [{ x: 1 }, { x: 2 }]);
    // With the default (CloudTrail's Records), the same document is one record.
    assert.deepEqual(values(split('f', doc)), [{ records: [{ x: 1 }, { x: 2 }] }]);
  });

  it('expands a top-level JSON array', () => {
    assert.deepEqual(values(split('f', '[{"a":1},{"a":2}]')), [{ a: 1 }, { a: 2 }]);
  });

  it('treats a single JSON object document as one record', () => {
    const items = split('f', '{\n  "eventName": "X"\n}\n');
    assert.deepEqual(values(items), [{ eventName: 'X' }]);
    assert.equal(items[0]!.position, 'f#0');
  });

  it('reads NDJSON: skips blank lines, tolerates CRLF, keeps the line bytes as raw', () => {
    const items = split('f', '{"a":1}\r\n\r\n  \n{"a":2}\n');
    assert.deepEqual(values(items), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(items.map((i) => [i.position, i.line]), [['f#0', 1], ['f#1', 4]]);
    assert.equal(items[0]!.raw.toString(), '{"a":1}');
  });

  it('turns a bad NDJSON line into an error item with its line number and keeps going', () => {
    const items = split('f', '{"a":1}\n{"a":\n{"a":3}\n');
    assert.equal(items.length, 3);
    const bad = items[1]!;
    assert.equal(bad.kind, 'error');
    assert.equal(bad.position, 'f#1');
    assert.equal(bad.line, 2);
    if (bad.kind !== 'error') return;
    assert.equal(bad.error.code, 'SLUICE_ERR_INPUT_MALFORMED');
    assert.match(bad.error.reason, /^line 2: not valid JSON/);
    assert.equal(bad.raw.toString(), '{"a":');
    assert.deepEqual(items[2]!.kind === 'record' && items[2]!.value, { a: 3 });
    assert.equal(items[2]!.position, 'f#2');
  });

  it('reads values written back to back with no separator (Firehose to S3), envelopes included', () => {
    const firehose = '{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","message":"{\\"a\\":\\"}{\\"}"}]}{"Records":[{"b":1},{"b":2}]}{"c":"x\\"}{"}';
    const items = split('s3://b/firehose', `${firehose}\n{"d":4}\n`);
    assert.deepEqual(values(items), [{ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', message: '{"a":"}{"}' }] }, { b: 1 }, { b: 2 }, { c: 'x"}{' }, { d: 4 }]);
    assert.deepEqual(items.map((i) => i.position), ['s3://b/firehose#0', 's3://b/firehose#1', 's3://b/firehose#2', 's3://b/firehose#3', 's3://b/firehose#4']);
    assert.equal(items[3]!.raw.toString(), '{"c":"x\\"}{"}');
    // A whole file of concatenated objects on one line (the default Firehose output).
    assert.deepEqual(values(split('f', '{"a":1}{"a":2}  {"a":3}')), [{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it('concatenated parts: stray text, a bare value or an unclosed value is not a sequence (the line stays one error)', () => {
    assert.equal(concatenatedJsonParts('{"a":1}x{"a":2}'), null);
    assert.equal(concatenatedJsonParts('{"a":1}{"a":2'), null);
    assert.equal(concatenatedJsonParts('{"a":1}'), null, 'one value is not a sequence');
    assert.equal(concatenatedJsonParts('"s"{"a":1}'), null);
    assert.deepEqual(concatenatedJsonParts('[1]{"a":"]"}'), ['[1]', '{"a":"]"}']);
    const items = split('f', '{"a":1}{"a":');
    assert.equal(items.length, 1);
    assert.equal(items[0]!.kind, 'error');
  });

  it('expands a {"Records":[...]} held on one NDJSON line, counting positions through it', () => {
    const items = split('f', '{"a":0}\n{"Records":[{"a":1},{"a":2}]}\n{"a":3}\n');
    assert.deepEqual(values(items), [{ a: 0 }, { a: 1 }, { a: 2 }, { a: 3 }]);
    assert.deepEqual(items.map((i) => `${i.position}@${i.line}`), ['f#0@1', 'f#1@2', 'f#2@2', 'f#3@3']);
  });

  it('rejects an envelope key that does not hold an array', () => {
    const [item] = split('f', '{"Records": {"a": 1}}');
    assert.equal(item?.kind, 'error');
    if (item?.kind !== 'error') return;
    assert.equal(item.error.code, 'SLUICE_ERR_INPUT_MALFORMED');
    assert.match(item.error.reason, /envelope key "Records" holds an object, not an array/);
  });

  it('gunzips when the bytes start with 1f 8b', () => {
    const gz = gzipSync(Buffer.from(JSON.stringify({ Records: [{ a: 1 }, { a: 2 }] })));
    assert.ok(isGzip(gz));
    assert.ok(!isGzip(Buffer.from('{}')));
    assert.deepEqual(values(split('f.json.gz', gz)), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(values(split('f.jsonl.gz', gzipSync(Buffer.from('{"a":1}\n{"a":2}\n')))), [{ a: 1 }, { a: 2 }]);
  });

  it('reports unreadable gzip as one SLUICE_ERR_INPUT_UNREADABLE item carrying the input bytes', () => {
    const gz = gzipSync(Buffer.from('{"a":1}\n'.repeat(100)));
    const truncated = gz.subarray(0, gz.length - 12);
    const items = split('bad.gz', truncated);
    assert.equal(items.length, 1);
    const [item] = items;
    assert.equal(item?.kind, 'error');
    if (item?.kind !== 'error') return;
    assert.equal(item.position, 'bad.gz#0');
    assert.equal(item.error.code, 'SLUICE_ERR_INPUT_UNREADABLE');
    assert.match(item.error.reason, /gzip/);
    assert.ok(item.raw.equals(truncated));
  });

  it('refuses to inflate past maxDecompressedBytes', () => {
    const gz = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    const [item] = split('bomb.gz', gz, { maxDecompressedBytes: 1000 });
    assert.equal(item?.kind, 'error');
    if (item?.kind !== 'error') return;
    assert.equal(item.error.code, 'SLUICE_ERR_INPUT_UNREADABLE');
    assert.match(item.error.reason, /exceeds 1000 bytes/);
  });

  it('strips a UTF-8 BOM and yields nothing for empty input', () => {
    assert.deepEqual(values(split('f', '\ufeff{"a":1}\n')), [{ a: 1 }]);
    assert.deepEqual(split('f', ''), []);
    assert.deepEqual(split('f', '\n\n'), []);
  });

  it('is lazy: items come out as the caller iterates', () => {
    const it = splitInput({ name: 'f', bytes: Buffer.from('{"a":1}\n{"a":2}\n') });
    const first = it.next();
    assert.equal(first.done, false);
    assert.deepEqual(first.value.kind === 'record' && first.value.value, { a: 1 });
  });
});
