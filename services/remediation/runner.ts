/**
 * ExecutorRunner: the safety rules shared by every executor (AWS, Azure Blob, GCS), then the executor. For one action it
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
import { AzureBlobDeleteExecutor, AzureBlobQuarantineExecutor, type AzureExecutionContext } from './executors/azure-blob.ts';
import { azureBlobServiceClient } from './executors/azure-clients.ts';
import { GcsDeleteExecutor, GcsQuarantineExecutor, type GcsExecutionContext, type GcsStorageLike } from './executors/gcs.ts';
import { gcsStorage } from './executors/gcs-clients.ts';
import { parseAction, type ExecutableAction, type ExecutorRequest } from './requests.ts';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { ActionResult, Outcome } from './results.ts';

type RemediationConfig = SluiceConfig['remediation'];
type AccountConfig = RemediationConfig['executors']['accounts'][string];
type AzureAccountConfig = RemediationConfig['executors']['azureBlob']['accounts'][string];
type GcsProjectConfig = RemediationConfig['executors']['gcs']['projects'][string];

/** Where a request applies, resolved from the action and the config, or why nowhere. */
type Resolved =
  | { cloud: 'aws'; account: string; allow: readonly string[]; allowPath: string; config: AccountConfig }
  | { cloud: 'azure'; account: string; allow: readonly string[]; allowPath: string; config: AzureAccountConfig }
  | { cloud: 'gcs'; account: string; allow: readonly string[]; allowPath: string; config: GcsProjectConfig }
  | { refused: string };

type Contexts = { aws: ExecutionContext } | { azure: AzureExecutionContext } | { gcs: GcsExecutionContext };

export interface ExecutorRunnerOptions {
  /** The `remediation` config section (dryRun, executors). */
  config: RemediationConfig;
  clock?: Clock;
  /** Fixed credentials for every account's clients (tests); absent: profile or default chain. */
  credentials?: AwsCredentialIdentity;
  s3Quarantine?: S3QuarantineOptions;
  /** Blob service clients by storage account (tests: Azurite); absent: from the config and the environment. */
  azureClients?: Readonly<Record<string, BlobServiceClient>>;
  /** GCS clients by project (tests: a mocked client); absent: @google-cloud/storage with the project's config. */
  gcsClients?: Readonly<Record<string, GcsStorageLike>>;
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
  private readonly azureQuarantine = new AzureBlobQuarantineExecutor();
  private readonly azureDelete = new AzureBlobDeleteExecutor();
  private readonly gcsQuarantine = new GcsQuarantineExecutor();
  private readonly gcsDelete = new GcsDeleteExecutor();
  private readonly azureClients = new Map<string, BlobServiceClient>();
  private readonly gcsClients = new Map<string, Promise<GcsStorageLike>>();

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
    const resolved = this.resolve(a);
    if ('refused' in resolved) return this.result({ ...base, outcome: 'refused', reason: resolved.refused, steps: [], account: a.account, region: a.region });
    const { account } = resolved;
    const region = resolved.cloud === 'aws' ? (a.region ?? resolved.config.region) : a.region;
    if (!resolved.allow.includes(a.request.kind)) {
      return this.result({ ...base, outcome: 'refused', reason: `${a.request.kind} is not allowed in ${resolved.cloud === 'gcs' ? 'project' : resolved.cloud === 'azure' ? 'storage account' : 'account'} ${account} (${resolved.allowPath}: ${resolved.allow.length ? resolved.allow.join(', ') : 'none'})`, steps: [], account, region });
    }
    const ctx = this.context(a, resolved, region);
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

  private resolve(a: ExecutableAction): Resolved {
    const ex = this.options.config.executors;
    const kind = a.request.kind;
    if (kind.startsWith('azure_blob.')) {
      const account = a.account!;
      const config = ex.azureBlob.accounts[account];
      if (!config) return { refused: `storage account ${account} is not configured under remediation.executors.azureBlob.accounts: nothing is allowed there` };
      return { cloud: 'azure', account, config, allow: config.allow, allowPath: `remediation.executors.azureBlob.accounts.${account}.allow` };
    }
    if (kind.startsWith('gcs.')) {
      const ids = Object.keys(ex.gcs.projects);
      const bucket = (a.request.target as { bucket: string }).bucket;
      const project = a.account ?? ids.find((id) => ex.gcs.projects[id]!.buckets.includes(bucket)) ?? ex.gcs.defaultProject ?? (ids.length === 1 ? ids[0]! : null);
      if (project === null) return { refused: ids.length === 0 ? 'no project is configured for the GCS executors (remediation.executors.gcs.projects): nothing is allowed' : `no project lists bucket ${bucket} and remediation.executors.gcs.defaultProject is not set` };
      const config = ex.gcs.projects[project];
      if (!config) return { refused: `project ${project} is not configured under remediation.executors.gcs.projects: nothing is allowed there` };
      return { cloud: 'gcs', account: project, config, allow: config.allow, allowPath: `remediation.executors.gcs.projects.${project}.allow` };
    }
    const ids = Object.keys(ex.accounts);
    const account = a.account ?? ex.defaultAccount ?? (ids.length === 1 ? ids[0]! : null);
    if (account === null) {
      return { refused: ids.length === 0 ? 'no account is configured for the executors (remediation.executors.accounts): nothing is allowed' : 'the action names no account and remediation.executors.defaultAccount is not set' };
    }
    const config = ex.accounts[account];
    if (!config) return { refused: `account ${account} is not configured under remediation.executors.accounts: nothing is allowed there` };
    return { cloud: 'aws', account, config, allow: config.allow, allowPath: `remediation.executors.accounts.${account}.allow` };
  }

  private context(a: ExecutableAction, r: Exclude<Resolved, { refused: string }>, region: string | null): Contexts {
    const common = { actionId: a.id, reason: a.reason, findingId: a.findingId };
    switch (r.cloud) {
      case 'aws':
        return { aws: { ...common, account: r.account, region: region ?? r.config.region, clients: this.clientsOf(r.account, r.config), quarantine: r.config.quarantine ?? null } };
      case 'azure':
        return { azure: { ...common, account: r.account, service: () => this.azureClientOf(r.account, r.config), quarantine: r.config.quarantine ?? null } };
      case 'gcs':
        return { gcs: { ...common, project: r.account, storage: () => this.gcsClientOf(r.account, r.config), quarantine: r.config.quarantine ?? null } };
    }
  }

  private azureClientOf(account: string, c: AzureAccountConfig): BlobServiceClient {
    let client = this.options.azureClients?.[account] ?? this.azureClients.get(account);
    if (!client) this.azureClients.set(account, (client = azureBlobServiceClient(account, c)));
    return client;
  }

  private gcsClientOf(project: string, c: GcsProjectConfig): Promise<GcsStorageLike> {
    const given = this.options.gcsClients?.[project];
    if (given) return Promise.resolve(given);
    let client = this.gcsClients.get(project);
    if (!client) {
      client = gcsStorage(project, c);
      this.gcsClients.set(project, client);
      client.catch(() => this.gcsClients.delete(project));
    }
    return client;
  }

  private clientsOf(account: string, c: AccountConfig): AwsClients {
    let clients = this.clients.get(account);
    if (!clients) {
      clients = new AwsClients({ region: c.region, forcePathStyle: c.forcePathStyle, ...(c.endpoint ? { endpoint: c.endpoint } : {}), ...(c.profile ? { profile: c.profile } : {}), ...(this.options.credentials ? { credentials: this.options.credentials } : {}) });
      this.clients.set(account, clients);
    }
    return clients;
  }

  private plan(r: ExecutorRequest, c: Contexts): string[] {
    if (r.kind === 'azure_blob.quarantine' && 'azure' in c) return this.azureQuarantine.plan(r.target, c.azure);
    if (r.kind === 'azure_blob.delete') return this.azureDelete.plan(r.target);
    if (r.kind === 'gcs.quarantine' && 'gcs' in c) return this.gcsQuarantine.plan(r.target, c.gcs);
    if (r.kind === 'gcs.delete') return this.gcsDelete.plan(r.target);
    if (!('aws' in c)) return [`nothing: ${r.kind} does not apply here`];
    const ctx = c.aws;
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
      default:
        return [`nothing: ${r.kind} is not an AWS action`];
    }
  }

  private run(r: ExecutorRequest, c: Contexts): Promise<ExecutorOutcome> {
    if ('azure' in c) {
      if (r.kind === 'azure_blob.quarantine') return this.azureQuarantine.run(r.target, c.azure);
      if (r.kind === 'azure_blob.delete') return this.azureDelete.run(r.target, c.azure);
    } else if ('gcs' in c) {
      if (r.kind === 'gcs.quarantine') return this.gcsQuarantine.run(r.target, c.gcs);
      if (r.kind === 'gcs.delete') return this.gcsDelete.run(r.target, c.gcs);
    } else {
      const ctx = c.aws;
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
    return Promise.resolve({ outcome: 'refused', reason: `${r.kind} does not apply here`, steps: [] });
  }

  private remember(id: string): void {
    this.done.add(id);
    if (this.done.size > this.options.config.executors.rememberIds) this.done.delete(this.done.values().next().value!);
  }

  private result(r: { id: string; executor: string; outcome: Outcome; reason: string; steps: string[]; account: string | null; region: string | null; target: Record<string, unknown>; findingId: string | null; detector: string | null; dryRun: boolean }): ActionResult {
    return { action_id: r.id, executor: r.executor, outcome: r.outcome, reason: r.reason, steps: r.steps, account: r.account, region: r.region, target: r.target, finding_id: r.findingId, detector: r.detector, dry_run: r.dryRun, time: this.clock.now() };
  }
}
