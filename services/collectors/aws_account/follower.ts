import type { IAMClient } from '@aws-sdk/client-iam';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Collector } from '../../core/components.ts';
import type { Logger } from '../../core/logger.ts';
import type { EventPublisher } from '../publisher.ts';
import type { AwsAccountConfig } from './config.ts';
import { readAccountSnapshot, type ReadProblem } from './reader.ts';

export interface AccountFollowStats {
  reads: number;
  /** Parts of a read that failed (AccessDenied, throttling...), over all reads. */
  problems: number;
  published: number;
  deadLettered: number;
}

/**
 * The live account reader: every `intervalMs` (first at once) reads the account
 * (readAccountSnapshot), collects the snapshot and publishes its items, acknowledged by Kafka
 * before the next wait. A failed part is logged and counted; the next read tries again.
 */
export class AccountFollower {
  readonly stats: AccountFollowStats = { reads: 0, problems: 0, published: 0, deadLettered: 0 };

  constructor(
    private readonly deps: { iam: IAMClient; accountId: string; config: Pick<AwsAccountConfig, 'intervalMs' | 'reportWaitMs'>; collector: Collector; publisher: EventPublisher; logger: Logger; clock?: Clock },
  ) {}

  /** One read: snapshot, collect, publish, flush. */
  async readOnce(): Promise<ReadProblem[]> {
    const { snapshot, problems } = await readAccountSnapshot(this.deps.iam, this.deps.accountId, { config: this.deps.config, clock: this.deps.clock ?? systemClock });
    this.stats.reads++;
    this.stats.problems += problems.length;
    for (const p of problems) this.deps.logger.warn({ account: this.deps.accountId, part: p.part, error: p.error }, 'aws_account: a part of the account could not be read');
    for (const out of this.deps.collector.collect({ name: `aws_account ${this.deps.accountId} ${snapshot.collectedAt}`, bytes: Buffer.from(JSON.stringify(snapshot)) })) {
      if (out.kind === 'event') this.stats.published++;
      else this.stats.deadLettered++;
      await this.deps.publisher.add(out);
    }
    await this.deps.publisher.flush();
    return problems;
  }

  /** Reads until `stop` aborts (the read in progress finishes first). */
  async run(stop: AbortSignal): Promise<AccountFollowStats> {
    while (!stop.aborted) {
      await this.readOnce();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.deps.config.intervalMs);
        stop.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    return this.stats;
  }
}
