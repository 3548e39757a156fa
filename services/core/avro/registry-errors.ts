import { REDACTED, redactUrlSecrets } from '../secrets.ts';

/** A registry request failure, safe to print: no credentials, no request config. */
export interface RegistryFailure {
  /** HTTP status, when the registry (or a proxy) answered. */
  status?: number;
  /** The registry's message (or the network error's), with secrets removed. */
  message: string;
  /** A plain Error carrying only that message: the library's error keeps the request's headers. */
  error: Error;
}

/**
 * Reads the status and message of an error from @confluentinc/schemaregistry (a RestError with
 * `status`, or an axios error with `code` and `response.status`) without keeping the error itself:
 * axios errors hold the request config, Authorization header included, which a logger would print.
 */
export function registryFailure(cause: unknown, secrets: readonly string[] = []): RegistryFailure {
  const e = (typeof cause === 'object' && cause !== null ? cause : {}) as { status?: unknown; code?: unknown; message?: unknown; response?: { status?: unknown } };
  const rawStatus = typeof e.status === 'number' ? e.status : typeof e.response?.status === 'number' ? e.response.status : undefined;
  let message = typeof e.message === 'string' && e.message ? e.message : String(cause);
  if (typeof e.code === 'string' && !message.includes(e.code)) message = `${e.code}: ${message}`;
  if (rawStatus !== undefined && !message.includes(String(rawStatus))) message = `HTTP ${rawStatus}: ${message}`;
  message = redactUrlSecrets(message);
  for (const s of secrets) if (s) message = message.split(s).join(REDACTED);
  const error = new Error(message);
  return rawStatus === undefined ? { message, error } : { status: rawStatus, message, error };
}
