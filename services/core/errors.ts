/**
 * Sluice errors carry a stable code, a retriable flag and an optional cause.
 * Every code is documented in docs/errors.md; a test keeps the two in agreement.
 */
export const ERROR_CODES = {
  SLUICE_ERR_CONFIG_INVALID: { retriable: false, message: 'Configuration is invalid' },
  SLUICE_ERR_INPUT_NOT_FOUND: { retriable: false, message: 'Input file or directory does not exist' },
  SLUICE_ERR_INPUT_FILTERED: { retriable: false, message: 'Input record is valid but excluded by configuration' },
  SLUICE_ERR_INPUT_UNREADABLE: { retriable: false, message: 'Input could not be read or decompressed' },
  SLUICE_ERR_INPUT_NOT_REGULAR: { retriable: false, message: 'Input is not a regular file or directory (a FIFO, socket or device)' },
  SLUICE_ERR_INPUT_MALFORMED: { retriable: false, message: 'Input record is not valid for its source' },
  SLUICE_ERR_NOTIFICATION_INVALID: { retriable: false, message: 'Queue message is not an object-created notification Sluice can read' },
  SLUICE_ERR_QUEUE_UNAVAILABLE: { retriable: true, message: 'Queue service (SQS) request failed' },
  SLUICE_ERR_OBJECT_STORE_UNAVAILABLE: { retriable: true, message: 'Object store (S3) request failed' },
  SLUICE_ERR_SCHEMA_UNKNOWN: { retriable: false, message: 'No Avro schema is known for the subject or id' },
  SLUICE_ERR_SCHEMA_ENCODE: { retriable: false, message: 'Record does not match its Avro schema' },
  SLUICE_ERR_SCHEMA_DECODE: { retriable: false, message: 'Payload is not valid Confluent-framed Avro' },
  SLUICE_ERR_SCHEMA_REGISTRY: { retriable: true, message: 'Schema registry request failed' },
  SLUICE_ERR_SCHEMA_NOT_REGISTERED: { retriable: true, message: 'With schemaRegistry.autoRegister false, the schema is not registered under its subject' },
  SLUICE_ERR_TRANSPORT_UNAVAILABLE: { retriable: true, message: 'Message transport is unavailable' },
  SLUICE_ERR_TRANSPORT_RECORD_TOO_LARGE: { retriable: false, message: 'The broker refuses the record for its size (max.message.bytes)' },
  SLUICE_ERR_TRANSPORT_TOPIC_UNKNOWN: { retriable: false, message: 'Topic does not exist' },
  SLUICE_ERR_TRANSPORT_KAFKAJS_UNPATCHED: { retriable: false, message: 'kafkajs is missing the Sluice leader-move fix' },
  SLUICE_ERR_TRANSPORT_AUTH: { retriable: true, message: 'Kafka authentication credentials could not be obtained' },
  SLUICE_ERR_ACTION_SIGNATURE: { retriable: false, message: 'Action record is unsigned or its signature does not verify' },
  SLUICE_ERR_SINK_WRITE: { retriable: true, message: 'Sink write failed' },
  SLUICE_ERR_SINK_MIGRATION: { retriable: false, message: 'Sink schema migration failed' },
  SLUICE_ERR_DETECTOR_FAILED: { retriable: false, message: 'Detector threw while processing an event' },
  SLUICE_ERR_WORKER_EXITED: { retriable: true, message: 'Worker thread exited with tasks pending' },
  SLUICE_ERR_RUNTIME_SHUTDOWN: { retriable: false, message: 'Component is shutting down' },
  SLUICE_ERR_STATE_STALE: { retriable: true, message: 'A worker thread does not hold the current state of a shard' },
  SLUICE_ERR_STATE_RESTORE: { retriable: true, message: 'Restoring detector state from its changelog failed' },
  SLUICE_ERR_STATE_TOPOLOGY: { retriable: false, message: 'A changelog topic does not match its input topic' },
  SLUICE_ERR_STATE_KEY: { retriable: false, message: 'A detector wrote state for an entity other than the one being processed' },
  SLUICE_ERR_QUERY_FAILED: { retriable: true, message: 'A ClickHouse read of sluice findings, timeline or query failed' },
  SLUICE_ERR_QUERY_NOT_FOUND: { retriable: false, message: 'No finding with that id, or no saved query with that name' },
} as const satisfies Record<string, { retriable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface SluiceErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export class SluiceError extends Error {
  override readonly name = 'SluiceError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, options: SluiceErrorOptions = {}) {
    super(message ?? ERROR_CODES[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.details = options.details ?? {};
  }

  /** Plain form for crossing a worker or process boundary. */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message, retriable: this.retriable, stack: this.stack };
  }
}

export interface SerializedError {
  name: string;
  code?: string;
  message: string;
  retriable?: boolean;
  stack?: string | undefined;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof SluiceError) return err.toJSON();
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** Rebuilds an error sent across a boundary by serializeError. */
export function deserializeError(e: SerializedError): Error {
  if (e.code !== undefined && e.code in ERROR_CODES) {
    const err = new SluiceError(e.code as ErrorCode, e.message, { retriable: e.retriable ?? false });
    if (e.stack) err.stack = e.stack;
    return err;
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

export function isRetriable(err: unknown): boolean {
  if (err instanceof SluiceError) return err.retriable;
  if (typeof err === 'object' && err !== null && 'retriable' in err) return Boolean((err as { retriable: unknown }).retriable);
  return false;
}
