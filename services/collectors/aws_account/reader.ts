import {
  GenerateCredentialReportCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { AwsAccountConfig } from './config.ts';
import type { AccountSnapshot } from './normalize.ts';

/** What went wrong reading one part; the other parts are still read. */
export interface ReadProblem {
  part: 'credentialReport' | 'passwordPolicy' | 'accountSummary';
  error: string;
}

const errName = (err: unknown): string => (err as { name?: string }).name ?? 'Error';

/** Waits for GenerateCredentialReport to be COMPLETE (IAM builds it asynchronously), polling every pollMs. */
async function generateReport(iam: IAMClient, waitMs: number, pollMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const out = await iam.send(new GenerateCredentialReportCommand({}));
    if (out.State === 'COMPLETE') return;
    if (Date.now() >= deadline) throw new Error(`credential report still ${out.State ?? 'unknown'} after ${waitMs} ms`);
    await sleep(pollMs);
  }
}

/**
 * Reads one account with the IAM API (credentials from the client's provider chain): the
 * credential report (generated when needed, then read; the SDK's Content bytes become base64 as
 * the AWS CLI prints them), the password policy (NoSuchEntity: null, no policy) and the account
 * summary. A part that fails (AccessDenied...) is left out and listed in `problems`.
 */
export async function readAccountSnapshot(
  iam: IAMClient,
  accountId: string,
  options: { config: Pick<AwsAccountConfig, 'reportWaitMs'>; clock?: Clock; pollMs?: number; sleep?: (ms: number) => Promise<void> },
): Promise<{ snapshot: AccountSnapshot; problems: ReadProblem[] }> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const snapshot: AccountSnapshot = { kind: 'AwsAccountSnapshot', accountId, collectedAt: new Date(clock.now()).toISOString() };
  const problems: ReadProblem[] = [];
  try {
    await generateReport(iam, options.config.reportWaitMs, options.pollMs ?? 2000, sleep);
    const r = await iam.send(new GetCredentialReportCommand({}));
    snapshot.credentialReport = { Content: Buffer.from(r.Content ?? new Uint8Array()).toString('base64'), ReportFormat: r.ReportFormat ?? 'text/csv', ...(r.GeneratedTime ? { GeneratedTime: r.GeneratedTime.toISOString() } : {}) };
  } catch (err) {
    problems.push({ part: 'credentialReport', error: `${errName(err)}: ${(err as Error).message}` });
  }
  try {
    const p = await iam.send(new GetAccountPasswordPolicyCommand({}));
    snapshot.passwordPolicy = { PasswordPolicy: { ...(p.PasswordPolicy ?? {}) } };
  } catch (err) {
    if (errName(err) === 'NoSuchEntityException' || errName(err) === 'NoSuchEntity') snapshot.passwordPolicy = null;
    else problems.push({ part: 'passwordPolicy', error: `${errName(err)}: ${(err as Error).message}` });
  }
  try {
    const s = await iam.send(new GetAccountSummaryCommand({}));
    snapshot.accountSummary = { SummaryMap: { ...(s.SummaryMap ?? {}) } };
  } catch (err) {
    problems.push({ part: 'accountSummary', error: `${errName(err)}: ${(err as Error).message}` });
  }
  return { snapshot, problems };
}

/** An IAM client from the collector's config (endpoint and region), default credentials chain unless given. */
export function iamClient(config: Pick<AwsAccountConfig, 'region' | 'endpoint'>, credentials?: { accessKeyId: string; secretAccessKey: string }): IAMClient {
  return new IAMClient({ region: config.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}), ...(credentials ? { credentials } : {}) });
}
