/**
 * AWS Config times come in several shapes depending on who wrote the file:
 *   - ISO-8601 text: `2016-06-09T08:59:59.139Z` (Config notifications, snapshots) or
 *     `2017-06-14T01:39:07.454000-04:00` (the AWS CLI / boto3 dumps, microseconds and an offset);
 *   - epoch seconds as a JSON number, `1502617462.927` (boto3 responses serialised by json.dumps
 *     with a default=timestamp); a number of 1e11 or more is read as epoch milliseconds;
 *   - a placebo (cloud-custodian) datetime object `{"__class__":"datetime","year":2017,...}`;
 *   - a Python repr string `datetime.datetime(2020, 4, 22, 13, 13, 17, 718000, tzinfo=tzlocal())`.
 * Times without a zone (placebo objects, reprs with tzlocal() or no tzinfo) are read as UTC: the
 * recording host's zone is not in the data.
 */
import { parseTimestamp } from '../aws_cloudtrail/index.ts';
import { canonicalJson, isObj, setOwn } from './config-state.ts';

export interface ParsedTime {
  ms: number;
  /** The time as written: the string itself, the number's text, or the object's canonical JSON. */
  original: string;
}

const REPR_RE =
  /^datetime\.datetime\((\d{4}),\s*(\d{1,2}),\s*(\d{1,2})(?:,\s*(\d{1,2}))?(?:,\s*(\d{1,2}))?(?:,\s*(\d{1,2}))?(?:,\s*(\d{1,6}))?(?:,\s*tzinfo=([A-Za-z_.]+\(\)|[A-Za-z_.]+))?\)$/;

/** Epoch ms from calendar fields (UTC), or null when a field is out of range. */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number): number | null {
  if (![y, mo, d, h, mi, s, us].every(Number.isInteger)) return null;
  if (y < 1000 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || us < 0 || us > 999_999) return null;
  if (h < 0 || mi < 0 || s < 0) return null;
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return null;
  return Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(us / 1000));
}

/** Python `datetime.datetime(...)` repr -> epoch ms (UTC), or null. */
export function parsePythonDatetimeRepr(text: string): number | null {
  const m = REPR_RE.exec(text.trim());
  if (!m) return null;
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]));
  const tz = m[8];
  // tzutc() / timezone.utc / none / tzlocal() (unknown host zone) are all read as UTC.
  if (tz !== undefined && !/^(tzutc\(\)|tzlocal\(\)|datetime\.timezone\.utc|timezone\.utc|UTC|utc)$/.test(tz)) return null;
  return utc(n(1), n(2), n(3), n(4), n(5), n(6), n(7));
}

/** A placebo `{"__class__":"datetime", year, month, day, hour, minute, second, microsecond}` -> epoch ms, or null. */
export function parsePlaceboDatetime(value: unknown): number | null {
  if (!isObj(value) || value.__class__ !== 'datetime') return null;
  const f = (k: string, dflt?: number): number => {
    const v = value[k];
    if (v === undefined && dflt !== undefined) return dflt;
    return typeof v === 'number' ? v : Number.NaN;
  };
  return utc(f('year'), f('month'), f('day'), f('hour', 0), f('minute', 0), f('second', 0), f('microsecond', 0));
}

/** Any of the accepted time shapes -> epoch ms and the original text, or null when unrecognised. */
export function parseConfigTime(value: unknown): ParsedTime | null {
  if (typeof value === 'string') {
    const ms = parseTimestamp(value) ?? parsePythonDatetimeRepr(value);
    return ms === null ? null : { ms, original: value };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    const ms = value >= 1e11 ? Math.trunc(value) : Math.round(value * 1000);
    // Date range check: years 1970..9999.
    if (ms > 253_402_300_799_999) return null;
    return { ms, original: String(value) };
  }
  const ms = parsePlaceboDatetime(value);
  return ms === null ? null : { ms, original: canonicalJson(value) };
}

/** True for a placebo datetime object. */
export function isPlaceboDatetime(value: unknown): boolean {
  return isObj(value) && value.__class__ === 'datetime';
}

/**
 * A copy of `value` with every placebo datetime object replaced by its ISO-8601 text (an
 * unparseable one is kept as it is). Used for unmapped fields such as resourceCreationTime.
 */
export function reviveDatetimes(value: unknown, depth = 0): unknown {
  if (depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => reviveDatetimes(v, depth + 1));
  if (!isObj(value)) return value;
  if (value.__class__ === 'datetime') {
    const ms = parsePlaceboDatetime(value);
    return ms === null ? value : new Date(ms).toISOString();
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, reviveDatetimes(v, depth + 1));
  return out;
}
