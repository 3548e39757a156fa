/** What every executor gets and returns. */
import type { AwsClients } from './clients.ts';

/** Where quarantined objects go (remediation.executors.accounts.<id>.quarantine). */
export interface QuarantineTarget {
  bucket: string;
  prefix: string;
  legalHold: boolean;
}

/** The context of one action: who asked, why, and the clients of the account it applies to. */
export interface ExecutionContext {
  actionId: string;
  reason: string;
  findingId: string | null;
  account: string;
  region: string;
  clients: AwsClients;
  quarantine: QuarantineTarget | null;
}

/** An executor's outcome; dry_run is decided before an executor is called. */
export interface ExecutorOutcome {
  outcome: 'done' | 'already_done' | 'refused' | 'failed';
  reason: string;
  /** The API steps carried out, in order (or found already done). */
  steps: string[];
}

/** One executor: what it would do (dry-run, no API call), and doing it (idempotent by the cloud's state). */
export interface Executor<R> {
  /** The steps it would take, described without calling any API. */
  plan(request: R, ctx: ExecutionContext): string[];
  run(request: R, ctx: ExecutionContext): Promise<ExecutorOutcome>;
}

/** An AWS SDK error's name, HTTP status and message, for reasons. */
export function awsError(err: unknown): { name: string; status: number | null; message: string } {
  const e = err as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  return { name: typeof e?.name === 'string' ? e.name : 'Error', status: e?.$metadata?.httpStatusCode ?? null, message: typeof e?.message === 'string' ? e.message.slice(0, 300) : String(err) };
}

/** `Name (HTTP n): message` */
export function describeAwsError(err: unknown): string {
  const e = awsError(err);
  return `${e.name}${e.status !== null ? ` (HTTP ${e.status})` : ''}: ${e.message}`;
}
