import { ClickHouseError } from '@clickhouse/client';

/**
 * Classification of errors from @clickhouse/client into retriable or not.
 *
 * ClickHouse 18.16 words its errors `Code: 81, e.displayText() = DB::Exception: ...`, which the
 * client does not recognise, so they arrive as plain Errors: the code is read from the message too.
 * The client does not expose the HTTP status of a failed response, and ClickHouse answers most
 * errors, syntax errors included, with 500 — so the server's error code decides, not the status.
 */

/** ClickHouse error codes worth another try: overload, timeouts, network, replication hiccups, shutdown. */
export const RETRIABLE_CLICKHOUSE_CODES: ReadonlySet<number> = new Set([
  159, // TIMEOUT_EXCEEDED
  160, // TOO_SLOW
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  286, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION
]);

/** Node.js socket and DNS error codes that mean "the server could not be reached, try again". */
export const RETRIABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** Codes of "already exists" errors, which a concurrent `CREATE ... IF NOT EXISTS` can still raise. */
export const ALREADY_EXISTS_CODES: ReadonlySet<number> = new Set([57 /* TABLE_ALREADY_EXISTS */, 82 /* DATABASE_ALREADY_EXISTS */]);

/** The ClickHouse server error code of err, if it is a server error. */
export function clickHouseErrorCode(err: unknown): number | undefined {
  if (err instanceof ClickHouseError) {
    const n = Number(err.code);
    return Number.isInteger(n) ? n : undefined;
  }
  if (err instanceof Error) {
    const m = /^\s*Code:\s*(\d+)[.,]/.exec(err.message);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export interface ErrorClass {
  retriable: boolean;
  /** Short label for logs and metrics: `clickhouse_<code>`, a socket code, `timeout`, `http`, `other`. */
  kind: string;
}

export function classifyError(err: unknown): ErrorClass {
  const chCode = clickHouseErrorCode(err);
  if (chCode !== undefined) return { retriable: RETRIABLE_CLICKHOUSE_CODES.has(chCode), kind: `clickhouse_${chCode}` };
  if (!(err instanceof Error)) return { retriable: false, kind: 'other' };
  const sysCode = (err as NodeJS.ErrnoException).code;
  if (typeof sysCode === 'string' && RETRIABLE_SOCKET_CODES.has(sysCode)) return { retriable: true, kind: sysCode };
  const msg = err.message;
  // The client's own request timeout.
  if (/^Timeout error\.?$/i.test(msg) || /\btimed? ?out\b/i.test(msg)) return { retriable: true, kind: 'timeout' };
  if (/socket hang up|ECONNRESET|ECONNREFUSED|EPIPE/i.test(msg)) return { retriable: true, kind: 'socket' };
  // A proxy or load balancer in front of ClickHouse answering 502/503/504 (the body becomes the message).
  if (/\b50[234]\b|bad gateway|service unavailable|gateway time-?out|upstream connect error|no healthy upstream/i.test(msg)) {
    return { retriable: true, kind: 'http' };
  }
  return { retriable: false, kind: 'other' };
}

/** A one-line message for logs and wrapped errors; drops the `e.displayText() = ... e.what()` noise of 18.16. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '')
    .replace(/e\.displayText\(\) = /, '')
    .replace(/, e\.what\(\) = [\w:]+\s*$/, '')
    .trim();
}
