/**
 * The enforcer role: a consumer group over the enforcement topic (topics.enforcement, flow_baseline
 * block decisions, JSON). Only records signed with the actions key are acted on (when the key is
 * set; it is required to act). Each decision becomes one network policy (manifests.ts), written to
 * a directory or applied (targets.ts): dry-run by default, idempotent by decision id, one result
 * per decision on topics.actionResults (executor k8s.cilium_network_policy or k8s.network_policy).
 * Unsigned records, records that are not JSON and failed decisions go to the dead-letter topic.
 */
import { ACTION_SIGNATURE_HEADER, actionSignatureProblem } from '../../core/action-signing.ts';
import type { ActionResult } from '../../core/actions.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { RejectedRecord } from '../../core/components.ts';
import type { SluiceConfig } from '../../core/config.ts';
import type { DeadLetterWriter } from '../../core/dead-letter.ts';
import type { Logger } from '../../core/logger.ts';
import type { ConsumedBatch, Consumer, Transport } from '../../core/transport.ts';
import { OUTCOMES, type ActionResultWriter, type Outcome } from '../results.ts';
import type { EnforcementPolicyBuilders } from './builders.ts';
import { parseBlockDecision, type BlockDecision } from './decision.ts';
import { enforcementManifest } from './manifests.ts';
import type { EnforcementTarget } from './targets.ts';

export interface EnforcerDeps {
  transport: Transport;
  deadLetters: DeadLetterWriter;
  results: ActionResultWriter;
  config: SluiceConfig;
  builders: EnforcementPolicyBuilders;
  target: EnforcementTarget;
  logger: Logger;
  clock?: Clock;
}

export class EnforcerService {
  readonly stats: Record<Outcome, number> & { unsigned: number; malformed: number } = { ...(Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>), unsigned: 0, malformed: 0 };
  private consumer: Consumer | undefined;
  private readonly done = new Set<string>();
  private readonly clock: Clock;

  constructor(private readonly deps: EnforcerDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  get executor(): string {
    return this.deps.config.enforcement.format === 'cilium' ? 'k8s.cilium_network_policy' : 'k8s.network_policy';
  }

  async start(): Promise<Consumer> {
    const { config } = this.deps;
    const consumer = await this.deps.transport.consumer({ groupId: config.enforcement.groupId, topics: [config.topics.enforcement], fromBeginning: true });
    this.consumer = consumer;
    await consumer.run((batch) => this.handleBatch(batch));
    return consumer;
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }

  async handleBatch(batch: ConsumedBatch): Promise<void> {
    const results: ActionResult[] = [];
    const rejects: RejectedRecord[] = [];
    const key = this.deps.config.remediation.actionsKey;
    for (const m of batch.messages) {
      if (m.tombstone) continue;
      const position = `${batch.topic}/${batch.partition}@${m.offset}`;
      const problem = key ? actionSignatureProblem(key, batch.topic, m.key ?? null, m.value, m.headers?.[ACTION_SIGNATURE_HEADER]) : null;
      let value: unknown;
      if (problem === null) {
        try {
          value = JSON.parse(m.value.toString('utf8'));
        } catch (err) {
          this.stats.malformed++;
          rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'enforcer', position, reasonCode: 'SLUICE_ERR_INPUT_MALFORMED', reason: `not JSON: ${(err as Error).message}`, raw: m.value });
          continue;
        }
      } else {
        this.stats.unsigned++;
        rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'enforcer', position, reasonCode: 'SLUICE_ERR_ACTION_SIGNATURE', reason: problem, raw: m.value });
      }
      const parsed = parseBlockDecision(problem === null ? value : safeJson(m.value));
      const id = parsed.ok ? parsed.decision.id : parsed.id;
      let r: ActionResult;
      if (problem !== null) {
        if (id === null) continue;
        r = this.result(id, null, 'refused', `${problem}: not acted on (the claimed fields are not trusted)`, []);
      } else if (!parsed.ok) {
        r = this.result(id ?? '', null, 'refused', `not enforced: ${parsed.reason}`, []);
      } else {
        r = await this.enforce(parsed.decision);
      }
      this.stats[r.outcome]++;
      results.push(r);
      this.deps.logger.info({ decision: r.action_id, executor: r.executor, outcome: r.outcome, reason: r.reason }, 'enforcement decision');
      if (r.outcome === 'failed') rejects.push({ kind: 'dead_letter', stage: 'sink', source: 'enforcer', position, reasonCode: 'SLUICE_ERR_SINK_WRITE', reason: `enforcer ${r.executor}: ${r.reason}`, raw: m.value });
    }
    await this.deps.results.write(results);
    await this.deps.deadLetters.write(rejects);
  }

  private async enforce(d: BlockDecision): Promise<ActionResult> {
    const e = this.deps.config.enforcement;
    if (e.cluster !== undefined && d.workload.cluster !== e.cluster) return this.result(d.id, d, 'refused', `workload ${d.workload.key} is not in cluster ${e.cluster} (enforcement.cluster)`, []);
    if (this.done.has(d.id)) return this.result(d.id, d, 'already_done', 'this decision id was already enforced by this enforcer (idempotent by decision id)', []);
    const built = enforcementManifest(d, e.format, e.nonBaseline, this.deps.builders);
    if (!built.ok) return this.result(d.id, d, 'refused', built.reason, []);
    const plan = this.deps.target.plan(built.manifest);
    const target = { policy: `${built.manifest.kind}/${built.manifest.metadata.namespace}/${built.manifest.metadata.name}` };
    if (e.dryRun) return this.result(d.id, d, 'dry_run', `dry-run: would ${plan}${built.warnings.length ? ` (${built.warnings.join('; ')})` : ''}`, [plan], target);
    const out = await this.deps.target.put(built.manifest);
    if (out.outcome !== 'failed') {
      this.done.add(d.id);
      if (this.done.size > e.rememberIds) this.done.delete(this.done.values().next().value!);
    }
    return this.result(d.id, d, out.outcome, out.reason, out.steps, target);
  }

  private result(id: string, d: BlockDecision | null, outcome: Outcome, reason: string, steps: string[], extra: Record<string, unknown> = {}): ActionResult {
    const target = d ? { workload: d.workload.key, namespace: d.workload.namespace, scope: d.scope, ...(d.edge ? { direction: d.edge.direction, peer: d.edge.peer, protocol: d.edge.protocol, port: d.edge.port } : {}), ...extra } : {};
    return { action_id: id, executor: this.executor, outcome, reason, steps, account: d?.workload.cluster ?? null, region: null, target, finding_id: d?.findingId ?? null, detector: d?.detector ?? null, dry_run: this.deps.config.enforcement.dryRun, time: this.clock.now() };
  }
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}
