import type { CompiledRule } from './compile.ts';
import { wrap } from './view.ts';
import type { ResourceView } from './resource-view.ts';

/** The outcome of every applicable posture rule on one resource. */
export interface ResourceEvaluation {
  /** Rules whose condition held: the resource fails them. */
  failed: CompiledRule[];
  /** Rules that apply and whose condition was false: the resource passes them. */
  passed: CompiledRule[];
  /** Rules whose condition could not be evaluated (status unknown). */
  errors: Array<{ rule: CompiledRule; error: string }>;
}

/**
 * The posture rules (`applies_to.input: resource`) of a pack, indexed by resource kind. A
 * condition that holds is a violation: the rule describes the bad configuration, as activity rules
 * describe the bad event. Rules keep their load order in every result.
 */
export class ResourceRuleSet {
  readonly rules: readonly CompiledRule[];
  private readonly byKind = new Map<string, CompiledRule[]>();
  private readonly anyKind: CompiledRule[] = [];

  constructor(rules: readonly CompiledRule[]) {
    this.rules = rules.filter((r) => r.input === 'resource' && r.enabled);
    for (const r of this.rules) {
      if (r.kinds === null) this.anyKind.push(r);
      for (const k of r.kinds ?? []) {
        const l = this.byKind.get(k);
        if (l) l.push(r);
        else this.byKind.set(k, [r]);
      }
    }
  }

  /** The rules that apply to a kind (rules without `kinds` apply to every kind). */
  rulesFor(kind: string): readonly CompiledRule[] {
    const own = this.byKind.get(kind) ?? [];
    if (this.anyKind.length === 0) return own;
    const order = new Map(this.rules.map((r, i) => [r, i]));
    return [...own, ...this.anyKind].sort((a, b) => order.get(a)! - order.get(b)!);
  }

  /** Evaluates every rule of the view's kind on it. */
  evaluate(view: ResourceView): ResourceEvaluation {
    const out: ResourceEvaluation = { failed: [], passed: [], errors: [] };
    const rules = this.rulesFor(view.kind);
    if (rules.length === 0) return out;
    const bindings = { resource: wrap(view) };
    for (const r of rules) {
      const res = r.test(bindings);
      if (res === true) out.failed.push(r);
      else if (res === false) out.passed.push(r);
      else out.errors.push({ rule: r, error: res.error });
    }
    return out;
  }
}
