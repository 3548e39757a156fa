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

/** String.prototype.isWellFormed / toWellFormed (ES2024; in Node 20, not yet in this project's TypeScript lib). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Replaces lone UTF-16 surrogates with U+FFFD. JSON.stringify writes them as `\ud800`, which
 * ClickHouse 18.16 rejects ("missing second part of surrogate pair") and fails the whole insert.
 * The check is V8's native one: no copy and no regular expression for the usual, well-formed string.
 */
export function toWellFormed(value: string): string {
  return (value as unknown as WellFormed).isWellFormed() ? value : (value as unknown as WellFormed).toWellFormed();
}

/**
 * A `\udXXX` escape in JSON.stringify's output (not an escaped backslash followed by "ud…"). Since
 * ES2019 JSON.stringify writes a surrogate pair as its characters and only a lone surrogate as such
 * an escape, every match is a lone surrogate.
 */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON.stringify that never emits a lone surrogate escape: each one becomes U+FFFD (in keys too).
 * The text is JSON.stringify's own; only when it holds a `\ud` escape is it searched and fixed.
 */
export function stringifyWellFormed(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return text as unknown as string;
  return text.includes('\\ud') ? text.replace(LONE_SURROGATE_ESCAPE, '$1\uFFFD') : text;
}

/** 10000-01-01: below it (and from 1970) toISOString has the plain `YYYY-MM-DDThh:mm:ss` form. */
const ISO_PLAIN_END_MS = 253_402_300_800_000;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

const DATETIME_CACHE_SIZE = 1024;
const dateTimeSeconds = new Float64Array(DATETIME_CACHE_SIZE).fill(-1);
const dateTimeTexts = new Array<string | undefined>(DATETIME_CACHE_SIZE);

/** `YYYY-MM-DD hh:mm:ss` in UTC: the text form every ClickHouse version parses for DateTime('UTC'). */
export function formatDateTime(epochMs: number): string {
  if (epochMs >= 0 && epochMs < ISO_PLAIN_END_MS) {
    // Events of a batch share seconds: a small direct-mapped cache of the text by second.
    const second = Math.floor(epochMs / 1000);
    const slot = second & (DATETIME_CACHE_SIZE - 1);
    if (dateTimeSeconds[slot] === second) return dateTimeTexts[slot]!;
    // The native formatter: one string instead of six Date getters and paddings.
    const iso = new Date(second * 1000).toISOString();
    const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    dateTimeSeconds[slot] = second;
    dateTimeTexts[slot] = text;
    return text;
  }
  const d = new Date(epochMs);
  return `${formatDate(epochMs)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `YYYY-MM-DD` of the UTC day. */
export function formatDate(epochMs: number): string {
  if (epochMs >= 0 && epochMs < ISO_PLAIN_END_MS) return new Date(epochMs).toISOString().slice(0, 10);
  const d = new Date(epochMs);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Parses `YYYY-MM-DD hh:mm:ss` (UTC, as ClickHouse prints DateTime('UTC')) to epoch ms. */
export function parseDateTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
