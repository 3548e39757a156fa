import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baseMediaType, looksLikeUtf8Text, sniffContentType } from './content-type.ts';

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('sniffContentType: magic bytes and BOMs', () => {
  it('recognizes binary formats by their first bytes', () => {
    assert.equal(sniffContentType(Buffer.concat([ascii('%PDF-1.7\n'), b(0xe2, 0xe3, 0xcf, 0xd3)])), 'application/pdf');
    assert.equal(sniffContentType(Buffer.concat([ascii('PK'), b(0x03, 0x04, 0x14, 0x00)])), 'application/zip');
    assert.equal(sniffContentType(Buffer.concat([ascii('PK'), b(0x05, 0x06), Buffer.alloc(18)])), 'application/zip');
    assert.equal(sniffContentType(b(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13)), 'image/png');
    assert.equal(sniffContentType(b(0x1f, 0x8b, 0x08, 0x00)), 'application/gzip');
    assert.equal(sniffContentType(b(0xff, 0xd8, 0xff, 0xe0)), 'image/jpeg');
    assert.equal(sniffContentType(ascii('GIF89a')), 'image/gif');
  });

  it('UTF-16 by BOM, with the charset; UTF-8 BOM too', () => {
    assert.equal(sniffContentType(Buffer.concat([b(0xff, 0xfe), Buffer.from('hello', 'utf16le')])), 'text/plain; charset=utf-16le');
    const be = Buffer.concat([b(0xff, 0xfe), Buffer.from('{"a":1}', 'utf16le')]).swap16();
    assert.equal(sniffContentType(be), 'application/json; charset=utf-16be');
    assert.equal(sniffContentType(Buffer.concat([b(0xef, 0xbb, 0xbf), ascii('a,b\n1,2\n')]), { key: 'x.csv' }), 'text/csv; charset=utf-8');
  });

  it('text: declared text type wins, else JSON / CSV / plain; binary junk is octet-stream', () => {
    assert.equal(sniffContentType(ascii('a,b\n1,2\n'), { declaredType: 'text/csv; charset=utf-8' }), 'text/csv');
    assert.equal(sniffContentType(ascii('a,b\n'), { declaredType: 'application/octet-stream', key: 'data.csv.gz' }), 'text/csv');
    assert.equal(sniffContentType(ascii('  \n{"Records":[')), 'application/json');
    assert.equal(sniffContentType(ascii('[\n  {"a": 1}')), 'application/json');
    assert.equal(sniffContentType(ascii('{ not json }')), 'text/plain');
    assert.equal(sniffContentType(ascii('{\\rtf1\\ansi')), 'application/rtf');
    assert.equal(sniffContentType(ascii('<?xml version="1.0"?><a/>')), 'application/xml');
    assert.equal(sniffContentType(ascii('plain words')), 'text/plain');
    assert.equal(sniffContentType(b()), 'text/plain');
    assert.equal(sniffContentType(b(0x00, 0x01, 0x02, 0x41)), 'application/octet-stream');
    assert.equal(sniffContentType(b(0xc3, 0x28)), 'application/octet-stream'); // invalid UTF-8
    // A declared binary type does not make text binary, nor the reverse.
    assert.equal(sniffContentType(b(0x00, 0x01), { declaredType: 'text/plain' }), 'application/octet-stream');
  });

  it('a UTF-8 character cut at the end of the window is still text', () => {
    const korean = Buffer.from('계정', 'utf8'); // 6 bytes
    assert.equal(looksLikeUtf8Text(korean.subarray(0, 4)), true);
    assert.equal(sniffContentType(Buffer.concat([ascii('pw: '), korean.subarray(0, 5)])), 'text/plain');
  });

  it('baseMediaType strips parameters and refuses junk', () => {
    assert.equal(baseMediaType('Text/CSV; charset=UTF-8'), 'text/csv');
    assert.equal(baseMediaType('not a type'), null);
    assert.equal(baseMediaType(null), null);
  });
});
