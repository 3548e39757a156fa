import type { RuleSeverity } from '../rules/index.ts';
import type { DriftReport } from './drift/index.ts';

/** Severity names of `--fail-on` (the rule severities). */
export type Severity = RuleSeverity;

export const SEVERITY_RANK: Record<Severity, number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** One rule a resource of a template fails. */
export interface Violation {
  file: string;
  /** 1-based line where the resource starts, when known. */
  line: number | null;
  /** The resource uid (`iac:<file>#<logical id | address | kind/namespace/name>`). */
  resource: string;
  /** Logical id, Terraform address or Kubernetes name. */
  resource_name: string | null;
  resource_type: string;
  rule: string;
  title: string;
  severity: Severity;
  /** Why it fails: the rule's description. */
  why: string;
  /** How to fix it: the rule's remediation. */
  fix: string | null;
  /** `CIS AWS Foundations 3.0.0 2.1.4; AWS FSBP S3.8`. */
  compliance: string;
  /** IaC-to-live drift (`--live`, rule `drift.<attribute>`): the two values and the live resource. */
  drift?: ViolationDrift;
}

/** What a drift violation compares (services/scan/drift). Values are JSON text, secrets masked. */
export interface ViolationDrift {
  attribute: string;
  template_value: string;
  live_value: string;
  live_uid: string;
  live_type: string;
  matched_by: string;
  live_risk: string | null;
}

/** Where a suppression came from; SARIF kind `inSource` for comment, annotation and metadata, `external` for the others. */
export type SuppressionKind = 'comment' | 'annotation' | 'metadata' | 'baseline' | 'skip_rule';

/** Why a violation is not counted (services/scan/suppressions.ts). */
export interface Suppression {
  kind: SuppressionKind;
  /** The reason given ('' when none was). */
  justification: string;
  /** Where it was written: `file:line`, the annotation key, the baseline file, `--skip-rule <rule>`. */
  source: string;
}

/** A violation kept in the report but not counted: it does not change the summary or the exit code. */
export interface SuppressedViolation extends Violation {
  suppression: Suppression;
}

/** A file or document that could not be read. */
export interface ScanError {
  file: string;
  message: string;
}

/** The result of a scan: what `--format json` prints and POST /v1/scan answers. */
export interface ScanReport {
  tool: 'sluice scan';
  files: number;
  resources: number;
  rules: number;
  violations: Violation[];
  /** Violations suppressed in the source, by --skip-rule or by a baseline: reported, not counted. */
  suppressed: SuppressedViolation[];
  errors: ScanError[];
  /** Files found in directories that hold no infrastructure-as-code (ignored). */
  skipped: string[];
  summary: Record<Severity, number>;
  fail_on: Severity;
  /** `--live`: the IaC-to-live drift check (services/scan/drift); absent without `--live`. */
  drift?: DriftReport;
  /** 0 clean, 1 a violation at or above fail_on, 2 a parse or usage error. */
  exit_code: 0 | 1 | 2;
}

/** The order of violations in a report: file, line, resource, rule. */
export const byPlace = (a: Violation, b: Violation): number => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.resource.localeCompare(b.resource) || a.rule.localeCompare(b.rule);

/** Violations counted by severity (the report's `summary`). */
export function severitySummary(violations: readonly Violation[]): Record<Severity, number> {
  const summary: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
  for (const v of violations) summary[v.severity]++;
  return summary;
}

/** The exit code of a report: 2 when any file could not be read, 1 when a violation reaches failOn or any drift (`--live`) is found, else 0. */
export function exitCodeOf(violations: readonly Violation[], errors: readonly ScanError[], failOn: Severity): 0 | 1 | 2 {
  if (errors.length > 0) return 2;
  return violations.some((v) => v.drift !== undefined || SEVERITY_RANK[v.severity] >= SEVERITY_RANK[failOn]) ? 1 : 0;
}
