/**
 * Action results: one JSON record per action and handler on `topics.actionResults`
 * (sluice.action-results.v1), keyed by action id, so every action the remediator saw is accounted
 * for: carried out, dry-run, refused, already done, or failed, with the reason.
 */
import type { Producer } from '../core/transport.ts';
import { ACTION_OUTCOMES, type ActionOutcome, type ActionResult } from '../core/actions.ts';

export const OUTCOMES = ACTION_OUTCOMES;
export type Outcome = ActionOutcome;
/** The value of one record on the results topic (its type lives in core, for the ClickHouse sink). */
export type { ActionResult };

/** Writes results to the results topic, keyed by action id (JSON). */
export class ActionResultWriter {
  constructor(
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  async write(results: readonly ActionResult[]): Promise<void> {
    if (results.length === 0) return;
    await this.producer.send(
      this.topic,
      results.map((r) => ({ key: r.action_id, value: Buffer.from(JSON.stringify(r)), headers: { 'content-type': 'application/json', 'sluice-outcome': r.outcome } })),
    );
  }
}
