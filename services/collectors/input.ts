/**
 * Input splitting shared by collectors: turns one CollectorInput (a file or message) into native
 * records with positions, without knowing anything about the source format beyond JSON framing.
 *
 * Accepted forms, after an optional gunzip (bytes starting 1f 8b):
 *   - a JSON document `{"<envelopeKey>": [...]}` (CloudTrail S3 objects use `Records`,
 *     Azure diagnostics `records`) -> one record per element;
 *   - a JSON document that is a top-level array -> one record per element;
 *   - a JSON document that is a single value (e.g. a pretty-printed event) -> one record;
 *   - otherwise NDJSON: one JSON value per non-empty line; a line holding an envelope object
 *     expands to its elements; a line that does not parse becomes an error item naming the line.
 *
 * Positions are `<input name>#<index>`, index counting from 0 over every item yielded (records and
 * error items alike), so a position stays the same whatever happens to the records around it.
 * Nothing here throws on bad bytes: problems come out as error items.
 */
import { gunzipSync } from 'node:zlib';
import type { CollectorInput } from '../core/components.ts';
import type { ErrorCode } from '../core/errors.ts';

export interface InputRecord {
  kind: 'record';
  position: string;
  value: unknown;
  /** The record's own bytes: the NDJSON line as written, or the JSON text of an array/envelope element. */
  raw: Buffer;
  /** 1-based line number, for records read from NDJSON. */
  line?: number;
}

export interface InputError {
  kind: 'error';
  position: string;
  error: { code: ErrorCode; reason: string };
  raw: Buffer;
  line?: number;
}

export type InputItem = InputRecord | InputError;

export interface SplitOptions {
  /** Object keys whose array value holds the records, tried in order. Default: ['Records'] (CloudTrail). */
  envelopeKeys?: readonly string[];
  /** Refuse to decompress past this many bytes (guards against gzip bombs). Default 256 MiB. */
  maxDecompressedBytes?: number;
}

export const DEFAULT_ENVELOPE_KEYS: readonly string[] = ['Records'];
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

export function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' || typeof value === 'undefined' ? `an ${typeof value}` : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type EnvelopeMatch = { key: string; records: unknown[] } | { key: string; bad: unknown } | null;

function matchEnvelope(value: unknown, keys: readonly string[]): EnvelopeMatch {
  if (!isPlainObject(value)) return null;
  for (const key of keys) {
    if (!Object.hasOwn(value, key)) continue;
    const inner = value[key];
    return Array.isArray(inner) ? { key, records: inner } : { key, bad: inner };
  }
  return null;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The bytes, gunzipped when they are gzip (at most `maxBytes` out, a gzip-bomb guard); or why they cannot be. */
export function gunzipInput(bytes: Buffer, maxBytes: number): { bytes: Buffer } | { error: string } {
  if (!isGzip(bytes)) return { bytes };
  try {
    return { bytes: gunzipSync(bytes, { maxOutputLength: maxBytes }) };
  } catch (err) {
    const why = err instanceof RangeError ? `decompressed size exceeds ${maxBytes} bytes` : errorMessage(err);
    return { error: `gzip input could not be decompressed: ${why}` };
  }
}

/** The UTF-8 text of bytes, without a leading byte-order mark. */
export function utf8Text(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Decompresses (when gzip) and decodes an input; an error message when it cannot. */
export function decodeInput(input: CollectorInput, maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): { text: string } | { error: string } {
  const out = gunzipInput(input.bytes, maxDecompressedBytes);
  return 'error' in out ? out : { text: utf8Text(out.bytes) };
}

/** The non-blank lines of a text with their 1-based line numbers, a trailing \r removed (CRLF files). */
export function* numberedLines(text: string): Generator<{ lineNo: number; line: string }, void, undefined> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() !== '') yield { lineNo: i + 1, line };
  }
}

/**
 * The top-level JSON texts of a line holding several values written back to back with no
 * separator (`{…}{…}`: Kinesis Data Firehose delivers CloudWatch Logs and EventBridge records to
 * S3 this way by default), or null when the line is not such a sequence of objects or arrays.
 * Scans once, tracking strings and nesting; each part is still checked by JSON.parse.
 */
export function concatenatedJsonParts(line: string): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      if (depth === 0) return null;
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return null;
      if (--depth === 0) parts.push(line.slice(start, i + 1));
    } else if (depth === 0 && c !== 0x20 && c !== 0x09 && c !== 0x0d) {
      return null; // a bare value or stray text between values
    }
  }
  return depth === 0 && !inString && parts.length > 1 ? parts : null;
}

/**
 * Splits one input into native records. Lazy: records are produced as the caller iterates.
 * The whole input is held in memory (decompressed), as inputs are single files or messages.
 */
export function* splitInput(input: CollectorInput, opts: SplitOptions = {}): Generator<InputItem, void, undefined> {
  const envelopeKeys = opts.envelopeKeys ?? DEFAULT_ENVELOPE_KEYS;
  const maxOut = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  let index = 0;
  const pos = (): string => `${input.name}#${index++}`;

  const decoded = gunzipInput(input.bytes, maxOut);
  if ('error' in decoded) {
    yield { kind: 'error', position: pos(), error: { code: 'SLUICE_ERR_INPUT_UNREADABLE', reason: decoded.error }, raw: input.bytes };
    return;
  }
  const bytes = decoded.bytes;
  const text = utf8Text(bytes);

  const envelopeError = (key: string, bad: unknown, raw: Buffer, line?: number): InputError => ({
    kind: 'error',
    position: pos(),
    error: {
      code: 'SLUICE_ERR_INPUT_MALFORMED',
      reason: `${line === undefined ? '' : `line ${line}: `}envelope key "${key}" holds ${describeType(bad)}, not an array of records`,
    },
    raw,
    ...(line === undefined ? {} : { line }),
  });

  // A whole JSON document (S3 object, top-level array, or one pretty-printed value).
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    let doc: unknown;
    let parsed = false;
    try {
      doc = JSON.parse(text);
      parsed = true;
    } catch {
      // Not a single JSON document: read it as NDJSON below.
    }
    if (parsed) {
      const env = matchEnvelope(doc, envelopeKeys);
      if (env && 'bad' in env) {
        yield envelopeError(env.key, env.bad, bytes);
        return;
      }
      const records = env ? env.records : Array.isArray(doc) ? doc : null;
      if (records === null) {
        yield { kind: 'record', position: pos(), value: doc, raw: bytes };
        return;
      }
      for (const value of records) yield elementItem(pos(), value, bytes);
      return;
    }
  }

  // NDJSON.
  for (const { lineNo, line: lineText } of numberedLines(text)) {
    const raw = Buffer.from(lineText, 'utf8');
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (err) {
      const parts = concatenatedJsonParts(lineText);
      const values = parts?.map((p) => {
        try {
          return { ok: true as const, value: JSON.parse(p) as unknown };
        } catch {
          return { ok: false as const };
        }
      });
      if (values && values.every((v) => v.ok)) {
        for (const v of values) {
          const env = matchEnvelope(v.value, envelopeKeys);
          if (env && 'bad' in env) yield envelopeError(env.key, env.bad, raw, lineNo);
          else if (env) for (const inner of env.records) yield elementItem(pos(), inner, raw, lineNo);
          else yield elementItem(pos(), v.value, raw, lineNo);
        }
        continue;
      }
      yield {
        kind: 'error',
        position: pos(),
        error: { code: 'SLUICE_ERR_INPUT_MALFORMED', reason: `line ${lineNo}: not valid JSON: ${errorMessage(err)}` },
        raw,
        line: lineNo,
      };
      continue;
    }
    const env = matchEnvelope(value, envelopeKeys);
    if (env && 'bad' in env) {
      yield envelopeError(env.key, env.bad, raw, lineNo);
    } else if (env) {
      for (const inner of env.records) yield elementItem(pos(), inner, raw, lineNo);
    } else {
      yield { kind: 'record', position: pos(), value, raw, line: lineNo };
    }
  }
}

/**
 * An envelope or array element as a record item with its own JSON text as raw bytes. A value too
 * deeply nested to serialize again (V8 throws RangeError) becomes an error item, not a crash.
 */
function elementItem(position: string, value: unknown, container: Buffer, line?: number): InputItem {
  try {
    const raw = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
    return line === undefined ? { kind: 'record', position, value, raw } : { kind: 'record', position, value, raw, line };
  } catch (err) {
    const error = { code: 'SLUICE_ERR_INPUT_MALFORMED' as const, reason: `record cannot be re-serialized (${errorMessage(err)}); too deeply nested?` };
    return line === undefined ? { kind: 'error', position, error, raw: container } : { kind: 'error', position, error, raw: container, line };
  }
}

/**
 * splitInput that never throws: when the splitter itself fails (e.g. JSON nested too deep to
 * re-serialize), the rest of the input comes out as one error item at `<name>#<records so far>`
 * instead of an exception.
 */
export function* splitInputSafely(input: CollectorInput, opts: SplitOptions = {}): Generator<InputItem, void, undefined> {
  const items = splitInput(input, opts);
  let index = 0;
  for (;;) {
    let step: IteratorResult<InputItem, void>;
    try {
      step = items.next();
    } catch (err) {
      const reason = `input could not be split into records: ${err instanceof Error ? err.message : String(err)}`;
      yield { kind: 'error', position: `${input.name}#${index}`, error: { code: 'SLUICE_ERR_INPUT_MALFORMED', reason }, raw: input.bytes };
      return;
    }
    if (step.done) return;
    index++;
    yield step.value;
  }
}

/** A record rejected at the collect stage: the same function as `rejected` in fields.ts, under the name some collectors import. */
export { rejected as collectReject } from './fields.ts';
