/**
 * ExecutorRunner: the safety rules shared by every executor, then the executor. For one action it
 * decides, in order: not for an executor (null) / invalid (refused) / carried out already by this
 * process (already_done) / account not configured or kind not allowed there (refused) / dry-run
 * (dry_run, with the steps it would take) / the executor's own outcome (done, already_done found
 * in the cloud's state, refused, failed). Every decision is one ActionResult.
 */
import { systemClock, type Clock } from '../core/clock.ts';
import type { SluiceConfig } from '../core/config.ts';
import { AwsClients, type AwsCredentialIdentity } from './executors/clients.ts';
import { Ec2RevokeIngressExecutor } from './executors/ec2.ts';
import { IamDeactivateAccessKeyExecutor } from './executors/iam.ts';
import { S3BlockPublicAccessExecutor, S3DeleteExecutor, S3QuarantineExecutor, type S3QuarantineOptions } from './executors/s3.ts';
import type { ExecutionContext, ExecutorOutcome } from './executors/types.ts';
import { parseAction, type ExecutableAction, type ExecutorRequest } from './requests.ts';
import type { ActionResult, Outcome } from './results.ts';

type RemediationConfig = SluiceConfig['remediation'];
type AccountConfig = RemediationConfig['executors']['accounts'][string];

export interface ExecutorRunnerOptions {
  /** The `remediation` config section (dryRun, executors). */
  config: RemediationConfig;
  clock?: Clock;
  /** Fixed credentials for every account's clients (tests); absent: profile or default chain. */
  credentials?: AwsCredentialIdentity;
  s3Quarantine?: S3QuarantineOptions;
}

/** The target of a request as a plain record for the result. */
function targetRecord(r: ExecutorRequest): Record<string, unknown> {
  return { ...r.target };
}

export class ExecutorRunner {
  private readonly done = new Set<string>();
  private readonly clients = new Map<string, AwsClients>();
  private readonly clock: Clock;
  private readonly quarantine: S3QuarantineExecutor;
  private readonly s3Delete = new S3DeleteExecutor();
  private readonly s3Block = new S3BlockPublicAccessExecutor();
  private readonly ec2Revoke = new Ec2RevokeIngressExecutor();
  private readonly iamDeactivate = new IamDeactivateAccessKeyExecutor();

  constructor(private readonly options: ExecutorRunnerOptions) {
    this.clock = options.clock ?? systemClock;
    this.quarantine = new S3QuarantineExecutor(options.s3Quarantine);
  }

  /** The result for one action event, or null when it is not for an executor (no `action`, or `alert`). */
  async handle(value: unknown): Promise<ActionResult | null> {
    const parsed = parseAction(value);
    if (parsed.kind === 'none') return null;
    const dryRun = this.options.config.dryRun;
    if (parsed.kind === 'invalid') {
      const id = (value as { id?: unknown }).id;
      return this.result({ id: typeof id === 'string' ? id : '', executor: parsed.executor, outcome: 'refused', reason: `not carried out: ${parsed.reason}`, steps: [], account: null, region: null, target: {}, findingId: null, detector: null, dryRun });
    }
    const a = parsed.action;
    const base = { id: a.id, executor: a.request.kind, target: targetRecord(a.request), findingId: a.findingId, detector: a.detector, dryRun };
    if (this.done.has(a.id)) return this.result({ ...base, outcome: 'already_done', reason: 'this action id was already carried out by this remediator (idempotent by action id)', steps: [], account: a.account, region: a.region });
    const resolved = this.account(a);
    if ('refused' in resolved) return this.result({ ...base, outcome: 'refused', reason: resolved.refused, steps: [], account: a.account, region: a.region });
    const { account, config } = resolved;
    const region = a.region ?? config.region;
    if (!config.allow.includes(a.request.kind)) {
      return this.result({ ...base, outcome: 'refused', reason: `${a.request.kind} is not allowed in account ${account} (remediation.executors.accounts.${account}.allow: ${config.allow.length ? config.allow.join(', ') : 'none'})`, steps: [], account, region });
    }
    const ctx: ExecutionContext = { actionId: a.id, reason: a.reason, findingId: a.findingId, account, region, clients: this.clientsOf(account, config), quarantine: config.quarantine ?? null };
    if (dryRun) {
      const steps = this.plan(a.request, ctx);
      return this.result({ ...base, outcome: 'dry_run', reason: `dry-run: would ${steps.join('; then ')}`, steps, account, region });
    }
    const out = await this.run(a.request, ctx);
    if (out.outcome === 'done' || out.outcome === 'already_done') this.remember(a.id);
    return this.result({ ...base, outcome: out.outcome, reason: out.reason, steps: out.steps, account, region });
  }

  /** Closes the AWS clients. */
  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }

  private account(a: ExecutableAction): { account: string; config: AccountConfig } | { refused: string } {
    const ex = this.options.config.executors;
    const ids = Object.keys(ex.accounts);
    const account = a.account ?? ex.defaultAccount ?? (ids.length === 1 ? ids[0]! : null);
    if (account === null) {
      return { refused: ids.length === 0 ? 'no account is configured for the executors (remediation.executors.accounts): nothing is allowed' : 'the action names no account and remediation.executors.defaultAccount is not set' };
    }
    const config = ex.accounts[account];
    if (!config) return { refused: `account ${account} is not configured under remediation.executors.accounts: nothing is allowed there` };
    return { account, config };
  }

  private clientsOf(account: string, c: AccountConfig): AwsClients {
    let clients = this.clients.get(account);
    if (!clients) {
      clients = new AwsClients({ region: c.region, forcePathStyle: c.forcePathStyle, ...(c.endpoint ? { endpoint: c.endpoint } : {}), ...(c.profile ? { profile: c.profile } : {}), ...(this.options.credentials ? { credentials: this.options.credentials } : {}) });
      this.clients.set(account, clients);
    }
    return clients;
  }

  private plan(r: ExecutorRequest, ctx: ExecutionContext): string[] {
    switch (r.kind) {
      case 's3.quarantine':
        return this.quarantine.plan(r.target, ctx);
      case 's3.delete':
        return this.s3Delete.plan(r.target);
      case 's3.block_public_access':
        return this.s3Block.plan(r.target);
      case 'ec2.revoke_ingress':
        return this.ec2Revoke.plan(r.target, ctx);
      case 'iam.deactivate_access_key':
        return this.iamDeactivate.plan(r.target);
    }
  }

  private run(r: ExecutorRequest, ctx: ExecutionContext): Promise<ExecutorOutcome> {
    switch (r.kind) {
      case 's3.quarantine':
        return this.quarantine.run(r.target, ctx);
      case 's3.delete':
        return this.s3Delete.run(r.target, ctx);
      case 's3.block_public_access':
        return this.s3Block.run(r.target, ctx);
      case 'ec2.revoke_ingress':
        return this.ec2Revoke.run(r.target, ctx);
      case 'iam.deactivate_access_key':
        return this.iamDeactivate.run(r.target, ctx);
    }
  }

  private remember(id: string): void {
    this.done.add(id);
    if (this.done.size > this.options.config.executors.rememberIds) this.done.delete(this.done.values().next().value!);
  }

  private result(r: { id: string; executor: string; outcome: Outcome; reason: string; steps: string[]; account: string | null; region: string | null; target: Record<string, unknown>; findingId: string | null; detector: string | null; dryRun: boolean }): ActionResult {
    return { action_id: r.id, executor: r.executor, outcome: r.outcome, reason: r.reason, steps: r.steps, account: r.account, region: r.region, target: r.target, finding_id: r.findingId, detector: r.detector, dry_run: r.dryRun, time: this.clock.now() };
  }
}
