import { z } from 'zod';

/**
 * Options of the ClickHouse findings sink. The connection itself (url, user, password, database)
 * comes from the top-level `clickhouse` config (services/core/config.ts); these tune batching,
 * retries and retention. Every field has a default, so `{}` is a valid input.
 */
export const ClickHouseSinkOptions = z.strictObject({
  maxRows: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe(
      'Most rows in one INSERT, per table (findings, and each event table). Larger writes are split; smaller concurrent writes (the partitions of a processor) are merged. ' +
        'ClickHouse makes a part of every INSERT, so fewer, larger INSERTs are cheaper for it. Example: 10000.',
    ),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(16 * 1024 * 1024)
    .describe('Most bytes of body in one INSERT (a single larger row is sent alone). Example: 16777216 (16 MiB).'),
  flushIntervalMs: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(10)
    .describe(
      'How long a write waits for other writes to join its INSERT before it is sent, when no INSERT of its table is running (writes that arrive while one runs go into the next without waiting); 0 sends at once. ' +
        'write() still resolves only after ClickHouse acknowledged the INSERT. Example: 10.',
    ),
  eventInsertsInFlight: z
    .number()
    .int()
    .min(1)
    .max(8)
    .default(2)
    .describe(
      'Most INSERTs running at once per event table. Above 1, another INSERT starts while one runs once parallelInsertMinRows rows are waiting, so rows are encoded and sent while the server writes the previous ones. ' +
        'Findings keep one INSERT at a time (copies of a finding with the same version keep the one inserted last). Each write() still resolves only when every INSERT holding its rows was acknowledged. Example: 2.',
    ),
  parallelInsertMinRows: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(1000)
    .describe('Rows that must be waiting for an event table before a further INSERT starts while one of it runs (see eventInsertsInFlight); fewer wait for the running one. Example: 1000.'),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(100).default(5).describe('Tries per INSERT, the first included, for retriable errors. Example: 5.'),
      initialBackoffMs: z.number().int().min(0).max(60_000).default(200).describe('Wait before the second try; doubles each try. Example: 200.'),
      maxBackoffMs: z.number().int().min(0).max(300_000).default(5000).describe('Cap of the wait between tries. Example: 5000.'),
    })
    .prefault({})
    .describe('Retries of connection failures, timeouts and transient server errors; other errors fail at once.'),
  requestTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(30_000)
    .describe('HTTP request timeout of one INSERT or query. A timed-out INSERT is retried; a duplicate is removed by the table (ReplacingMergeTree on id). Example: 30000.'),
  retentionDays: z
    .number()
    .int()
    .min(1)
    .max(36_500)
    .default(90)
    .describe(
      'Days findings are kept. ClickHouse 20.3+: a table TTL set when the table is created. ' +
        'Older servers have no TTL: there the sink drops day partitions older than this every retentionCheckIntervalMs. Example: 90.',
    ),
  retentionCheckIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(21_600_000)
    .describe('On servers without TTL: how often the sink drops partitions older than retentionDays (first one interval after start). 0 disables it (run `dropPartitionsOlderThan` yourself).'),
});

export type ClickHouseSinkOptions = z.output<typeof ClickHouseSinkOptions>;
export type ClickHouseSinkOptionsInput = z.input<typeof ClickHouseSinkOptions>;
