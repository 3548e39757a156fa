/**
 * The rows waiting for one table, merged into INSERTs. Writes add encoded lines and get a promise
 * that resolves once every INSERT holding their lines was acknowledged (or rejects with the error
 * of the first that failed). One INSERT per table runs at a time; the rows that arrive meanwhile
 * go into the next one, so under load the INSERTs grow by themselves instead of queueing up.
 */

export interface InsertQueueLimits {
  /** Most rows in one INSERT. */
  maxRows: number;
  /** Most body bytes in one INSERT (a single larger row is sent alone). */
  maxBytes: number;
  /** How long a write waits for company before its INSERT is sent; 0 sends at once. */
  flushIntervalMs: number;
}

export interface InsertQueueHooks {
  /** Sends one INSERT body (retries included); rejects when it is given up. */
  insert(body: Buffer, rows: number): Promise<void>;
  /** After an INSERT was acknowledged. */
  inserted(rows: number): void;
  /** After an INSERT was given up. */
  failed(): void;
  /** After a write() settled: `true` resolved, `false` rejected. */
  settled?(ok: boolean): void;
}

/** One write waiting for its rows to be acknowledged. */
interface Ticket {
  pending: number;
  settled: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface QueuedRow {
  line: Buffer;
  ticket: Ticket;
}

export class InsertQueue {
  private queue: QueuedRow[] = [];
  private head = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly limits: InsertQueueLimits,
    private readonly hooks: InsertQueueHooks,
  ) {}

  /** Rows waiting, not yet in an INSERT. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Queues encoded lines (each with its newline); resolves when all were acknowledged. */
  add(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { pending: lines.length, settled: false, resolve, reject };
      for (const text of lines) {
        const line = Buffer.from(text);
        this.queue.push({ line, ticket });
        this.queuedBytes += line.length;
      }
      this.schedule();
    });
  }

  /** Sends everything queued without waiting for company, and resolves when nothing is left. */
  async drain(): Promise<void> {
    this.closing = true;
    this.kick();
    while (this.flushing) await this.flushing;
  }

  private schedule(): void {
    const full = this.size >= this.limits.maxRows || this.queuedBytes >= this.limits.maxBytes;
    if (full || this.limits.flushIntervalMs === 0 || this.closing) {
      this.kick();
    } else if (!this.timer && !this.flushing) {
      this.timer = setTimeout(() => this.kick(), this.limits.flushIntervalMs);
    }
  }

  /** Starts the flush loop unless it runs; a running loop picks up everything queued meanwhile. */
  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.flushing || this.size === 0) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      // A write that ran between the loop's last check and here found the loop still marked as running.
      if (this.size > 0) this.schedule();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.size > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) continue;
      try {
        await this.hooks.insert(Buffer.concat(batch.map((r) => r.line)), batch.length);
        this.hooks.inserted(batch.length);
        for (const row of batch) {
          const t = row.ticket;
          if (t.settled) continue;
          if (--t.pending === 0) {
            t.settled = true;
            this.hooks.settled?.(true);
            t.resolve();
          }
        }
      } catch (err) {
        this.hooks.failed();
        const error = err instanceof Error ? err : new Error(String(err));
        for (const row of batch) {
          const t = row.ticket;
          if (t.settled) continue;
          t.settled = true;
          this.hooks.settled?.(false);
          t.reject(error);
        }
      }
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Takes rows from the head of the queue up to maxRows / maxBytes (at least one row); drops rows of failed writes. */
  private takeBatch(): QueuedRow[] {
    const { maxRows, maxBytes } = this.limits;
    const batch: QueuedRow[] = [];
    let bytes = 0;
    let i = this.head;
    for (; i < this.queue.length && batch.length < maxRows; i++) {
      const row = this.queue[i]!;
      if (row.ticket.settled) {
        this.queuedBytes -= row.line.length;
        continue;
      }
      if (batch.length > 0 && bytes + row.line.length > maxBytes) break;
      batch.push(row);
      bytes += row.line.length;
    }
    this.queuedBytes -= bytes;
    // Advance the head instead of splicing the array on every batch; compact once it is half consumed.
    this.head = i;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }
}
