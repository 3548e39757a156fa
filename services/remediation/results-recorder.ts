/**
 * ActionResultRecorder: a consumer group over the action results topic (topics.actionResults,
 * sluice.action-results.v1) that stores every result in a results store (the ClickHouse sink's
 * `{db}.action_results`, wired by the remediator role). The offsets of a batch are committed only
 * after the store acknowledged its rows; a redelivered batch writes the same rows again, which the
 * table keeps once (ReplacingMergeTree on action id, executor, outcome). A record that is not an
 * action result is dead-lettered with the reason and does not stop the others.
 */
import { actionResultProblem, type ActionResult } from '../core/actions.ts';
import type { RejectedRecord } from '../core/components.ts';
import type { DeadLetterWriter } from '../core/dead-letter.ts';
import type { Logger } from '../core/logger.ts';
import type { ConsumedBatch, Consumer, Transport } from '../core/transport.ts';

/** Where results are stored (ClickHouseFindingSink.writeActionResults); resolves once they are acknowledged. */
export interface ActionResultStore {
  writeActionResults(results: readonly ActionResult[]): Promise<void>;
}

export interface ActionResultRecorderStats {
  stored: number;
  malformed: number;
}

export interface ActionResultRecorderDeps {
  transport: Transport;
  store: ActionResultStore;
  deadLetters: DeadLetterWriter;
  topic: string;
  groupId: string;
  logger: Logger;
}

export class ActionResultRecorder {
  readonly stats: ActionResultRecorderStats = { stored: 0, malformed: 0 };
  private consumer: Consumer | undefined;

  constructor(private readonly deps: ActionResultRecorderDeps) {}

  async start(): Promise<Consumer> {
    const consumer = await this.deps.transport.consumer({ groupId: this.deps.groupId, topics: [this.deps.topic], fromBeginning: true });
    this.consumer = consumer;
    await consumer.run((batch) => this.handleBatch(batch));
    return consumer;
  }

  /** Stores the batch's results, dead-letters the records that are not results; rejects (no commit) when the store fails. */
  async handleBatch(batch: ConsumedBatch): Promise<void> {
    const results: ActionResult[] = [];
    const rejects: RejectedRecord[] = [];
    for (const m of batch.messages) {
      if (m.tombstone) continue;
      const position = `${batch.topic}/${batch.partition}@${m.offset}`;
      let problem: string | null;
      let value: unknown;
      try {
        value = JSON.parse(m.value.toString('utf8'));
        problem = actionResultProblem(value);
      } catch (err) {
        problem = `not JSON: ${(err as Error).message}`;
      }
      if (problem === null) {
        results.push(value as ActionResult);
      } else {
        this.stats.malformed++;
        rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'action-results', position, reasonCode: 'SLUICE_ERR_INPUT_MALFORMED', reason: `not an action result: ${problem}`, raw: m.value });
      }
    }
    await this.deps.store.writeActionResults(results);
    this.stats.stored += results.length;
    await this.deps.deadLetters.write(rejects);
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }
}
