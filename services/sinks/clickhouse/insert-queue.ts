/**
 * The rows waiting for one table, merged into INSERTs. Writes add encoded lines and get a promise
 * that resolves once every INSERT holding their lines was acknowledged (or rejects with the error
 * of the first that failed). One INSERT per table runs at a time; the rows that arrive meanwhile
 * go into the next one, so under load the INSERTs grow by themselves instead of queueing up. With
 * `maxInFlight` 2, a second INSERT starts while one runs once `parallelMinRows` rows are waiting:
 * the client encodes and sends the next rows while the server writes the previous ones.
 */

export interface InsertQueueLimits {
  /** Most rows in one INSERT. */
  maxRows: number;
  /** Most body bytes in one INSERT (a single larger row is sent alone). */
  maxBytes: number;
  /** How long a write waits for company before its INSERT is sent; 0 sends at once. */
  flushIntervalMs: number;
  /** Most INSERTs of this table running at once (default 1). */
  maxInFlight?: number;
  /** Rows that must be waiting before an INSERT starts while another runs (default 1). */
  parallelMinRows?: number;
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

/**
 * A queued row: its UTF-8 bytes (with the newline) at `start..end` of the buffer its write was
 * encoded into. The lines of a write are encoded once, together, into one buffer outside the
 * JavaScript heap, so the rows waiting for an INSERT are not strings that the garbage collector
 * copies and promotes while they wait.
 */
interface QueuedRow {
  chunk: Buffer;
  start: number;
  end: number;
  ticket: Ticket;
}

export class InsertQueue {
  private queue: QueuedRow[] = [];
  private head = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The running send loops, one per INSERT in flight. */
  private readonly loops = new Set<Promise<void>>();
  private closing = false;
  private readonly maxInFlight: number;
  private readonly parallelMinRows: number;

  constructor(
    private readonly limits: InsertQueueLimits,
    private readonly hooks: InsertQueueHooks,
  ) {
    this.maxInFlight = Math.max(1, limits.maxInFlight ?? 1);
    this.parallelMinRows = Math.max(1, limits.parallelMinRows ?? 1);
  }

  /** Rows waiting, not yet in an INSERT. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** INSERTs running now. */
  get inFlight(): number {
    return this.loops.size;
  }

  /** Queues encoded lines (each with its newline); resolves when all were acknowledged. */
  add(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { pending: lines.length, settled: false, resolve, reject };
      const { chunk, ends } = encodeLines(lines);
      let start = 0;
      for (const end of ends) {
        this.queue.push({ chunk, start, end, ticket });
        start = end;
      }
      this.queuedBytes += chunk.length;
      this.schedule();
    });
  }

  /** Sends everything queued without waiting for company, and resolves when nothing is left. */
  async drain(): Promise<void> {
    this.closing = true;
    this.kick();
    while (this.loops.size > 0) await Promise.all(this.loops);
  }

  private schedule(): void {
    const full = this.size >= this.limits.maxRows || this.queuedBytes >= this.limits.maxBytes;
    if (full || this.limits.flushIntervalMs === 0 || this.closing || (this.loops.size > 0 && this.size >= this.parallelMinRows)) {
      this.kick();
    } else if (!this.timer && this.loops.size === 0) {
      this.timer = setTimeout(() => this.kick(), this.limits.flushIntervalMs);
    }
  }

  /** May another INSERT start now? The first always; more while one runs only for a large enough queue. */
  private mayStart(): boolean {
    if (this.size === 0 || this.loops.size >= this.maxInFlight) return false;
    return this.loops.size === 0 || this.closing || this.size >= this.parallelMinRows;
  }

  /** Starts send loops while allowed; a running loop picks up everything queued meanwhile. */
  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.mayStart()) {
      const loop: Promise<void> = this.sendLoop().finally(() => {
        this.loops.delete(loop);
        // A write that ran between the loop's last check and here found the loop still running.
        if (this.size > 0) this.schedule();
      });
      this.loops.add(loop);
    }
  }

  private async sendLoop(): Promise<void> {
    while (this.size > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) continue;
      let error: Error | undefined;
      try {
        await this.hooks.insert(bodyOf(batch), batch.length);
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
      }
      // Settled before the loop looks at the queue again (no tick between): a write made once its
      // promise resolved goes into a later INSERT by the usual rules.
      this.settle(batch, error);
      // An extra loop stops once the queue is small again; the last one keeps going until it is empty.
      if (this.loops.size > 1 && !this.closing && this.size < this.parallelMinRows) return;
    }
  }

  /** After one INSERT: resolves the writes whose last row it held, or rejects every write it held. */
  private settle(batch: readonly QueuedRow[], error: Error | undefined): void {
    if (error) this.hooks.failed();
    else this.hooks.inserted(batch.length);
    for (const row of batch) {
      const t = row.ticket;
      if (t.settled) continue;
      if (error) {
        t.settled = true;
        this.hooks.settled?.(false);
        t.reject(error);
      } else if (--t.pending === 0) {
        t.settled = true;
        this.hooks.settled?.(true);
        t.resolve();
      }
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
      const size = row.end - row.start;
      if (row.ticket.settled) {
        this.queuedBytes -= size;
        continue;
      }
      if (batch.length > 0 && bytes + size > maxBytes) break;
      batch.push(row);
      bytes += size;
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

/**
 * The lines' UTF-8 in one buffer, and the end offset of each. The buffer starts at the lines'
 * summed length; a line that may not fit (3 bytes per UTF-16 unit at most) is measured, and the
 * buffer grows when it does not.
 */
function encodeLines(lines: readonly string[]): { chunk: Buffer; ends: Uint32Array } {
  let size = 0;
  for (const line of lines) size += line.length;
  let chunk = Buffer.allocUnsafe(size + 1024);
  const ends = new Uint32Array(lines.length);
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (chunk.length - at < text.length * 3) {
      const need = Buffer.byteLength(text);
      if (chunk.length - at < need) {
        const grown = Buffer.allocUnsafe(Math.max(chunk.length * 2, at + need));
        chunk.copy(grown, 0, 0, at);
        chunk = grown;
      }
    }
    at += chunk.write(text, at, 'utf8');
    ends[i] = at;
  }
  return { chunk: chunk.subarray(0, at), ends };
}

/** The INSERT body: the batch's bytes copied into one buffer, a run of adjacent rows of one write in one copy. */
function bodyOf(batch: readonly QueuedRow[]): Buffer {
  let size = 0;
  for (const row of batch) size += row.end - row.start;
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < batch.length; ) {
    const first = batch[i]!;
    let end = first.end;
    let j = i + 1;
    while (j < batch.length && batch[j]!.chunk === first.chunk && batch[j]!.start === end) end = batch[j++]!.end;
    at += first.chunk.copy(body, at, first.start, end);
    i = j;
  }
  return body;
}
