/**
 * What an object's content is, decided on its first chunk: text scanned byte by byte (UTF-8 and
 * other ASCII-compatible encodings), UTF-16 (BOM or the NUL pattern of ASCII text), or binary,
 * which is skipped with a reason. And the decoding of a byte window to the string the scanner reads.
 */

export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be';

export type ContentKind = { kind: 'text'; encoding: TextEncoding } | { kind: 'skip'; reason: string };

const SNIFF = 4096;

/** Media types that are never scanned (the collector sniffs them from magic bytes). */
const BINARY_TYPES = /^(?:image|audio|video|font)\/|^application\/(?:pdf|zip|gzip|x-gzip|x-7z-compressed|x-executable|x-tar|x-rar-compressed|octet-stream|x-bzip2|x-xz|zstd|vnd\.ms-|msword|x-msdownload)/;

/** UTF-16 without a BOM: ASCII-range text has a NUL in every other byte. */
function utf16ByNuls(b: Buffer): TextEncoding | null {
  const n = Math.min(b.length, SNIFF) & ~1;
  if (n < 16) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenNul++;
    if (b[i + 1] === 0) oddNul++;
  }
  const half = n / 2;
  if (oddNul / half >= 0.3 && evenNul / half <= 0.05) return 'utf16le';
  if (evenNul / half >= 0.3 && oddNul / half <= 0.05) return 'utf16be';
  return null;
}

/** Control bytes that do not occur in text (NUL and C0 controls other than tab, LF, VT, FF, CR, ESC). */
function binaryBytes(b: Buffer): number {
  const n = Math.min(b.length, SNIFF);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c < 0x20 && c !== 9 && c !== 10 && c !== 11 && c !== 12 && c !== 13 && c !== 27) bad++;
  }
  return bad;
}

/**
 * Decides from the first chunk's bytes and the object's sniffed/declared type. The collector has
 * already inflated gzip content (content_encoding 'gzip'); content still typed application/gzip was
 * not decoded (nested gzip, or decodeGzip off) and is skipped.
 */
export function sniffContent(first: Buffer, contentType: string): ContentKind {
  if (first.length >= 2 && first[0] === 0xff && first[1] === 0xfe) {
    if (first.length >= 4 && first[2] === 0 && first[3] === 0) return { kind: 'skip', reason: 'UTF-32 text is not supported' };
    return { kind: 'text', encoding: 'utf16le' };
  }
  if (first.length >= 2 && first[0] === 0xfe && first[1] === 0xff) return { kind: 'text', encoding: 'utf16be' };
  const utf16 = utf16ByNuls(first);
  if (utf16 !== null) return { kind: 'text', encoding: utf16 };
  const base = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (base === 'application/gzip' || base === 'application/x-gzip') return { kind: 'skip', reason: `compressed content not decoded (${base})` };
  if (BINARY_TYPES.test(base)) return { kind: 'skip', reason: `binary content (${base})` };
  const bad = binaryBytes(first);
  if (bad > 0 && bad >= Math.min(first.length, SNIFF) * 0.01) return { kind: 'skip', reason: 'binary content (control bytes)' };
  return { kind: 'text', encoding: 'utf8' };
}

/** Bytes per text unit of an encoding: offsets in findings are `windowStart + unit * index`. */
export function unitBytes(encoding: TextEncoding): 1 | 2 {
  return encoding === 'utf8' ? 1 : 2;
}

/**
 * The string the scanner reads for a byte window. UTF-8 (and any ASCII-compatible text) is read as
 * latin1, one character per byte, so string indices are byte offsets and a multi-byte character cut
 * by a chunk border does no harm (patterns are ASCII). UTF-16 is decoded one character per code
 * unit (2 bytes); `bytes` must start on a code-unit boundary and an odd trailing byte is ignored.
 */
export function decodeWindow(bytes: Buffer, encoding: TextEncoding): string {
  if (encoding === 'utf8') return bytes.toString('latin1');
  const even = bytes.subarray(0, bytes.length & ~1);
  if (encoding === 'utf16le') return even.toString('utf16le');
  const swapped = Buffer.from(even);
  swapped.swap16();
  return swapped.toString('utf16le');
}
