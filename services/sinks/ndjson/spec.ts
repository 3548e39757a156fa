import { z } from 'zod';
import { defineSink } from '../../core/components.ts';
import { NdjsonSink } from './sink.ts';

/** `sinks.ndjson`: findings as NDJSON lines to a file or stdout (what `sluice run` prints). */
export const NdjsonSinkConfig = z.strictObject({
  enabled: z.boolean().default(false).describe('Write every finding as one JSON line. `sluice run` turns it on for its output. Example: false.'),
  path: z.string().min(1).default('-').describe('File to write, truncated at start; "-" is stdout. Example: "/var/log/sluice/findings.ndjson".'),
});
export type NdjsonSinkConfig = z.output<typeof NdjsonSinkConfig>;

export const ndjsonSinkSpec = defineSink<NdjsonSinkConfig>(
  'ndjson',
  'Findings as NDJSON to stdout or a file, each finding once per run.',
  NdjsonSinkConfig,
  (config) => new NdjsonSink(config.path),
);
