import { isCelError, plan } from '@bufbuild/cel';
import type { ApiActivity } from '../core/events.ts';
import { checkExpression, operationFilter, operationPatterns, parseCondition, serviceFilter, type OperationPatterns, type ParsedCondition } from './check.ts';
import { RULE_ENV, type RuleInput } from './env.ts';
import { str, toPlain } from './helpers.ts';
import { durationMs, MAX_PERIOD_MS, MAX_WINDOW_MS, type RuleDoc, type RuleSeverity, type RuleTestCase } from './schema.ts';
import { compileNative, UNKNOWN, type NativeFn } from './native.ts';
import { activityBindings, nativeInputOf } from './view.ts';

/** The CEL bindings a rule is evaluated with (see view.ts activityBindings). */
export type RuleBindings = Readonly<Record<string, unknown>>;

/** Outcome of one condition: true/false, or the evaluation error (a missing field, a bad type). */
export type ConditionResult = boolean | { error: string };

/** An ATT&CK reference as it goes into findings. */
export interface RuleAttack {
  technique_uid: string;
  tactic?: string;
}

/** A rule ready to run: every expression parsed, checked and planned once. */
export interface CompiledRule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly severity: RuleSeverity;
  readonly enabled: boolean;
  readonly input: RuleInput;
  /** Sources the rule applies to (metadata.source); null = any. */
  readonly sources: readonly string[] | null;
  /** OCSF classes the rule applies to; null = any of its input. */
  readonly classes: readonly number[] | null;
  readonly condition: string;
  readonly dedup: { readonly key: string; readonly periodMs: number } | null;
  readonly threshold: {
    readonly count: number;
    readonly windowMs: number;
    readonly key: string | null;
    readonly distinct: string | null;
  } | null;
  readonly mitre: readonly RuleAttack[];
  readonly references: readonly string[];
  /** Resource kinds a posture rule applies to (resource-view.ts); null = every kind (resource rules) or an activity rule. */
  readonly kinds: readonly string[] | null;
  /** Benchmark controls the rule checks. */
  readonly compliance: ReadonlyArray<{ readonly standard: string; readonly control: string }>;
  /** How to fix a failure; null when the rule gives none. */
  readonly remediation: string | null;
  readonly tests: readonly RuleTestCase[];
  /** Where the rule was read: file and 1-based line. */
  readonly file: string;
  readonly line: number;
  /** Lower-cased operations the condition requires (`event.api.operation`), or null: the index key. */
  readonly operations: ReadonlySet<string> | null;
  /** Lower-cased services the condition requires (`event.api.service_name`), or null: the second index key. */
  readonly services: ReadonlySet<string> | null;
  /**
   * When `operations` is null: the operation patterns the condition requires (prefixes, suffixes,
   * substrings and exact values, check.ts operationPatterns), or null. The index key of rules such
   * as `event.api.operation.endsWith('/DELETE')` that pin neither the operation nor the service.
   */
  readonly operationPatterns: OperationPatterns | null;
  /** Evaluates the condition. */
  test(bindings: RuleBindings): ConditionResult;
  /** Evaluates the dedup key expression ('' when absent or on error). */
  dedupKey(bindings: RuleBindings): string;
  /** Evaluates the threshold group key expression ('' when absent or on error). */
  thresholdKey(bindings: RuleBindings): string;
  /** Evaluates the threshold distinct expression (null when the threshold counts events). */
  distinctValue(bindings: RuleBindings): string | null;
}

type Planned = (ctx: RuleBindings) => unknown;

function planOf(p: ParsedCondition): Planned {
  const fn = plan(RULE_ENV, p.parsed) as unknown as (ctx: unknown) => unknown;
  return (ctx) => fn(ctx);
}

/** Runs a native function on the bindings' native input; UNKNOWN when there is none or it cannot decide. */
function runNative(nat: NativeFn | null, b: RuleBindings): unknown {
  if (nat === null) return UNKNOWN;
  const input = nativeInputOf(b);
  if (input === null) return UNKNOWN;
  try {
    return nat(input);
  } catch {
    return UNKNOWN;
  }
}

function valueText(fn: Planned | null, nat: NativeFn | null, b: RuleBindings): string {
  if (!fn) return '';
  const n = runNative(nat, b);
  if (n !== UNKNOWN && (n === null || typeof n !== 'object')) {
    const s = str(n);
    return s.length > 256 ? s.slice(0, 256) : s;
  }
  const v = fn(b);
  if (isCelError(v)) return '';
  const s = str(v === null || typeof v !== 'object' ? v : toPlain(v));
  return s.length > 256 ? s.slice(0, 256) : s;
}

/** The problems of one rule; an empty list means it compiled. */
export type CompileResult = { rule: CompiledRule; problems: [] } | { rule: null; problems: string[] };

/** How compileRule treats a rule. */
export interface CompileOptions {
  /**
   * The rule comes from the precompiled packs (precompiled.ts): its expressions were parsed,
   * type-checked and planned at build time, and its index keys computed then. Nothing is parsed
   * now; each expression is parsed and planned when first evaluated, so a process only pays for
   * the rules its events reach.
   */
  readonly prechecked?: {
    readonly operations: readonly string[] | null;
    readonly services: readonly string[] | null;
    /** Absent in packs precompiled before the patterns existed: then the rule is keyed as before. */
    readonly operationPatterns?: OperationPatterns | null;
  };
}

/** The planned expressions of a rule: condition, dedup key, threshold key, distinct value. */
type Plans = readonly [Planned, Planned | null, Planned | null, Planned | null];

/** Their native forms (native.ts), null where nothing can be evaluated natively. */
type Natives = readonly [NativeFn | null, NativeFn | null, NativeFn | null, NativeFn | null];

/** The native forms of parsed expressions (activity rules only: native.ts reads `event`). */
function nativesOf(input: RuleInput, exprs: ReadonlyArray<ParsedCondition | null>): Natives {
  const one = (p: ParsedCondition | null | undefined): NativeFn | null => (input === 'activity' && p ? compileNative(p.parsed.expr) : null);
  return [one(exprs[0]), one(exprs[1]), one(exprs[2]), one(exprs[3])];
}

function windowsOf(doc: RuleDoc): { periodMs: number; windowMs: number } {
  return { periodMs: doc.dedup ? durationMs(doc.dedup.period) : 0, windowMs: doc.threshold ? durationMs(doc.threshold.window) : 0 };
}

function mitreOf(doc: RuleDoc): RuleAttack[] {
  return doc.mitre.map((m) => {
    const i = m.indexOf(':');
    return i < 0 ? { technique_uid: m } : { technique_uid: m.slice(i + 1), tactic: m.slice(0, i) };
  });
}

/** The compiled rule around its plans (given now, or made on first use). */
function ruleOf(
  doc: RuleDoc,
  where: { file: string; line: number },
  plans: () => Plans,
  natives: () => Natives,
  index: { operations: ReadonlySet<string> | null; services: ReadonlySet<string> | null; operationPatterns: OperationPatterns | null },
): CompiledRule {
  const { operations, services } = index;
  const { periodMs, windowMs } = windowsOf(doc);
  return {
    id: doc.id,
    title: doc.title,
    description: doc.description.trim(),
    severity: doc.severity,
    enabled: doc.enabled,
    input: doc.applies_to.input,
    sources: doc.applies_to.sources ?? null,
    classes: doc.applies_to.classes ?? null,
    condition: doc.condition,
    dedup: doc.dedup ? { key: doc.dedup.key, periodMs } : null,
    threshold: doc.threshold
      ? { count: doc.threshold.count, windowMs, key: doc.threshold.key ?? null, distinct: doc.threshold.distinct ?? null }
      : null,
    mitre: mitreOf(doc),
    references: doc.references,
    kinds: doc.applies_to.kinds ?? null,
    compliance: doc.compliance,
    remediation: doc.remediation?.trim() ?? null,
    tests: doc.tests,
    file: where.file,
    line: where.line,
    operations,
    services,
    operationPatterns: operations === null ? index.operationPatterns : null,
    test(b) {
      // The native evaluator answers when it can (the same answer CEL gives), CEL otherwise.
      const n = runNative(natives()[0], b);
      if (n === true || n === false) return n;
      let v: unknown;
      try {
        v = plans()[0](b);
      } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
      }
      if (v === true || v === false) return v;
      if (isCelError(v)) return { error: v.message };
      return { error: `condition gave ${typeof v}, not a bool` };
    },
    dedupKey: (b) => valueText(plans()[1], natives()[1], b),
    thresholdKey: (b) => valueText(plans()[2], natives()[2], b),
    distinctValue: (b) => (doc.threshold?.distinct ? valueText(plans()[3], natives()[3], b) : null),
  };
}

function parsedOrThrow(text: string): ParsedCondition {
  const p = parseCondition(text);
  if ('error' in p) throw new Error(p.error);
  return p;
}

/**
 * Compiles one validated rule document. Problems (CEL syntax, unknown fields or functions,
 * literal type mismatches, a window too long) are returned, never thrown.
 */
export function compileRule(doc: RuleDoc, where: { file: string; line: number }, options: CompileOptions = {}): CompileResult {
  if (options.prechecked) {
    const { operations, services, operationPatterns: patterns } = options.prechecked;
    let parsed: ReadonlyArray<ParsedCondition | null> | undefined;
    const parseAll = (): ReadonlyArray<ParsedCondition | null> =>
      (parsed ??= [
        parsedOrThrow(doc.condition),
        doc.dedup ? parsedOrThrow(doc.dedup.key) : null,
        doc.threshold?.key ? parsedOrThrow(doc.threshold.key) : null,
        doc.threshold?.distinct ? parsedOrThrow(doc.threshold.distinct) : null,
      ]);
    let plans: Plans | undefined;
    let natives: Natives | undefined;
    const lazy = (): Plans => (plans ??= parseAll().map((p) => (p === null ? null : planOf(p))) as unknown as Plans);
    const lazyNatives = (): Natives => (natives ??= nativesOf(doc.applies_to.input, parseAll()));
    const index = { operations: operations ? new Set(operations) : null, services: services ? new Set(services) : null, operationPatterns: patterns ?? null };
    return { rule: ruleOf(doc, where, lazy, lazyNatives, index), problems: [] };
  }
  const problems: string[] = [];
  const input = doc.applies_to.input;
  const compileExpr = (label: string, text: string, expectBool: boolean): ParsedCondition | null => {
    const p = parseCondition(text);
    if ('error' in p) {
      problems.push(`${label}: ${p.error}`);
      return null;
    }
    for (const e of checkExpression(p, input, expectBool)) problems.push(`${label}: ${e}`);
    return p;
  };
  const cond = compileExpr('condition', doc.condition, true);
  const dedupKey = doc.dedup ? compileExpr('dedup.key', doc.dedup.key, false) : null;
  const thrKey = doc.threshold?.key ? compileExpr('threshold.key', doc.threshold.key, false) : null;
  const distinct = doc.threshold?.distinct ? compileExpr('threshold.distinct', doc.threshold.distinct, false) : null;
  const { periodMs, windowMs } = windowsOf(doc);
  if (doc.dedup && (periodMs < 1000 || periodMs > MAX_PERIOD_MS)) problems.push(`dedup.period must be between 1s and 30d, got ${doc.dedup.period}`);
  if (doc.threshold && (windowMs < 1000 || windowMs > MAX_WINDOW_MS)) problems.push(`threshold.window must be between 1s and 7d, got ${doc.threshold.window}`);
  if (input === 'activity' && doc.applies_to.classes && !doc.applies_to.classes.includes(6003)) {
    problems.push('applies_to.classes of an activity rule must include 6003 (API Activity)');
  }
  if (input === 'activity' && doc.applies_to.kinds) problems.push('applies_to.kinds is only for resource rules');
  if (problems.length > 0 || !cond) return { rule: null, problems: problems.length ? problems : ['condition did not compile'] };

  let plans: Plans;
  try {
    plans = [planOf(cond), dedupKey ? planOf(dedupKey) : null, thrKey ? planOf(thrKey) : null, distinct ? planOf(distinct) : null];
  } catch (err) {
    return { rule: null, problems: [`CEL planning failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
  let natives: Natives | undefined;
  const lazyNatives = (): Natives => (natives ??= nativesOf(input, [cond, dedupKey, thrKey, distinct]));
  const operations = operationFilter(cond);
  const index = { operations, services: serviceFilter(cond), operationPatterns: operations === null ? operationPatterns(cond) : null };
  return { rule: ruleOf(doc, where, () => plans, lazyNatives, index), problems: [] };
}

/** Evaluates one activity rule's condition on one event (for tools and tests; the rule set batches this). */
export function testActivity(rule: CompiledRule, event: ApiActivity): ConditionResult {
  return rule.test(activityBindings(event));
}
