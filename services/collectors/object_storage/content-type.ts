/**
 * Content-type sniffing from an object's first bytes (after gzip decoding). Pure.
 * Order: byte-order marks, then magic numbers, then a text/binary test on the bytes; for text, the
 * declared type (when it is a text type), then JSON / CSV heuristics, then text/plain.
 */

/** How many leading bytes of the decoded content are looked at. */
export const SNIFF_BYTES = 4096;

const MAGIC: ReadonlyArray<{ type: string; bytes: readonly number[] }> = [
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] }, // PK.. local file header
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x05, 0x06] }, // PK.. empty archive
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x07, 0x08] }, // PK.. spanned archive
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: [0x47, 0x49, 0x46, 0x38] }, // GIF8
  { type: 'application/gzip', bytes: [0x1f, 0x8b] },
  { type: 'application/x-7z-compressed', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { type: 'application/x-executable', bytes: [0x7f, 0x45, 0x4c, 0x46] }, // ELF
];

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[i] !== bytes[i]) return false;
  return true;
}

/** WHATWG mimesniff "binary data bytes": control characters that do not occur in text. */
function isBinaryByte(b: number): boolean {
  return b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f);
}

/** True when the bytes are UTF-8 text without binary control bytes. A multi-byte character cut at the end is allowed. */
export function looksLikeUtf8Text(head: Uint8Array): boolean {
  for (const b of head) if (isBinaryByte(b)) return false;
  try {
    // stream: true keeps an incomplete trailing sequence pending instead of failing on it.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Base media type of a Content-Type header, lower-cased, without parameters; null when empty. */
export function baseMediaType(contentType: string | null | undefined): string | null {
  if (contentType === null || contentType === undefined) return null;
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(base) ? base : null;
}

const TEXTUAL_APPLICATION_TYPES = new Set([
  'application/json',
  'application/x-ndjson',
  'application/jsonl',
  'application/xml',
  'application/javascript',
  'application/x-yaml',
  'application/yaml',
  'application/toml',
  'application/x-sh',
  'application/sql',
]);

/** A declared type that describes text (so it can refine "this is text" into something more precise). */
export function isTextualType(base: string): boolean {
  return base.startsWith('text/') || base.endsWith('+json') || base.endsWith('+xml') || TEXTUAL_APPLICATION_TYPES.has(base);
}

/** JSON (or NDJSON): `{` then `"` or `}`, or `[` then a JSON value or `]`, ignoring whitespace. */
const JSON_START = /^\s*(?:\{\s*(?:"|\}|$)|\[\s*(?:[{["\]\d-]|true|false|null|$))/;

function textSubtype(text: string, declaredBase: string | null, key: string): string {
  if (declaredBase !== null && isTextualType(declaredBase)) return declaredBase;
  const body = text.replace(/^\uFEFF/, '');
  if (/^\{\\rtf/.test(body)) return 'application/rtf';
  if (JSON_START.test(body)) return 'application/json';
  if (/^\s*<\?xml[\s?]/.test(body)) return 'application/xml';
  const lowerKey = key.toLowerCase().replace(/\.gz$/, '');
  if (lowerKey.endsWith('.csv')) return 'text/csv';
  if (lowerKey.endsWith('.tsv')) return 'text/tab-separated-values';
  return 'text/plain';
}

export interface SniffHints {
  /** Content-Type declared by the store, if any. */
  declaredType?: string | null;
  /** Object key: its extension is used for CSV/TSV, which have no magic bytes. */
  key?: string;
}

/**
 * Content type of content starting with `head` (pass at least the first SNIFF_BYTES bytes, or all of a
 * smaller object). UTF-16 text (by its BOM) gets `; charset=utf-16le` / `utf-16be`; UTF-8 text with a
 * BOM gets `; charset=utf-8`. Empty content is text/plain (it has no binary bytes), or the declared text type.
 */
export function sniffContentType(head: Uint8Array, hints: SniffHints = {}): string {
  const key = hints.key ?? '';
  const declaredBase = baseMediaType(hints.declaredType);
  const window = head.subarray(0, SNIFF_BYTES);

  if (startsWith(window, [0xef, 0xbb, 0xbf])) {
    const rest = window.subarray(3);
    if (looksLikeUtf8Text(rest)) return `${textSubtype(Buffer.from(rest).toString('utf8'), declaredBase, key)}; charset=utf-8`;
    return 'application/octet-stream';
  }
  if (startsWith(window, [0xff, 0xfe]) && !startsWith(window, [0xff, 0xfe, 0x00, 0x00])) {
    const text = new TextDecoder('utf-16le').decode(window.subarray(2, 2 + ((window.length - 2) & ~1)));
    return `${textSubtype(text, declaredBase, key)}; charset=utf-16le`;
  }
  if (startsWith(window, [0xfe, 0xff])) {
    const text = new TextDecoder('utf-16be').decode(window.subarray(2, 2 + ((window.length - 2) & ~1)));
    return `${textSubtype(text, declaredBase, key)}; charset=utf-16be`;
  }
  for (const m of MAGIC) if (startsWith(window, m.bytes)) return m.type;
  if (looksLikeUtf8Text(window)) return textSubtype(Buffer.from(window).toString('utf8'), declaredBase, key);
  return 'application/octet-stream';
}
