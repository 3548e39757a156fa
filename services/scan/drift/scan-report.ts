/**
 * `sluice scan --live`: the drift check added to a scan report. Drift violations obey `--rule`
 * and `--skip-rule` (and, later, `--baseline`) like the posture ones; any drift left makes the
 * exit code 1.
 */
import type { ConfigState } from '../../core/model/config-state.ts';
import { byPlace, exitCodeOf, severitySummary, type ScanReport, type SuppressedViolation } from '../report.ts';
import { findSkip, ruleSelected, skipRuleSkips } from '../suppressions.ts';
import { checkDrift, driftViolations } from './index.ts';
import type { LiveInventory } from './live.ts';

export interface DriftScanOptions {
  only?: readonly string[];
  skipRules?: readonly string[];
  /** CloudFormation: only live items of this stack. */
  stackName?: string;
  /** Template file name → text (Terraform references are read from the source). */
  sources?: ReadonlyMap<string, string>;
}

/** The report with the drift check's violations merged in, the summary and exit code recomputed, and `drift` set. */
export function withDrift(report: ScanReport, templates: readonly ConfigState[], live: LiveInventory, opts: DriftScanOptions = {}): ScanReport {
  const drift = checkDrift(templates, live, { ...(opts.stackName !== undefined ? { stackName: opts.stackName } : {}), ...(opts.sources ? { sources: opts.sources } : {}) });
  const skips = skipRuleSkips(opts.skipRules ?? []);
  const violations = [...report.violations];
  const suppressed: SuppressedViolation[] = [...report.suppressed];
  for (const v of driftViolations(drift)) {
    if (!ruleSelected(v.rule, opts.only ?? [])) continue;
    const suppression = findSkip(skips, v.rule);
    if (suppression) suppressed.push({ ...v, suppression });
    else violations.push(v);
  }
  violations.sort(byPlace);
  suppressed.sort(byPlace);
  return { ...report, violations, suppressed, summary: severitySummary(violations), drift, exit_code: exitCodeOf(violations, report.errors, report.fail_on) };
}
