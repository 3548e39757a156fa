import { findingId } from './finding-id.ts';
import type { SideOutput } from './components.ts';

/** The value of a remediation action event on the `actions` stream (sluice.actions.v1, JSON). */
export interface RemediationAction {
  /** Deterministic: the same rule, resource and triggering event always give the same id. */
  id: string;
  type: 'posture.remediate';
  /** Detector that asked for it. */
  detector: string;
  rule: string;
  title: string;
  severity: string;
  resource_uid: string;
  resource_type: string;
  /** The rule's remediation text (what to do). */
  remediation: string;
  /** The compliance finding behind the action. */
  finding_id: string;
  /** Event time of the configuration that failed, epoch ms. */
  time: number;
  [field: string]: unknown;
}

/** Input of remediationAction. */
export interface RemediationActionInput {
  detector: string;
  rule: string;
  title: string;
  severity: string;
  resourceUid: string;
  resourceType: string;
  remediation: string;
  findingId: string;
  eventUid: string;
  time: number;
}

/** Builds the side output of one remediation action; the id hashes detector, rule, resource and event uid. */
export function remediationAction(i: RemediationActionInput): SideOutput & { value: RemediationAction } {
  const id = findingId(`${i.detector}.action`, i.rule, i.resourceUid, [i.eventUid]);
  return {
    stream: 'actions',
    key: i.resourceUid,
    value: {
      id,
      type: 'posture.remediate',
      detector: i.detector,
      rule: i.rule,
      title: i.title,
      severity: i.severity,
      resource_uid: i.resourceUid,
      resource_type: i.resourceType,
      remediation: i.remediation,
      finding_id: i.findingId,
      time: i.time,
    },
  };
}

/** The outcomes of an action result. */
export const ACTION_OUTCOMES = ['done', 'dry_run', 'refused', 'already_done', 'failed'] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

/**
 * The value of one record on the action results topic (sluice.action-results.v1, JSON, keyed by
 * action id), written by the remediator and the enforcer, stored by the ClickHouse sink in
 * `{db}.action_results`.
 */
export interface ActionResult {
  action_id: string;
  /** The executor (an action kind such as s3.quarantine), `webhook`, or `none` when no handler could be chosen. */
  executor: string;
  outcome: ActionOutcome;
  /** One sentence: what was done or would be done, or why not (the error of a failed action). */
  reason: string;
  /** The steps carried out (done), or that would be (dry_run), e.g. "CopyObject s3://a/b -> s3://q/c". */
  steps: string[];
  /** The account (AWS account id, Azure storage account, GCP project, Kubernetes cluster) acted in. */
  account: string | null;
  region: string | null;
  /** The resource acted on (bucket/key/version, group and rule, user and key). */
  target: Record<string, unknown>;
  finding_id: string | null;
  detector: string | null;
  dry_run: boolean;
  /** When the outcome was reached, epoch ms. */
  time: number;
}

/** Why a value read from the results topic is not an ActionResult, or null when it is one. */
export function actionResultProblem(v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  if (typeof r.action_id !== 'string' || r.action_id === '') return 'action_id is missing';
  if (typeof r.executor !== 'string' || r.executor === '') return 'executor is missing';
  if (!(ACTION_OUTCOMES as readonly unknown[]).includes(r.outcome)) return `outcome ${JSON.stringify(r.outcome ?? null)} is not one of ${ACTION_OUTCOMES.join(', ')}`;
  if (typeof r.time !== 'number' || !Number.isFinite(r.time) || r.time < 0 || r.time >= 4_294_967_296_000) return 'time is not epoch ms between 1970 and 2106';
  if (typeof r.dry_run !== 'boolean') return 'dry_run is not a boolean';
  if (typeof r.reason !== 'string') return 'reason is not a string';
  if (r.steps !== undefined && (!Array.isArray(r.steps) || r.steps.some((s) => typeof s !== 'string'))) return 'steps is not a list of strings';
  return null;
}

/** The executor actions a detector may request (services/remediation/README.md: action events the executors accept). */
export type ExecutorActionName = 'revoke_ingress' | 'block_public_access' | 'deactivate_access_key';

/** Input of executorAction. */
export interface ExecutorActionInput {
  detector: string;
  /** The rule or finding kind behind the request; part of the id. */
  rule: string;
  action: ExecutorActionName;
  /** What the executor acts on (see the remediation README per action). */
  target: Record<string, unknown>;
  /** The resource the finding is about (an ARN lets the remediator take account and region from it). */
  resourceUid: string;
  account: string | null;
  region: string | null;
  reason: string;
  findingId: string;
  /** The triggering event: part of the id, so a replay emits the same id and a new event a new one. */
  eventUid: string;
  time: number;
  severity?: string;
}

/**
 * The side output of an executor action on the `actions` stream (signed by the processor like every
 * action record): `{ id, action, target, resource_uid, account, region, reason, finding_id,
 * detector, rule, time }`. The id hashes detector, rule, action, target and event uid.
 */
export function executorAction(i: ExecutorActionInput): SideOutput {
  const id = findingId(`${i.detector}.action`, `${i.rule}:${i.action}`, i.resourceUid, [JSON.stringify(i.target), i.eventUid]);
  return {
    stream: 'actions',
    key: i.resourceUid,
    value: {
      id,
      action: i.action,
      target: i.target,
      resource_uid: i.resourceUid,
      ...(i.account ? { account: i.account } : {}),
      ...(i.region ? { region: i.region } : {}),
      reason: i.reason,
      finding_id: i.findingId,
      detector: i.detector,
      rule: i.rule,
      ...(i.severity ? { severity: i.severity } : {}),
      time: i.time,
    },
  };
}

/** An ingress permission as the resource views write it. */
export interface IngressPermission {
  protocol: string;
  from_port: number;
  to_port: number;
  cidrs: readonly string[];
}

/** The world-open ranges of a permission (0.0.0.0/0, ::/0). */
export function worldCidrs(p: IngressPermission): Array<'0.0.0.0/0' | '::/0'> {
  return (['0.0.0.0/0', '::/0'] as const).filter((c) => p.cidrs.includes(c));
}

/** A revoke_ingress target for the world-open forms of one permission of security group `groupId`. */
export function revokeIngressTarget(groupId: string, p: IngressPermission, arn: string | null): Record<string, unknown> {
  const world = worldCidrs(p);
  return {
    group_id: groupId,
    protocol: p.protocol,
    ...(p.protocol === '-1' ? {} : { from_port: p.from_port, to_port: p.to_port }),
    ...(world.length === 1 ? { cidr: world[0] } : {}),
    ...(arn ? { arn } : {}),
  };
}

/**
 * The deactivate_access_key target of an API call's actor, or null when there is no key to
 * deactivate: only an IAM user's long-term key (AKIA...) can be; temporary credentials (ASIA...,
 * from STS: revoke the role's sessions instead), the root user and unknown users cannot.
 */
export function accessKeyTarget(user: { type: string | null; name: string | null; credential_uid: string | null }): { user_name: string; access_key_id: string } | null {
  const key = user.credential_uid;
  if (user.type !== 'IAMUser' || !user.name || !key || !/^AKIA[A-Z0-9]{12,124}$/.test(key)) return null;
  return { user_name: user.name, access_key_id: key };
}
