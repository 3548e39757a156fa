/**
 * IaC-to-live drift: template resources (config_files ConfigState) matched to live AWS Config
 * items by real identifiers and compared on security-relevant attributes. See README.md.
 */
import type { ConfigState } from '../../core/model/config-state.ts';
import { findingToOcsf, type OcsfObject } from '../../core/ocsf/index.ts';
import type { Violation } from '../report.ts';
import { compareResources, type DriftDifference } from './compare.ts';
import { driftFinding } from './finding.ts';
import type { LiveInventory } from './live.ts';
import { matchResources, type MatchOptions } from './match.ts';

export { readLiveInputs, collectLive, newestPerResource, LiveInputError, MAX_LIVE_FILE_BYTES, MAX_LIVE_FILES } from './live.ts';
export type { LiveInventory } from './live.ts';
export { matchResources } from './match.ts';
export type { DriftPair, DriftUnpaired, MatchResult, MatchOptions } from './match.ts';
export { compareResources, maskedJson, templateGap } from './compare.ts';
export type { DriftDifference } from './compare.ts';
export { ATTRIBUTES, attributesFor } from './attributes.ts';
export type { AttributeSpec } from './attributes.ts';
export { driftFinding, DRIFT_DETECTOR } from './finding.ts';
export { TERRAFORM_NAMES, CLOUDFORMATION_NAMES, TERRAFORM_UNNAMED, CFN_LOGICAL_ID_TAG, CFN_STACK_NAME_TAG } from './identifiers.ts';
export type { NameIdentifier } from './identifiers.ts';

/** One template resource matched to a live item, and what differs. */
export interface DriftMatch {
  template: { file: string; line: number | null; column: null; address: string; type: string; uid: string };
  live: { uid: string; type: string; name: string | null; account: string | null; region: string | null; captured: string };
  matched_by: string;
  differences: DriftDifference[];
}

/** The drift part of a scan report (`--live`). */
export interface DriftReport {
  live_files: number;
  live_items: number;
  /** Records of the live inputs that are not configuration items (with the reason), not counted. */
  live_rejected: Array<{ file: string; reason: string }>;
  matched: DriftMatch[];
  /** Template resources without a live item: unmatched, ambiguous or not matchable, with the reason. */
  unpaired: Array<{ file: string; line: number | null; address: string; type: string; status: 'unmatched' | 'ambiguous' | 'not_matchable'; reason: string }>;
  /** Number of differing attributes. */
  drifted: number;
  /** The drift findings in OCSF 1.8.0 form (Detection Finding 2004), one per differing attribute. */
  findings: OcsfObject[];
}

function templateRef(t: ConfigState): DriftMatch['template'] {
  return { file: t.location?.file ?? t.resource.uid, line: t.location?.line ?? null, column: null, address: t.resource.name ?? t.resource.uid, type: t.resource.type, uid: t.resource.uid };
}

/** Matches and compares; the report lists every pair, every unpaired resource and the findings. */
export function checkDrift(templates: readonly ConfigState[], live: LiveInventory, opts: MatchOptions = {}): DriftReport {
  const { pairs, unpaired } = matchResources(templates, live.items, opts);
  const matched: DriftMatch[] = [];
  const findings: OcsfObject[] = [];
  for (const p of pairs) {
    const differences = compareResources(p.template, p.live, templates);
    matched.push({
      template: templateRef(p.template),
      live: { uid: p.live.resource.uid, type: p.live.resource.type, name: p.live.resource.name, account: p.live.resource.account_uid, region: p.live.resource.region, captured: new Date(p.live.time).toISOString() },
      matched_by: p.matchedBy,
      differences,
    });
    for (const d of differences) findings.push(findingToOcsf(driftFinding(p, d)));
  }
  return {
    live_files: live.files,
    live_items: live.items.length,
    live_rejected: live.rejected,
    matched,
    unpaired: unpaired.map((u) => {
      const r = templateRef(u.template);
      return { file: r.file, line: r.line, address: r.address, type: r.type, status: u.status, reason: u.reason };
    }),
    drifted: matched.reduce((n, m) => n + m.differences.length, 0),
    findings,
  };
}

/** The drift differences as scan violations (rule `drift.<attribute>`), so text, JSON, SARIF, suppressions and baselines treat them alike. */
export function driftViolations(r: DriftReport): Violation[] {
  return r.matched.flatMap((m) =>
    m.differences.map((d) => ({
      file: m.template.file,
      line: m.template.line,
      resource: m.template.uid,
      resource_name: m.template.address,
      resource_type: m.template.type,
      rule: `drift.${d.attribute}`,
      title: `IaC drift: ${d.title}`,
      severity: d.severity,
      why: `${d.title} of the live ${m.live.type} ${m.live.uid} (matched by ${m.matched_by}) is ${d.live_value}; the template says ${d.template_value}.${d.live_risk ? ` Live risk: ${d.live_risk}.` : ''}`,
      fix: 'Bring the live resource back to the template (apply the template again), or change the template to what is intended and review why the live configuration was changed outside it.',
      compliance: '',
      drift: { attribute: d.attribute, template_value: d.template_value, live_value: d.live_value, live_uid: m.live.uid, live_type: m.live.type, matched_by: m.matched_by, live_risk: d.live_risk },
    })),
  );
}
