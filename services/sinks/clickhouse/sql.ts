/**
 * SQL text helpers. ClickHouse 18.16 has no `{name:Type}` query parameters, so the few values that
 * go into SQL text (database names, finding ids, dates) are validated or escaped here, in one place.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Returns the name backquoted, or throws when it is not a plain identifier (the config allows only those). */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`not a plain ClickHouse identifier: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\r': '\\r',
  '\n': '\\n',
  '\t': '\\t',
};

/**
 * A single-quoted ClickHouse string literal. Backslash and quote are escaped, as are the control
 * characters that have a short escape; every other character is sent as its UTF-8 bytes, which
 * ClickHouse takes literally inside quotes.
 */
export function quoteString(value: string): string {
  return `'${toWellFormed(value).replace(/[\\'\0\b\f\r\n\t]/g, (c) => STRING_ESCAPES[c] ?? c)}'`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces lone UTF-16 surrogates with U+FFFD. JSON.stringify writes them as `\ud800`, which
 * ClickHouse 18.16 rejects ("missing second part of surrogate pair") and fails the whole insert.
 */
export function toWellFormed(value: string): string {
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(value) ? value.replace(LONE_SURROGATE, '\uFFFD') : value;
}

/** JSON.stringify that never emits a lone surrogate escape. */
export function stringifyWellFormed(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? toWellFormed(v) : v));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD hh:mm:ss` in UTC: the text form every ClickHouse version parses for DateTime('UTC'). */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${formatDate(epochMs)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `YYYY-MM-DD` of the UTC day. */
export function formatDate(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Parses `YYYY-MM-DD hh:mm:ss` (UTC, as ClickHouse prints DateTime('UTC')) to epoch ms. */
export function parseDateTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
