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
