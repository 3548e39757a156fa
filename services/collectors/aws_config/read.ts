/**
 * Reads one input (file or message) into native JSON records for the aws_config collector.
 *
 * Like the shared splitter (../input.ts), it inflates gzip, accepts one JSON document (an object,
 * or a top-level array whose elements are records) or NDJSON. Two differences, both for files
 * written by tools rather than by AWS:
 *   - A JSON document with raw control characters (a newline, a tab) inside its strings is invalid
 *     JSON, but common in hand-edited samples (Python's `json.loads(strict=False)` accepts it). Such
 *     a document is repaired by escaping those characters and read; its events say so in unmapped.
 *   - A pretty-printed document that is not valid JSON is one rejected record naming the line and
 *     column of the error, not one rejection per line of NDJSON.
 *   - A top-level JSON array whose closing `]` is missing (and nothing else: every element is
 *     complete) is read with the bracket added. Seen in a sample file cut short by one character.
 *     A truncated object is never repaired: it stays a rejection.
 * Both repairs can be turned off (repairJson: false).
 * Envelopes (configurationItems, placebo wrappers, ...) are left to forms.ts, which knows their meaning.
 */
import type { CollectorInput } from '../../core/components.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, gunzipInput, splitInput, utf8Text } from '../input.ts';

export type ReadItem =
  | { kind: 'record'; value: unknown; raw: Buffer; repaired: string | null; line?: number }
  | { kind: 'error'; code: ErrorCode; reason: string; raw: Buffer; line?: number };

export interface ReadOptions {
  maxDecompressedBytes?: number;
  /** Repair the two defects described above (control characters in strings, a missing final `]`). Default true. */
  repairJson?: boolean;
}

export const REPAIR_CONTROL_CHARS = 'raw control characters inside JSON strings were escaped before parsing';
export const REPAIR_MISSING_BRACKET = "the top-level array's closing bracket was missing and was added before parsing";

/** Escapes raw control characters (U+0000..U+001F) found inside JSON string literals. */
export function escapeControlCharsInStrings(text: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = ch.charCodeAt(0);
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      else if (code < 0x20) {
        out += code === 0x0a ? '\\n' : code === 0x0d ? '\\r' : code === 0x09 ? '\\t' : `\\u${code.toString(16).padStart(4, '0')}`;
        changed = true;
        continue;
      }
    } else if (ch === '"') inString = true;
    out += ch;
  }
  return changed ? out : text;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Offset of the first JSON syntax error in `text` (RFC 8259 grammar), or null when it is valid.
 * V8 leaves the position out of some JSON.parse messages ("Unexpected token '}', … is not valid
 * JSON"); this finds it. Iterative: any nesting depth.
 */
export function locateJsonError(text: string): number | null {
  const n = text.length;
  const stack: string[] = [];
  let i = 0;
  type Expect = 'value' | 'value_or_close' | 'key' | 'key_or_close' | 'colon' | 'comma_or_close' | 'end';
  // Also set inside afterValue(): read through `state()` so the checker does not narrow it.
  let expect = 'value' as Expect;
  const state = (): Expect => expect;
  const afterValue = (): void => {
    expect = stack.length ? 'comma_or_close' : 'end';
  };
  /** At a '"': moves past the string; false (i at the fault) when it is not a valid string. */
  const scanString = (): boolean => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else return false;
        continue;
      }
      i++;
    }
    return false;
  };
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= n) return state() === 'end' ? null : n;
    const ch = text[i];
    switch (state()) {
      case 'end':
        return i;
      case 'colon':
        if (ch !== ':') return i;
        i++;
        expect = 'value';
        continue;
      case 'comma_or_close': {
        const top = stack[stack.length - 1];
        if (ch === ',') {
          i++;
          expect = top === '{' ? 'key' : 'value';
        } else if ((ch === '}' && top === '{') || (ch === ']' && top === '[')) {
          i++;
          stack.pop();
          afterValue();
        } else return i;
        continue;
      }
      case 'key':
      case 'key_or_close':
        if (ch === '}' && state() === 'key_or_close') {
          i++;
          stack.pop();
          afterValue();
          continue;
        }
        if (ch !== '"' || !scanString()) return i;
        expect = 'colon';
        continue;
      default: {
        if (ch === ']' && state() === 'value_or_close') {
          i++;
          stack.pop();
          afterValue();
        } else if (ch === '{' || ch === '[') {
          i++;
          stack.push(ch);
          expect = ch === '{' ? 'key_or_close' : 'value_or_close';
        } else if (ch === '"') {
          if (!scanString()) return i;
          afterValue();
        } else {
          const literal = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
          if (literal) i += literal.length;
          else {
            NUMBER_RE.lastIndex = i;
            const m = NUMBER_RE.exec(text);
            if (!m || m[0].length === 0) return i;
            i += m[0].length;
          }
          afterValue();
        }
      }
    }
  }
}

/**
 * Where a JSON.parse error is: "…at position N…" in the message, else the first syntax error
 * found by locateJsonError. 1-based line and column in `text`, or null.
 */
export function jsonErrorLocation(text: string, message: string): { line: number; column: number } | null {
  const m = /position (\d+)/.exec(message);
  const found = m ? Number(m[1]) : locateJsonError(text);
  if (found === null) return null;
  const pos = Math.min(found, text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function* readRecords(input: CollectorInput, opts: ReadOptions = {}): Generator<ReadItem, void, undefined> {
  const maxOut = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const decoded = gunzipInput(input.bytes, maxOut);
  if ('error' in decoded) {
    yield { kind: 'error', code: 'SLUICE_ERR_INPUT_UNREADABLE', reason: decoded.error, raw: input.bytes };
    return;
  }
  const bytes = decoded.bytes;
  const text = utf8Text(bytes);

  const trimmed = text.trimStart();
  const first = trimmed[0];
  if (first === '{' || first === '[') {
    let doc: unknown;
    let parsed = false;
    let repaired: string | null = null;
    let firstError = '';
    const attempt = (candidate: string, note: string | null): boolean => {
      try {
        doc = JSON.parse(candidate);
        parsed = true;
        repaired = note;
        return true;
      } catch (err) {
        if (note === null) firstError = message(err);
        return false;
      }
    };
    if (!attempt(text, null) && opts.repairJson !== false) {
      const fixed = escapeControlCharsInStrings(text);
      if (fixed !== text) attempt(fixed, REPAIR_CONTROL_CHARS);
      if (!parsed && first === '[') {
        // Only a top-level array, only the final bracket: JSON.parse must accept everything else.
        if (!attempt(`${fixed.trimEnd()}\n]`, REPAIR_MISSING_BRACKET)) doc = undefined;
        else if (!Array.isArray(doc)) parsed = false;
        if (parsed && fixed !== text) repaired = `${REPAIR_CONTROL_CHARS}; ${REPAIR_MISSING_BRACKET}`;
      }
    }
    if (parsed) {
      if (Array.isArray(doc)) {
        for (const value of doc) {
          let raw: Buffer;
          try {
            raw = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
          } catch (err) {
            // JSON.parse accepts nesting that JSON.stringify cannot walk back (stack overflow).
            yield { kind: 'error', code: 'SLUICE_ERR_INPUT_MALFORMED', reason: `array element cannot be re-serialised: ${message(err)}`, raw: Buffer.alloc(0) };
            continue;
          }
          yield { kind: 'record', value, raw, repaired };
        }
      } else {
        yield { kind: 'record', value: doc, raw: bytes, repaired };
      }
      return;
    }
    // NDJSON when the first line is a JSON value by itself; otherwise one broken document.
    const firstLine = trimmed.split('\n', 1)[0]!.trim();
    let ndjson = false;
    try {
      JSON.parse(firstLine);
      ndjson = trimmed.includes('\n');
    } catch {
      ndjson = false;
    }
    if (!ndjson) {
      const loc = jsonErrorLocation(text, firstError);
      const where = loc ? `line ${loc.line} column ${loc.column}: ` : '';
      yield {
        kind: 'error',
        code: 'SLUICE_ERR_INPUT_MALFORMED',
        reason: `${where}not valid JSON: ${firstError}`,
        raw: bytes,
        ...(loc ? { line: loc.line } : {}),
      };
      return;
    }
  }

  for (const item of splitInput({ name: input.name, bytes }, { envelopeKeys: [], maxDecompressedBytes: maxOut })) {
    if (item.kind === 'error') {
      yield { kind: 'error', code: item.error.code, reason: item.error.reason, raw: item.raw, ...(item.line === undefined ? {} : { line: item.line }) };
    } else {
      yield { kind: 'record', value: item.value, raw: item.raw, repaired: null, ...(item.line === undefined ? {} : { line: item.line }) };
    }
  }
}
