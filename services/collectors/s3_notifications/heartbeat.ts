/**
 * Keeps received messages invisible while they are worked on: every third of the visibility
 * timeout, each tracked message's visibility is set to the full timeout again. A failed extension
 * is logged, not fatal: at worst the message is delivered once more (its events keep their ids).
 */
import type { Logger } from '../../core/logger.ts';
import type { NotificationQueue, QueueMessage } from './sqs-queue.ts';

export class VisibilityHeartbeat {
  private readonly tracked = new Set<QueueMessage>();
  private timer: NodeJS.Timeout | undefined;
  /** Extensions made (for stats and tests). */
  extensions = 0;

  constructor(
    private readonly queue: NotificationQueue,
    private readonly timeoutSeconds: number,
    private readonly logger: Logger,
    /** Default: a third of the timeout. */
    private readonly intervalMs: number = Math.max(1000, Math.floor((timeoutSeconds * 1000) / 3)),
  ) {}

  track(messages: readonly QueueMessage[]): void {
    for (const m of messages) this.tracked.add(m);
    if (!this.timer && this.tracked.size) {
      this.timer = setInterval(() => void this.beat(), this.intervalMs);
      this.timer.unref();
    }
  }

  untrack(message: QueueMessage): void {
    this.tracked.delete(message);
    if (this.tracked.size === 0) this.stop();
  }

  stop(): void {
    this.tracked.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    await Promise.all(
      [...this.tracked].map(async (m) => {
        try {
          await this.queue.setVisibility(m, this.timeoutSeconds);
          this.extensions++;
        } catch (err) {
          this.logger.warn({ err, messageId: m.messageId }, 'could not extend the visibility of an SQS message; it may be delivered again');
        }
      }),
    );
  }
}
