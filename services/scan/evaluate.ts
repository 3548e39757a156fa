import { dirname } from 'node:path';
import { parseConfigFile } from '../collectors/config_files/index.ts';
import { terraformModuleContext, type TerraformModuleContext } from '../collectors/config_files/terraform-hcl.ts';
import { bicepSourcesOf } from '../collectors/config_files/bicep.ts';
import type { ConfigState } from '../core/model/config-state.ts';
import { configStateView, loadRulePacks, ResourceRuleSet, type CompiledRule } from '../rules/index.ts';
import { byPlace, exitCodeOf, severitySummary, type ScanError, type ScanReport, type Severity, type SuppressedViolation, type Violation } from './report.ts';
import { commentSkips, findSkip, resourceSkips, ruleSelected, skipRuleSkips } from './suppressions.ts';

/** One input file: a name (shown in reports, never opened) and its bytes. */
export interface ScanFile {
  name: string;
  bytes: Buffer;
  /** Found while walking a directory: a file that holds no IaC is skipped instead of an error. */
  discovered?: boolean;
}

const NOT_IAC = /not a CloudFormation template, Terraform JSON \(terraform show -json\), ARM template, ECS task definition or Kubernetes manifest/;
const TERRAFORM_SOURCE = /\.(tf|tf\.json|tfvars|tfvars\.json)$/i;

/**
 * The module context (variables with tfvars, locals) of each folder holding Terraform source,
 * built from the .tf / .tf.json / .tfvars files among the inputs of that folder.
 */
function terraformModules(files: readonly ScanFile[]): Map<string, TerraformModuleContext> {
  const byDir = new Map<string, Array<{ name: string; text: string }>>();
  for (const f of files) {
    if (!TERRAFORM_SOURCE.test(f.name)) continue;
    const dir = dirname(f.name);
    const list = byDir.get(dir) ?? [];
    list.push({ name: f.name, text: f.bytes.toString('utf8') });
    byDir.set(dir, list);
  }
  return new Map([...byDir].map(([dir, list]) => [dir, terraformModuleContext(list)]));
}

const cache = new Map<string, ResourceRuleSet>();

/** The posture rules of the packs (default the bundled posture pack), compiled once per pack list. */
export function postureRuleSet(packs: readonly string[] = ['@builtin/posture']): ResourceRuleSet {
  const key = packs.join('\n');
  let set = cache.get(key);
  if (!set) {
    set = new ResourceRuleSet(loadRulePacks(packs).filter((r: CompiledRule) => r.input === 'resource'));
    cache.set(key, set);
  }
  return set;
}

function violation(e: ConfigState, r: CompiledRule): Violation {
  return {
    file: e.location?.file ?? e.resource.uid,
    line: e.location?.line ?? null,
    resource: e.resource.uid,
    resource_name: e.resource.name,
    resource_type: e.resource.type,
    rule: r.id,
    title: r.title,
    severity: r.severity,
    why: r.description,
    fix: r.remediation,
    compliance: r.compliance.map((c) => `${c.standard} ${c.control}`).join('; '),
  };
}

function parseJson(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}


/** A scan stopped because the input holds more resources than allowed (`maxResources`). */
export interface ScanLimitExceeded {
  resources: number;
  maxResources: number;
  file: string;
}

/**
 * Parses every file with the config_files collector (the same ConfigState events live config
 * produces), evaluates the posture rules on each resource's view and builds the report. With
 * maxResources, the scan stops at the first file that takes the count beyond it and says so
 * instead of a report (the scan server answers 413).
 */
/** Options of scanFiles besides the rules: which rules to report (`--rule`), which to skip (`--skip-rule`). */
export interface ScanFilesOptions {
  failOn: Severity;
  rules: ResourceRuleSet;
  errors?: ScanError[];
  /** Rule ids or globs to report; empty or absent: all. */
  only?: readonly string[];
  /** Rule ids or globs whose violations are suppressed (kind skip_rule). */
  skipRules?: readonly string[];
  /** Called with every resource read (the drift check, `--live`, compares them with live items). */
  onResource?: (e: ConfigState) => void;
}

export function scanFiles(files: readonly ScanFile[], opts: ScanFilesOptions): ScanReport;
export function scanFiles(files: readonly ScanFile[], opts: ScanFilesOptions & { maxResources: number }): ScanReport | { limit: ScanLimitExceeded };
export function scanFiles(files: readonly ScanFile[], opts: ScanFilesOptions & { maxResources?: number }): ScanReport | { limit: ScanLimitExceeded } {
  const violations: Violation[] = [];
  const suppressed: SuppressedViolation[] = [];
  const only = opts.only ?? [];
  const cliSkips = skipRuleSkips(opts.skipRules ?? []);
  const errors: ScanError[] = [...(opts.errors ?? [])];
  const skipped: string[] = [];
  let resources = 0;
  const modules = terraformModules(files);
  const bicepSources = bicepSourcesOf(files);
  for (const f of files) {
    const module = TERRAFORM_SOURCE.test(f.name) ? modules.get(dirname(f.name)) : undefined;
    const outs = parseConfigFile(f.name, f.bytes, { time: 0, ...(module ? { terraformModule: module } : {}), ...(bicepSources.size > 0 ? { bicepSources } : {}) });
    const events = outs.flatMap((o) => (o.kind === 'event' && o.stream === 'config' ? [o.event as ConfigState] : []));
    const rejected = outs.flatMap((o) => (o.kind === 'dead_letter' ? [o] : []));
    if (f.discovered && events.length === 0 && rejected.length > 0 && rejected.every((r) => NOT_IAC.test(r.reason))) {
      skipped.push(f.name);
      continue;
    }
    for (const r of rejected) errors.push({ file: f.name, message: r.reason });
    if (opts.maxResources !== undefined && resources + events.length > opts.maxResources) {
      return { limit: { resources: resources + events.length, maxResources: opts.maxResources, file: f.name } };
    }
    const byLine = commentSkips(
      f.name,
      f.bytes.toString('utf8'),
      events.flatMap((e) => (e.location?.line ? [e.location.line] : [])),
    );
    for (const e of events) {
      resources++;
      opts.onResource?.(e);
      const failed = opts.rules.evaluate(configStateView(e)).failed.filter((r) => ruleSelected(r.id, only));
      if (failed.length === 0) continue;
      const skips = [...(e.location?.line ? (byLine.get(e.location.line) ?? []) : []), ...resourceSkips(parseJson(e.configuration), parseJson(e.unmapped)), ...cliSkips];
      for (const rule of failed) {
        const v = violation(e, rule);
        const suppression = findSkip(skips, rule.id);
        if (suppression) suppressed.push({ ...v, suppression });
        else violations.push(v);
      }
    }
  }
  violations.sort(byPlace);
  suppressed.sort(byPlace);
  const summary = severitySummary(violations);
  return {
    tool: 'sluice scan',
    files: files.length,
    resources,
    rules: only.length === 0 ? opts.rules.rules.length : opts.rules.rules.filter((r) => ruleSelected(r.id, only)).length,
    violations,
    suppressed,
    errors,
    skipped,
    summary,
    fail_on: opts.failOn,
    exit_code: exitCodeOf(violations, errors, opts.failOn),
  };
}
