/**
 * Action results: one JSON record per action and handler on `topics.actionResults`
 * (sluice.action-results.v1), keyed by action id, so every action the remediator saw is accounted
 * for: carried out, dry-run, refused, already done, or failed, with the reason.
 */
import type { Producer } from '../core/transport.ts';

export const OUTCOMES = ['done', 'dry_run', 'refused', 'already_done', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The value of one record on the results topic. */
export interface ActionResult {
  action_id: string;
  /** The executor (an action kind such as s3.quarantine), `webhook`, or `none` when no handler could be chosen. */
  executor: string;
  outcome: Outcome;
  /** One sentence: what was done or would be done, or why not. */
  reason: string;
  /** The steps carried out (done), or that would be (dry_run), e.g. "CopyObject s3://a/b -> s3://q/c". */
  steps: string[];
  account: string | null;
  region: string | null;
  /** The resource acted on (bucket/key/version, group and rule, user and key). */
  target: Record<string, unknown>;
  finding_id: string | null;
  detector: string | null;
  dry_run: boolean;
  /** When the outcome was reached, epoch ms. */
  time: number;
}

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
