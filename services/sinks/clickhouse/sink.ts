import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { drainStream, type ClickHouseClient } from '@clickhouse/client';
import type { FindingSink } from '../../core/components.ts';
import { SluiceError } from '../../core/errors.ts';
import type { Finding } from '../../core/events.ts';
import type { Logger } from '../../core/logger.ts';
import { createClickHouseClient, type ClickHouseConnection } from './client.ts';
import { ClickHouseSinkOptions, type ClickHouseSinkOptionsInput } from './config.ts';
import { classifyError, errorText } from './errors.ts';
import { detectServer, migrate, type MigrateResult, type ServerInfo } from './migrations.ts';
import { dropPartitionsOlderThan } from './retention.ts';
import { encodeRow, FINDING_COLUMNS, FindingRowError, toFindingRow } from './rows.ts';
import { formatDateTime, quoteIdentifier } from './sql.ts';
import { EVENT_COLUMNS, EVENT_FORMAT, EVENT_TABLES, encodeEventRow, isStoredStream, type StoredStream } from './event-rows.ts';
import { InsertQueue } from './insert-queue.ts';
import type { StreamEvents, StreamName } from '../../core/streams.ts';
import type { ActionResult } from '../../core/actions.ts';
import { ACTION_RESULT_COLUMNS, ActionResultRowError, toActionResultRow } from './action-result-rows.ts';

export interface ClickHouseFindingSinkOptions {
  /** The top-level `clickhouse` config: url, username, password, database. */
  clickhouse: ClickHouseConnection;
  /** Batching, retry and retention options; defaults in config.ts. */
  sink?: ClickHouseSinkOptionsInput;
  logger: Logger;
}

export interface ClickHouseSinkStats {
  /** write() calls that resolved. */
  writesAcknowledged: number;
  /** write() calls that rejected. */
  writesFailed: number;
  /** Rows in acknowledged INSERTs. */
  rowsWritten: number;
  /** Acknowledged INSERT statements. */
  inserts: number;
  /** Tries that failed with a retriable error and were tried again. */
  retries: number;
  /** INSERTs given up on (retries exhausted or a non-retriable error). */
  insertsFailed: number;
}

type State = 'idle' | 'starting' | 'started' | 'closing' | 'closed';

/**
 * Writes findings to `{database}.findings` (ReplacingMergeTree on id, so a finding written twice
 * is one row after merges and in every FINAL read).
 *
 * Concurrent write() calls are merged into INSERTs of at most maxRows rows / maxBytes bytes; a
 * write waits at most flushIntervalMs for company, and while an INSERT is in flight the next one
 * gathers every write that arrives. One findings INSERT runs at a time (insert-queue.ts;
 * writeEvents() batches the same way, a queue per event table, which also allows
 * eventInsertsInFlight INSERTs once parallelInsertMinRows rows wait). write() resolves once every
 * INSERT holding its rows was acknowledged by the server (HTTP 200 with wait_end_of_query=1).
 *
 * Retriable failures (connection refused/reset, timeouts, overload, 502/503/504) are retried with
 * capped exponential backoff; when the tries run out the write rejects with SluiceError
 * SLUICE_ERR_SINK_WRITE, retriable. Other failures (unknown table, bad data) reject at once with
 * the same code, retriable false.
 */
export class ClickHouseFindingSink implements FindingSink {
  readonly name = 'clickhouse';
  readonly options: ClickHouseSinkOptions;
  readonly database: string;
  private readonly client: ClickHouseClient;
  private readonly logger: Logger;
  private readonly insertQuery: string;
  private state: State = 'idle';
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  private server: ServerInfo | undefined;
  private readonly findingsQueue: InsertQueue;
  private readonly eventQueues = new Map<StoredStream, InsertQueue>();
  private readonly counters: ClickHouseSinkStats = { writesAcknowledged: 0, writesFailed: 0, rowsWritten: 0, inserts: 0, retries: 0, insertsFailed: 0 };

  constructor(options: ClickHouseFindingSinkOptions) {
    const parsed = ClickHouseSinkOptions.safeParse(options.sink ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new SluiceError('SLUICE_ERR_CONFIG_INVALID', `invalid ClickHouse sink options: ${problems.join('; ')}`, { details: { issues: parsed.error.issues } });
    }
    this.options = parsed.data;
    this.database = options.clickhouse.database;
    this.logger = options.logger.child({ component: 'sink', sink: 'clickhouse' });
    this.insertQuery = `INSERT INTO ${quoteIdentifier(this.database)}.findings (${FINDING_COLUMNS.join(', ')}) FORMAT JSONEachRow`;
    this.client = createClickHouseClient(options.clickhouse, this.logger, { requestTimeoutMs: this.options.requestTimeoutMs });
    this.findingsQueue = this.newQueue(this.insertQuery, true);
  }

  /** The queue of one table: its INSERTs count in stats(); those of findings also count their write() calls. */
  private newQueue(query: string, countWrites: boolean, maxInFlight = 1): InsertQueue {
    const { maxRows, maxBytes, flushIntervalMs, parallelInsertMinRows } = this.options;
    return new InsertQueue(
      { maxRows, maxBytes, flushIntervalMs, maxInFlight, parallelMinRows: parallelInsertMinRows },
      {
        insert: (body, rows) => this.insertBodyWithRetry(query, body, rows),
        inserted: (rows) => {
          this.counters.inserts++;
          this.counters.rowsWritten += rows;
        },
        failed: () => this.counters.insertsFailed++,
        ...(countWrites ? { settled: (ok: boolean) => void (ok ? this.counters.writesAcknowledged++ : this.counters.writesFailed++) } : {}),
      },
    );
  }

  /** The server's version and features, known after start(). */
  get serverInfo(): ServerInfo | undefined {
    return this.server;
  }

  /** The underlying client, for queries (see queries.ts). Closed by close(). */
  get clickhouse(): ClickHouseClient {
    return this.client;
  }

  stats(): ClickHouseSinkStats {
    return { ...this.counters };
  }

  /**
   * Detects the server version and runs the migrations (idempotent). Retries retriable failures
   * like write() does; throws SluiceError SLUICE_ERR_SINK_MIGRATION otherwise.
   */
  start(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new SluiceError('SLUICE_ERR_RUNTIME_SHUTDOWN', 'ClickHouse sink is closed'));
    this.startPromise ??= this.doStart().catch((err: unknown) => {
      this.startPromise = undefined;
      if (this.state === 'starting') this.state = 'idle';
      throw err;
    });
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    this.state = 'starting';
    const { attempts } = this.options.retry;
    let result: MigrateResult | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        this.server = await detectServer(this.client);
        result = await migrate(this.client, this.database, this.server, { retentionDays: this.options.retentionDays, logger: this.logger });
        break;
      } catch (err) {
        const retriable = err instanceof SluiceError ? err.retriable : classifyError(err).retriable;
        if (!retriable || attempt >= attempts) {
          if (err instanceof SluiceError) throw err;
          throw new SluiceError('SLUICE_ERR_SINK_MIGRATION', `ClickHouse version check failed: ${errorText(err)}`, { cause: err, retriable });
        }
        const delay = this.backoff(attempt);
        this.logger.debug({ attempt, delayMs: delay, err: errorText(err) }, 'ClickHouse start failed, retrying');
        await sleep(delay);
      }
    }
    if ((this.state as State) === 'starting') this.state = 'started';
    this.logger.info(
      {
        database: this.database,
        server: this.server.version,
        applied: result.applied,
        retention: this.server.supportsTtl
          ? `TTL ${this.options.retentionDays} days`
          : this.options.retentionCheckIntervalMs > 0
            ? `partitions older than ${this.options.retentionDays} days dropped every ${this.options.retentionCheckIntervalMs / 60_000} min`
            : 'none (no TTL on this server and the partition drop is disabled)',
      },
      'ClickHouse sink ready',
    );
    // Servers without TTL (18.x): the sink enforces retention itself by dropping old day partitions.
    if (!this.server.supportsTtl && this.options.retentionCheckIntervalMs > 0 && !this.retentionTimer) {
      const enforce = () =>
        void this.dropPartitionsOlderThan().catch((err: unknown) => this.logger.warn({ err: errorText(err) }, 'dropping old ClickHouse partitions failed'));
      this.retentionTimer = setInterval(enforce, this.options.retentionCheckIntervalMs);
      this.retentionTimer.unref();
    }
  }

  private retentionTimer: NodeJS.Timeout | undefined;

  /**
   * Stores findings; resolves once ClickHouse acknowledged them. Needs the table, which start()
   * creates (write() itself does not wait for start()). Rejects with SluiceError SLUICE_ERR_SINK_WRITE.
   */
  write(findings: readonly Finding[]): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new SluiceError('SLUICE_ERR_RUNTIME_SHUTDOWN', 'ClickHouse sink is closed'));
    if (findings.length === 0) return Promise.resolve();
    const now = Date.now();
    const lines: string[] = [];
    const invalid: Array<{ id: string; reason: string }> = [];
    for (const finding of findings) {
      try {
        lines.push(encodeRow(toFindingRow(finding, now)));
      } catch (err) {
        if (!(err instanceof FindingRowError)) throw err;
        invalid.push({ id: String(finding.id), reason: err.message });
      }
    }
    if (invalid.length > 0) {
      this.counters.writesFailed++;
      return Promise.reject(
        new SluiceError('SLUICE_ERR_SINK_WRITE', `${invalid.length} of ${findings.length} findings cannot be stored in ClickHouse: ${invalid[0]!.reason}`, {
          retriable: false,
          details: { invalid },
        }),
      );
    }
    return this.findingsQueue.add(lines);
  }

  /** Pings the server with `SELECT 1` (checks credentials too). Throws SluiceError SLUICE_ERR_SINK_WRITE when it fails. */
  async healthcheck(): Promise<void> {
    if (this.state === 'closed') throw new SluiceError('SLUICE_ERR_RUNTIME_SHUTDOWN', 'ClickHouse sink is closed');
    const result = await this.client.ping({ select: true });
    if (!result.success) {
      throw new SluiceError('SLUICE_ERR_SINK_WRITE', `ClickHouse is not healthy: ${errorText(result.error)}`, {
        cause: result.error,
        retriable: classifyError(result.error).retriable,
      });
    }
  }

  /**
   * Stores normalized events in their class table (api_activity, config_state, network_activity;
   * other streams are ignored), with the same batching and retries as findings: concurrent calls
   * (the processor's partitions) share INSERTs of at most maxRows / maxBytes, eventInsertsInFlight at most per table.
   * Resolves once ClickHouse acknowledged every INSERT holding the call's rows. Rows are keyed
   * (entity, time, uid) in a ReplacingMergeTree, so a redelivered batch is one row under FINAL.
   */
  async writeEvents(stream: StreamName, events: ReadonlyArray<{ event: StreamEvents[StreamName]; key: string }>): Promise<void> {
    if (!isStoredStream(stream) || events.length === 0) return;
    await this.start();
    if (this.state === 'closing' || this.state === 'closed') throw new SluiceError('SLUICE_ERR_RUNTIME_SHUTDOWN', 'ClickHouse sink is closed');
    await this.queueEvents(stream, events);
  }

  /**
   * Encodes the events and queues their lines; not async, so that no frame keeps the line strings
   * alive while the INSERT runs (the queue holds their bytes, outside the heap).
   */
  private queueEvents(stream: StoredStream, events: ReadonlyArray<{ event: StreamEvents[StreamName]; key: string }>): Promise<void> {
    const now = formatDateTime(Date.now());
    const lines = new Array<string>(events.length);
    for (let i = 0; i < events.length; i++) lines[i] = encodeEventRow(stream, events[i]!.event as StreamEvents[typeof stream], events[i]!.key, now);
    let queue = this.eventQueues.get(stream);
    if (!queue) {
      const query = `INSERT INTO ${quoteIdentifier(this.database)}.${EVENT_TABLES[stream]} (${EVENT_COLUMNS[stream].join(', ')}) FORMAT ${EVENT_FORMAT}`;
      this.eventQueues.set(stream, (queue = this.newQueue(query, false, this.options.eventInsertsInFlight)));
    }
    return queue.add(lines);
  }

  /**
   * Stores action results (the records of topics.actionResults) in `{db}.action_results`, one
   * INSERT per call, with the same retries as findings; resolves once ClickHouse acknowledged it.
   * A result that cannot be stored rejects the call before anything is sent (SLUICE_ERR_SINK_WRITE,
   * not retriable, `details.invalid`). ReplacingMergeTree on (action id, executor, outcome): a
   * result written twice is one row under FINAL.
   */
  async writeActionResults(results: readonly ActionResult[]): Promise<void> {
    if (results.length === 0) return;
    const now = Date.now();
    const lines: string[] = [];
    const invalid: Array<{ id: string; reason: string }> = [];
    for (const r of results) {
      try {
        lines.push(`${JSON.stringify(toActionResultRow(r, now))}\n`);
      } catch (err) {
        if (!(err instanceof ActionResultRowError)) throw err;
        invalid.push({ id: String((r as { action_id?: unknown }).action_id ?? ''), reason: err.message });
      }
    }
    if (invalid.length > 0) {
      throw new SluiceError('SLUICE_ERR_SINK_WRITE', `${invalid.length} of ${results.length} action results cannot be stored in ClickHouse: ${invalid[0]!.reason}`, { retriable: false, details: { invalid } });
    }
    await this.start();
    const query = `INSERT INTO ${quoteIdentifier(this.database)}.action_results (${ACTION_RESULT_COLUMNS.join(', ')}) FORMAT JSONEachRow`;
    await this.insertBodyWithRetry(query, Buffer.from(lines.join('')), lines.length);
    this.counters.inserts++;
    this.counters.rowsWritten += lines.length;
  }

  /**
   * Drops day partitions older than `days` (default retentionDays) of the findings, event and action result tables
   * (not the rollups, which are kept by month). For servers without TTL, where start() schedules it;
   * harmless on others. Returns `table:partition` ids.
   */
  async dropPartitionsOlderThan(days: number = this.options.retentionDays): Promise<string[]> {
    const dropped: string[] = [];
    for (const table of ['findings', ...Object.values(EVENT_TABLES), 'action_results']) {
      for (const id of await dropPartitionsOlderThan(this.client, this.database, days, { table })) dropped.push(`${table}:${id}`);
    }
    return dropped;
  }

  /** Sends what is queued (waiting for those INSERTs, retries included), then closes the client. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.state = 'closing';
      clearInterval(this.retentionTimer);
      await Promise.all([this.findingsQueue, ...this.eventQueues.values()].map((q) => q.drain()));
      this.state = 'closed';
      await this.client.close();
    })();
    return this.closePromise;
  }

  private async insertBodyWithRetry(query: string, body: Buffer, rows: number): Promise<void> {
    const { attempts } = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.insertOnce(body, query);
        return;
      } catch (err) {
        const cls = classifyError(err);
        const details = { database: this.database, rows, bytes: body.length, attempts: attempt, errorKind: cls.kind };
        if (!cls.retriable) {
          this.logger.warn({ ...details, err: errorText(err) }, 'ClickHouse insert failed with a non-retriable error');
          throw new SluiceError('SLUICE_ERR_SINK_WRITE', `ClickHouse insert failed: ${errorText(err)}`, { cause: err, retriable: false, details });
        }
        if (attempt >= attempts) {
          this.logger.warn({ ...details, err: errorText(err) }, 'ClickHouse insert failed, retries exhausted');
          throw new SluiceError('SLUICE_ERR_SINK_WRITE', `ClickHouse insert failed after ${attempt} attempt${attempt > 1 ? 's' : ''}: ${errorText(err)}`, {
            cause: err,
            retriable: true,
            details,
          });
        }
        this.counters.retries++;
        const delay = this.backoff(attempt);
        this.logger.debug({ ...details, delayMs: delay, err: errorText(err) }, 'ClickHouse insert failed, retrying');
        await sleep(delay);
      }
    }
  }

  private async insertOnce(body: Buffer, query: string = this.insertQuery): Promise<void> {
    const result = await this.client.exec({
      query,
      values: Readable.from([body], { objectMode: false }),
      // The server answers only after the INSERT completed, so HTTP 200 means it was accepted.
      clickhouse_settings: { wait_end_of_query: 1 },
    });
    await drainStream(result.stream);
  }

  /** Capped exponential backoff with jitter: the wait before try `attempt + 1` is in [d/2, d], d = min(max, initial * 2^(attempt-1)). */
  private backoff(attempt: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.options.retry;
    const d = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
    return Math.round(d / 2 + (Math.random() * d) / 2);
  }
}
