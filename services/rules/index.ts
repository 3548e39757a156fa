/**
 * The Sluice rule engine: rules as data (YAML packs), conditions in CEL (@bufbuild/cel), compiled
 * once at startup, evaluated per event with an index by source and operation, with dedup and
 * threshold windows over per-key JSON state. See README.md.
 */
export { loadRulePacks, compileRuleSources, resolvePackDir, formatProblems, BUILTIN_PACKS_DIR } from './loader.ts';
export type { RuleProblem, RuleSource } from './loader.ts';
export { compileRule, testActivity } from './compile.ts';
export type { CompiledRule, ConditionResult, RuleAttack, RuleBindings } from './compile.ts';
export { ActivityRuleSet } from './ruleset.ts';
export type { ActivityEvaluation } from './ruleset.ts';
export { applyWindows, emptyWindowState, isEmptyState, isStateful, DEFAULT_WINDOW_LIMITS } from './windows.ts';
export type { WindowDecision, WindowLimits, WindowSlot, WindowState } from './windows.ts';
export { ACTIVITY_SOURCES, FINDING_SEVERITY, RULE_SEVERITIES, durationMs } from './schema.ts';
export type { RuleDoc, RuleSeverity, RuleTestCase } from './schema.ts';
export { INPUT_VARIABLES, RULE_ENV } from './env.ts';
export type { RuleInput } from './env.ts';
export { activityBindings, wrap as celValue } from './view.ts';
export { HELPER_NAMES } from './helpers.ts';
export { ResourceRuleSet } from './resource-ruleset.ts';
export type { ResourceEvaluation } from './resource-ruleset.ts';
export { resourceView, configStateView, resourceKind, formatOf, parseConfiguration, policyDocument, podSpecOf, RESOURCE_KINDS } from './resource-view.ts';
export type { ResourceView, ResourceInput, ResourceFormat, PermissionView } from './resource-view.ts';
export { RESOURCE_FORMATS } from './schema.ts';
export { loadCoverage, loadCatalogues, coverageReport, formatCoverage, COVERAGE_DIR, COVERAGE_SOURCES } from './coverage.ts';
export type { CoverageReport, LoadedEntry, Catalogue, SourceCoverage, CoverageSource } from './coverage.ts';
