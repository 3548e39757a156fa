import type { ApiActivity, Finding } from '../events.ts';
import type { ConfigState } from '../model/config-state.ts';
import type { NetworkFlow } from '../model/network-flow.ts';
import { apiActivityToOcsf } from './api-activity.ts';
import type { OcsfObject } from './common.ts';
import { configStateToOcsf } from './config-state.ts';
import { findingToOcsf as findingOcsf } from './finding.ts';
import { networkActivityToOcsf } from './network-activity.ts';
import type { ProcessEvent } from '../model/process-event.ts';
import { processActivityToOcsf } from './process-activity.ts';
import { assertValidOcsf } from './validate.ts';

export { apiActivityToOcsf, authenticationToOcsf } from './api-activity.ts';
export { configStateToOcsf } from './config-state.ts';
export { networkActivityToOcsf } from './network-activity.ts';
export { processActivityToOcsf } from './process-activity.ts';
export { compact, type OcsfObject, type OcsfValue } from './common.ts';
export { OCSF_SCHEMA_VERSION } from './schema.ts';
export { assertValidOcsf, ocsfProblems, type OcsfProblem } from './validate.ts';

/**
 * With SLUICE_OCSF_ASSERT=1 (the test runner sets it), every finding and event rendered to OCSF is
 * validated against the official schema on the spot, and an invalid one throws with its path: the
 * whole test suite then proves that what Sluice emits is valid OCSF.
 */
const ASSERT = process.env.SLUICE_OCSF_ASSERT === '1';

function checked(o: OcsfObject, what: string): OcsfObject {
  if (ASSERT) assertValidOcsf(o, what);
  return o;
}

/** A finding in OCSF 1.8.0 form (see finding.ts). */
export function findingToOcsf(f: Finding): OcsfObject {
  return checked(findingOcsf(f), `finding ${f.detector}/${f.rule}`);
}

/**
 * The OCSF form of a normalized event of one of the OCSF streams (activity 6003, flow 4001,
 * config 5023, process 1007), or null for the streams that are not OCSF events (object chunks, image
 * inventories, advisories), which keep their own documented records.
 */
export function eventToOcsf(event: unknown): OcsfObject | null {
  if (typeof event !== 'object' || event === null) return null;
  switch ((event as { class_uid?: unknown }).class_uid) {
    case 6003:
      return checked(apiActivityToOcsf(event as ApiActivity), 'API Activity (or Authentication) event');
    case 4001:
      return checked(networkActivityToOcsf(event as NetworkFlow), 'Network Activity event');
    case 5023:
      return checked(configStateToOcsf(event as ConfigState), 'Cloud Resources Inventory Info event');
    case 1007:
      return checked(processActivityToOcsf(event as ProcessEvent), 'Process Activity event');
    default:
      return null;
  }
}

/** Findings and events alike: the OCSF form of anything Sluice publishes. */
export function toOcsf(record: Finding | ApiActivity | NetworkFlow | ConfigState | ProcessEvent): OcsfObject {
  if ('finding_info' in record) return findingToOcsf(record);
  const o = eventToOcsf(record);
  if (!o) throw new Error(`no OCSF form for class ${(record as { class_uid?: unknown }).class_uid}`);
  return o;
}
