import type { ApiActivity } from '../core/events.ts';
import { matchesPatterns } from './check.ts';
import type { CompiledRule, RuleBindings } from './compile.ts';
import { activityBindings } from './view.ts';

/** The rules whose condition held on one event, and the rules whose evaluation failed. */
export interface ActivityEvaluation {
  matches: CompiledRule[];
  errors: Array<{ rule: CompiledRule; error: string }>;
  /** The bindings the conditions saw (reuse them for dedup and threshold keys); null when no rule was a candidate. */
  bindings: RuleBindings | null;
  /** Rules whose condition was evaluated. */
  evaluated: number;
}

interface Bucket {
  byOperation: Map<string, CompiledRule[]>;
  /** Rules keyed by operation patterns (prefix, suffix, substring), checked when the cache misses. */
  byPattern: CompiledRule[];
  byService: Map<string, CompiledRule[]>;
  always: CompiledRule[];
}

function addTo(map: Map<string, CompiledRule[]>, key: string, r: CompiledRule): void {
  const list = map.get(key);
  if (list) list.push(r);
  else map.set(key, [r]);
}

const ANY_SOURCE = '\u0000any';
const CACHE_CAP = 20_000;

/**
 * The activity rules of a pack, indexed so that an event is only evaluated against the rules that
 * can match it: by source (applies_to.sources), then by operation (the values of
 * `event.api.operation` the condition requires, see check.ts operationFilter), else by service
 * (`event.api.service_name`), else by operation pattern (the prefixes, suffixes or substrings it
 * requires, check.ts operationPatterns). Candidates are cached per
 * (source, operation, service, class). Rules keep their load order in every result.
 */
export class ActivityRuleSet {
  readonly rules: readonly CompiledRule[];
  private readonly order = new Map<CompiledRule, number>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly cache = new Map<string, readonly CompiledRule[]>();

  constructor(rules: readonly CompiledRule[]) {
    this.rules = rules.filter((r) => r.input === 'activity' && r.enabled);
    this.rules.forEach((r, i) => this.order.set(r, i));
    for (const r of this.rules) {
      for (const source of r.sources ?? [ANY_SOURCE]) {
        let b = this.buckets.get(source);
        if (!b) this.buckets.set(source, (b = { byOperation: new Map(), byPattern: [], byService: new Map(), always: [] }));
        if (r.operations !== null) for (const op of r.operations) addTo(b.byOperation, op, r);
        else if (r.services !== null) for (const svc of r.services) addTo(b.byService, svc, r);
        else if (r.operationPatterns !== null) b.byPattern.push(r);
        else b.always.push(r);
      }
    }
  }

  /** The rules that may match this event (source, class and operation filters passed). */
  candidates(event: ApiActivity): readonly CompiledRule[] {
    const source = event.metadata.source;
    const op = event.api.operation.toLowerCase();
    const svc = event.api.service_name.toLowerCase();
    const cacheKey = `${source}\u0000${op}\u0000${svc}\u0000${event.class_uid}`;
    const hit = this.cache.get(cacheKey);
    if (hit) return hit;
    const out = new Set<CompiledRule>();
    for (const b of [this.buckets.get(source), this.buckets.get(ANY_SOURCE)]) {
      if (!b) continue;
      for (const r of b.byOperation.get(op) ?? []) out.add(r);
      for (const r of b.byPattern) if (matchesPatterns(op, r.operationPatterns!)) out.add(r);
      for (const r of b.byService.get(svc) ?? []) out.add(r);
      for (const r of b.always) out.add(r);
    }
    const list = [...out]
      .filter((r) => r.classes === null || r.classes.includes(event.class_uid))
      .sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    if (this.cache.size >= CACHE_CAP) this.cache.clear();
    this.cache.set(cacheKey, list);
    return list;
  }

  /** Evaluates the candidate rules' conditions on one event. */
  evaluate(event: ApiActivity): ActivityEvaluation {
    const candidates = this.candidates(event);
    if (candidates.length === 0) return { matches: [], errors: [], bindings: null, evaluated: 0 };
    const bindings = activityBindings(event);
    const matches: CompiledRule[] = [];
    const errors: Array<{ rule: CompiledRule; error: string }> = [];
    for (const r of candidates) {
      const res = r.test(bindings);
      if (res === true) matches.push(r);
      else if (res !== false) errors.push({ rule: r, error: res.error });
    }
    return { matches, errors, bindings, evaluated: candidates.length };
  }
}
