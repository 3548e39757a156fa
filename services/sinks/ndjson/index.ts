/** NDJSON sink: findings as JSON lines to stdout or a file. */
export { ndjsonSinkSpec, NdjsonSinkConfig } from './spec.ts';
export { NdjsonSink } from './sink.ts';
