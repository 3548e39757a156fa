/**
 * deactivate_access_key actions for alerts about an IAM user's long-term access key (config
 * `detectors.signatures.actions.deactivateAccessKey`, off by default). Which key:
 * - the key the event minted or brought back: `CreateAccessKey` (responseElements.accessKey) and
 *   `UpdateAccessKey` to `Active` (requestParameters) — a backdoor key;
 * - otherwise the long-term key (`AKIA…`) of the IAM user that made the call — a stolen key.
 * Root keys, temporary credentials (`ASIA…`, role sessions) and other clouds have no such action:
 * the reason is counted instead, so nothing is skipped silently.
 */
import { accessKeyTarget, executorAction, type ExecutorActionInput } from '../../core/actions.ts';
import type { SideOutput } from '../../core/components.ts';
import type { ApiActivity, Finding } from '../../core/events.ts';
import type { CompiledRule } from '../../rules/index.ts';
import { DETECTOR_NAME } from './finding.ts';

/** IAM access key ids: AKIA (long-term user keys); the executor's own pattern is wider. */
const LONG_TERM_KEY = /^AKIA[A-Z0-9]{12,124}$/;
/** IAM user names as IAM allows them. */
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

/** The key to deactivate, or why there is none. */
export type KeyChoice = { key: string; userName: string | null; which: 'created' | 'caller' } | { skip: string };

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function path(o: unknown, ...keys: string[]): unknown {
  let v = o;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function userName(v: unknown): string | null {
  const s = str(v);
  return s !== null && USER_NAME.test(s) ? s : null;
}

/** The access key an alert on this CloudTrail event is about (see the module comment). */
export function chooseKey(e: ApiActivity): KeyChoice {
  if (e.metadata.source !== 'aws_cloudtrail') return { skip: 'not a CloudTrail event' };
  let u: unknown = null;
  try {
    u = JSON.parse(e.unmapped);
  } catch {
    // A malformed unmapped text leaves only the caller's key to choose from.
  }
  if (e.api.service_name === 'iam.amazonaws.com' && e.api.operation === 'CreateAccessKey') {
    const key = str(path(u, 'responseElements', 'accessKey', 'accessKeyId'));
    if (key === null || !LONG_TERM_KEY.test(key)) return { skip: 'CreateAccessKey without the new key id in responseElements' };
    return { key, userName: userName(path(u, 'responseElements', 'accessKey', 'userName')) ?? userName(path(u, 'requestParameters', 'userName')), which: 'created' };
  }
  if (e.api.service_name === 'iam.amazonaws.com' && e.api.operation === 'UpdateAccessKey' && path(u, 'requestParameters', 'status') === 'Active') {
    const key = str(path(u, 'requestParameters', 'accessKeyId'));
    if (key === null || !LONG_TERM_KEY.test(key)) return { skip: 'UpdateAccessKey without a long-term key id' };
    // Without userName the call acts on the caller's own keys (IAM API reference, UpdateAccessKey).
    const owner = userName(path(u, 'requestParameters', 'userName')) ?? (e.actor.user.type === 'IAMUser' ? userName(e.actor.user.name) : null);
    return { key, userName: owner, which: 'created' };
  }
  const caller = accessKeyTarget(e.actor.user);
  if (caller !== null) return { key: caller.access_key_id, userName: userName(caller.user_name), which: 'caller' };
  if (e.actor.user.type === 'Root') return { skip: 'a root access key (only the root user can deactivate it)' };
  if (e.actor.user.type !== 'IAMUser') return { skip: `the caller is a ${e.actor.user.type ?? 'principal'} with temporary credentials, not an IAM user key` };
  return { skip: 'the call was not made with a long-term access key (AKIA…) of a named IAM user' };
}

/** The action for one finding of a rule listed in the config, or the reason there is none. */
export function deactivateKeyAction(rule: CompiledRule, e: ApiActivity, f: Finding): { action: SideOutput } | { skip: string } {
  const choice = chooseKey(e);
  if ('skip' in choice) return choice;
  const account = e.cloud.account_uid;
  const arn = account && choice.userName ? `arn:aws:iam::${account}:user/${choice.userName}` : `access-key:${choice.key}`;
  const input: ExecutorActionInput = {
    detector: DETECTOR_NAME,
    rule: rule.id,
    action: 'deactivate_access_key',
    target: { access_key_id: choice.key, ...(choice.userName ? { user_name: choice.userName } : {}) },
    resourceUid: arn,
    account: account && /^\d{12}$/.test(account) ? account : null,
    region: null,
    reason: `${rule.title} (${rule.id}): deactivate the ${choice.which === 'created' ? 'access key the event created or reactivated' : 'access key that made the call'}`,
    findingId: f.id,
    eventUid: e.metadata.uid,
    time: e.time,
    severity: f.severity,
  };
  return { action: executorAction(input) };
}
