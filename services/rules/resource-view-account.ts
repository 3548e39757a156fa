/**
 * The resource view of one IAM credential report row (`AWS::IAM::UserCredentials`, written by the
 * aws_account collector; the columns are IAM's, "Getting credential reports for your AWS account"
 * in the IAM user guide, with "N/A", "no_information" and "not_supported" read as null). Ages are
 * whole days before `report_time`, the time the account was read, so a rule reads them without a
 * clock: `access_keys[].age_days` (since last rotated), `access_keys[].unused_days` (since last
 * used, else since rotated), `password_unused_days` (since last used, else since the password was
 * set, else since the user was created; null without a console password).
 */
import type { KindEntry, Obj } from './resource-view-util.ts';

const DAY_MS = 86_400_000;

function days(value: unknown, ref: number): number | null {
  if (typeof value !== 'string' || !Number.isFinite(ref)) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.max(0, Math.floor((ref - t) / DAY_MS)) : null;
}

export interface AccessKeyView {
  slot: number;
  active: boolean;
  age_days: number | null;
  last_used_days: number | null;
  unused_days: number | null;
}

/** The view fields of a credential report row (kind `aws.iam.credentials`). */
export function userCredentialsView(c: Obj): Obj {
  const ref = typeof c.report_time === 'string' ? Date.parse(c.report_time) : Number.NaN;
  const isRoot = c.user === '<root_account>';
  const passwordEnabled = c.password_enabled === true;
  const userAge = days(c.user_creation_time, ref);
  const passwordLastUsed = days(c.password_last_used, ref);
  const keys: AccessKeyView[] = [1, 2].map((n) => {
    const age = days(c[`access_key_${n}_last_rotated`], ref);
    const lastUsed = days(c[`access_key_${n}_last_used_date`], ref);
    return { slot: n, active: c[`access_key_${n}_active`] === true, age_days: age, last_used_days: lastUsed, unused_days: lastUsed ?? age };
  });
  return {
    user: typeof c.user === 'string' ? c.user : null,
    arn: typeof c.arn === 'string' ? c.arn : null,
    is_root: isRoot,
    password_enabled: passwordEnabled,
    password_last_used_days: passwordLastUsed,
    password_unused_days: passwordEnabled ? (passwordLastUsed ?? days(c.password_last_changed, ref) ?? userAge) : null,
    user_age_days: userAge,
    mfa_active: c.mfa_active === true,
    access_keys: keys,
    active_access_keys: keys.filter((k) => k.active).length,
  };
}

/** The kinds this file adds to the AWS table of resource-view.ts. */
export const ACCOUNT_KINDS: KindEntry[] = [{ kind: 'aws.iam.credentials', types: ['AWS::IAM::UserCredentials'], build: (_f, c) => userCredentialsView(c) }];
