/**
 * Merges requests that callers make close together into one: each caller's items wait at most
 * `lingerMs` (or until the request in flight is answered), then go out with every other caller's
 * pending items in one call of `flush`. Each caller's promise settles with its own outcome. One
 * request is in flight at a time, so items leave in the order they were submitted: what one
 * caller sends to a topic-partition is never overtaken by what a later caller sends there.
 *
 * The Kafka transport uses it for produce requests (many `send(topic, messages)` of a processor's
 * partitions in flight become one `sendBatch`) and for offset commits.
 */
export interface CoalescerOptions<T> {
  /** Longest wait of a submitted item for others to join it (ms, > 0). */
  lingerMs: number;
  /** A request holds items up to this many bytes (at least one item, however large). */
  maxBytes: number;
  /** Bytes an item adds to a request. */
  size(item: T): number;
  /** Sends the items in one request; resolves once all are acknowledged. */
  flush(items: readonly T[]): Promise<void>;
  /**
   * When a request of several items fails: true sends each item again by itself, in order, so that
   * each caller gets the outcome of its own items (a record the broker refuses for its size fails
   * the whole request, whoever sent it). Default: never.
   */
  retryAlone?(cause: unknown): boolean;
  /** The error a caller receives for its item (default: the cause itself). */
  error?(item: T, cause: unknown): unknown;
}

interface Pending<T> {
  item: T;
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class Coalescer<T> {
  private readonly pending: Array<Pending<T>> = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  /** Requests sent (for tests and diagnostics). */
  requests = 0;

  constructor(private readonly o: CoalescerOptions<T>) {
    if (!(o.lingerMs > 0)) throw new RangeError('Coalescer needs lingerMs > 0 (0 means: do not coalesce)');
  }

  /** Resolves when the item is acknowledged; rejects with its own error. */
  submit(item: T): Promise<void> {
    if (this.closed) return Promise.reject(this.errorOf(item, new Error('the producer is closed')));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, bytes: this.o.size(item), resolve, reject });
      if (!this.inFlight && !this.timer) this.timer = setTimeout(() => this.drain(), this.o.lingerMs);
    });
  }

  /** Sends what is pending now and waits until nothing is pending or in flight. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.inFlight) await this.inFlight;
      else if (this.pending.length) this.drain();
      else return;
    }
  }

  /** Sends what is pending, then refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight || this.pending.length === 0) return;
    let bytes = 0;
    let n = 0;
    while (n < this.pending.length && (n === 0 || bytes + this.pending[n]!.bytes <= this.o.maxBytes)) bytes += this.pending[n++]!.bytes;
    const group = this.pending.splice(0, n);
    this.inFlight = this.send(group).finally(() => {
      this.inFlight = undefined;
      // What arrived meanwhile has waited for this request already: send it now.
      if (this.pending.length) this.drain();
    });
  }

  private async send(group: Array<Pending<T>>): Promise<void> {
    this.requests++;
    try {
      await this.o.flush(group.map((p) => p.item));
      for (const p of group) p.resolve();
      return;
    } catch (cause) {
      if (group.length === 1 || !this.o.retryAlone?.(cause)) {
        for (const p of group) p.reject(this.errorOf(p.item, cause));
        return;
      }
    }
    for (const p of group) {
      this.requests++;
      try {
        await this.o.flush([p.item]);
        p.resolve();
      } catch (cause) {
        p.reject(this.errorOf(p.item, cause));
      }
    }
  }

  private errorOf(item: T, cause: unknown): unknown {
    return this.o.error ? this.o.error(item, cause) : cause;
  }
}
