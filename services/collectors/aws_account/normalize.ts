import { createHash } from 'node:crypto';
import type { ConfigState } from '../../core/model/config-state.ts';
import { normalizeConfigItem, rootContext } from '../aws_config/index.ts';
import { isObj, malformed, typeName, type Obj } from '../fields.ts';
import { csvRecords } from './csv.ts';

export const SOURCE_TYPE = 'aws_account';

/**
 * Resource types of the account-level items. Not AWS Config types: IAM answers them
 * (GetAccountSummary, GetAccountPasswordPolicy, the credential report); the posture views read
 * them in the IAM API's own spelling (services/rules/resource-view.ts, resource-view-account.ts).
 */
export const ACCOUNT_TYPES = {
  summary: 'AWS::IAM::AccountSummary',
  passwordPolicy: 'AWS::IAM::AccountPasswordPolicy',
  credentials: 'AWS::IAM::UserCredentials',
} as const;

/** What the live reader (reader.ts) writes for one account: one record, also a file form. */
export interface AccountSnapshot {
  kind: 'AwsAccountSnapshot';
  accountId: string;
  /** When it was read: the reference time of the credential report's ages. */
  collectedAt: string;
  /** GetCredentialReport's response, Content as base64 (as the AWS CLI prints it); absent when not read. */
  credentialReport?: { Content: string; ReportFormat?: string; GeneratedTime?: string } | null;
  /** GetAccountPasswordPolicy's response; null when IAM answered NoSuchEntity (no policy: every setting at its weakest); absent when not read. */
  passwordPolicy?: { PasswordPolicy: Obj } | null;
  /** GetAccountSummary's response; absent when not read. */
  accountSummary?: { SummaryMap: Obj } | null;
}

export interface AccountNormalizeOptions {
  /** Account of the CLI response forms that carry none (password policy, summary). */
  accountId?: string | undefined;
  maxConfigurationBytes?: number;
  /** The time given to the CLI response forms that carry none (default: now). */
  now?: () => number;
}

const ACCOUNT_RE = /^\d{12}$/;
const ARN_ACCOUNT = /^arn:aws[a-z-]*:iam::(\d{12}):/;
/** Credential report values that mean "no value" (AWS IAM user guide, "Getting credential reports"). */
const NO_VALUE = new Set(['N/A', 'no_information', 'not_supported', '']);

/** A credential report cell as JSON: true/false as booleans, the "no value" words as null, else the text. */
function cell(v: string): string | boolean | null {
  if (NO_VALUE.has(v)) return null;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return v;
}

const REPORT_COLUMNS = ['user', 'arn', 'user_creation_time', 'password_enabled', 'mfa_active', 'access_key_1_active', 'access_key_2_active'];

/** The rows of a credential report (base64 or plain CSV text). */
export function credentialRows(content: string): Array<Record<string, string>> {
  const text = /^[A-Za-z0-9+/=\s]+$/.test(content) && !content.includes(',') ? Buffer.from(content, 'base64').toString('utf8') : content;
  let rows: Array<Record<string, string>>;
  try {
    rows = csvRecords(text);
  } catch (err) {
    malformed(`credential report: ${(err as Error).message}`);
  }
  const missing = REPORT_COLUMNS.filter((c) => rows.length > 0 && !Object.hasOwn(rows[0]!, c));
  if (missing.length > 0) malformed(`credential report: no ${missing.join(', ')} column`);
  return rows;
}

function item(type: string, account: string, id: string, name: string | null, captured: string, configuration: Obj, arn?: string): Obj {
  const hash = createHash('sha256').update(JSON.stringify(configuration)).digest('hex').slice(0, 16);
  return {
    version: '1.3',
    accountId: account,
    configurationItemCaptureTime: captured,
    configurationItemStatus: 'OK',
    configurationStateId: hash,
    ...(arn ? { arn } : {}),
    resourceType: type,
    resourceId: id,
    resourceName: name,
    awsRegion: 'global',
    configuration,
    supplementaryConfiguration: {},
  };
}

function states(items: readonly Obj[], logName: string, raw: unknown, opts: AccountNormalizeOptions): ConfigState[] {
  return items.map((it) => {
    const e = normalizeConfigItem(it, { ...rootContext(), snapshot: true }, raw, opts.maxConfigurationBytes === undefined ? {} : { maxConfigurationBytes: opts.maxConfigurationBytes });
    return { ...e, metadata: { ...e.metadata, product_name: 'IAM', source: SOURCE_TYPE, log_name: logName } };
  });
}

function timeText(v: unknown, what: string): string {
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) malformed(`${what} must be an ISO time, got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeName(v)}`);
  return new Date(ms).toISOString();
}

/** One item per credential report row (the root row `<root_account>` included), as of `asOf`. */
function credentialItems(report: Obj, account: string | null, asOf: string | null): { items: Obj[]; account: string } {
  if (typeof report.Content !== 'string') malformed(`credential report Content must be text (base64 or CSV), got ${typeName(report.Content)}`);
  const rows = credentialRows(report.Content);
  const generated = report.GeneratedTime === undefined || report.GeneratedTime === null ? null : timeText(report.GeneratedTime, 'GeneratedTime');
  const reportTime = asOf ?? generated;
  if (reportTime === null) malformed('credential report has no GeneratedTime (and no collectedAt)');
  const acct = account ?? rows.map((r) => ARN_ACCOUNT.exec(r.arn ?? '')?.[1]).find((a) => a !== undefined) ?? null;
  if (acct === null) malformed('credential report: no account id (no row ARN names one)');
  const items = rows.map((r) => {
    const configuration: Obj = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cell(v)]));
    configuration.report_time = reportTime;
    configuration.generated_time = generated;
    const isRoot = r.user === '<root_account>';
    return item(ACCOUNT_TYPES.credentials, acct, isRoot ? 'root' : r.user!, r.user ?? null, reportTime, configuration);
  });
  return { items, account: acct };
}

function summaryItem(summary: Obj, account: string, captured: string): Obj {
  if (!isObj(summary.SummaryMap)) malformed(`SummaryMap must be an object, got ${typeName(summary.SummaryMap)}`);
  return item(ACCOUNT_TYPES.summary, account, account, account, captured, { ...summary.SummaryMap });
}

function passwordPolicyItem(policy: Obj | null, account: string, captured: string): Obj {
  if (policy !== null && !isObj(policy.PasswordPolicy)) malformed(`PasswordPolicy must be an object, got ${typeName(policy.PasswordPolicy)}`);
  // No policy (NoSuchEntity): IAM's defaults, 8 characters with no other requirement; PolicyPresent false says so.
  const configuration: Obj = policy === null ? { PolicyPresent: false } : { ...(policy.PasswordPolicy as Obj), PolicyPresent: true };
  return item(ACCOUNT_TYPES.passwordPolicy, account, account, account, captured, configuration);
}

/**
 * One native record -> the account's config items: an AwsAccountSnapshot (what the live reader
 * writes), or one of the AWS CLI responses `aws iam get-credential-report`,
 * `get-account-password-policy`, `get-account-summary`. Throws (malformed) on anything else.
 */
export function normalizeAccountRecord(record: unknown, opts: AccountNormalizeOptions = {}): ConfigState[] {
  if (!isObj(record)) malformed(`an IAM account record must be a JSON object, got ${typeName(record)}`);
  if (record.kind === 'AwsAccountSnapshot') {
    if (typeof record.accountId !== 'string' || !ACCOUNT_RE.test(record.accountId)) malformed('AwsAccountSnapshot.accountId must be a 12-digit account id');
    const account = record.accountId;
    const at = timeText(record.collectedAt, 'AwsAccountSnapshot.collectedAt');
    const out: ConfigState[] = [];
    if (isObj(record.accountSummary)) out.push(...states([summaryItem(record.accountSummary, account, at)], 'GetAccountSummary', record.accountSummary, opts));
    if (record.passwordPolicy === null || isObj(record.passwordPolicy)) out.push(...states([passwordPolicyItem(record.passwordPolicy, account, at)], 'GetAccountPasswordPolicy', record.passwordPolicy, opts));
    if (isObj(record.credentialReport)) {
      const { items } = credentialItems(record.credentialReport, account, at);
      out.push(...states(items, 'GetCredentialReport', { GeneratedTime: record.credentialReport.GeneratedTime ?? null }, opts));
    }
    if (out.length === 0) malformed('AwsAccountSnapshot holds no accountSummary, passwordPolicy or credentialReport');
    return out;
  }
  if (typeof record.Content === 'string' && (record.ReportFormat === undefined || record.ReportFormat === 'text/csv')) {
    const { items } = credentialItems(record, opts.accountId ?? null, null);
    return states(items, 'GetCredentialReport', { GeneratedTime: record.GeneratedTime ?? null, ReportFormat: record.ReportFormat ?? null }, opts);
  }
  if (Object.hasOwn(record, 'PasswordPolicy') || Object.hasOwn(record, 'SummaryMap')) {
    if (!opts.accountId) malformed('a GetAccountPasswordPolicy / GetAccountSummary response names no account: set collectors.aws_account.accountId, or read the account with the live reader (AwsAccountSnapshot)');
    const now = new Date((opts.now ?? Date.now)()).toISOString();
    return Object.hasOwn(record, 'SummaryMap')
      ? states([summaryItem(record, opts.accountId, now)], 'GetAccountSummary', record, opts)
      : states([passwordPolicyItem(record, opts.accountId, now)], 'GetAccountPasswordPolicy', record, opts);
  }
  malformed('not an IAM account record: expected an AwsAccountSnapshot or a GetCredentialReport, GetAccountPasswordPolicy or GetAccountSummary response');
}

/** True for the records normalizeAccountRecord reads. */
export function sniffAwsAccount(record: unknown): boolean {
  if (!isObj(record)) return false;
  if (record.kind === 'AwsAccountSnapshot') return true;
  if (typeof record.Content === 'string' && record.ReportFormat === 'text/csv') return true;
  return isObj(record.SummaryMap) && Object.hasOwn(record.SummaryMap, 'AccountMFAEnabled') || (isObj(record.PasswordPolicy) && Object.hasOwn(record.PasswordPolicy, 'MinimumPasswordLength'));
}
