import type { RejectedRecord, SideOutput } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import type { DeadLetterWriter } from '../core/dead-letter.ts';
import type { Logger } from '../core/logger.ts';
import type { ConsumedBatch, Consumer, Transport } from '../core/transport.ts';
import { ACTION_SIGNATURE_HEADER, actionSignatureProblem } from '../core/action-signing.ts';
import { RemediationWebhook, type ActionRecord } from './webhook.ts';

export interface RemediatorStats {
  sent: number;
  skipped: number;
  failed: number;
  malformed: number;
  /** Records refused because they are unsigned or their signature does not verify. */
  unsigned: number;
}

/**
 * The remediator role: a consumer group over the actions topic (`sluice.actions.v1`, JSON action
 * events from detectors such as posture and dlp). Each action goes to the webhook (dry-run by
 * default); every outcome, sent or skipped, is logged with its reason. An action the webhook
 * refused for good, and a record that is not an action, go to the dead-letter topic with the
 * reason, so nothing disappears; then the batch is committed.
 */
export class RemediatorService {
  readonly stats: RemediatorStats = { sent: 0, skipped: 0, failed: 0, malformed: 0, unsigned: 0 };
  private consumer: Consumer | undefined;
  private readonly webhook: RemediationWebhook;

  constructor(
    private readonly deps: { transport: Transport; deadLetters: DeadLetterWriter; config: SluiceConfig; logger: Logger },
    webhook?: RemediationWebhook,
  ) {
    const r = deps.config.remediation;
    this.webhook = webhook ?? new RemediationWebhook({ ...(r.webhookUrl ? { url: r.webhookUrl } : {}), ...(r.secret ? { secret: r.secret } : {}), dryRun: r.dryRun });
  }

  async start(): Promise<Consumer> {
    const { config } = this.deps;
    const consumer = await this.deps.transport.consumer({ groupId: config.remediation.groupId, topics: [config.topics.actions], fromBeginning: true });
    this.consumer = consumer;
    await consumer.run((batch) => this.handleBatch(batch));
    return consumer;
  }

  async handleBatch(batch: ConsumedBatch): Promise<void> {
    const rejects: RejectedRecord[] = [];
    const actions: Array<{ action: SideOutput; position: string; raw: Buffer }> = [];
    const actionsKey = this.deps.config.remediation.actionsKey;
    for (const m of batch.messages) {
      const position = `${batch.topic}/${batch.partition}@${m.offset}`;
      // Only records a processor signed with the shared actions key are acted on (SECURITY.md).
      const problem = actionsKey ? actionSignatureProblem(actionsKey, batch.topic, m.key ?? null, m.value, m.headers?.[ACTION_SIGNATURE_HEADER]) : null;
      if (problem !== null) {
        this.stats.unsigned++;
        rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'remediator', position, reasonCode: 'SLUICE_ERR_ACTION_SIGNATURE', reason: problem, raw: m.value });
        continue;
      }
      try {
        const value = JSON.parse(m.value.toString('utf8')) as unknown;
        if (!value || typeof value !== 'object' || typeof (value as { id?: unknown }).id !== 'string') throw new Error('not an action event: no string "id"');
        actions.push({ action: { stream: 'actions', key: m.key ?? '', value: value as SideOutput['value'] }, position, raw: m.value });
      } catch (err) {
        this.stats.malformed++;
        rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'remediator', position, reasonCode: 'SLUICE_ERR_INPUT_MALFORMED', reason: (err as Error).message, raw: m.value });
      }
    }
    const records = await this.webhook.handle(actions.map((a) => a.action));
    records.forEach((rec: ActionRecord, i) => {
      this.stats[rec.outcome]++;
      this.deps.logger.info({ action: rec.id, outcome: rec.outcome, reason: rec.reason, attempts: rec.attempts, status: rec.status }, 'remediation action');
      if (rec.outcome === 'failed') {
        const a = actions[i]!;
        rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'remediator', position: a.position, reasonCode: 'SLUICE_ERR_SINK_WRITE', reason: `remediation webhook: ${rec.reason}`, raw: a.raw });
      }
    });
    await this.deps.deadLetters.write(rejects);
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }
}
