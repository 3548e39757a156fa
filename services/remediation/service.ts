import type { RejectedRecord, SideOutput } from '../core/components.ts';
import type { SluiceConfig } from '../core/config.ts';
import type { DeadLetterWriter } from '../core/dead-letter.ts';
import type { Logger } from '../core/logger.ts';
import type { ConsumedBatch, Consumer, Producer, Transport } from '../core/transport.ts';
import { ACTION_SIGNATURE_HEADER, actionSignatureProblem } from '../core/action-signing.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { RemediationWebhook, type ActionRecord } from './webhook.ts';
import { ExecutorRunner } from './runner.ts';
import { ActionResultWriter, OUTCOMES, type ActionResult, type Outcome } from './results.ts';

export interface RemediatorStats {
  /** Webhook outcomes. */
  sent: number;
  skipped: number;
  failed: number;
  malformed: number;
  /** Records refused because they are unsigned or their signature does not verify. */
  unsigned: number;
  /** Executor outcomes (actions not for an executor, such as alerts, are not counted). */
  executors: Record<Outcome, number>;
}

/** The webhook's record as an action result (written only when a webhook URL is configured). */
export function webhookResult(rec: ActionRecord, action: SideOutput['value'], dryRun: boolean, time: number): ActionResult {
  let outcome: Outcome;
  if (rec.outcome === 'sent') outcome = 'done';
  else if (rec.outcome === 'failed') outcome = 'failed';
  else if (rec.reason.startsWith('dry-run')) outcome = 'dry_run';
  else if (rec.reason.startsWith('already sent')) outcome = 'already_done';
  else outcome = 'refused';
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const steps = rec.outcome === 'sent' ? [`POST (${rec.attempts} attempt${rec.attempts === 1 ? '' : 's'}, ${rec.reason})`] : [];
  return { action_id: rec.id, executor: 'webhook', outcome, reason: rec.reason, steps, account: null, region: null, target: {}, finding_id: str(action.finding_id), detector: str(action.detector), dry_run: dryRun, time };
}

/**
 * The remediator role: a consumer group over the actions topic (`sluice.actions.v1`, JSON action
 * events from detectors such as posture and dlp). Only records signed with the actions key are
 * acted on. Each action goes to the webhook (dry-run by default) and, when it names an executor
 * action (quarantine, delete, block_public_access, revoke_ingress, deactivate_access_key), to the
 * executors (runner.ts: allow-list per account, dry-run, idempotent by action id). Every outcome
 * is logged and written to the results topic (topics.actionResults); an action that failed, a
 * record that is not an action and an unsigned one go to the dead-letter topic with the reason, so
 * nothing disappears; then the batch is committed.
 */
export class RemediatorService {
  readonly stats: RemediatorStats = { sent: 0, skipped: 0, failed: 0, malformed: 0, unsigned: 0, executors: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number> };
  private consumer: Consumer | undefined;
  private readonly webhook: RemediationWebhook;
  private readonly runner: ExecutorRunner;
  private readonly clock: Clock;
  private results: ActionResultWriter | undefined;
  private ownProducer: Producer | undefined;

  constructor(
    private readonly deps: { transport: Transport; deadLetters: DeadLetterWriter; config: SluiceConfig; logger: Logger; clock?: Clock },
    webhook?: RemediationWebhook,
    options: { runner?: ExecutorRunner; results?: ActionResultWriter } = {},
  ) {
    const r = deps.config.remediation;
    this.clock = deps.clock ?? systemClock;
    this.webhook = webhook ?? new RemediationWebhook({ ...(r.webhookUrl ? { url: r.webhookUrl } : {}), ...(r.secret ? { secret: r.secret } : {}), dryRun: r.dryRun });
    this.runner = options.runner ?? new ExecutorRunner({ config: r, clock: this.clock });
    this.results = options.results;
  }

  private async resultWriter(): Promise<ActionResultWriter> {
    if (!this.results) {
      this.ownProducer = await this.deps.transport.producer();
      this.results = new ActionResultWriter(this.ownProducer, this.deps.config.topics.actionResults);
    }
    return this.results;
  }

  async start(): Promise<Consumer> {
    const { config } = this.deps;
    await this.resultWriter();
    const consumer = await this.deps.transport.consumer({ groupId: config.remediation.groupId, topics: [config.topics.actions], fromBeginning: true });
    this.consumer = consumer;
    await consumer.run((batch) => this.handleBatch(batch));
    return consumer;
  }

  async handleBatch(batch: ConsumedBatch): Promise<void> {
    const rejects: RejectedRecord[] = [];
    const results: ActionResult[] = [];
    const actions: Array<{ action: SideOutput; position: string; raw: Buffer }> = [];
    const { remediation } = this.deps.config;
    const actionsKey = remediation.actionsKey;
    for (const m of batch.messages) {
      const position = `${batch.topic}/${batch.partition}@${m.offset}`;
      // Only records a processor signed with the shared actions key are acted on (SECURITY.md).
      const problem = actionsKey ? actionSignatureProblem(actionsKey, batch.topic, m.key ?? null, m.value, m.headers?.[ACTION_SIGNATURE_HEADER]) : null;
      if (problem !== null) {
        this.stats.unsigned++;
        rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'remediator', position, reasonCode: 'SLUICE_ERR_ACTION_SIGNATURE', reason: problem, raw: m.value });
        const claimed = claimedId(m.value);
        if (claimed !== null) results.push(unsignedResult(claimed, problem, remediation.dryRun, this.clock.now()));
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
      if (remediation.webhookUrl !== undefined) results.push(webhookResult(rec, actions[i]!.action.value, remediation.dryRun, this.clock.now()));
      if (rec.outcome === 'failed') {
        const a = actions[i]!;
        rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'remediator', position: a.position, reasonCode: 'SLUICE_ERR_SINK_WRITE', reason: `remediation webhook: ${rec.reason}`, raw: a.raw });
      }
    });
    for (const a of actions) {
      const res = await this.runner.handle(a.action.value);
      if (res === null) continue;
      this.stats.executors[res.outcome]++;
      results.push(res);
      this.deps.logger.info({ action: res.action_id, executor: res.executor, outcome: res.outcome, reason: res.reason, account: res.account }, 'remediation executor');
      if (res.outcome === 'failed') {
        rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'remediator', position: a.position, reasonCode: 'SLUICE_ERR_SINK_WRITE', reason: `remediation executor ${res.executor}: ${res.reason}`, raw: a.raw });
      }
    }
    await (await this.resultWriter()).write(results);
    await this.deps.deadLetters.write(rejects);
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.runner.close();
    await this.ownProducer?.close();
    this.ownProducer = undefined;
  }
}

/** The id an unverified record claims, for its refused result; null when it has none. */
function claimedId(value: Buffer): string | null {
  try {
    const v = JSON.parse(value.toString('utf8')) as { id?: unknown };
    return typeof v?.id === 'string' && /^[\w-]{1,128}$/.test(v.id) ? v.id : null;
  } catch {
    return null;
  }
}

function unsignedResult(id: string, problem: string, dryRun: boolean, time: number): ActionResult {
  return { action_id: id, executor: 'none', outcome: 'refused', reason: `${problem}: not acted on (the claimed fields are not trusted)`, steps: [], account: null, region: null, target: {}, finding_id: null, detector: null, dry_run: dryRun, time };
}
